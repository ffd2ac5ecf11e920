"""Roster import (directors; docs/roster-import.md): children and guardians from a CSV file
as family-portal and booking software export it.

``preview``: the encoding and separator detected, the proposed (or given) column mapping, the
first lines as they would be stored and every line's errors. ``run``: the same checks, then
(unless ``dry_run``) the writes: groups created on the way; a child matched by its external id
(its id derives from it) or else by first name + initial + group, created or updated; a
guardian matched by address, created or linked; both sides of each link in one transaction
(``pellicule.store.roster_import``); one audit entry with the counts (no name, no address).
Lines with errors are skipped and listed. New guardians are marked ``welcome_due``: the daily
digest run sends their welcome e-mails (never 300 e-mails inside the request).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.admin import contract as c
from functions.admin.common import new_id, require_director, staff_ref
from pellicule.domain import messages
from pellicule.domain import roster_import as rules
from pellicule.domain.errors import BadRequest, Conflict, TooLarge
from pellicule.services import audit
from pellicule.services.sessions import Principal
from pellicule.store import roster
from pellicule.store import roster_import as store

MAX_ERRORS = 300  # per answer; the count says how many lines have one


def _table(body: c.RosterImport) -> tuple[rules.Table, tuple[str, ...]]:
    try:
        raw = base64.b64decode(body.file, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("import_file_unreadable") from None
    try:
        table = rules.read(raw)
    except rules.ImportFileError as error:
        raise (TooLarge if error.status == 413 else BadRequest)(error.reason) from None
    mapping = tuple(body.mapping) if body.mapping is not None else rules.propose(table.header)
    problem = rules.check_mapping(mapping, len(table.header))
    if problem:
        raise BadRequest(problem)
    return table, mapping


def _errors(rows: Sequence[rules.Row]) -> list[dict[str, Any]]:
    found = [e for r in rows for e in r.errors][:MAX_ERRORS]
    return [
        {"line": e.line, "field": e.field, "code": e.code, "message": messages.both(e.code, {})}
        for e in found
    ]


def _note(code: str, **params: Any) -> dict[str, str]:
    texts = messages.both(code, params)
    return {"code": code, "fr": texts["fr"], "en": texts["en"]}


def _notes(mapping: Sequence[str], without_email: int, new_guardians: int) -> list[dict[str, str]]:
    notes = []
    if "last_name" in mapping:
        notes.append(_note("import_note_surname_dropped"))
    if without_email:
        notes.append(_note("import_note_without_email", count=without_email))
    if new_guardians:
        notes.append(_note("import_note_welcome_later", count=new_guardians))
    return notes


def preview(principal: Principal, body: c.RosterImport) -> dict[str, Any]:
    require_director(principal)
    table, mapping = _table(body)
    rows = rules.rows(table, mapping)
    without_email = sum(1 for r in rows if r.valid and not r.emails)
    return {
        "encoding": table.encoding,
        "separator": table.separator,
        "columns": [{"name": n, "field": f} for n, f in zip(table.header, mapping, strict=True)],
        "rows": [
            {
                "line": r.line,
                "first_name": r.first_name,
                "initial": r.initial,
                "group": r.group,
                "emails": list(r.emails),
                "valid": r.valid,
            }
            for r in rows[: rules.PREVIEW_ROWS]
        ],
        "errors": _errors(rows),
        "lines": len(rows),
        "valid": sum(1 for r in rows if r.valid),
        "without_email": without_email,
        "surname_dropped": "last_name" in mapping,
        "notes": _notes(mapping, without_email, 0),
    }


# --- The plan ------------------------------------------------------------------------------


@dataclass
class _ChildPlan:
    record: roster.ChildRecord
    new: bool
    changes: dict[str, Any] = field(default_factory=dict)
    add: set[str] = field(default_factory=set)


@dataclass
class _GuardianPlan:
    record: roster.GuardianRecord
    new: bool
    add: set[str] = field(default_factory=set)


@dataclass
class _Plan:
    tenant_id: str
    groups: dict[str, roster.GroupRecord]
    new_groups: list[roster.GroupRecord] = field(default_factory=list)
    children_by_id: dict[str, roster.ChildRecord] = field(default_factory=dict)
    children_by_name: dict[tuple[str, str, str], roster.ChildRecord] = field(default_factory=dict)
    guardians_by_email: dict[str, roster.GuardianRecord] = field(default_factory=dict)
    children: dict[str, _ChildPlan] = field(default_factory=dict)
    guardians: dict[str, _GuardianPlan] = field(default_factory=dict)
    links: list[tuple[Hashable, Hashable]] = field(default_factory=list)
    skipped: list[rules.LineError] = field(default_factory=list)
    without_email: int = 0


def _load(tenant_id: str) -> _Plan:
    groups = {rules.group_key(g.name): g for g in roster.groups(tenant_id) if not g.archived}
    plan = _Plan(tenant_id, groups)
    for child in roster.children(tenant_id):
        plan.children_by_id[child.child_id] = child
        if not child.archived:
            key = (rules.name_key(child.first_name), child.initial, child.group_id)
            plan.children_by_name[key] = child
    for guardian in roster.guardians(tenant_id):
        if not guardian.archived:
            plan.guardians_by_email[guardian.email] = guardian
    return plan


def external_child_id(tenant_id: str, external_id: str) -> str:
    """The id of the child an external id names (the external id itself is not stored)."""
    return hashlib.sha256(f"{tenant_id}\x00{external_id}".encode()).hexdigest()[:16]


def _group(plan: _Plan, name: str) -> roster.GroupRecord:
    key = rules.group_key(name)
    if key not in plan.groups:
        group = roster.new_group(plan.tenant_id, new_id(), name=name, site_id=None)
        plan.groups[key] = group
        plan.new_groups.append(group)
    return plan.groups[key]


def _match(plan: _Plan, row: rules.Row, group_id: str) -> tuple[str, roster.ChildRecord | None]:
    """The child's id and the child it names already (or ``None``)."""
    if row.external_id:
        child_id = external_child_id(plan.tenant_id, row.external_id)
        if child_id in plan.children_by_id:
            return child_id, plan.children_by_id[child_id]
    else:
        child_id = new_id()
    key = (rules.name_key(row.first_name), row.initial, group_id)
    found = plan.children_by_name.get(key)
    return (found.child_id, found) if found is not None else (child_id, None)


def _child(plan: _Plan, row: rules.Row) -> _ChildPlan | None:
    group = _group(plan, row.group)
    child_id, found = _match(plan, row, group.group_id)
    if found is not None and found.archived:
        plan.skipped.append(rules.LineError(row.line, "first_name", "import_child_archived"))
        return None
    if child_id in plan.children:
        return plan.children[child_id]
    if found is None:
        record = roster.new_child(
            plan.tenant_id,
            child_id,
            first_name=row.first_name,
            initial=row.initial,
            group_id=group.group_id,
        )
        made = _ChildPlan(record, new=True)
    else:
        wanted = {"first_name": row.first_name, "initial": row.initial, "group_id": group.group_id}
        changes = {k: v for k, v in wanted.items() if getattr(found, k) != v}
        made = _ChildPlan(found, new=False, changes=changes)
    plan.children[child_id] = made
    return made


def _guardian(plan: _Plan, email: str) -> _GuardianPlan:
    if email not in plan.guardians:
        found = plan.guardians_by_email.get(email)
        if found is None:
            record = roster.new_guardian(
                plan.tenant_id, new_id(), email=email, child_ids=(), welcome_due=True
            )
            plan.guardians[email] = _GuardianPlan(record, new=True)
        else:
            plan.guardians[email] = _GuardianPlan(found, new=False)
    return plan.guardians[email]


def _link(plan: _Plan, child: _ChildPlan, guardian: _GuardianPlan) -> None:
    child_id, guardian_id = child.record.child_id, guardian.record.guardian_id
    if guardian_id not in (child.record.guardian_ids or set()):
        child.add.add(guardian_id)
    if child_id not in (guardian.record.child_ids or set()):
        guardian.add.add(child_id)
    plan.links.append((("child", child_id), ("guardian", guardian_id)))


def plan_import(tenant_id: str, rows: Sequence[rules.Row]) -> _Plan:
    plan = _load(tenant_id)
    for row in rows:
        if not row.valid:
            continue
        child = _child(plan, row)
        if child is None:
            continue
        if not row.emails:
            plan.without_email += 1
        for email in row.emails:
            _link(plan, child, _guardian(plan, email))
    return plan


# --- Writing -------------------------------------------------------------------------------


def _writes(plan: _Plan) -> list[tuple[Hashable, audit.Companion]]:
    writes: list[tuple[Hashable, audit.Companion]] = []
    for child_id, item in plan.children.items():
        if item.new:
            item.record.guardian_ids = set(item.add)
            writes.append((("child", child_id), roster.created(item.record)))
        elif item.changes or item.add:
            update = roster.updated_and_linked(item.record, item.changes, item.add)
            writes.append((("child", child_id), update))
    for family in plan.guardians.values():
        key = ("guardian", family.record.guardian_id)
        if family.new:
            family.record.child_ids = set(family.add)
            writes.append((key, roster.created(family.record)))
        elif family.add:
            writes.append((key, roster.updated_and_linked(family.record, {}, family.add)))
    return writes


def _counts(plan: _Plan, rows: Sequence[rules.Row]) -> dict[str, int]:
    children = plan.children.values()
    new_guardians = sum(1 for g in plan.guardians.values() if g.new)
    return {
        "lines": len(rows),
        "errors": sum(1 for r in rows if not r.valid) + len(plan.skipped),
        "children_created": sum(1 for c in children if c.new),
        "children_updated": sum(1 for c in children if not c.new and (c.changes or c.add)),
        "children_unchanged": sum(1 for c in children if not c.new and not (c.changes or c.add)),
        "guardians_created": new_guardians,
        "guardians_updated": sum(1 for g in plan.guardians.values() if not g.new and g.add),
        "groups_created": len(plan.new_groups),
        "without_email": plan.without_email,
        "welcome_due": new_guardians,
    }


def _too_large_families(plan: _Plan) -> None:
    for item in plan.guardians.values():
        if len(set(item.record.child_ids or ()) | item.add) > c.MAX_FAMILY:
            raise BadRequest("import_family_too_large")


def run(principal: Principal, body: c.RosterImport) -> dict[str, Any]:
    require_director(principal)
    table, mapping = _table(body)
    rows = rules.rows(table, mapping)
    plan = plan_import(principal.tenant_id, rows)
    _too_large_families(plan)
    counts = _counts(plan, rows)
    errors = _errors(rows) + [
        {"line": e.line, "field": e.field, "code": e.code, "message": messages.both(e.code, {})}
        for e in plan.skipped
    ]
    if not body.dry_run:
        groups = [roster.created(g) for g in plan.new_groups]
        writes = _writes(plan)
        transactions = store.batches([groups, *store.families(writes, plan.links)])
        try:
            store.commit(t for t in transactions if t)
        except audit.CompanionConflictError:
            raise Conflict("roster_changed_meanwhile") from None
        audit.append(
            principal.tenant_id,
            "roster_changed",
            staff_ref(principal),
            f"roster:import-{new_id()}",
            {"change": "imported", **{k: v for k, v in counts.items() if k != "welcome_due"}},
        )
    return {
        "dry_run": body.dry_run,
        "counts": counts,
        "errors": sorted(errors, key=lambda e: e["line"])[:MAX_ERRORS],
        "notes": _notes(mapping, plan.without_email, counts["guardians_created"]),
    }
