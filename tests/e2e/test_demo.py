"""The demo centre `make demo` seeds: people, consents (one withdrawn), and sample media that
went through the real upload and processing path, each link served clean and signed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from local import seed
from local.runtime import LocalRuntime
from pellicule import audit, data
from pellicule.models import Consent, Media, tenant_pk
from tests.support import images, videos

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def test_the_demo_centre_is_seeded_through_the_real_pipeline(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    links = seed.seed(runtime)
    labels = [label for label, _ in links]
    assert len(labels) == 4
    assert labels[-1].startswith("Vidéo")
    for label, url in links:
        response = requests.get(url, timeout=30)
        assert response.status_code == 200, label
        assert requests.get(url.split("?", 1)[0], timeout=30).status_code == 403
        if label.startswith("Vidéo"):
            path = tmp_path / "demo.mp4"
            path.write_bytes(response.content)
            videos.assert_clean_video(path)
        else:
            images.assert_clean_jpeg(response.content)
    data.ready()
    consents = list(Consent.query(tenant_pk(seed.TENANT), Consent.sk.startswith("CONSENT#")))
    assert sorted(c.status for c in consents) == ["active", "active", "withdrawn"]
    media = list(Media.query(tenant_pk(seed.TENANT), Media.sk.startswith("MEDIA#")))
    assert sorted(m.kind for m in media) == ["photo", "photo", "photo", "video"]
    assert {m.state for m in media} == {"published"}
    assert sum(bool(m.blurred) for m in media) == 1  # Inès (consent withdrawn) is blurred
    assert audit.verify(seed.TENANT).ok
