"""Small helpers to drive the staff (``/api/admin``) and family (``/api/family``) handlers.

Each call goes through the real handler with an API Gateway HTTP API event, exactly as AWS
delivers it; the session is the only source of the caller's tenant and role.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ALBUM_DATE, Aws, Centre, LambdaContext, api_event
from tests.integration.helpers import drain, put_as_browser, request_grant
from tests.support import images

SAFE = ("GET", "HEAD")


def admin(
    method: str, path: str, session: str | None, body: Any = None, *, csrf: bool | None = None
) -> dict[str, Any]:
    """Call the staff API; ``path`` is relative to ``/api/admin`` (e.g. ``/groups``)."""
    from functions.admin.handler import handler

    event = api_event(
        method,
        f"/api/admin{path}",
        body=body,
        session=session,
        csrf=method not in SAFE if csrf is None else csrf,
    )
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def family(
    method: str, path: str, session: str | None, body: Any = None, *, csrf: bool | None = None
) -> dict[str, Any]:
    """Call the family API; ``path`` is relative to ``/api/family``."""
    from functions.family.handler import handler

    event = api_event(
        method,
        f"/api/family{path}",
        body=body,
        session=session,
        csrf=method not in SAFE if csrf is None else csrf,
    )
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def payload(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def ok(response: dict[str, Any], status: int = 200) -> Any:
    """The JSON body of a response that must have ``status`` (shows the body otherwise)."""
    assert response["statusCode"] == status, response.get("body")
    return payload(response)


# --- Sessions --------------------------------------------------------------------------------


def staff_session(tenant_id: str, staff_id: str, role: str = "director") -> str:
    from pellicule.services import sessions

    return sessions.create(tenant_id, "staff", staff_id, role)


def guardian_session(tenant_id: str, guardian_id: str) -> str:
    from pellicule.services import sessions

    return sessions.create(tenant_id, "guardian", guardian_id, "guardian")


# --- Roster ----------------------------------------------------------------------------------


def create_group(session: str, name: str = "Les Loutres") -> str:
    return str(ok(admin("POST", "/groups", session, {"name": name}), 201)["group_id"])


def create_child(session: str, group_id: str, first_name: str = "Léa", initial: str = "M") -> str:
    created = ok(
        admin(
            "POST",
            "/children",
            session,
            {"first_name": first_name, "initial": initial, "group_id": group_id},
        ),
        201,
    )
    return str(created["child_id"])


def create_guardian(session: str, email: str, child_ids: list[str]) -> str:
    created = ok(
        admin("POST", "/guardians", session, {"email": email, "child_ids": child_ids}), 201
    )
    return str(created["guardian_id"])


def create_staff(session: str, email: str, role: str = "animator", trusted: bool = False) -> str:
    created = ok(
        admin(
            "POST",
            "/staff",
            session,
            {"email": email, "role": role, "display_name": "Sam", "trusted": trusted},
        ),
        201,
    )
    return str(created["staff_id"])


def create_album(session: str, title: str = "Piscine", group_id: str | None = None) -> str:
    body: dict[str, Any] = {"title": title, "date": ALBUM_DATE}
    if group_id is not None:
        body["group_id"] = group_id
    return str(ok(admin("POST", "/albums", session, body), 201)["album_id"])


def set_settings(session: str, **values: Any) -> dict[str, Any]:
    result: dict[str, Any] = ok(admin("PUT", "/settings", session, values))
    return result


# --- Consents --------------------------------------------------------------------------------


def consent_text_hash(session: str) -> str:
    return str(ok(family("GET", "/consent-text", session))["sha256"])


def give_consent(
    session: str,
    child_id: str,
    audiences: list[str] | None = None,
    media_kinds: list[str] | None = None,
) -> dict[str, Any]:
    """A guardian accepts the current consent text for ``child_id`` (electronic evidence)."""
    result: dict[str, Any] = ok(
        family(
            "POST",
            f"/children/{child_id}/consent",
            session,
            {
                "audiences": audiences or ["families_of_group", "all_families_of_centre"],
                "media_kinds": media_kinds or ["photo", "video"],
                "text_sha256": consent_text_hash(session),
            },
        )
    )
    return result


def consent_status(tenant_id: str, child_id: str) -> str:
    from pellicule.services import consent

    return str(consent.describe(consent.current(tenant_id, child_id))["status"])


def consent_history(tenant_id: str, child_id: str) -> list[dict[str, Any]]:
    from pellicule.services import consent

    return consent.history(tenant_id, child_id)


def audit_length(tenant_id: str) -> int:
    from pellicule.services import audit
    from pellicule.store import data

    data.ready()
    return len(audit.export_rows(tenant_id))


# --- Items -----------------------------------------------------------------------------------


def ready_photo(aws: Aws, centre: Centre, album_id: str | None = None) -> str:
    """A photo uploaded to ``album_id`` (default: the centre's album) and processed."""
    photo = images.jpeg_with_metadata((64, 48))
    target = Centre(
        tenant_id=centre.tenant_id,
        album_id=album_id or centre.album_id,
        director_session=centre.director_session,
        guardian_session=centre.guardian_session,
    )
    grant = request_grant(target, photo)
    put_as_browser(aws, grant, photo)
    drain(aws)
    return str(grant["media_id"])


def tag(session: str, media_id: str, child_ids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"child_ids": child_ids, "no_identifiable_child": not child_ids}
    result: dict[str, Any] = ok(admin("PUT", f"/media/{media_id}/tags", session, body))
    return result


def _stored_media(media_id: str) -> Any:
    from pellicule.store.models import Media

    [item] = list(Media.scan(Media.sk == f"MEDIA#{media_id}", consistent_read=True))
    return item


def stream_delivery(media_id: str, old_image: dict[str, Any]) -> None:
    """Hand the change of one media item to the revocation function, as the table's stream
    does in AWS (publication creates the served copies there: docs/delivery.md)."""
    from functions.revocation.handler import handler

    new = _stored_media(media_id)
    record = {
        "eventID": "1",
        "eventName": "MODIFY",
        "dynamodb": {
            "Keys": {"pk": {"S": new.pk}, "sk": {"S": new.sk}},
            "SequenceNumber": "1".zfill(21),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "NewImage": new.serialize(),
            "OldImage": old_image,
        },
    }
    assert handler({"Records": [record]}, None) == {"batchItemFailures": []}


def publish(session: str, media_id: str, audiences: list[str]) -> dict[str, Any]:
    """Publish, then deliver the change as the stream would (the served copies appear)."""
    before = _stored_media(media_id).serialize()
    result: dict[str, Any] = ok(
        admin("POST", f"/media/{media_id}/publish", session, {"audiences": audiences})
    )
    stream_delivery(media_id, before)
    return result


PDF_SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def record_paper_consent(
    aws: Aws,
    session: str,
    child_id: str,
    signed_by: list[str],
    audiences: list[str] | None = None,
    media_kinds: list[str] | None = None,
) -> dict[str, Any]:
    """The director records a signed paper form: scan grant, upload (as the browser's POST
    would store it), then the consent with its signatories."""
    grant = ok(
        admin(
            "POST",
            f"/children/{child_id}/consent/scan",
            session,
            {"type": "application/pdf", "size": len(PDF_SCAN)},
        ),
        201,
    )
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket,
        Key=grant["fields"]["key"],
        Body=PDF_SCAN,
        ContentType=grant["fields"]["Content-Type"],
    )
    result: dict[str, Any] = ok(
        admin(
            "POST",
            f"/children/{child_id}/consent",
            session,
            {
                "audiences": audiences or ["families_of_group", "all_families_of_centre"],
                "media_kinds": media_kinds or ["photo", "video"],
                "scan_id": grant["scan_id"],
                "signed_by": signed_by,
            },
        )
    )
    return result


def snapshot(aws: Aws, tenant_id: str) -> list[dict[str, Any]]:
    """Every stored item of a centre (its data and its audit log), to show nothing changed."""
    dynamodb = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    for pk in (f"TENANT#{tenant_id}", f"AUDIT#{tenant_id}"):
        paginator = dynamodb.get_paginator("query")
        for page in paginator.paginate(
            TableName=aws.names.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        ):
            items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
