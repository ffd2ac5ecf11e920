"""Domain errors. Each maps to one HTTP status in ``pellicule.api.http`` (one place).

An error carries a *reason*: a code of the message catalogue (``pellicule.domain.messages``)
and that message's parameters, e.g. ``TooLarge("upload_too_large", name=..., megabytes=20)``.
The class says the HTTP family (``code``: ``bad_request``, ``not_found``...), the reason says
what exactly, the catalogue says it in French and English. ``str(error)`` is the reason alone:
parameters may quote what a person sent (a file name, an address) and never reach a log.
"""

from __future__ import annotations

from typing import Any

from pellicule.domain import messages


class PelliculeError(Exception):
    """Base class. ``reason``: a catalogue code; ``params``: its parameters; ``texts``: the
    message in both languages, safe to show to the person who made the request."""

    status = 500
    code = "internal_error"

    def __init__(self, reason: str, /, **params: Any) -> None:
        messages.check(reason, params)  # a wrong code or parameter is a bug: fail loudly
        self.reason = reason
        self.params: dict[str, Any] = params
        super().__init__(reason)

    @property
    def texts(self) -> messages.Texts:
        """The message in French and English."""
        return messages.both(self.reason, self.params)


class BadRequest(PelliculeError):
    status = 400
    code = "bad_request"


class Unauthenticated(PelliculeError):
    status = 401
    code = "unauthenticated"


class SecondFactorRequired(Unauthenticated):
    """A session whose second factor (TOTP) is still pending: it reaches only the TOTP routes."""

    code = "second_factor_required"


class Forbidden(PelliculeError):
    status = 403
    code = "forbidden"


class NotFound(PelliculeError):
    status = 404
    code = "not_found"


class Conflict(PelliculeError):
    status = 409
    code = "conflict"


class TooLarge(PelliculeError):
    status = 413
    code = "too_large"


class ConfigurationError(PelliculeError):
    """The function is misconfigured (a deployment problem, never the user's).

    Its parameters are deployment facts (a variable's name), never a person's data: ``str()``
    carries them, for the operator reading the logs."""

    status = 500
    code = "configuration_error"

    def __str__(self) -> str:
        details = ", ".join(f"{name}={value}" for name, value in self.params.items())
        return f"{self.reason} ({details})" if details else self.reason


class RejectedMedia(PelliculeError):
    """An uploaded file cannot be processed; the reason (stored on the item) tells the
    uploader why."""

    status = 422
    code = "rejected_media"


def error_code(error: Exception) -> str:
    """An exception's AWS error code or class name, for logs: never its message (messages may
    quote data such as an e-mail address)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str) and code.isidentifier():
            return code
    return type(error).__name__
