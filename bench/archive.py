"""Peak memory of the archive function building a 300-photo album zip (issue 17, item 4).

One local runtime (moto's server, no workers) holds a centre whose album has ``--items``
published photos of ``--mb`` MB each (random bytes: incompressible, like JPEG), served to
every family of the centre. A family asks for the album's zip through the real family
handler; then a FRESH Python process (the archive function alone, as in Lambda) builds it
against moto's endpoint, and reports its own peak RSS (``VmHWM``) and its baseline after
imports. The zip is checked afterwards: every entry, byte for byte (sizes and CRCs by
``zipfile``). Target: peak RSS under ``PEAK_TARGET_MB`` whatever the album's size (the
writer holds one 8 MiB part; each object is read in 1 MiB chunks).

    python -m bench.archive                 # 300 photos of 2 MB (~600 MB of zip)
    python -m bench.archive --items 50      # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEAK_TARGET_MB = 100.0

CHILD = r"""
import json, sys, time
from functions.archive import logic
def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
baseline = status("VmRSS")
started = time.perf_counter()
outcome = logic.build(sys.argv[1], sys.argv[2])
elapsed = time.perf_counter() - started
# VmHWM: this process image's peak RSS (ru_maxrss would carry the forking parent's over exec)
peak = status("VmHWM")
print(json.dumps({"status": outcome.status, "written": outcome.written, "size": outcome.size,
                  "parts": outcome.parts, "peak_buffer": outcome.peak_buffer,
                  "baseline_mb": round(baseline, 1), "peak_mb": round(peak, 1),
                  "seconds": round(elapsed, 2)}))
"""


def _seed(tenant_id: str, items: int, size: int) -> tuple[str, str]:
    """A centre, a guardian with one child, an album of ``items`` published photos served to
    every family of the centre; returns (album id, guardian session)."""
    from pellicule.adapters import aws
    from pellicule.config import clock
    from pellicule.config.settings import get_settings
    from pellicule.services import sessions
    from pellicule.store import data, keys
    from pellicule.store.models import Album, Child, Group, Guardian, Media, Tenant

    data.ready()
    now = int(clock.now())
    pk = keys.tenant_pk(tenant_id)
    Tenant(pk, keys.PROFILE, tenant_id=tenant_id, name="Bench", created_at=now).save()
    Group(pk, keys.group_sk("g1"), tenant_id=tenant_id, group_id="g1", name="Loutres").save()
    Child(
        pk,
        keys.child_sk("c1"),
        tenant_id=tenant_id,
        child_id="c1",
        first_name="Noah",
        initial="B",
        group_id="g1",
        guardian_ids={"p1"},
    ).save()
    Guardian(
        pk,
        keys.guardian_sk("p1"),
        tenant_id=tenant_id,
        guardian_id="p1",
        email="p1@bench.example",
        child_ids={"c1"},
    ).save()
    album_id = "a300"
    Album(
        pk,
        keys.album_sk(album_id),
        tenant_id=tenant_id,
        album_id=album_id,
        title="Sortie au parc",
        album_date="2026-07-14",
        created_at=now,
    ).save()
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    payload = os.urandom(size)
    for n in range(items):
        media_id = f"m{n:04d}"
        key = f"t/{tenant_id}/d/{album_id}/c/{media_id}/x{n}.jpg"
        # Each object differs (its number first): a zip of copies would prove less.
        body = n.to_bytes(4, "big") + payload[4:]
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="image/jpeg")
        entry = {"key": key, "width": 4000, "height": 3000, "type": "image/jpeg", "bytes": size}
        Media(
            pk,
            keys.media_sk(media_id),
            tenant_id=tenant_id,
            media_id=media_id,
            album_id=album_id,
            kind="photo",
            state="published",
            declared_type="image/jpeg",
            declared_size=size,
            ingest_key="-",
            uploaded_by="s1",
            created_at=now + n,
            updated_at=now + n,
            no_identifiable_child=True,
            published_audiences={"all_families_of_centre"},
            served={"c": {"v": "clean", "r": {}, "d": entry}},
            gsi1pk=keys.album_media_gsi(tenant_id, album_id),
            gsi1sk=keys.album_media_gsi_sk(now + n, media_id),
        ).save()
    return album_id, sessions.create(tenant_id, "guardian", "p1", "guardian")


def _ask(base_url: str, album_id: str, session: str) -> str:
    """The family asks through the local gateway, as the gallery page does."""
    import requests

    from pellicule.api import http
    from pellicule.services import sessions

    response = requests.post(
        f"{base_url}/api/family/albums/{album_id}/archive",
        json={},
        headers={"Cookie": f"{sessions.COOKIE_NAME}={session}", http.CSRF_HEADER: "1"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["archive_id"])


def _check(tenant_id: str, archive_id: str, items: int) -> int:
    """Every entry of the zip, read back and CRC-checked; returns the zip's size."""
    from pellicule.adapters import aws
    from pellicule.config.settings import get_settings

    key = f"archives/{tenant_id}/{archive_id}.zip"
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    path = Path("/tmp") / f"pellicule-bench-{archive_id}.zip"
    s3.download_file(bucket, key, str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            assert len(names) == items, len(names)
            assert names[0] == "2026-07-14_sortie-au-parc_001.jpg", names[0]
            assert archive.testzip() is None
        return path.stat().st_size
    finally:
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--mb", type=float, default=2.0)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "core")]
    from local.runtime import LocalRuntime

    with LocalRuntime(port=0, workers=False) as runtime:
        tenant_id = "tbench"
        started = time.perf_counter()
        album_id, session = _seed(tenant_id, args.items, int(args.mb * 1024 * 1024))
        seeded = time.perf_counter() - started
        archive_id = _ask(runtime.base_url, album_id, session)
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'core'}"}
        out = subprocess.run(
            [sys.executable, "-c", CHILD, tenant_id, archive_id],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        zip_bytes = _check(tenant_id, archive_id, args.items)
        del runtime
    result.update(
        {
            "items": args.items,
            "item_mb": args.mb,
            "zip_mb": round(zip_bytes / 1e6, 1),
            "seed_seconds": round(seeded, 1),
            "peak_target_mb": PEAK_TARGET_MB,
            "met": result["peak_mb"] <= PEAK_TARGET_MB,
        }
    )
    print(json.dumps(result, indent=1))
    return 0 if result["met"] and result["status"] == "ready" else 1


if __name__ == "__main__":
    raise SystemExit(main())
