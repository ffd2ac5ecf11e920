"""The audit log, for directors: every entry exported (JSON or CSV), and its hash chain
verified."""

from __future__ import annotations

from typing import Any, Literal

from functions.admin.common import require_director
from pellicule.services import audit
from pellicule.services.sessions import Principal
from pellicule.store import data


def export(principal: Principal, fmt: Literal["json", "csv"]) -> tuple[str, str]:
    require_director(principal)
    data.ready()
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return audit.export(principal.tenant_id, fmt), content_type


def verify(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    data.ready()
    report = audit.verify(principal.tenant_id)
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_seq": report.first_broken_seq,
        "problem": report.problem,
    }
