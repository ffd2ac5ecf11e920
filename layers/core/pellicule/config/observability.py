"""Logging for every function: Powertools JSON logs, created on first use.

Log pseudonymous ids only (tenant id, media id, request id): never e-mails, names or tokens.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger


class _Stdout:
    """Standard output as it is when a line is written, not when the logger was made.

    Lambda's never changes; a test runner's does (pytest swaps ``sys.stdout`` per test): a
    cached logger made during one test would otherwise write into that test's dead buffer
    for the rest of the process, and a later test reading its logs would see nothing."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@cache
def logger(service: str) -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=f"pellicule-{service}", stream=_Stdout())  # type: ignore[arg-type]
