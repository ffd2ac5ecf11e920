"""The archive function's bundle under Python 3.13: a family's album archive asked through the
family bundle, built by the archive bundle from the archive queue (zipfile and the multipart
writer as Lambda runs them), with nothing but the bundle (and the runtime's boto3)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

# infra.config first: importing infra.bundling first is a circular import.
import infra.config  # noqa: F401

# isort: split
from local import seed
from local.runtime import LocalRuntime
from pellicule.store import archives
from tests.support import lambda_bundle
from tests.support.lambda_bundle import BundleHandlers, Bundles

pytestmark = pytest.mark.bundle

GUARDIAN = ("guardian", "g-lea", "guardian")


def test_the_archive_queue_event_builds_the_zip(
    bundles: Bundles, runtime: LocalRuntime, through_bundles: BundleHandlers
) -> None:
    request_ = lambda_bundle.ApiRequest(
        "family", "POST", f"/api/family/albums/{seed.ALBUM}/archive", GUARDIAN, {}
    )
    event = lambda_bundle.api_event(runtime, request_, lambda_bundle.session_cookie(GUARDIAN))
    asked = lambda_bundle.invoke(bundles, "family", event, runtime)
    assert asked.result["statusCode"] == 200, asked.result
    archive_id = json.loads(asked.result["body"])["archive_id"]
    before = len(through_bundles.calls)
    with runtime.handlers.override("archive", through_bundles.handler("archive")):
        assert runtime.drain_archives() == 1
    assert through_bundles.errors == []
    [invocation] = through_bundles.calls[before:]
    assert invocation.python == lambda_bundle.PYTHON_VERSION
    assert invocation.foreign_modules == []
    assert invocation.result == {"batchItemFailures": []}
    job = archives.get(seed.TENANT, archive_id)
    assert job is not None
    assert job.status == archives.READY, job.failure
    body = runtime.client("s3").get_object(Bucket=runtime.names.media_bucket, Key=job.object_key)
    archive = zipfile.ZipFile(io.BytesIO(body["Body"].read()))
    assert archive.testzip() is None
    assert len(archive.namelist()) == int(job.written) > 0
    assert all(name.startswith("2") and "_sortie-au-parc_" in name for name in archive.namelist())
