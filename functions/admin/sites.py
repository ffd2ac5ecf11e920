"""Sites and groups: where the centre works and how its children are grouped."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin.common import audited, new_id, require_director, require_staff, tidy
from pellicule.api.schema import ABSENT
from pellicule.domain.errors import BadRequest, Conflict
from pellicule.services.sessions import Principal
from pellicule.store import roster


def _group_view(group: roster.GroupRecord) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "name": group.name,
        "site_id": group.site_id,
        "archived": bool(group.archived),
    }


def list_sites(principal: Principal) -> dict[str, Any]:
    return {
        "sites": [
            {"site_id": s.site_id, "name": s.name, "archived": bool(s.archived)}
            for s in roster.sites(principal.tenant_id)
        ]
    }


def create_site(principal: Principal, body: c.SiteCreate) -> dict[str, Any]:
    require_director(principal)
    site_id = new_id()
    site = roster.new_site(principal.tenant_id, site_id, name=tidy(body.name, "name"))
    audited(principal, f"site:{site_id}", "created", roster.created(site))
    return {"site_id": site_id, "name": site.name, "archived": False}


def _require_site(tenant_id: str, site_id: str | None) -> None:
    if site_id is not None:
        site = roster.site_or_404(tenant_id, site_id)
        if site.archived:
            raise Conflict("site_archived")


def list_groups(principal: Principal) -> dict[str, Any]:
    require_staff(principal)
    return {"groups": [_group_view(g) for g in roster.groups(principal.tenant_id)]}


def create_group(principal: Principal, body: c.GroupCreate) -> dict[str, Any]:
    require_director(principal)
    site_id = body.site_id
    _require_site(principal.tenant_id, site_id)
    group_id = new_id()
    group = roster.new_group(
        principal.tenant_id,
        group_id,
        name=tidy(body.name, "name"),
        site_id=site_id,
    )
    audited(principal, f"group:{group_id}", "created", roster.created(group))
    return _group_view(group)


def update_group(principal: Principal, group_id: str, body: c.GroupChange) -> dict[str, Any]:
    require_director(principal)
    group = roster.group_or_404(principal.tenant_id, group_id)
    changes: dict[str, Any] = {}
    if body.name is not ABSENT:
        changes["name"] = tidy(body.name, "name")
    if body.site_id is not ABSENT:
        site_id = body.site_id
        _require_site(principal.tenant_id, site_id)
        changes["site_id"] = site_id or None  # None: on no site
    if not changes:
        raise BadRequest("nothing_to_change")
    audited(principal, f"group:{group_id}", "updated", roster.updated(group, changes))
    return _group_view(roster.reloaded(group))


def archive_group(principal: Principal, group_id: str) -> dict[str, Any]:
    require_director(principal)
    group = roster.group_or_404(principal.tenant_id, group_id)
    active = [
        child
        for child in roster.children(principal.tenant_id)
        if child.group_id == group_id and not child.archived
    ]
    if active:
        raise Conflict("group_has_children", count=len(active))
    audited(principal, f"group:{group_id}", "archived", roster.archived(group))
    return _group_view(roster.reloaded(group))
