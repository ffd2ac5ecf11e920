"""The API answers only through CloudFront: every API function, called as its ``execute-api``
endpoint would call it, refuses a request without CloudFront's secret origin header, with a
wrong one, or with a value two rotations old (403 ``origin_not_cloudfront``) and does nothing;
during a rotation it accepts the current and the previous value.

Rotations go through ``pellicule_ops.keys`` (what ``scripts/keys.py rotate --upload`` and
``pellicule key rotate`` run) against the moto account; CloudFront's value is the ``current``
of the version pinned for the newest signing key, as the stack pins it.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pellicule.config import topology
from tests.conftest import ALBUM_DATE, ORIGIN_HEADER_VALUE, Aws, Centre, LambdaContext, api_event


@dataclass(frozen=True)
class Call:
    function: str
    method: str
    path: str
    who: str  # "director" or "guardian"
    body: dict[str, Any] | None = None
    changes_data: bool = False  # served, it writes to the table (so a refusal that did is seen)


def _calls(centre: Centre) -> list[Call]:
    return [
        Call(
            "upload",
            "POST",
            "/api/upload/grants",
            "director",
            {
                "album_id": centre.album_id,
                "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 10}],
            },
            changes_data=True,
        ),
        Call(
            "admin",
            "POST",
            "/api/admin/albums",
            "director",
            {"title": "Piscine", "date": ALBUM_DATE},
            changes_data=True,
        ),
        Call("gallery", "GET", f"/api/gallery/albums/{centre.album_id}", "director"),
        # (records the family's visit: the gallery's "new" marks, docs/family-gallery.md)
        Call("family", "GET", "/api/family/albums", "guardian", changes_data=True),
        Call("digest", "POST", "/api/digest/subscribe", "guardian"),
        Call("auth", "POST", "/api/auth/logout", "director", changes_data=True),
    ]


def test_every_api_function_is_covered() -> None:
    covered = {call.function for call in _calls(Centre("t", "a", "s", "g"))}
    assert covered == {route.function for route in topology.API_ROUTES}


def _invoke(centre: Centre, call: Call, origin: str | None) -> dict[str, Any]:
    session = centre.director_session if call.who == "director" else centre.guardian_session
    event = api_event(call.method, call.path, body=call.body, session=session)
    headers = event["headers"]
    del headers[topology.ORIGIN_HEADER]
    if origin is not None:
        headers[topology.ORIGIN_HEADER] = origin
    handler = importlib.import_module(f"functions.{call.function}.handler").handler
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def _refused(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 403, response
    answer = json.loads(response["body"])
    assert (answer["error"], answer["reason"]) == ("forbidden", "origin_not_cloudfront")
    assert set(answer["message"]) == {"fr", "en"}
    assert not response.get("cookies")


def _served(response: dict[str, Any]) -> None:
    assert 200 <= response["statusCode"] < 300, response


def _table(aws: Aws) -> list[dict[str, Any]]:
    """Every item of the table (the whole state the API functions write)."""
    client = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": aws.names.table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.mark.parametrize(
    "origin",
    [None, "", "wrong", ORIGIN_HEADER_VALUE[:-1], ORIGIN_HEADER_VALUE + "x", "é" * 43],
    ids=["missing", "empty", "wrong", "prefix", "longer", "non-ascii"],
)
def test_a_request_that_bypasses_cloudfront_is_refused_and_does_nothing(
    aws: Aws, centre: Centre, origin: str | None
) -> None:
    before = _table(aws)
    for call in _calls(centre):
        _refused(_invoke(centre, call, origin))
    assert _table(aws) == before  # no grant, album, session change or rate-limit row
    assert _sent_mail(aws) == 0


def _sent_mail(aws: Aws) -> int:
    quota = aws.client("ses").get_send_quota()
    return int(quota["SentLast24Hours"])


def test_the_same_requests_through_cloudfront_are_served(aws: Aws, centre: Centre) -> None:
    """The control: with CloudFront's header, each request above is served, and those that
    write change the table (so the refusals above are not empty answers of bad requests)."""
    for call in _calls(centre):
        before = _table(aws)
        _served(_invoke(centre, call, ORIGIN_HEADER_VALUE))
        assert (_table(aws) != before) is call.changes_data, call


def _rotate(aws: Aws, keys_dir: Path) -> str:
    """A signing-key rotation with its upload; returns the value CloudFront sends once the
    stack is deployed with the new key (the ``current`` of the version pinned for it)."""
    from datetime import UTC, datetime, timedelta

    from pellicule_ops import keys

    done = len(list(keys_dir.glob("**/private/*.pem")))
    rotation = keys.rotate(keys_dir, now=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=done))
    keys.upload(keys_dir, aws.names.stage, aws.names.region, client=aws.client("secretsmanager"))
    version = aws.client("secretsmanager").get_secret_value(
        SecretId=aws.names.origin_header_secret,
        VersionId=topology.origin_secret_version(rotation.stamp),
    )
    current: str = json.loads(version["SecretString"])["current"]
    return current


def _upload_again(aws: Aws, keys_dir: Path) -> None:
    from pellicule_ops import keys

    client = aws.client("secretsmanager")
    before = client.get_secret_value(SecretId=aws.names.origin_header_secret)["SecretString"]
    message = keys.upload(keys_dir, aws.names.stage, aws.names.region, client=client)
    assert "already holds the origin header" in message
    after = client.get_secret_value(SecretId=aws.names.origin_header_secret)["SecretString"]
    assert after == before


def _cold_start() -> None:
    """A new container: nothing read before."""
    from pellicule.adapters import origin

    origin.reset_cache()


def test_a_rotation_accepts_both_values_then_a_second_one_retires_the_first(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    from pellicule.adapters import origin
    from pellicule.config import clock

    family = next(call for call in _calls(centre) if call.function == "family")
    first = ORIGIN_HEADER_VALUE
    _served(_invoke(centre, family, first))  # a warm container that has read the secret

    second = _rotate(aws, tmp_path)
    assert second not in (first, "")
    # scripts/deploy.sh runs `keys.py ensure --upload` before deploying: no second rotation.
    _upload_again(aws, tmp_path)
    # Secret updated, deployment under way: CloudFront's edges send one value or the other.
    _served(_invoke(centre, family, first))
    clock.advance(origin.MISMATCH_REFRESH_SECONDS)  # the warm container learns the new value
    _served(_invoke(centre, family, second))
    _served(_invoke(centre, family, first))
    _cold_start()
    for value in (first, second, first, second):
        _served(_invoke(centre, family, value))

    third = _rotate(aws, tmp_path)
    _cold_start()
    _served(_invoke(centre, family, third))
    _served(_invoke(centre, family, second))
    before = _table(aws)
    for call in _calls(centre):
        _refused(_invoke(centre, call, first))  # two rotations old: refused everywhere
    assert _table(aws) == before


def test_a_warm_container_forgets_a_retired_value_within_its_cache_time(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    from pellicule.adapters import origin
    from pellicule.config import clock

    gallery = next(call for call in _calls(centre) if call.function == "gallery")
    _served(_invoke(centre, gallery, ORIGIN_HEADER_VALUE))
    _rotate(aws, tmp_path)
    _rotate(aws, tmp_path)
    clock.advance(origin.CACHE_SECONDS)
    _refused(_invoke(centre, gallery, ORIGIN_HEADER_VALUE))


def test_forged_values_cost_at_most_one_secret_read_per_period(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import origin
    from pellicule.config import clock

    reads = []
    real_read = origin._read
    monkeypatch.setattr(origin, "_read", lambda: reads.append(1) or real_read())
    family = next(call for call in _calls(centre) if call.function == "family")
    _served(_invoke(centre, family, ORIGIN_HEADER_VALUE))
    for _ in range(20):
        _refused(_invoke(centre, family, "forged"))
    _refused(_invoke(centre, family, None))
    assert len(reads) == 1
    clock.advance(origin.MISMATCH_REFRESH_SECONDS)
    for _ in range(20):
        _refused(_invoke(centre, family, "forged"))
    assert len(reads) == 2


def test_without_the_secret_every_request_is_refused(aws: Aws, centre: Centre) -> None:
    """Fail closed: a function that cannot read the values answers no request."""
    aws.client("secretsmanager").delete_secret(
        SecretId=aws.names.origin_header_secret, ForceDeleteWithoutRecovery=True
    )
    _cold_start()
    with pytest.raises(Exception, match="ResourceNotFound"):
        _invoke(centre, _calls(centre)[0], ORIGIN_HEADER_VALUE)


class _Recorder:
    """An invoker that records the events the gateway builds."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 204}


def test_the_local_gateway_adds_the_header_and_a_viewer_cannot_choose_it(tmp_path: Path) -> None:
    """The local gateway plays CloudFront: it adds the secret's value to every /api/* request,
    replacing a header of the same name sent by the viewer (as CloudFront's origin custom
    headers do)."""
    import http.client

    from local.gateway import Gateway

    recorder = _Recorder()
    gateway = Gateway(
        names=topology.local_names(),
        invoker=recorder,  # type: ignore[arg-type]
        key_group=None,  # type: ignore[arg-type]
        s3_client=None,
        mailbox=None,  # type: ignore[arg-type]
        upload_origin="http://127.0.0.1:1",
        web_root=tmp_path,
        health=lambda: (True, {}),
        origin_header=lambda: "the-distribution-s-value",
    )
    gateway.start()
    try:
        for forged in (None, "chosen-by-the-viewer"):
            connection = http.client.HTTPConnection(gateway.host, gateway.port, timeout=10)
            headers = {topology.ORIGIN_HEADER.upper(): forged} if forged else {}
            connection.request("GET", "/api/family/albums", headers=headers)
            assert connection.getresponse().status == 204
            connection.close()
    finally:
        gateway.stop()
    assert [e["headers"][topology.ORIGIN_HEADER] for e in recorder.events] == [
        "the-distribution-s-value"
    ] * 2


def test_a_malformed_secret_refuses_every_request_and_says_why(aws: Aws, centre: Centre) -> None:
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.names.origin_header_secret, SecretString=ORIGIN_HEADER_VALUE
    )
    _cold_start()
    response = _invoke(centre, _calls(centre)[0], ORIGIN_HEADER_VALUE)
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["reason"] == "config_origin_secret_invalid"
    assert ORIGIN_HEADER_VALUE not in response["body"]


def test_a_product_clock_moved_back_does_not_freeze_the_values(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    """The demo and the tests move the product clock: values read "in the future" are re-read."""
    from pellicule.adapters import origin
    from pellicule.config import clock

    # (family: the session's sliding renewal writes the table, which gallery may not do)
    family = next(call for call in _calls(centre) if call.function == "family")
    clock.advance(2 * origin.CACHE_SECONDS)
    _served(_invoke(centre, family, ORIGIN_HEADER_VALUE))  # read ten minutes ahead
    clock.reset()
    _rotate(aws, tmp_path)
    _rotate(aws, tmp_path)
    _refused(_invoke(centre, family, ORIGIN_HEADER_VALUE))
