"""Contract: every schedule, queue and stream of the template delivers an event its function
parses, and selects the behaviour intended.

- Schedules: each EventBridge rule's target gets the rule's ``Input`` (or, without one, the
  scheduled-event envelope); the target function's real handler runs on it up to the use case
  it selects, which is recorded instead of run.
- Queues: the key the upload code writes for each kind is routed by the ingest bucket's
  notification configuration (event and prefix/suffix filters) to one queue, whose consumer's
  real handler (configured with the template's environment) hands it to the pipeline of that
  kind; the mapping's batch settings are those the handler needs (partial batch failures when
  it returns ``batchItemFailures``, a batch size SQS accepts, visibility >= 6x the timeout).
- Stream: the records real store writes leave on the table's stream (moto), cut to the
  template's ``StreamViewType``, go through the template's ``FilterCriteria`` (evaluated by
  ``local/filters.py``): every record the revocation parser acts on passes, the others
  (sessions, unpublished items...) are dropped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote_plus

import pytest

from local import events as local_events
from local.filters import EventFilter
from pellicule.config import topology
from tests.infra.support import ACCOUNT, Variant, as_list, logical_id, names

pytestmark = pytest.mark.infra

WHICH = ["main", "variant"]


class Selected(Exception):
    """Raised by the recorded use case: what the handler selected, with its arguments."""

    def __init__(self, what: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(what)
        self.what, self.args_, self.kwargs = what, args, kwargs


def function_of(variant: Variant, reference: Any) -> str:
    """Short name (``purge``...) of the function a ``Ref`` / ``Fn::GetAtt`` refers to."""
    key = reference["Ref"] if "Ref" in reference else reference["Fn::GetAtt"][0]
    full = variant.resources[key]["Properties"]["FunctionName"]
    [name] = [n for n in topology.FUNCTIONS if names(variant).function(n) == full]
    return name


def function_props(variant: Variant, name: str) -> dict[str, Any]:
    [props] = [
        r["Properties"]
        for r in variant.of_type("AWS::Lambda::Function").values()
        if r["Properties"].get("FunctionName") == names(variant).function(name)
    ]
    return dict(props)


@contextmanager
def configured_like(variant: Variant, name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The function's environment from the template (intrinsics as placeholders)."""
    from pellicule.config import settings

    variables = function_props(variant, name)["Environment"]["Variables"]
    with monkeypatch.context() as env:
        for key, value in variables.items():
            env.setenv(key, value if isinstance(value, str) else f"resolved-{key}")
        env.setenv("AWS_REGION", variant.config.region)
        env.setenv("AWS_DEFAULT_REGION", variant.config.region)
        settings.get_settings.cache_clear()
        try:
            yield
        finally:
            settings.get_settings.cache_clear()


def handler_of(name: str) -> Any:
    import importlib

    return importlib.import_module(f"functions.{name}.handler").handler


# --- Schedules ----------------------------------------------------------------------------------


def scheduled_invocations(variant: Variant) -> list[tuple[str, str, dict[str, Any]]]:
    """(rule's schedule, target function, the event it receives) for every target."""
    found = []
    for key, rule in variant.of_type("AWS::Events::Rule").items():
        props = rule["Properties"]
        for target in props["Targets"]:
            if "Input" in target:
                event = json.loads(target["Input"])
            else:
                rule_arn = f"arn:aws:events:{variant.config.region}:{ACCOUNT}:rule/{key}"
                event = local_events.scheduled_event(
                    rule_arn=rule_arn, account=ACCOUNT, region=variant.config.region
                )
            found.append((props["ScheduleExpression"], function_of(variant, target["Arn"]), event))
    return found


def _selected(name: str, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Selected:
    """Run the handler on the event; the use case it reaches is recorded, not run."""
    import importlib

    from tests.conftest import LambdaContext

    logic = importlib.import_module(f"functions.{name}.logic")

    def record(*args: Any, **kwargs: Any) -> Any:
        raise Selected(f"{name}.logic.run", *args, **kwargs)

    monkeypatch.setattr(logic, "run", record)
    with pytest.raises(Selected) as selected:
        handler_of(name)(event, LambdaContext())
    return selected.value


@pytest.mark.parametrize("which", WHICH)
def test_every_schedule_runs_the_intended_job(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    from functions.purge import logic as purge

    variant: Variant = request.getfixturevalue(which)
    # What each schedule of the topology is meant to do.
    intended = {
        topology.PURGE_SCHEDULE_EXPRESSION: ("purge", {"steps": tuple(purge.STEPS)}),
        topology.ERASURE_SCHEDULE_EXPRESSION: ("purge", {"steps": tuple(topology.ERASURE_STEPS)}),
        topology.DIGEST_SCHEDULE_EXPRESSION: ("digest", {}),
    }
    invocations = scheduled_invocations(variant)
    assert sorted(expression for expression, _, _ in invocations) == sorted(intended)
    for expression, name, event in invocations:
        function, arguments = intended[expression]
        assert name == function, expression
        with configured_like(variant, name, monkeypatch):
            selected = _selected(name, event, monkeypatch)
        assert selected.what == f"{name}.logic.run", (expression, selected.what)
        if "steps" in arguments:
            assert tuple(selected.kwargs["steps"]) == arguments["steps"], expression
            assert selected.args_ == (None,), expression  # every centre


# --- Queues -------------------------------------------------------------------------------------


def _ingest_bucket(variant: Variant) -> dict[str, Any]:
    [bucket] = [
        r["Properties"]
        for r in variant.of_type("AWS::S3::Bucket").values()
        if r["Properties"].get("NotificationConfiguration", {}).get("QueueConfigurations")
    ]
    return dict(bucket)


def _s3_event_matches(configured: str, event_name: str) -> bool:
    """``s3:ObjectCreated:*`` matches ``ObjectCreated:Post`` (S3 event type wildcards)."""
    wanted = configured.removeprefix("s3:")
    return wanted == event_name or (
        wanted.endswith(":*") and event_name.startswith(wanted.removesuffix("*"))
    )


def _filter_matches(configuration: dict[str, Any], key: str) -> bool:
    rules = configuration.get("Filter", {}).get("S3Key", {}).get("Rules", [])
    for rule in rules:
        name, value = rule["Name"].lower(), rule["Value"]
        if (name == "prefix" and not key.startswith(value)) or (
            name == "suffix" and not key.endswith(value)
        ):
            return False
    return True


def routed_queues(variant: Variant, key: str, event_name: str) -> list[str]:
    """Logical ids of the queues the ingest bucket notifies for this object-created event."""
    configurations = _ingest_bucket(variant)["NotificationConfiguration"]["QueueConfigurations"]
    return [
        c["Queue"]["Fn::GetAtt"][0]
        for c in configurations
        if _s3_event_matches(c["Event"], event_name) and _filter_matches(c, key)
    ]


def consumer(variant: Variant, queue_key: str) -> tuple[str, dict[str, Any]]:
    [props] = [
        m["Properties"]
        for m in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    ]
    return function_of(variant, props["FunctionName"]), dict(props)


def s3_message(bucket: str, key: str, event_name: str) -> str:
    """The body of the message S3 sends to SQS for one new object (keys URL-encoded)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-west-3",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key), "size": 1024, "sequencer": "0A1B2C3D4E5F"},
        },
    }
    return json.dumps({"Records": [record]})


def sqs_event(variant: Variant, queue_key: str, bodies: list[str]) -> dict[str, Any]:
    queue = variant.resources[queue_key]["Properties"]["QueueName"]
    region = variant.config.region
    messages = [
        {
            "MessageId": str(uuid.uuid4()),
            "ReceiptHandle": uuid.uuid4().hex,
            "Body": body,
            "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
            "MD5OfBody": "0" * 32,
        }
        for body in bodies
    ]
    return local_events.sqs_event(
        messages, queue_arn=f"arn:aws:sqs:{region}:{ACCOUNT}:{queue}", region=region
    )


# How each kind reaches the ingest bucket (the web app's upload code): a presigned POST, and
# for long videos a multipart upload.
UPLOAD_EVENTS = {
    "photo": ("ObjectCreated:Post",),
    "video": ("ObjectCreated:Post", "ObjectCreated:CompleteMultipartUpload"),
}


@pytest.mark.parametrize("which", WHICH)
@pytest.mark.parametrize("kind", sorted(UPLOAD_EVENTS))
def test_each_upload_reaches_the_pipeline_of_its_kind(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, which: str, kind: str
) -> None:
    from pellicule.services import ingest
    from tests.conftest import LambdaContext

    variant: Variant = request.getfixturevalue(which)
    bucket = _ingest_bucket(variant)["BucketName"]
    key = ingest.ingest_key(kind, "tenant-1", "media-1")  # the key the upload code grants
    handled: list[tuple[str, str, str]] = []

    def handle(self: ingest.Pipeline, obj: ingest.IngestObject) -> None:
        handled.append((self.kind, obj.bucket, obj.key))

    monkeypatch.setattr(ingest.Pipeline, "handle", handle)
    for event_name in UPLOAD_EVENTS[kind]:
        handled.clear()
        # Given the template's routing: one queue
        [queue_key] = routed_queues(variant, key, event_name)
        name, _ = consumer(variant, queue_key)
        # When its consumer's handler, configured like the deployed function, gets the message
        with configured_like(variant, name, monkeypatch):
            event = sqs_event(variant, queue_key, [s3_message(bucket, key, event_name)])
            result = handler_of(name)(event, LambdaContext())
        # Then the pipeline of that kind handles that object of the ingest bucket
        assert result == {"batchItemFailures": []}, (kind, event_name, result)
        assert handled == [(kind, bucket, key)], (kind, event_name, name)


@pytest.mark.parametrize("which", WHICH)
def test_queue_mappings_have_the_settings_their_handlers_need(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    from pellicule.services import ingest
    from tests.conftest import LambdaContext

    variant: Variant = request.getfixturevalue(which)
    queues = variant.of_type("AWS::SQS::Queue")
    mappings = [
        m["Properties"]
        for m in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"].get("Fn::GetAtt", [""])[0] in queues
        # The album archives' queue carries jobs, not S3 events: tests/infra/test_archive_infra.py
        and function_of(variant, m["Properties"]["FunctionName"]) != topology.ARCHIVE_FUNCTION
    ]
    assert mappings

    def fail(self: ingest.Pipeline, obj: ingest.IngestObject) -> None:
        if obj.key.endswith("/fails"):
            raise RuntimeError("this record fails")

    monkeypatch.setattr(ingest.Pipeline, "handle", fail)
    for props in mappings:
        queue_key = props["EventSourceArn"]["Fn::GetAtt"][0]
        name = function_of(variant, props["FunctionName"])
        # A batch with a failing record: the handler reports it alone (partial response) ...
        bucket = _ingest_bucket(variant)["BucketName"]
        keys = ["ingest/any/passes", "ingest/any/fails"]
        bodies = [s3_message(bucket, key, "ObjectCreated:Post") for key in keys]
        event = sqs_event(variant, queue_key, bodies)
        with configured_like(variant, name, monkeypatch):
            result = handler_of(name)(event, LambdaContext())
        failed = [item["itemIdentifier"] for item in result.get("batchItemFailures", [])]
        assert failed == [event["Records"][1]["messageId"]], (name, result)
        # ... which Lambda reads only with ReportBatchItemFailures (else: the whole batch
        # would count as processed, the failed record deleted).
        assert "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []), name
        # A batch size SQS accepts (above 10 needs a batching window).
        assert 1 <= props["BatchSize"] <= 10_000, name
        if props["BatchSize"] > 10:
            assert props.get("MaximumBatchingWindowInSeconds", 0) >= 1, name
        # AWS: the queue's visibility timeout at least six times the function's timeout.
        visibility = queues[queue_key]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * function_props(variant, name)["Timeout"], name


@pytest.mark.parametrize("which", WHICH)
def test_the_upload_s_re_render_request_reaches_the_photo_renderer(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    from functions.process import logic as process
    from pellicule.domain import faces
    from tests.conftest import LambdaContext

    variant: Variant = request.getfixturevalue(which)
    # Given the queue the upload function is told to send to (by name), and its consumer
    queue_name = function_props(variant, "upload")["Environment"]["Variables"][
        topology.ENV_PHOTO_QUEUE
    ]
    [queue_key] = [
        k
        for k, r in variant.of_type("AWS::SQS::Queue").items()
        if r["Properties"]["QueueName"] == queue_name
    ]
    name, _ = consumer(variant, queue_key)
    asked: list[tuple[Any, ...]] = []

    def render_blurred(*args: Any) -> str:
        asked.append(args)
        return "rendered"

    monkeypatch.setattr(process, "render_blurred", render_blurred)
    # When it gets the message the upload code sends after a face edit
    body = faces.blur_message("tenant-1", "media-1", 3)
    with configured_like(variant, name, monkeypatch):
        result = handler_of(name)(sqs_event(variant, queue_key, [body]), LambdaContext())
    # Then the photo function re-renders that item's blurred variants
    assert result == {"batchItemFailures": []}
    assert asked == [("tenant-1", "media-1", 3)]


# --- The table's stream -------------------------------------------------------------------------


def stream_mapping(variant: Variant, name: str = "revocation") -> dict[str, Any]:
    """The event source mapping of the function ``name`` on the table's stream."""
    table_key, _ = variant.one("AWS::DynamoDB::Table")
    function = logical_id(
        variant, "AWS::Lambda::Function", FunctionName=names(variant).function(name)
    )
    [props] = [
        m["Properties"]
        for m in variant.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [table_key, "StreamArn"]}
        and m["Properties"]["FunctionName"] == {"Ref": function}
    ]
    return dict(props)


def as_delivered(record: dict[str, Any], view: str) -> dict[str, Any]:
    """A record as the stream gives it under ``view`` (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE...)."""
    kept = {
        "KEYS_ONLY": (),
        "NEW_IMAGE": ("NewImage",),
        "OLD_IMAGE": ("OldImage",),
        "NEW_AND_OLD_IMAGES": ("NewImage", "OldImage"),
    }[view]
    change = {
        k: v
        for k, v in record["dynamodb"].items()
        if k not in ("NewImage", "OldImage") or k in kept
    }
    return {**record, "dynamodb": {**change, "StreamViewType": view}}


def stream_records(aws: Any) -> list[dict[str, Any]]:
    """Every record of the table's stream (moto's shard), as Lambda's event carries them."""
    from moto.dynamodb.models import dynamodb_backends

    names = aws.names
    table = dynamodb_backends[names.account][names.region].tables[names.table]
    arn = f"arn:aws:dynamodb:{names.region}:{names.account}:table/{names.table}/stream/test"
    return [
        local_events.dynamodb_stream_record(item.to_json(), stream_arn=arn, region=names.region)
        for item in table.stream_shard.items
    ]


def _a_centre_s_day(aws: Any) -> None:
    """Real writes: sign-ins, consents, an upload processed, tagged, published, withdrawn."""
    from tests.conftest import Centre
    from tests.integration.helpers import drain, put_as_browser, request_grant
    from tests.integration.scenario import build, give
    from tests.support.images import jpeg_with_metadata

    centre = build()
    centre.ok(give(centre, "g3", "noah", ["families_of_group"]))
    as_centre = Centre(centre.tenant_id, centre.album_id, centre.animator, "")
    data = jpeg_with_metadata((320, 240))
    grant = request_grant(as_centre, data)
    put_as_browser(aws, grant, data)
    drain(aws)
    media_id = grant["media_id"]
    child = centre.children["noah"]
    tagged = centre.admin(
        "PUT", f"media/{media_id}/tags", {"child_ids": [child]}, session=centre.animator
    )
    assert tagged["statusCode"] == 200, tagged
    approved = centre.admin("POST", f"media/{media_id}/review", {"decision": "approve"})
    assert approved["statusCode"] == 200, approved
    # A withdrawal: a new history entry.
    centre.ok(centre.family("g3", "POST", f"children/{child}/consent/withdraw"))


def test_stream_filters_select_what_the_revocation_parser_acts_on(main: Variant, aws: Any) -> None:
    from functions.revocation import logic

    props = stream_mapping(main)
    _, table = main.one("AWS::DynamoDB::Table")
    view = table["Properties"]["StreamSpecification"]["StreamViewType"]
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    event_filter = EventFilter(patterns)

    _a_centre_s_day(aws)
    records = [as_delivered(r, view) for r in stream_records(aws)]
    full = [as_delivered(r, "NEW_AND_OLD_IMAGES") for r in stream_records(aws)]

    # What the parser acts on, given every image (what the function must see) ...
    needed = [i for i, record in enumerate(full) if logic.work_for(record) is not None]
    reasons = {logic.work_for(full[i]).reason for i in needed}  # type: ignore[union-attr]
    assert reasons == {"consent", "publication"}, reasons  # the day did both
    # ... still parses to the same work under the template's view type, and passes the filters
    for i in needed:
        assert logic.work_for(records[i]) == logic.work_for(full[i]), (view, full[i]["dynamodb"])
        assert event_filter.passes(records[i]), records[i]["dynamodb"]["Keys"]
    # The rest of the day's writes (sessions, rate counters, unpublished items...) are dropped,
    # but for the few the parser re-checks and ignores (e.g. a published item's served copies).
    passed_unneeded = [
        r for i, r in enumerate(records) if i not in needed and event_filter.passes(r)
    ]
    dropped = [r for r in records if not event_filter.passes(r)]
    assert len(dropped) > 3 * len(needed), (len(dropped), len(needed))
    for record in passed_unneeded:
        sk = record["dynamodb"]["Keys"]["sk"]["S"]
        assert sk.startswith("MEDIA#"), sk


def test_chainer_filters_pass_exactly_what_the_chainer_acts_on(main: Variant, aws: Any) -> None:
    """The template's patterns, on a centre's real day plus two family views: every record the
    chainer acts on (a new waiting view) passes, and nothing else does (its own writes
    included: the head, the entries, the waiting items' deletes)."""
    from functions.chainer import logic
    from pellicule.services import audit

    props = stream_mapping(main, "chainer")
    _, table = main.one("AWS::DynamoDB::Table")
    view = table["Properties"]["StreamSpecification"]["StreamViewType"]
    event_filter = EventFilter(
        [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    )

    _a_centre_s_day(aws)
    tenant_id = next(
        r["dynamodb"]["Keys"]["pk"]["S"].split("#", 1)[1]
        for r in stream_records(aws)
        if r["dynamodb"]["Keys"]["pk"]["S"].startswith("AUDIT#")
    )
    for guardian in ("g1", "g2"):
        audit.record(tenant_id, "view", f"guardian:{guardian}", "album:a1")
    assert audit.chain_pending(tenant_id) == 2
    records = [as_delivered(r, view) for r in stream_records(aws)]

    acted_on = [r for r in records if logic.tenant_of(r) is not None]
    assert len(acted_on) == 2
    assert [r for r in records if event_filter.passes(r)] == acted_on


@pytest.mark.parametrize("name", ["revocation", "chainer"])
def test_stream_mapping_retries_and_reports_as_the_handler_expects(
    main: Variant, variant: Variant, name: str
) -> None:
    import importlib

    logic = importlib.import_module(f"functions.{name}.logic")
    for stack in (main, variant):
        props = stream_mapping(stack, name)
        # The handler reports the first failing record by its sequence number: Lambda reads
        # that only with ReportBatchItemFailures, and retries from it (bisecting the batch).
        record = {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "42", "Keys": {}}}
        assert logic.handle({"Records": [record]}) == {"batchItemFailures": []}
        assert "ReportBatchItemFailures" in props["FunctionResponseTypes"]
        assert props["BisectBatchOnFunctionError"] is True
        # Finite retries, then the batch's description goes to a queue of the stack.
        assert 0 <= props["MaximumRetryAttempts"] <= 10
        destination = props["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination["Fn::GetAtt"][0] in stack.of_type("AWS::SQS::Queue")
        assert props["StartingPosition"] in ("LATEST", "TRIM_HORIZON")
        for pattern in as_list(props["FilterCriteria"]["Filters"]):
            EventFilter([json.loads(pattern["Pattern"])])  # Lambda would accept it
