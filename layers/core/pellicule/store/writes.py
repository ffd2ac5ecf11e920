"""Deletions and updates written together: one DynamoDB transaction, its first delete
optionally conditioned on the item still existing (each thing deleted is counted once,
however often an interrupted run repeats it). Used by the purge, erasures and retention
(``pellicule.services.retention`` re-exports it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from pellicule.store.models import Media

Update = tuple[Any, list[Any]]  # (model instance, PynamoDB update actions)


def transact(
    deletes: Iterable[Any], updates: Iterable[Update] = (), *, first_must_exist: bool = False
) -> bool:
    """Delete ``deletes`` and apply ``updates`` in one transaction. With ``first_must_exist``
    the first delete is conditioned on its item existing: ``False`` means it was already gone
    and nothing was written (so progress counted in ``updates`` is counted once)."""
    items = list(deletes)
    connection = Media._get_connection().connection
    try:
        with TransactWrite(connection=connection) as tx:
            for index, item in enumerate(items):
                condition = type(item).pk.exists() if first_must_exist and index == 0 else None
                tx.delete(item, condition=condition)
            for item, actions in updates:
                tx.update(item, actions=actions)
    except TransactWriteError as error:
        reasons = error.cancellation_reasons or []
        if (
            first_must_exist
            and reasons
            and reasons[0] is not None
            and (reasons[0].code == "ConditionalCheckFailed")
        ):
            return False
        raise
    return True
