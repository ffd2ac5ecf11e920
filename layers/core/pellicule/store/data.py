"""Binds the models to the configured table before any data access."""

from __future__ import annotations

from pellicule.config.settings import get_settings
from pellicule.store import models


def ready() -> None:
    """Bind every model to this function's table (cheap after the first call)."""
    settings = get_settings()
    models.bind(settings.table, settings.region)
