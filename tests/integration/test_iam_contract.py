"""The IAM contract hook on real handlers: it sees their calls, and refuses and names a call
their synthesized role does not allow (tests/support/iam_hook.py)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.support import iam_hook


@pytest.fixture
def policies(iam_policies: Any) -> Any:
    if iam_policies is None:
        pytest.skip("the stack cannot be synthesized here: no IAM policies to check against")
    return iam_policies.statements


def _media_request(centre: Centre) -> dict[str, Any]:
    from functions.gallery.handler import handler

    event = api_event(
        "GET", f"/api/gallery/media/{uuid.uuid4().hex}", session=centre.director_session
    )
    return handler(event, LambdaContext())


def _put(aws: Aws, key: str) -> str:
    bucket = aws.names.media_bucket
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=b"x")  # the test's own: unchecked
    return bucket


def test_a_handler_s_allowed_calls_are_checked_and_pass(
    aws: Aws, centre: Centre, policies: Any
) -> None:
    with iam_hook.active(iam_hook.Checker(policies)) as checker:
        response = _media_request(centre)
    assert response["statusCode"] == 404
    assert checker.denials == []
    assert checker.checked, "the hook saw none of the gallery function's calls"
    assert {call[0] for call in checker.checked} == {"gallery"}
    # The origin header's values (read on the first request), then the table.
    assert all(
        action.startswith("dynamodb:")
        or (
            action == "secretsmanager:GetSecretValue"
            and ":secret:pellicule/local/origin-header-" in arn
        )
        for _, _, action, arn in checker.checked
    )


def test_the_test_s_own_calls_are_not_checked(aws: Aws, policies: Any) -> None:
    with iam_hook.active(iam_hook.Checker(policies)) as checker:
        aws.client("s3").delete_object(Bucket=aws.names.media_bucket, Key="t/x/anything")
    assert checker.checked == []


def test_a_call_the_role_lacks_is_refused_and_named(
    aws: Aws, centre: Centre, policies: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.gallery import logic
    from pellicule.adapters import aws as clients

    key = f"t/{centre.tenant_id}/victim.jpg"
    bucket = _put(aws, key)

    def media_item(principal: Any, media_id: str) -> Any:
        # The gallery's role reads the table, the signing key and the public URL: no S3.
        clients.client("s3").delete_object(Bucket=bucket, Key=key)
        return {}

    monkeypatch.setattr(logic, "media_item", media_item)
    with (
        iam_hook.active(iam_hook.Checker(policies)) as checker,
        pytest.raises(ClientError, match="AccessDenied"),  # as AWS would answer
    ):
        _media_request(centre)
    [denial] = checker.denials
    assert (denial.function, denial.operation, denial.action, denial.resource) == (
        "gallery",
        "s3.DeleteObject",
        "s3:DeleteObject",
        f"arn:aws:s3:::{bucket}/{key}",
    )
    assert "function 'gallery'" in denial.message()
    assert "implicit deny" in denial.message()
    aws.client("s3").head_object(Bucket=bucket, Key=key)  # the call never reached moto


def test_a_call_from_s3transfer_s_worker_thread_is_the_function_s(
    aws: Aws, centre: Centre, policies: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from functions.gallery import logic
    from pellicule.adapters import aws as clients

    key = f"t/{centre.tenant_id}/download.jpg"
    bucket = _put(aws, key)

    def media_item(principal: Any, media_id: str) -> Any:
        clients.client("s3").download_file(bucket, key, str(tmp_path / "copy"))
        return {}

    monkeypatch.setattr(logic, "media_item", media_item)
    seen: list[tuple[bool, str | None]] = []  # (in a worker thread, function found)
    original = iam_hook.current_function

    def current_function() -> str | None:
        found = original()
        seen.append((threading.current_thread() is not threading.main_thread(), found))
        return found

    monkeypatch.setattr(iam_hook, "current_function", current_function)
    with (
        iam_hook.active(iam_hook.Checker(policies)) as checker,
        pytest.raises(ClientError, match="AccessDenied"),
    ):
        _media_request(centre)
    assert (True, "gallery") in seen  # s3transfer's HeadObject, from its own thread
    assert {(d.function, d.action) for d in checker.denials} == {("gallery", "s3:GetObject")}


def test_a_presigned_post_is_checked_as_the_put_it_grants(
    aws: Aws, centre: Centre, policies: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.gallery import logic
    from pellicule.adapters import aws as clients

    def media_item(principal: Any, media_id: str) -> Any:
        post = clients.client("s3").generate_presigned_post(
            Bucket=aws.names.ingest_bucket, Key="ingest/photo/t/x/m/y/z"
        )
        return {"fields": sorted(post["fields"])}

    monkeypatch.setattr(logic, "media_item", media_item)
    with iam_hook.active(iam_hook.Checker(policies)) as checker:
        _media_request(centre)
    assert [(d.function, d.operation, d.action) for d in checker.denials] == [
        ("gallery", "s3.generate_presigned_post", "s3:PutObject")
    ]
