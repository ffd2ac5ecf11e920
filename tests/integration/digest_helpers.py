"""Helpers of the daily-digest tests: publish items through the staff API, run the digest,
call ``/api/digest``, read the digests out of the recorded mail."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import ALBUM_DATE, Aws, Centre, LambdaContext, api_event
from tests.integration.auth_helpers import SentMail
from tests.integration.helpers import drain, put_as_browser, request_grant
from tests.integration.scenario import Scenario
from tests.support.images import jpeg_with_metadata

GROUP = "families_of_group"
CENTRE = "all_families_of_centre"
UNSUBSCRIBE_LINK = re.compile(r"https?://[^\s\"<]+/unsubscribe\.html#([A-Za-z0-9_.-]+)")
DIGEST_SUBJECT = "nouvelles photos et vidéos / new photos and videos"


def publish(
    aws: Aws,
    centre: Scenario,
    *children: str,
    album_id: str | None = None,
    audiences: list[str] | None = None,
) -> str:
    """A processed photo, tagged (or marked "no identifiable child"), approved."""
    as_centre = Centre(centre.tenant_id, album_id or centre.album_id, centre.animator, "")
    data = jpeg_with_metadata((320, 240))
    grant = request_grant(as_centre, data)
    put_as_browser(aws, grant, data)
    drain(aws)
    media_id = str(grant["media_id"])
    tags: dict[str, Any] = (
        {"child_ids": [centre.children[c] for c in children]}
        if children
        else {"no_identifiable_child": True}
    )
    centre.ok(centre.admin("PUT", f"media/{media_id}/tags", tags, session=centre.animator))
    review: dict[str, Any] = {"decision": "approve"}
    if audiences is not None:
        review["audiences"] = audiences
    published = centre.ok(centre.admin("POST", f"media/{media_id}/review", review))
    assert published["state"] == "published", published
    return media_id


def album(centre: Scenario, title: str, group: str | None) -> str:
    payload: dict[str, Any] = {"title": title, "date": ALBUM_DATE}
    if group is not None:
        payload["group_id"] = centre.groups[group]
    return str(centre.ok(centre.admin("POST", "albums", payload), 201)["album_id"])


def run_digest() -> dict[str, Any]:
    """One scheduled run, through the handler, with EventBridge's event, a second after what
    the test just did (an item published in the run's own second waits for the next run)."""
    from functions.digest import handler
    from pellicule.config import clock

    clock.advance(1)

    event = {
        "version": "0",
        "id": "11111111-2222-3333-4444-555555555555",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-07-09T17:00:00Z",
        "region": "eu-west-3",
        "resources": ["arn:aws:events:eu-west-3:123456789012:rule/pellicule-local-digest"],
        "detail": {},
    }
    result: dict[str, Any] = handler.handler(event, LambdaContext())
    return result


def digest_api(
    method: str,
    path: str,
    body: Any = None,
    *,
    session: str | None = None,
    csrf: bool = True,
    ip: str = "198.51.100.9",
) -> dict[str, Any]:
    """Call ``/api/digest``; ``path`` is relative to it (e.g. ``/unsubscribe``)."""
    from functions.digest import handler

    event = api_event(method, f"/api/digest{path}", body=body, session=session, csrf=csrf)
    event["requestContext"]["http"]["sourceIp"] = ip
    result: dict[str, Any] = handler.handler(event, LambdaContext())
    return result


def digests(outbox: list[SentMail], since: int = 0) -> dict[str, SentMail]:
    """The digests recorded from ``since`` on, by recipient (each recipient at most once)."""
    found: dict[str, SentMail] = {}
    for sent in outbox[since:]:
        if sent.subject.endswith(DIGEST_SUBJECT):
            [to] = sent.to
            assert to not in found, f"two digests to {to}"
            found[to] = sent
    return found


def unsubscribe_token(sent: SentMail) -> str:
    tokens = set(UNSUBSCRIBE_LINK.findall(sent.text))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def next_day(centre: Scenario, days: int = 1) -> None:
    """Move the product clock on by ``days`` and give the staff and families fresh sessions
    (the old ones have timed out)."""
    from pellicule.config import clock
    from pellicule.services import sessions

    clock.advance(days * 24 * 3600)
    centre.director = sessions.create(centre.tenant_id, "staff", "dir-1", "director")
    centre.animator = sessions.create(centre.tenant_id, "staff", "anim-1", "animator")
    for family in centre.families.values():
        family.session = sessions.create(
            centre.tenant_id, "guardian", family.guardian_id, "guardian"
        )


def guardian(centre: Scenario, who: str) -> Any:
    from pellicule.store.models import Guardian, tenant_pk

    return Guardian.get(
        tenant_pk(centre.tenant_id),
        f"GUARDIAN#{centre.families[who].guardian_id}",
        consistent_read=True,
    )


def email(who: str) -> str:
    return f"{who}@famille.example"


def family_with_news(tenant_id: str, guardian_id: str, email: str) -> None:
    """A centre-wide published item and one family (child + guardian linked both ways)."""
    from pellicule.store import data, keys
    from pellicule.store.models import Album, Child, Guardian, Media, Tenant, tenant_pk

    data.ready()
    pk = tenant_pk(tenant_id)
    from pellicule.config import clock

    now = int(clock.now())
    try:
        Tenant.get(pk, "PROFILE")
    except Tenant.DoesNotExist:
        Tenant(
            pk,
            "PROFILE",
            tenant_id=tenant_id,
            name="Centre",
            created_at=now,
            gsi1pk=keys.CENTRES_GSI,  # in the centres index, as the operator's create puts it
            gsi1sk=keys.centre_gsi_sk(tenant_id),
        ).save()
        Album(
            pk,
            "ALBUM#a1",
            tenant_id=tenant_id,
            album_id="a1",
            title="Kermesse",
            album_date="2026-07-08",
            created_at=now,
        ).save()
        Media(
            pk,
            "MEDIA#m1",
            tenant_id=tenant_id,
            media_id="m1",
            album_id="a1",
            kind="photo",
            state="published",
            declared_type="image/jpeg",
            declared_size=1,
            ingest_key="ingest/photo/x",
            uploaded_by="staff:s1",
            created_at=now,
            updated_at=now,
            no_identifiable_child=True,
            published_audiences={"all_families_of_centre"},
            published_at=now - 60,
        ).save()
    child_id = f"c-{guardian_id}"
    Child(
        pk,
        f"CHILD#{child_id}",
        tenant_id=tenant_id,
        child_id=child_id,
        first_name="Enfant",
        initial="X",
        group_id="g",
        guardian_ids={guardian_id},
    ).save()
    Guardian(
        pk,
        f"GUARDIAN#{guardian_id}",
        tenant_id=tenant_id,
        guardian_id=guardian_id,
        email=email,
        child_ids={child_id},
    ).save()
