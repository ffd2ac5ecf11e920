"""The demo centre ``make demo`` starts with.

People, groups, consents (one withdrawn), a consent campaign in progress and an album are
written through the shared models and stores; the sample photos go through the real path: an
upload grant from the upload API, a presigned POST to the ingest bucket, the queue, the
process function.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests

from local import samples
from pellicule.adapters import delivery
from pellicule.api import http
from pellicule.config import clock
from pellicule.domain import messages
from pellicule.services import consent, sessions, tenant_settings
from pellicule.store import data, keys
from pellicule.store.models import (
    Album,
    Child,
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
CHILDREN = (
    ("lea", "Léa", "M."),
    ("noah", "Noah", "P."),
    ("ines", "Inès", "T."),
    # Issue 18: the consent campaign's other cases (docs/consent-campaign.md)
    ("sacha", "Sacha", "R."),  # asked and reminded once, no answer yet: waiting
    ("maya", "Maya", "D."),  # the family's address was refused: bounced
    ("jules", "Jules", "L."),  # no guardian address on file: bounced (a paper form)
)
# guardian id, e-mail, child, consent status
GUARDIANS = (
    ("g-lea", "parent.lea@example.fr", "lea", "active"),
    ("g-noah", "parent.noah@example.fr", "noah", "active"),
    ("g-ines", "parent.ines@example.fr", "ines", "withdrawn"),
)
# Guardians without a consent yet (the campaign's waiting and bounced families)
CAMPAIGN_FAMILIES = (
    ("g-sacha", "parent.sacha@example.fr", "sacha"),
    ("g-maya", "ancienne.adresse.maya@example.fr", "maya"),
)
# The season's campaign, started this long before the demo starts (reminders every 7 days).
CAMPAIGN_STARTED_DAYS_AGO = 10

# Who to sign in as in the demo (printed by ``python -m local``): ask for a link on the sign-in
# page, then open it from the dev mailbox.
SIGN_IN = (
    ("parent (Léa) : sa galerie / their gallery", "parent.lea@example.fr"),
    ("direction / director (+ TOTP)", "directrice@les-tilleuls.example"),
    ("animation / animator", "animateur@les-tilleuls.example"),
)
# The views the banner opens directly: one single-use sign-in link each, valid an hour.
OPEN_AS = (
    ("Parent (Léa)", "guardian", "g-lea"),
    ("Direction / director", "staff", "claire"),
    ("Animation / animator", "staff", "karim"),
)


def _people(now: int) -> None:
    pk = tenant_pk(TENANT)
    Tenant(
        pk,
        keys.PROFILE,
        tenant_id=TENANT,
        name="Accueil de loisirs Les Tilleuls",
        created_at=now,
        gsi1pk=keys.CENTRES_GSI,  # the centres index: the purge visits it
        gsi1sk=keys.centre_gsi_sk(TENANT),
    ).save()
    for staff_id, role, name, email in STAFF:
        Staff(
            pk,
            keys.staff_sk(staff_id),
            tenant_id=TENANT,
            staff_id=staff_id,
            role=role,
            display_name=name,
            email=email,
            gsi1pk=keys.staff_email_gsi(email),
            gsi1sk=keys.staff_email_gsi_sk(TENANT),
        ).save()
    Group(
        pk,
        keys.group_sk("loutres"),
        tenant_id=TENANT,
        group_id="loutres",
        name="Les Loutres (6-8 ans)",
    ).save()
    guardians_of: dict[str, set[str]] = {}
    families = [(g, email, child) for g, email, child, _ in GUARDIANS] + list(CAMPAIGN_FAMILIES)
    for guardian_id, _, child_id in families:
        guardians_of.setdefault(child_id, set()).add(guardian_id)
    for child_id, first_name, initial in CHILDREN:
        Child(
            pk,
            keys.child_sk(child_id),
            tenant_id=TENANT,
            child_id=child_id,
            first_name=first_name,
            initial=initial,
            group_id="loutres",
            guardian_ids=guardians_of.get(child_id, set()),
        ).save()
    for guardian_id, email, child_id in families:
        Guardian(
            pk,
            keys.guardian_sk(guardian_id),
            tenant_id=TENANT,
            guardian_id=guardian_id,
            email=email,
            child_ids={child_id},
            gsi1pk=keys.guardian_email_gsi(email),
            gsi1sk=keys.guardian_email_gsi_sk(TENANT),
        ).save()
    Album(
        pk,
        keys.album_sk(ALBUM),
        tenant_id=TENANT,
        album_id=ALBUM,
        title="Sortie au parc",
        # A week ago: within any retention whatever the day the demo starts.
        album_date=(datetime.fromtimestamp(now, tz=UTC).date() - timedelta(days=7)).isoformat(),
        group_id="loutres",
        created_at=now,
    ).save()


def _consents(now: int) -> None:
    """Paper forms recorded by the director (the real consent logic, history and audit)."""
    settings = tenant_settings.for_tenant(TENANT)
    for guardian_id, _, child_id, status in GUARDIANS:
        child = consent.require_child(TENANT, child_id)
        evidence = {
            "kind": "paper_form",
            "recorded_by": "claire",
            "signed_by": [guardian_id],
            "note": "formulaire de démonstration",
        }
        consent.change(
            TENANT,
            child,
            actor="staff:claire",
            requested=consent.Terms(
                frozenset({"families_of_group"}),
                frozenset({"photo", "video"}),
                now,
                now + SEASON_SECONDS,
            ),
            evidence=evidence,
            agreeing=[guardian_id],
            settings=settings,
            at=now,
        )
        if status == "withdrawn":
            consent.change(
                TENANT,
                child,
                actor=f"guardian:{guardian_id}",
                requested=None,
                evidence={"kind": "electronic", "guardian": guardian_id, "at": now},
                agreeing=[guardian_id],
                settings=settings,
                at=now,
            )


def _campaign(now: int) -> None:
    """Issue 18: the season's consent campaign, in progress (the board at /campaign.html):
    started ten days ago for the whole centre; Léa and Noah answered (their paper forms,
    recorded after it started), Inès's family withdrew (refused), Sacha's family was asked and
    reminded once (waiting), Maya's address was refused (bounced) and Jules has no guardian
    with an address (bounced: a paper form). Nothing is mailed: the sends are recorded as the
    campaign made them."""
    from pellicule.domain import campaign as rules
    from pellicule.domain import consent_text
    from pellicule.store import campaigns

    started = now - CAMPAIGN_STARTED_DAYS_AGO * rules.DAY_SECONDS
    today = datetime.fromtimestamp(now, tz=UTC)
    season_start = today.year if today.month >= 7 else today.year - 1
    campaign = rules.Campaign(
        campaign_id="demo-season",
        season=f"{season_start}-{season_start + 1}",
        group_ids=(),
        text_version=consent_text.CURRENT.version,
        created_by="staff:claire",
        started_at=started,
    )
    details = {"change": "started", "campaign": campaign.campaign_id, "children": len(CHILDREN)}
    campaigns.start(TENANT, campaign, details)
    for guardian_id, _, _, _ in GUARDIANS:
        campaigns.claim(TENANT, campaign, guardian_id, state=rules.SENDING, at=started)
        campaigns.sent(TENANT, campaign.campaign_id, guardian_id, at=started)
    campaigns.claim(TENANT, campaign, "g-sacha", state=rules.SENDING, at=started)
    campaigns.sent(TENANT, campaign.campaign_id, "g-sacha", at=started)
    first = rules.Send("g-sacha", rules.SENT, started, started, 0)
    campaigns.claim_reminder(TENANT, campaign.campaign_id, first, at=now - 3 * rules.DAY_SECONDS)
    campaigns.claim(TENANT, campaign, "g-maya", state=rules.SENDING, at=started)
    campaigns.rejected(TENANT, campaign.campaign_id, "g-maya")


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
            Media.get(tenant_pk(TENANT), keys.media_sk(m), consistent_read=True) for m in media_ids
        ]
        if all(item.state not in ("uploading", "processing") for item in items):
            return items
        if time.monotonic() > deadline:
            raise TimeoutError("the demo photos were not processed within 60 s")
        runtime.drain_once()


def _api(runtime: LocalRuntime, session_id: str, method: str, path: str, body: Any) -> Any:
    response = requests.request(
        method,
        f"{runtime.base_url}/api/admin/{path}",
        json=body,
        headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}", http.CSRF_HEADER: "1"},
        timeout=30,
    )
    if response.status_code >= 400:
        raise RuntimeError(f"demo seed: {method} {path} -> {response.status_code} {response.text}")
    return response.json()


def _wait_for_blur(runtime: LocalRuntime, media_id: str) -> None:
    deadline = time.monotonic() + 60
    while not Media.get(tenant_pk(TENANT), keys.media_sk(media_id), consistent_read=True).blurred:
        if time.monotonic() > deadline:
            raise TimeoutError("the demo blur was not rendered within 60 s")
        runtime.drain_once("photo")


def _curate(runtime: LocalRuntime, items: list[Media]) -> None:
    """Tag, blur and validate the samples through the staff API, as a centre would."""
    animator = sessions.create(TENANT, "staff", "karim", "animator")
    director = sessions.create(TENANT, "staff", "claire", "director")
    try:
        photos = [m.media_id for m in items if m.kind == "photo" and m.state == "ready"]
        videos = [m.media_id for m in items if m.kind == "video" and m.state == "ready"]
        plan: list[tuple[str, dict[str, Any], list[str] | None]] = []
        if len(photos) >= 3:
            plan += [
                (photos[0], {"child_ids": ["lea", "noah"]}, None),
                (photos[1], {"child_ids": ["lea", "ines"]}, ["ines"]),
                (photos[2], {"no_identifiable_child": True}, None),
            ]
        plan += [(video, {"child_ids": ["noah"]}, None) for video in videos]
        for media_id, tags, hide in plan:
            _api(runtime, animator, "PUT", f"media/{media_id}/tags", tags)
            if hide:
                # Inès's guardian withdrew: her face is blurred instead of dropping the photo.
                requests.put(
                    f"{runtime.base_url}/api/upload/media/{media_id}/faces",
                    json={"boxes": [[0.55, 0.3, 0.2, 0.3]], "hides": hide},
                    headers={
                        "Cookie": f"{sessions.COOKIE_NAME}={animator}",
                        http.CSRF_HEADER: "1",
                    },
                    timeout=30,
                ).raise_for_status()
                _wait_for_blur(runtime, media_id)
            audiences = ["all_families_of_centre"] if "no_identifiable_child" in tags else None
            body: dict[str, Any] = {"decision": "approve"}
            if audiences:
                body["audiences"] = audiences
            _api(runtime, director, "POST", f"media/{media_id}/review", body)
    finally:
        sessions.revoke(animator)
        sessions.revoke(director)


def _wait_until_served(runtime: LocalRuntime, media_ids: list[str]) -> None:
    """Publication reaches families through the table's stream (the revocation function
    copies what each audience may see): wait until every published sample is served."""
    deadline = time.monotonic() + 60
    while True:
        items = [
            Media.get(tenant_pk(TENANT), keys.media_sk(m), consistent_read=True) for m in media_ids
        ]
        if all(item.state != "published" or item.served for item in items):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the demo items were not served within 60 s")
        runtime.drain_stream()


def seed(runtime: LocalRuntime) -> list[tuple[str, str]]:
    """Create the demo centre; returns labelled links for the start-up banner."""
    data.ready()
    now = int(clock.now())
    _people(now)
    _campaign(now)  # before the consents: they are the campaign's answers
    _consents(now)
    session_id = sessions.create(TENANT, "staff", "karim", "animator")
    try:
        items = _wait_until_processed(runtime, _upload_samples(runtime, session_id))
    finally:
        sessions.revoke(session_id)
    _curate(runtime, items)
    _wait_until_served(runtime, [m.media_id for m in items])
    links = []
    for index, processed in enumerate(items, start=1):
        item = Media.get(tenant_pk(TENANT), keys.media_sk(processed.media_id), consistent_read=True)
        label = "Vidéo / video" if item.kind == "video" else f"Photo {index}"
        if item.state not in ("ready", "published") or not item.renditions:
            said = messages.read_record(item.failure_reason) if item.failure_reason else None
            why = f"{said['fr']} / {said['en']}" if said else ""
            links.append((f"{label} (échec / failed)", why))
            continue
        rendition = "video" if item.kind == "video" else "web"
        source = item.renditions
        if item.blurred and item.blurred.as_dict():
            source, label = item.blurred, f"{label} (floutée / blurred)"
        url = delivery.media_url(str(source.as_dict()[rendition]["key"]))
        signed = delivery.sign(url, url, ttl_seconds=DEMO_LINK_TTL_SECONDS)
        links.append((f"{label}, lien signé 1 h / signed link 1 h", signed))
    return links


def sign_in_links() -> list[tuple[str, str]]:
    """A fresh single-use sign-in link per demo view (parent, director, animator), valid an
    hour: opening one and pressing its button lands on that person's home page."""
    from pellicule.services import magic_links

    links = []
    for label, kind, principal_id in OPEN_AS:
        account = magic_links.current_account(TENANT, kind, principal_id)
        if account is None:
            continue
        issued = magic_links.issue_link(account, DEMO_LINK_TTL_SECONDS)
        links.append((label, magic_links.link_url(delivery.public_url(), issued)))
    return links
