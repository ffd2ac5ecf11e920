"""Issue 7's "done when", in the demo: with the clock moved forward, expired media and an
erased child leave no trace in any store (every table item, every object version of every
bucket)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from local import seed
from local.runtime import LocalRuntime
from pellicule.config import clock, topology
from pellicule.domain import retention
from pellicule.services import sessions
from pellicule.store import data
from pellicule.store.models import MediaTag, tenant_pk
from tests.e2e.journeys import api

pytestmark = pytest.mark.e2e

DAY = 24 * 3600


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(autouse=True)
def real_time() -> Iterator[None]:
    yield
    clock.reset()  # the clock is the process's: never leave it moved for other tests


def _mentions(text: str) -> re.Pattern[str]:
    """``text`` as a whole id: not inside another word ("lea" is in "clean"), nor the demo's
    ids and addresses of Léa's parent ("g-lea", "parent.lea@..."), who is not erased."""
    return re.compile(rf"(?<![A-Za-z0-9])(?<!g-)(?<!parent\.){re.escape(text)}(?![A-Za-z0-9])")


def table_items(runtime: LocalRuntime) -> list[dict[str, Any]]:
    dynamodb = runtime.client("dynamodb")
    items: list[dict[str, Any]] = []
    table = topology.local_names().table
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    return items


def object_keys(runtime: LocalRuntime) -> list[str]:
    """Every version and delete marker of every bucket, as bucket/key."""
    s3 = runtime.client("s3")
    keys: list[str] = []
    for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                keys.append(f"{bucket}/{entry['Key']}")
    return keys


def traces(runtime: LocalRuntime, text: str) -> tuple[list[dict[str, Any]], list[str]]:
    pattern = _mentions(text)
    items = [i for i in table_items(runtime) if pattern.search(json.dumps(i, ensure_ascii=False))]
    keys = [k for k in object_keys(runtime) if pattern.search(k)]
    return items, keys


def test_an_erased_child_and_expired_media_leave_no_trace_in_any_store(
    runtime: LocalRuntime,
) -> None:
    seed.seed(runtime)
    data.ready()
    shown = [
        t.media_id
        for t in MediaTag.query(tenant_pk(seed.TENANT), MediaTag.sk.startswith("TAG#lea#"))
    ]
    assert shown, "the demo shows Léa on some items"
    # The search finds Léa everywhere she is before the erasure (it can fail)
    items, keys = traces(runtime, "lea")
    assert {"CHILD", "CONSENT", "TAG"} <= {i["sk"]["S"].split("#")[0] for i in items}
    assert any("/k.lea/" in k for k in keys) or traces(runtime, shown[0])[1]
    # Léa's parent asks for the erasure; the director chooses to remove the items
    parent = sessions.create(seed.TENANT, "guardian", "g-lea", "guardian")
    asked = api(
        runtime, parent, "POST", "/api/family/children/lea/erasure-request", {"confirm": True}
    )
    assert asked.status_code == 200, asked.text
    director = sessions.create(seed.TENANT, "staff", "claire", "director")
    chosen = api(
        runtime, director, "PATCH", "/api/admin/children/lea/erasure-request", {"mode": "remove"}
    )
    assert chosen.status_code == 200, chosen.text
    # The purge carries it out
    report = runtime.run_purge()
    assert report["tenants"][seed.TENANT]["erasures_done"] == 1
    certificates = [m for m in runtime.sent_mail() if "Certificat" in m.subject]
    assert [m.to for m in certificates] == [["parent.lea@example.fr"]]
    # Only the consent proof and the audit log name Léa now; her items are gone from S3
    items, keys = traces(runtime, "lea")
    assert {i["sk"]["S"].split("#")[0] for i in items if i["pk"]["S"].startswith("TENANT#")} <= {
        "CONSENTLOG",
        "ERASURE",
    }
    assert all(k.startswith(topology.local_names().evidence_bucket) for k in keys), keys
    for media_id in shown:
        assert traces(runtime, media_id)[1] == []
    # Years later (the album's retention, then the consent proof period), nothing is left of
    # Léa, her items, or any expired item of the demo
    album_media = [
        i["media_id"]["S"]
        for i in table_items(runtime)
        if i["sk"]["S"].startswith("MEDIA#") and i["pk"]["S"] == tenant_pk(seed.TENANT)
    ]
    clock.advance(retention.PROOF_SECONDS + 400 * DAY)
    # DynamoDB's TTL has long deleted what expired (sessions, links, processing claims)
    assert runtime.expire_ttl() > 0
    report = runtime.run_purge()
    assert report["complete"] is True, report
    assert report["errors"] == {}, report
    assert traces(runtime, "lea") == ([], [])
    for media_id in [*shown, *album_media]:
        assert traces(runtime, media_id) == ([], []), media_id
    assert traces(runtime, seed.ALBUM) == ([], [])
