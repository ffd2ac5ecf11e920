"""Signing cost of a family album page (``gallery_sign_ms_per_100``).

The page is built by the family function's own code (``functions.family.logic._item_view``)
for 100 photos served from two audience scopes (the centre's and a group's), each with the
renditions a page shows. Compared in the same run with the per-URL signing it replaced (one
RSA-2048 signature per rendition URL). Every run uses a fresh signer, so no signature is
reused across runs. No AWS: the key is generated in process, the clock is the real one.
"""

from __future__ import annotations

import statistics
import time
from types import SimpleNamespace
from typing import Any

ITEMS = 100
TARGET_MS = 5.0


def _page_items(tenant_id: str, album_id: str) -> list[Any]:
    from functions.family.logic import Shown
    from pellicule.domain.gate import Visibility
    from pellicule.services import publication

    items = []
    for number in range(ITEMS):
        scope = publication.SCOPE_CENTRE if number % 2 else "g.loutres"
        prefix = publication.scope_prefix(tenant_id, album_id, scope)
        media_id = f"m{number:04d}"
        entry = {
            "v": "clean",
            "r": {
                name: {"key": f"{prefix}{media_id}/{name}-tok.jpg", "width": w, "height": h}
                for name, (w, h) in (("thumb", (400, 300)), ("web", (2048, 1536)))
            },
        }
        media = SimpleNamespace(media_id=media_id, kind="photo", capture_date="2026-07-08")
        items.append(Shown(media, publication.Choice(scope, Visibility.CLEAN, entry)))  # type: ignore[arg-type]
    return items


def measure(runs: int = 30) -> dict[str, Any]:
    """Median milliseconds to sign one 100-item page, ours and per URL, in this process."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from functions.family import logic
    from pellicule.adapters import delivery
    from pellicule.services.sessions import Principal

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    principal = Principal(
        tenant_id="tenant-bench",
        kind="guardian",
        principal_id="g1",
        role="guardian",
        session_hash="bench",
    )
    items = _page_items(principal.tenant_id, "album-bench")
    base = "https://photos.example.fr"

    def signer() -> delivery.PrefixSigner:
        return delivery.PrefixSigner(private_key=key, key_pair_id="KBENCH", base_url=base)

    def ours() -> tuple[float, int, int]:
        page_signer = signer()
        started = time.perf_counter()
        views = [logic._item_view(principal, "album-bench", item, page_signer) for item in items]
        elapsed = (time.perf_counter() - started) * 1000
        urls = sum(len(v["renditions"]) for v in views)
        return elapsed, page_signer.signatures, urls

    def per_url() -> float:
        page_signer = signer()
        started = time.perf_counter()
        for item in items:
            for info in item.choice.entry["r"].values():
                page_signer.exact(str(info["key"]))
        return (time.perf_counter() - started) * 1000

    ours()  # warm-up: imports, first signature
    per_url()
    samples, baseline = [], []
    signatures = urls = 0
    for _ in range(runs):
        elapsed, signatures, urls = ours()
        samples.append(elapsed)
        baseline.append(per_url())
    ms = statistics.median(samples)
    per_url_ms = statistics.median(baseline)
    return {
        "gallery_sign_ms_per_100": round(ms, 2),
        "per_url_sign_ms_per_100": round(per_url_ms, 1),
        "speedup_vs_per_url": round(per_url_ms / ms, 1),
        "signatures_per_page": signatures,
        "urls_per_page": urls,
        "items": ITEMS,
        "runs": runs,
        "spread_ms": [round(min(samples), 2), round(max(samples), 2)],
    }
