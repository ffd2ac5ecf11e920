"""Each function's bundle, as the template deploys it, answers one real event under
Python 3.13 with nothing but the bundle (and the runtime's boto3) on ``sys.path``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

# infra.config first: importing infra.bundling first is a circular import.
import infra.config  # noqa: F401

# isort: split
from infra import bundling
from local import samples, seed
from local.runtime import LocalRuntime
from pellicule.api import http
from pellicule.config import topology
from pellicule.services import sessions
from pellicule.store import keys
from pellicule.store.models import Media, tenant_pk
from tests.support import lambda_bundle
from tests.support.lambda_bundle import BundleHandlers, Bundles, Invocation

pytestmark = pytest.mark.bundle


def _clean(invocation: Invocation) -> None:
    assert invocation.python == lambda_bundle.PYTHON_VERSION
    # Imported from the bundle, the runtime's boto3 or the standard library only.
    assert invocation.foreign_modules == []


def test_every_function_is_laid_out_as_the_template_deploys_it(bundles: Bundles) -> None:
    assert set(bundles.functions) == set(topology.FUNCTIONS)
    machine = bundling.host_platform().elf_machine
    for opt in {f.opt for f in bundles.functions.values()}:
        native = bundling.native_files(opt)
        assert native, opt
        assert {bundling._elf_machine(path) for path in native} == {machine}
    for function in bundles.functions.values():
        assert function.runtime == "python3.13"
        assert function.layers[0] == "core"
        module = function.handler.rpartition(".")[0].replace(".", "/")
        assert (function.task_root / f"{module}.py").is_file(), function.handler
        # The runtime provides boto3: no layer ships it.
        assert not (function.opt / "python" / "boto3").exists()
        assert (bundles.runtime_sdk / "boto3").is_dir()


@pytest.mark.parametrize(
    "request_", lambda_bundle.API_REQUESTS, ids=[r.function for r in lambda_bundle.API_REQUESTS]
)
def test_each_api_function_answers_a_request(
    bundles: Bundles, runtime: LocalRuntime, request_: lambda_bundle.ApiRequest
) -> None:
    event = lambda_bundle.api_event(runtime, request_, lambda_bundle.session_cookie(request_.who))
    invocation = lambda_bundle.invoke(bundles, request_.function, event, runtime)
    _clean(invocation)
    answer = invocation.result
    assert 200 <= answer["statusCode"] < 300, (answer, invocation.output[-3000:])


@pytest.fixture(scope="module")
def uploaded(bundles: Bundles, runtime: LocalRuntime) -> dict[str, str]:
    """A photo and a video, granted by the upload bundle and posted to the ingest bucket:
    S3 notifies the ingest queues (media ids by kind)."""
    files = {
        "photo": ("bundle.jpg", "image/jpeg", samples.photo(0)),
        "video": ("bundle.mp4", "video/mp4", samples.video()),
    }
    request_ = lambda_bundle.ApiRequest(
        "upload",
        "POST",
        "/api/upload/grants",
        ("staff", "karim", "animator"),
        {
            "album_id": seed.ALBUM,
            "files": [
                {"name": name, "type": kind, "size": len(content)}
                for name, kind, content in files.values()
            ],
        },
    )
    event = lambda_bundle.api_event(runtime, request_, lambda_bundle.session_cookie(request_.who))
    answer = lambda_bundle.invoke(bundles, "upload", event, runtime).result
    assert answer["statusCode"] == 201, answer
    grants = json.loads(answer["body"])["grants"]
    media_ids = {}
    for grant, (kind, (name, _, content)) in zip(grants, files.items(), strict=True):
        posted = requests.post(
            grant["url"], data=grant["fields"], files={"file": (name, content)}, timeout=30
        )
        assert posted.status_code in (200, 204), posted.text
        media_ids[kind] = grant["media_id"]
    return media_ids


def _media(media_id: str) -> Media:
    return Media.get(tenant_pk(seed.TENANT), keys.media_sk(media_id), consistent_read=True)


def _assert_renditions_written(runtime: LocalRuntime, item: Media) -> None:
    assert item.renditions is not None
    written = item.renditions.as_dict()
    assert written
    s3 = runtime.client("s3")
    for rendition in written.values():
        head = s3.head_object(Bucket=runtime.names.media_bucket, Key=rendition["key"])
        assert head["ContentLength"] > 0


@pytest.mark.parametrize(("kind", "function"), [("photo", "process"), ("video", "video")])
def test_the_ingest_queue_event_renders_the_upload(
    runtime: LocalRuntime,
    through_bundles: BundleHandlers,
    uploaded: dict[str, str],
    kind: str,
    function: str,
) -> None:
    drainer = runtime.drainers[kind]
    failed = drainer.failed
    before = len(through_bundles.calls)
    with runtime.handlers.override(function, through_bundles.handler(function)):
        handled = runtime.drain_once(kind)
    assert through_bundles.errors == []
    assert handled == 1
    assert drainer.failed == failed
    [invocation] = through_bundles.calls[before:]
    _clean(invocation)
    assert invocation.result == {"batchItemFailures": []}
    item = _media(uploaded[kind])
    assert item.state == "ready", item.failure_reason
    _assert_renditions_written(runtime, item)


def test_the_stream_event_serves_a_published_item(
    runtime: LocalRuntime, through_bundles: BundleHandlers, uploaded: dict[str, str]
) -> None:
    media_id = uploaded["photo"]
    if _media(media_id).state != "ready":  # run alone: the in-process handler renders it
        runtime.drain_once("photo")
    assert _media(media_id).state == "ready"
    director = sessions.create(seed.TENANT, "staff", "claire", "director")
    headers = {"Cookie": f"{sessions.COOKIE_NAME}={director}", http.CSRF_HEADER: "1"}
    for method, path, body in (
        ("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}),
        (
            "POST",
            f"media/{media_id}/review",
            {"decision": "approve", "audiences": ["all_families_of_centre"]},
        ),
    ):
        response = requests.request(
            method, f"{runtime.base_url}/api/admin/{path}", json=body, headers=headers, timeout=30
        )
        assert response.status_code < 300, response.text
    assert _media(media_id).state == "published"
    assert not _media(media_id).served
    before = len(through_bundles.calls)
    with runtime.handlers.override("revocation", through_bundles.handler("revocation")):
        delivered = runtime.drain_stream("revocation")
    assert through_bundles.errors == []
    assert delivered >= 1
    calls = through_bundles.calls[before:]
    assert calls
    for invocation in calls:
        _clean(invocation)
        assert not invocation.result or invocation.result.get("batchItemFailures") == []
    assert _media(media_id).served


def test_the_stream_event_chains_a_family_s_view(
    runtime: LocalRuntime, through_bundles: BundleHandlers
) -> None:
    """The chainer's bundle, alone in a fresh process, binds the models and chains the view."""
    from pellicule.services import audit

    audit.record(seed.TENANT, "view", "guardian:bundle", "album:bundle")
    assert audit.verify(seed.TENANT).pending >= 1
    before = len(through_bundles.calls)
    with runtime.handlers.override("chainer", through_bundles.handler("chainer")):
        delivered = runtime.drain_stream("chainer")
    assert through_bundles.errors == []
    assert delivered >= 1
    calls = through_bundles.calls[before:]
    assert calls
    for invocation in calls:
        _clean(invocation)
        assert invocation.result == {"batchItemFailures": []}
    report = audit.verify(seed.TENANT)
    assert (report.ok, report.pending) == (True, 0), report


def _scheduled(bundles: Bundles, runtime: LocalRuntime, function: str) -> list[Any]:
    scheduled = bundles.scheduled_events(function)
    assert scheduled, f"no EventBridge rule targets {function}"
    results = []
    for event in scheduled:
        invocation = lambda_bundle.invoke(bundles, function, event, runtime)
        _clean(invocation)
        results.append(invocation.result)
    return results


def test_the_purge_schedules_run(bundles: Bundles, runtime: LocalRuntime) -> None:
    # The daily run (a Scheduled Event) and the hourly erasure run (the rule's input).
    for report in _scheduled(bundles, runtime, "purge"):
        assert isinstance(report, dict)
        assert not report.get("errors"), report


def test_the_digest_schedule_sends_the_days_mail(bundles: Bundles, runtime: LocalRuntime) -> None:
    mail_before = len(runtime.sent_mail())
    [report] = _scheduled(bundles, runtime, "digest")
    assert report["failed"] == 0
    assert report["tenants"] >= 1
    assert report["sent"] >= 1, report
    assert len(runtime.sent_mail()) == mail_before + report["sent"]
