"""The demo centre `make demo` seeds: people, consents (one withdrawn), and sample media that
went through the real upload and processing path, each link served clean and signed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from local import seed
from local.runtime import LocalRuntime
from pellicule.services import audit
from pellicule.store import data
from pellicule.store.models import Consent, Media, tenant_pk
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


def test_the_banner_links_open_a_parent_a_director_and_an_animator_view(
    runtime: LocalRuntime,
) -> None:
    data.ready()  # bind the table (this test may run first, or alone)
    if not Consent.count(tenant_pk(seed.TENANT), Consent.sk.startswith("CONSENT#")):
        seed.seed(runtime)
    links = dict(seed.sign_in_links())
    assert set(links) == {label for label, _, _ in seed.OPEN_AS}
    expected = {
        "Parent (Léa)": ("/gallery.html", None),
        "Direction / director": ("/dashboard.html", "enrol"),  # directors enrol a TOTP app first
        "Animation / animator": ("/staff.html", None),
    }
    for label, url in links.items():
        assert url.startswith(f"{runtime.base_url}/login.html#token=")
        token = url.split("#token=", 1)[1].split("&", 1)[0]
        opened = requests.post(
            f"{runtime.base_url}/api/auth/session",
            json={"token": token},
            headers={"x-pellicule-csrf": "1"},
            timeout=30,
        )
        assert opened.status_code == 200, opened.text
        assert (opened.json()["next"], opened.json()["second_factor"]) == expected[label]
        # Single use: a second exchange fails
        again = requests.post(
            f"{runtime.base_url}/api/auth/session",
            json={"token": token},
            headers={"x-pellicule-csrf": "1"},
            timeout=30,
        )
        assert again.status_code in (400, 401)
