"""Memory of the embedded runtime under a day of use: RSS per 1,000 audited requests.

One local runtime, started and seeded like ``make demo`` (moto, gateway, workers), in this
process. Through its real gateway the bench sends audited requests in blocks of 1,000
(250 with ``--quick``): in
each block a share of the uploads (presigned POST to moto's S3, processed by the queue
drainer), each of them tagged by the animator and approved by the director, then family
album views, downloads and consent changes (the remaining requests, in turn). After each
block it prints the process's RSS. Targets (docs/local-runtime.md, "DynamoDB in moto"):
growth under ``GROWTH_TARGET_MB`` in total, and flat at the end (the last block grows by
at most ``FLAT_TARGET_MB`` per 1,000 requests).

    python -m bench.runtime_memory            # 5,000 requests, 300 uploads
    python -m bench.runtime_memory --quick    # 1,000 requests, 60 uploads
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from typing import Any

GROWTH_TARGET_MB = 300.0
FLAT_TARGET_MB = 20.0  # per 1,000 requests, over the last block
FULL = {"requests": 5000, "uploads": 300, "block": 1000}
QUICK = {"requests": 1000, "uploads": 60, "block": 250}
PHOTO_SIZE = (1200, 800)
GRANTS_PER_CALL = 30


def rss_mb() -> float:
    """The resident set size of this process now (Linux ``/proc``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Driver:
    """The people of the demo centre, calling the gateway."""

    def __init__(self, runtime: Any) -> None:
        import requests

        from local import seed
        from pellicule.services import sessions

        self.runtime = runtime
        self.http = requests.Session()
        self.album = seed.ALBUM
        self.director = sessions.create(seed.TENANT, "staff", "claire", "director")
        self.animator = sessions.create(seed.TENANT, "staff", "karim", "animator")
        self.parents = [
            sessions.create(seed.TENANT, "guardian", guardian_id, "guardian")
            for guardian_id in ("g-lea", "g-noah")
        ]
        self.published: list[str] = []
        self.statuses: dict[int, int] = {}
        self.sent = 0
        self._consent_turn = 0

    def call(self, session: str, method: str, path: str, body: Any = None) -> Any:
        from pellicule.api import http
        from pellicule.services import sessions

        response = self.http.request(
            method,
            f"{self.runtime.base_url}{path}",
            json=body,
            headers={"Cookie": f"{sessions.COOKIE_NAME}={session}", http.CSRF_HEADER: "1"},
            timeout=120,
        )
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    def upload(self, count: int, first: int) -> list[str]:
        """``count`` photos through grants, presigned POSTs and the process function."""
        from local import samples

        media_ids: list[str] = []
        for start in range(0, count, GRANTS_PER_CALL):
            photos = [
                samples.photo(first + start + index, PHOTO_SIZE)
                for index in range(min(GRANTS_PER_CALL, count - start))
            ]
            grants = self.call(
                self.animator,
                "POST",
                "/api/upload/grants",
                {
                    "album_id": self.album,
                    "files": [
                        {"name": f"p{index}.jpg", "type": "image/jpeg", "size": len(photo)}
                        for index, photo in enumerate(photos)
                    ],
                },
            )
            grants.raise_for_status()
            for grant, photo in zip(grants.json()["grants"], photos, strict=True):
                self.http.post(
                    grant["url"], data=grant["fields"], files={"file": ("p.jpg", photo)}, timeout=60
                ).raise_for_status()
                media_ids.append(grant["media_id"])
        self._wait_processed(media_ids)
        return media_ids

    def _wait_processed(self, media_ids: list[str]) -> None:
        from local import seed
        from pellicule.store.models import Media, tenant_pk

        deadline = time.monotonic() + 60 + 5 * len(media_ids)
        pending = set(media_ids)
        while pending:
            for media_id in list(pending):
                item = Media.get(tenant_pk(seed.TENANT), f"MEDIA#{media_id}", consistent_read=True)
                if item.state not in ("uploading", "processing"):
                    pending.discard(media_id)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} uploads not processed in time")
            if pending:
                time.sleep(0.5)

    def curate(self, media_ids: list[str]) -> int:
        """Tag and approve each upload: two audited requests per item."""
        for index, media_id in enumerate(media_ids):
            children = [["lea"], ["noah"], ["lea", "noah"]][index % 3]
            self.call(
                self.animator, "PUT", f"/api/admin/media/{media_id}/tags", {"child_ids": children}
            )
            approved = self.call(
                self.director,
                "POST",
                f"/api/admin/media/{media_id}/review",
                {"decision": "approve"},
            )
            if approved.status_code == 200:
                self.published.append(media_id)
        return 2 * len(media_ids)

    def family_request(self, turn: int) -> None:
        """An album view, a download or a consent change, in turn."""
        parent = self.parents[turn % 2]
        step = turn % 3
        if step == 0 or not self.published:
            self.call(parent, "GET", f"/api/family/albums/{self.album}")
        elif step == 1:
            media_id = self.published[turn % len(self.published)]
            self.call(parent, "GET", f"/api/family/media/{media_id}/download")
        else:
            from pellicule.domain import consent_text

            self._consent_turn += 1
            wide = self._consent_turn % 2 == 0
            audiences = (
                ["families_of_group", "all_families_of_centre"] if wide else ["families_of_group"]
            )
            child = "lea" if parent is self.parents[0] else "noah"
            self.call(
                parent,
                "POST",
                f"/api/family/children/{child}/consent",
                {
                    "audiences": audiences,
                    "media_kinds": ["photo", "video"],
                    "text_sha256": consent_text.CURRENT.sha256,
                },
            )


def measure(
    requests_total: int, uploads: int, *, block_size: int = 1000, log: Any = None
) -> dict[str, Any]:
    """Run the load on a fresh runtime; RSS after seeding and after each block of
    ``block_size`` requests."""
    from local import seed
    from local.runtime import LocalRuntime

    blocks = max(1, -(-requests_total // block_size))
    per_block_uploads = [
        uploads // blocks + (1 if b < uploads % blocks else 0) for b in range(blocks)
    ]
    started = time.monotonic()
    with LocalRuntime(
        port=0, moto_port=0, purge_interval=3600.0, digest_interval=3600.0
    ) as runtime:
        seed.seed(runtime)
        driver = _Driver(runtime)
        gc.collect()
        baseline = rss_mb()
        samples: list[dict[str, Any]] = []
        turn = 0
        uploaded = 0
        for block in range(blocks):
            size = min(block_size, requests_total - block * block_size)
            block_started = time.monotonic()
            media_ids = driver.upload(per_block_uploads[block], uploaded)
            uploaded += len(media_ids)
            done = driver.curate(media_ids)
            while done < size:
                driver.family_request(turn)
                turn += 1
                done += 1
            driver.sent += done
            gc.collect()
            sample = {
                "requests": driver.sent,
                "uploads": uploaded,
                "rss_mb": rss_mb(),
                "block_s": round(time.monotonic() - block_started, 1),
            }
            samples.append(sample)
            if log is not None:
                print(
                    f"  {sample['requests']:>6} requests, {uploaded:>4} uploads: "
                    f"RSS {sample['rss_mb']} MB ({sample['block_s']} s)",
                    file=log,
                    flush=True,
                )
    growth = round(samples[-1]["rss_mb"] - baseline, 1)
    last = round(
        samples[-1]["rss_mb"] - (samples[-2]["rss_mb"] if len(samples) > 1 else baseline), 1
    )
    return {
        "requests": driver.sent,
        "uploads": uploaded,
        "published": len(driver.published),
        "statuses": {str(code): count for code, count in sorted(driver.statuses.items())},
        "baseline_rss_mb": baseline,
        "per_block": samples,
        "growth_mb": growth,
        "block": block_size,
        "last_block_growth_mb": last,
        "duration_s": round(time.monotonic() - started, 1),
    }


def targets(result: dict[str, Any]) -> list[tuple[str, float, str, float]]:
    """(target, value, operator, limit) for the report."""
    return [
        ("local runtime RSS growth (MB)", result["growth_mb"], "<=", GROWTH_TARGET_MB),
        (
            f"local runtime RSS growth, last {result['block']} requests (MB)",
            result["last_block_growth_mb"],
            "<=",
            round(FLAT_TARGET_MB * result["block"] / 1000, 1),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.runtime_memory", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="1,000 requests, 60 uploads, RSS every 250"
    )
    parser.add_argument("--requests", type=int, help="audited requests (default 5,000)")
    parser.add_argument("--uploads", type=int, help="processed uploads (default 300)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON last")
    args = parser.parse_args(argv)
    # The handlers' INFO lines (one or more per request) would drown the report.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    size = QUICK if args.quick else FULL
    total = args.requests or size["requests"]
    uploads = size["uploads"] if args.uploads is None else args.uploads
    print(f"local runtime memory: {total} requests, {uploads} uploads", file=sys.stderr, flush=True)
    result = measure(total, uploads, block_size=size["block"], log=sys.stderr)
    met = True
    for name, value, op, limit in targets(result):
        ok = value <= limit
        met = met and ok
        print(f"  {'MET    ' if ok else 'NOT MET'} {name}: {value} ({op} {limit})", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
