"""The demo centre ``make demo`` starts with.

People, groups, consents (one withdrawn) and an album are written through the shared
models; the sample photos go through the real path: an upload grant from the upload API,
a presigned POST to the ingest bucket, the queue, the process function.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests

from local import samples
from pellicule import clock, data, delivery, http, sessions
from pellicule.models import (
    Album,
    Child,
    Consent,
    Group,
    Guardian,
    Media,
    Staff,
    Tenant,
    tenant_pk,
)

if TYPE_CHECKING:
    from local.runtime import LocalRuntime

TENANT = "demo-les-tilleuls"
ALBUM = "sortie-au-parc"
DEMO_LINK_TTL_SECONDS = 3600
SEASON_SECONDS = 300 * 24 * 3600

STAFF = (
    ("claire", "director", "Claire D.", "directrice@les-tilleuls.example"),
    ("karim", "animator", "Karim B.", "animateur@les-tilleuls.example"),
)
CHILDREN = (("lea", "Léa", "M."), ("noah", "Noah", "P."), ("ines", "Inès", "T."))
# guardian id, e-mail, child, consent status
GUARDIANS = (
    ("g-lea", "parent.lea@example.fr", "lea", "active"),
    ("g-noah", "parent.noah@example.fr", "noah", "active"),
    ("g-ines", "parent.ines@example.fr", "ines", "withdrawn"),
)


def _people(now: int) -> None:
    pk = tenant_pk(TENANT)
    Tenant(
        pk, "PROFILE", tenant_id=TENANT, name="Accueil de loisirs Les Tilleuls", created_at=now
    ).save()
    for staff_id, role, name, email in STAFF:
        Staff(
            pk,
            f"STAFF#{staff_id}",
            tenant_id=TENANT,
            staff_id=staff_id,
            role=role,
            display_name=name,
            email=email,
            gsi1pk=f"STAFFEMAIL#{email}",
            gsi1sk="STAFF",
        ).save()
    Group(
        pk, "GROUP#loutres", tenant_id=TENANT, group_id="loutres", name="Les Loutres (6-8 ans)"
    ).save()
    for child_id, first_name, initial in CHILDREN:
        Child(
            pk,
            f"CHILD#{child_id}",
            tenant_id=TENANT,
            child_id=child_id,
            first_name=first_name,
            initial=initial,
            group_id="loutres",
        ).save()
    for guardian_id, email, child_id, status in GUARDIANS:
        Guardian(
            pk,
            f"GUARDIAN#{guardian_id}",
            tenant_id=TENANT,
            guardian_id=guardian_id,
            email=email,
            child_ids={child_id},
            gsi1pk=f"GUARDIANEMAIL#{email}",
            gsi1sk=f"GUARDIAN#{TENANT}",
        ).save()
        Consent(
            pk,
            f"CONSENT#{child_id}#c-{child_id}",
            tenant_id=TENANT,
            consent_id=f"c-{child_id}",
            child_id=child_id,
            guardian_id=guardian_id,
            audiences={"families_of_group"},
            media_kinds={"photo", "video"},
            valid_from=now,
            valid_until=now + SEASON_SECONDS,
            status=status,
            evidence={"kind": "paper_form", "note": "formulaire de démonstration"},
            updated_at=now,
        ).save()
    Album(
        pk,
        f"ALBUM#{ALBUM}",
        tenant_id=TENANT,
        album_id=ALBUM,
        title="Sortie au parc",
        album_date="2026-07-08",
        group_id="loutres",
        created_at=now,
    ).save()


def _upload_samples(runtime: LocalRuntime, session_id: str) -> list[str]:
    files = [
        (f"photo-{index + 1}.jpg", "image/jpeg", samples.photo(index))
        for index in range(len(samples.SCENES))
    ]
    files.append(("sortie.mp4", "video/mp4", samples.video()))
    response = requests.post(
        f"{runtime.base_url}/api/upload/grants",
        json={
            "album_id": ALBUM,
            "files": [
                {"name": name, "type": content_type, "size": len(content)}
                for name, content_type, content in files
            ],
        },
        headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}", http.CSRF_HEADER: "1"},
        timeout=30,
    )
    response.raise_for_status()
    grants: list[dict[str, Any]] = response.json()["grants"]
    for grant, (name, _, content) in zip(grants, files, strict=True):
        posted = requests.post(
            grant["url"], data=grant["fields"], files={"file": (name, content)}, timeout=30
        )
        posted.raise_for_status()
    return [grant["media_id"] for grant in grants]


def _wait_until_processed(runtime: LocalRuntime, media_ids: list[str]) -> list[Media]:
    deadline = time.monotonic() + 60
    while True:
        items = [
            Media.get(tenant_pk(TENANT), f"MEDIA#{m}", consistent_read=True) for m in media_ids
        ]
        if all(item.state not in ("uploading", "processing") for item in items):
            return items
        if time.monotonic() > deadline:
            raise TimeoutError("the demo photos were not processed within 60 s")
        runtime.drain_once()


def seed(runtime: LocalRuntime) -> list[tuple[str, str]]:
    """Create the demo centre; returns labelled links for the start-up banner."""
    data.ready()
    _people(int(clock.now()))
    session_id = sessions.create(TENANT, "staff", "karim", "animator")
    try:
        items = _wait_until_processed(runtime, _upload_samples(runtime, session_id))
    finally:
        sessions.revoke(session_id)
    links = []
    for index, item in enumerate(items, start=1):
        label = "Vidéo / video" if item.kind == "video" else f"Photo {index}"
        if item.state != "ready" or not item.renditions:
            links.append((f"{label} (échec / failed)", item.failure_reason or ""))
            continue
        rendition = "video" if item.kind == "video" else "web"
        url = delivery.media_url(str(item.renditions.as_dict()[rendition]["key"]))
        signed = delivery.sign(url, url, ttl_seconds=DEMO_LINK_TTL_SECONDS)
        links.append((f"{label}, lien signé 1 h / signed link 1 h", signed))
    return links
