"""What the digest API accepts and answers (``/api/digest/...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypedDict

from pellicule.api.schema import Text
from pellicule.domain.messages import Texts

# An unsubscribe token is ``<centre>.<guardian>.<secret>`` (functions/digest/tokens.py, at
# most 173 characters); its format is checked by the use case, which gives one answer for
# every token that does not work, well-formed or not.
MAX_TOKEN_CHARS = 1024


@dataclass(frozen=True)
class UnsubscribeRequest:
    """The token of an e-mail's unsubscribe link."""

    token: Annotated[str, Text(max_length=MAX_TOKEN_CHARS)] | None = None


class Unsubscribed(TypedDict):
    """Done (or already done): ``reason`` says so, ``message`` in French and English (the
    page shows both)."""

    unsubscribed: Literal[True]
    reason: Literal["digest_unsubscribed"]
    message: Texts


class Subscription(TypedDict):
    subscribed: bool
