"""A small centre built through the staff API, for consent and publication tests.

Group "loutres": Léa (two guardians: g1, g2) and Noah (one guardian: g3).
Group "renards": Zoé (one guardian: g4). An album of the loutres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.conftest import ALBUM_DATE, api_event
from tests.integration.helpers import body, call


@dataclass
class Family:
    guardian_id: str
    session: str


@dataclass
class Scenario:
    tenant_id: str
    director: str
    animator: str
    groups: dict[str, str] = field(default_factory=dict)
    children: dict[str, str] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    album_id: str = ""

    def admin(
        self, method: str, path: str, payload: Any = None, *, session: str | None = None
    ) -> dict[str, Any]:
        return call(
            "admin",
            api_event(method, f"/api/admin/{path}", body=payload, session=session or self.director),
        )

    def family(self, who: str, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        return call(
            "family",
            api_event(
                method, f"/api/family/{path}", body=payload, session=self.families[who].session
            ),
        )

    def ok(self, response: dict[str, Any], status: int = 200) -> Any:
        assert response["statusCode"] == status, response
        return body(response)


def build(tenant_id: str | None = None) -> Scenario:
    import uuid

    from pellicule.config import clock
    from pellicule.services import sessions
    from pellicule.store import data, keys
    from pellicule.store.models import Staff, Tenant, tenant_pk

    data.ready()
    tenant_id = tenant_id or f"t{uuid.uuid4().hex[:10]}"
    now = int(clock.now())
    pk = tenant_pk(tenant_id)
    Tenant(
        pk,
        "PROFILE",
        tenant_id=tenant_id,
        name="Centre",
        created_at=now,
        gsi1pk=keys.CENTRES_GSI,  # in the centres index, as the operator's create puts it
        gsi1sk=keys.centre_gsi_sk(tenant_id),
    ).save()
    for staff_id, role in (("dir-1", "director"), ("anim-1", "animator")):
        Staff(
            pk,
            f"STAFF#{staff_id}",
            tenant_id=tenant_id,
            staff_id=staff_id,
            role=role,
            display_name=staff_id,
            email=f"{staff_id}@centre.example",
        ).save()
    scenario = Scenario(
        tenant_id=tenant_id,
        director=sessions.create(tenant_id, "staff", "dir-1", "director"),
        animator=sessions.create(tenant_id, "staff", "anim-1", "animator"),
    )
    for name in ("loutres", "renards"):
        created = scenario.ok(scenario.admin("POST", "groups", {"name": name}), 201)
        scenario.groups[name] = created["group_id"]
    for name, group in (("lea", "loutres"), ("noah", "loutres"), ("zoe", "renards")):
        created = scenario.ok(
            scenario.admin(
                "POST",
                "children",
                {
                    "first_name": name.capitalize(),
                    "initial": "X",
                    "group_id": scenario.groups[group],
                },
            ),
            201,
        )
        scenario.children[name] = created["child_id"]
    for who, kids in (("g1", ["lea"]), ("g2", ["lea"]), ("g3", ["noah"]), ("g4", ["zoe"])):
        created = scenario.ok(
            scenario.admin(
                "POST",
                "guardians",
                {
                    "email": f"{who}@famille.example",
                    "child_ids": [scenario.children[k] for k in kids],
                },
            ),
            201,
        )
        scenario.families[who] = Family(
            created["guardian_id"],
            sessions.create(tenant_id, "guardian", created["guardian_id"], "guardian"),
        )
    album = scenario.ok(
        scenario.admin(
            "POST",
            "albums",
            {"title": "Sortie", "date": ALBUM_DATE, "group_id": scenario.groups["loutres"]},
        ),
        201,
    )
    scenario.album_id = album["album_id"]
    return scenario


def consent_text_hash() -> str:
    from pellicule.domain import consent_text

    return consent_text.CURRENT.sha256


def give(
    scenario: Scenario,
    who: str,
    child: str,
    audiences: list[str],
    kinds: list[str] | None = None,
) -> dict[str, Any]:
    return scenario.family(
        who,
        "POST",
        f"children/{scenario.children[child]}/consent",
        {
            "audiences": audiences,
            "media_kinds": kinds or ["photo", "video"],
            "text_sha256": consent_text_hash(),
        },
    )
