"""Domain errors. Each maps to one HTTP status in ``pellicule.api.http`` (one place)."""

from __future__ import annotations


class PelliculeError(Exception):
    """Base class; ``message`` is safe to show to the person who made the request."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    """The function is misconfigured (a deployment problem, never the user's)."""

    status = 500
    code = "configuration_error"


class RejectedMedia(PelliculeError):
    """An uploaded file cannot be processed; ``message`` tells the uploader why."""

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
