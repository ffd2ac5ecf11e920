"""The operator's CLI against a real local runtime (``pellicule --local URL ...`` in a separate
process, as an operator runs it next to ``make demo``), and the ``/_dev/clock`` page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TENANT = "cli-e2e"


def pellicule(runtime: LocalRuntime, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(REPO), str(REPO / "layers" / "core"), str(REPO / "ops")]
        ),
    }
    return subprocess.run(
        [sys.executable, "-m", "pellicule_ops.cli", "--local", runtime.base_url, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
        env=env,
    )


def _ready_photo(runtime: LocalRuntime) -> tuple[str, bytes]:
    """An album with one processed-looking photo (item + rendition in the media bucket)."""
    from pellicule.config import clock
    from pellicule.store import data
    from pellicule.store.models import Album, Media, tenant_pk

    data.ready()
    now = int(clock.now())
    pk = tenant_pk(TENANT)
    Album(
        pk,
        "ALBUM#a1",
        tenant_id=TENANT,
        album_id="a1",
        title="Journée à la mer",
        album_date="2026-07-09",
        created_at=now,
    ).save()
    key = f"t/{TENANT}/m/m1/full.jpg"
    photo = b"\xff\xd8\xff\xe0" + os.urandom(4096)
    runtime.client("s3").put_object(
        Bucket=runtime.names.media_bucket, Key=key, Body=photo, ContentType="image/jpeg"
    )
    Media(
        pk,
        "MEDIA#m1",
        tenant_id=TENANT,
        media_id="m1",
        album_id="a1",
        kind="photo",
        state="published",
        declared_type="image/jpeg",
        declared_size=len(photo),
        ingest_key=f"ingest/photo/t/{TENANT}/m/m1/x",
        uploaded_by="staff:s1",
        created_at=now,
        updated_at=now,
        renditions={"download": {"key": key, "type": "image/jpeg", "bytes": len(photo)}},
    ).save()
    return "2026-07-09_journee-a-la-mer/m1.jpg", photo


def test_operator_journey_create_invite_export_purge_delete(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    health = requests.get(f"{runtime.base_url}/_dev/health", timeout=10).json()
    assert health["aws"]["endpoint"] == runtime.moto_url
    assert health["aws"]["distribution_id"] == runtime.distribution_id

    created = pellicule(runtime, "tenant", "create", "--id", TENANT, "--name", "Centre CLI")
    assert created.returncode == 0, created.stderr
    assert f"--local {runtime.base_url} director invite --tenant {TENANT}" in created.stdout

    email = "directrice@cli-e2e.example"
    invited = pellicule(
        runtime, "director", "invite", "--tenant", TENANT, "--email", email, "--name", "Camille"
    )
    assert invited.returncode == 0, invited.stderr
    [mail] = [m for m in runtime.sent_mail() if m.to == [email]]
    body = mail.text or mail.html  # moto keeps one part of a SendEmail (the HTML one)
    assert "Centre CLI" in body
    assert f"{runtime.base_url}/login.html#token=" in body

    listed = pellicule(runtime, "tenant", "list", "--json")
    [row] = [r for r in json.loads(listed.stdout) if r["id"] == TENANT]
    assert (row["status"], row["staff"]) == ("active", 1)

    name, photo = _ready_photo(runtime)
    exported = pellicule(runtime, "export", "--tenant", TENANT, "--output", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    document = json.loads((tmp_path / f"{TENANT}-export.json").read_text(encoding="utf-8"))
    assert [s["email"] for s in document["staff"]] == [email]
    with zipfile.ZipFile(tmp_path / f"{TENANT}-media.zip") as archive:
        assert archive.read(name) == photo
        assert json.loads(archive.read("manifest.json"))["media"][0]["path"] == name

    purged = pellicule(runtime, "purge", "run", "--tenant", TENANT)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert isinstance(json.loads(purged.stdout), dict)

    rotated = pellicule(runtime, "key", "rotate")
    assert rotated.returncode == 2
    assert rotated.stderr.startswith("pellicule: ")

    started = time.time()
    deleted = pellicule(runtime, "tenant", "delete", "--id", TENANT, "--confirm", TENANT)
    assert deleted.returncode == 0, deleted.stderr
    assert "media_objects" in deleted.stdout
    wait_for(
        lambda: runtime.gateway.invalidations.invalidated_since(
            f"/media/t/{TENANT}/m/m1/full.jpg", started
        )
    )
    listed = pellicule(runtime, "tenant", "list", "--json")
    assert TENANT not in listed.stdout
    listing = runtime.client("s3").list_object_versions(
        Bucket=runtime.names.media_bucket, Prefix=f"t/{TENANT}/"
    )
    assert not listing.get("Versions")
    assert not listing.get("DeleteMarkers")
    verified = pellicule(runtime, "audit", "verify", "--tenant", "_platform")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _post(runtime: LocalRuntime, action: str, **headers: str) -> requests.Response:
    return requests.post(
        f"{runtime.base_url}/_dev/clock",
        data={"action": action},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def test_dev_clock_moves_the_product_clock_and_runs_the_purge(runtime: LocalRuntime) -> None:
    from pellicule.config import clock

    origin = {"Origin": runtime.base_url}
    try:
        page = requests.get(f"{runtime.base_url}/_dev/clock", timeout=10)
        assert page.status_code == 200
        assert "Horloge du produit" in page.text
        assert "<script" not in page.text
        assert " style=" not in page.text
        assert page.headers["Content-Security-Policy"]

        moved = _post(runtime, "day", **origin)
        assert (moved.status_code, moved.headers["Location"]) == (303, "/_dev/clock")
        state: dict[str, Any] = requests.get(
            f"{runtime.base_url}/_dev/clock.json", timeout=10
        ).json()
        assert 0.99 < state["offset_days"] < 1.01
        assert _post(runtime, "year", **origin).status_code == 303
        assert clock.now() - time.time() > 365 * 86400

        ran = _post(runtime, "purge", **origin)
        assert ran.status_code == 303
        state = requests.get(f"{runtime.base_url}/_dev/clock.json", timeout=10).json()
        assert state["last_purge"]["result"] is not None
        assert "Dernière purge" in requests.get(f"{runtime.base_url}/_dev/clock", timeout=10).text

        # Another site's page cannot move it; the JSON endpoint takes JSON only.
        assert _post(runtime, "reset", Origin="http://evil.example").status_code == 403
        assert (
            requests.post(
                f"{runtime.base_url}/_dev/purge", data={"tenants": "x"}, timeout=30
            ).status_code
            == 415
        )
        assert _post(runtime, "reset", **origin).status_code == 303
        state = requests.get(f"{runtime.base_url}/_dev/clock.json", timeout=10).json()
        assert abs(state["offset_seconds"]) < 1
    finally:
        clock.reset()
