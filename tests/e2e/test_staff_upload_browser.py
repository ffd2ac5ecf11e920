"""The staff console's albums and uploads in real Chromium, on the local stack (issue 6).

An animator signs in with the mailed link and lands on /staff.html, creates an album, sends
three photos at once through the file input (three progress bars complete, the three items
reach "ready" through the real queue and processor), retries an upload whose POST failed,
and resumes a multipart video upload after a drop by sending only the missing part.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from functions.process import imaging
from local.runtime import LocalRuntime
from pellicule.config import topology
from pellicule.domain import messages
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import mailed_link
from tests.integration.auth_helpers import staff
from tests.integration.scenario import Scenario, build
from tests.support import videos
from tests.support.images import jpeg_with_metadata

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
MB = 1024 * 1024
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
MONTHS = MONTHS.split()
UPLOAD_STATES = "[...document.querySelectorAll('#uploads li')].map(l => l.dataset.state)"
BAR_VALUES = "[...document.querySelectorAll('#uploads progress')].map(p => p.value)"
STORED = "Object.keys(localStorage).filter(k => k.startsWith('pellicule-upload:'))"
NETWORK_ERROR = "net::ERR_FAILED"  # what Chromium logs for a request the test aborts
ATTEMPTS = 3  # automatic tries of one upload (web/staff/queue.js MAX_ATTEMPTS)


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    return build()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


class Watched:
    """A page with its console errors and the requests it sends to the ingest bucket."""

    def __init__(self, page: Any, runtime: LocalRuntime) -> None:
        self.page = page
        self.problems: list[str] = []
        self.uploads: list[tuple[str, str]] = []  # (method, url) reaching the ingest bucket
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.choosers: list[Any] = []  # file pickers opened (intercepted from the start)
        page.on("filechooser", lambda chooser: self.choosers.append(chooser))
        page.on(
            "request",
            lambda r: (
                self.uploads.append((r.method, r.url))
                if r.url.startswith(runtime.moto_url) and r.method in ("POST", "PUT")
                else None
            ),
        )

    def errors(self, *, allow_aborted: bool = False) -> list[str]:
        return [p for p in self.problems if not (allow_aborted and NETWORK_ERROR in p)]


def _sign_in_by_mailed_link(runtime: LocalRuntime, centre: Scenario, context: Any) -> Watched:
    """An animator of the centre asks for a link, opens it from the mailbox and clicks."""
    person = staff(centre.tenant_id, f"anim-{uuid.uuid4().hex[:6]}@centre.example", "animator")
    link = mailed_link(runtime, person)
    watched = Watched(context.new_page(), runtime)
    watched.page.goto(link)
    watched.page.locator("#open-button").click()
    watched.page.wait_for_url(f"{runtime.base_url}/staff.html")  # staff land on the console
    return watched


def _photos(directory: Path, count: int, prefix: str) -> list[Path]:
    paths = []
    for index in range(count):
        path = directory / f"{prefix}-{index + 1}.jpg"
        path.write_bytes(jpeg_with_metadata((900 + 40 * index, 600)))
        paths.append(path)
    return paths


def _row_states(page: Any) -> list[str]:
    return list(
        page.evaluate("[...document.querySelectorAll('#uploads li')].map(l => l.dataset.state)")
    )


def _item_states(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#items li')]"
            ".map(l => [l.dataset.mediaId, l.dataset.state]))"
        )
    )


def _open_album_by_keyboard_reaches_picker(page: Any) -> None:
    """Tab from the top of the page reaches the drop zone, a button opening the file picker."""
    page.locator("body").focus()
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "drop-zone":
            break
    else:
        raise AssertionError("the file picker button is not reachable with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring


def test_an_animator_creates_an_album_and_uploads_three_photos(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    watched = _sign_in_by_mailed_link(runtime, centre, context)
    page = watched.page

    # The header names the centre and links the console's screens
    page.locator("#centre-name").wait_for(state="visible")
    assert page.locator("#centre-name").inner_text() == "Centre"
    assert page.locator("#nav-review").get_attribute("href") == "/review.html"
    page.locator(f'a[data-album-id="{centre.album_id}"]').wait_for(state="visible")
    assert page.locator("#album-group-input option").all_inner_texts() == [
        "Tout le centre",
        "loutres",
        "renards",
    ]

    # When the animator creates an album for the "loutres" group
    page.get_by_label("Titre").fill("Piscine du mardi")
    day = datetime.date.today() - datetime.timedelta(days=10)  # within the album date bounds
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Groupe (facultatif)").select_option(label="loutres")
    page.get_by_role("button", name="Créer l'album").click()

    # Then it opens, empty, ready for uploads
    page.locator("#album-view").wait_for(state="visible")
    assert page.locator("#album-title").inner_text() == "Piscine du mardi"
    shown = f"{day.day} {MONTHS[day.month - 1]} {day.year}"  # e.g. "9 juillet 2026"
    assert shown in page.locator("#album-meta").inner_text()
    assert "loutres" in page.locator("#album-meta").inner_text()
    album_id = page.evaluate("location.hash").removeprefix("#/album/")
    listed = centre.ok(centre.admin("GET", "albums"))["albums"]
    assert {"album_id": album_id, "title": "Piscine du mardi"}.items() <= next(
        a for a in listed if a["album_id"] == album_id
    ).items()
    assert page.locator("#file-input").get_attribute("accept") == "image/*,video/*"
    assert page.locator("#camera-input").get_attribute("capture") == "environment"
    _open_album_by_keyboard_reaches_picker(page)
    # ...and pressing Enter there opens the file picker
    page.keyboard.press("Enter")
    [chooser] = wait_for(lambda: page.evaluate("true") and watched.choosers, timeout=10)
    assert chooser.is_multiple()

    # When three photos are chosen at once
    page.locator("#file-input").set_input_files([str(p) for p in _photos(tmp_path, 3, "photo")])

    # Then three labelled progress bars fill up and each file says it was sent
    bars = page.locator("#uploads progress")
    assert bars.count() == 3
    for index in range(3):
        assert page.get_by_role("progressbar", name=f"Envoi de photo-{index + 1}.jpg").count() == 1
    wait_for(lambda: _row_states(page) == ["sent"] * 3, timeout=30)
    assert page.evaluate(
        "[...document.querySelectorAll('#uploads progress')].map(p => p.value)"
    ) == [
        100,
        100,
        100,
    ]
    assert "3 fichier(s) envoyé(s)" in page.locator("#upload-status").inner_text()
    assert [m for m, _ in watched.uploads] == ["POST"] * 3

    # And the album's grid follows processing until the three items are ready, with thumbnails
    states = wait_for(
        lambda: (s := _item_states(page)) and len(s) == 3 and set(s.values()) == {"ready"} and s,
        timeout=60,
        interval=0.3,
    )
    assert "Prête, à valider" in page.locator("#items").inner_text()
    wait_for(
        lambda: page.evaluate(
            "[...document.querySelectorAll('#items img')]"
            ".length === 3 && [...document.querySelectorAll('#items img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        ),
        timeout=30,
    )
    server = page.request.get(f"{runtime.base_url}/api/gallery/albums/{album_id}").json()
    assert {i["media_id"]: i["state"] for i in server["items"]} == states
    assert watched.errors() == []

    # English on request, dynamic text included
    page.locator("#lang-switch").click()
    assert page.locator(".drop-main").inner_text() == "Choose photos or videos"
    assert "Ready, awaiting review" in page.locator("#items").inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("#lang-switch").click()
    assert page.locator(".drop-main").inner_text() == "Choisir des photos ou des vidéos"
    assert watched.errors() == []

    # Signing out ends the session
    page.locator("#sign-out").click()
    page.wait_for_url(f"{runtime.base_url}/login.html")
    assert page.request.get(f"{runtime.base_url}/api/admin/albums").status == 401


def test_a_failed_upload_offers_a_retry_that_succeeds(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    watched = _sign_in_by_mailed_link(runtime, centre, context)
    page = watched.page
    aborted: list[str] = []

    def drop_first_post(route: Any) -> None:
        if route.request.method == "POST" and len(aborted) < ATTEMPTS:
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", drop_first_post)
    grants: list[str] = []
    page.on("request", lambda r: grants.append(r.url) if r.url.endswith("/grants") else None)
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    page.locator("#album-view").wait_for(state="visible")
    assert page.locator("#album-title").inner_text() == "Sortie"

    # When the photo's POST to the ingest bucket fails, and fails again on the automatic tries
    [photo] = _photos(tmp_path, 1, "retry")
    page.locator("#file-input").set_input_files(str(photo))
    wait_for(lambda: page.evaluate("true") and len(aborted) >= 1, timeout=30)
    wait_for(lambda: "Nouvel essai" in page.locator("#uploads .state").inner_text(), timeout=10)
    assert _row_states(page) == ["waiting"]  # tried again by itself after a wait
    wait_for(lambda: _row_states(page) == ["failed"], timeout=30)
    assert len(aborted) == ATTEMPTS
    row = page.locator("#uploads li").first
    assert "Échec" in row.locator(".state").inner_text()
    retry = row.get_by_role("button", name="Réessayer l'envoi de retry-1.jpg")
    assert retry.is_visible()
    assert "1 envoi(s) en échec" in page.locator("#upload-status").inner_text()
    assert "connexion a été interrompue" in row.locator(".state").inner_text()

    # Then the retry button sends it again (with the same grant) and it gets processed
    retry.focus()
    page.keyboard.press("Enter")
    wait_for(lambda: _row_states(page) == ["sent"], timeout=30)
    assert not retry.is_visible()
    assert len(aborted) == ATTEMPTS
    assert [m for m, _ in watched.uploads] == ["POST"] * (ATTEMPTS + 1)
    assert len(grants) == 1  # the grant was still valid: no new item was created
    wait_for(lambda: "ready" in _item_states(page).values(), timeout=60, interval=0.3)
    assert watched.errors(allow_aborted=True) == []


DROP = """([files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, base64] of files) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  const zone = document.getElementById("drop-zone");
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
    zone.dispatchEvent(new DragEvent(kind, init));
  }
}"""


def test_dropped_files_upload_and_a_processing_failure_reads_plainly(
    runtime: LocalRuntime, centre: Scenario, context: Any
) -> None:
    watched = _sign_in_by_mailed_link(runtime, centre, context)
    page = watched.page
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    page.locator("#album-view").wait_for(state="visible")
    before = set(_item_states(page))

    # When a photo and a text file named like a photo are dropped on the zone
    photo = base64.b64encode(jpeg_with_metadata((700, 500))).decode()
    fake = base64.b64encode(b"ceci n'est pas une photo\n" * 40).decode()
    page.evaluate(DROP, [[["drop.jpg", "image/jpeg", photo], ["faux.jpg", "image/jpeg", fake]]])

    # Then both are sent; the processor accepts one and refuses the other, in plain French
    wait_for(lambda: _row_states(page) == ["sent", "sent"], timeout=30)

    def settled() -> dict[str, str] | None:
        new = {k: v for k, v in _item_states(page).items() if k not in before}
        return new if sorted(new.values()) == ["failed", "ready"] else None

    new = wait_for(settled, timeout=60, interval=0.3)
    [failed] = [k for k, v in new.items() if v == "failed"]
    card = page.locator(f'#items li[data-media-id="{failed}"]')
    assert "Échec" in card.inner_text()
    # The stored reason, in the page's language (French) only
    assert card.locator(".reason").inner_text() == messages.render(
        "media_content_mismatch", "fr", {"expected": imaging.FORMATS}
    )

    assert watched.errors() == []


def test_a_guardian_is_sent_to_their_gallery(
    runtime: LocalRuntime, centre: Scenario, context: Any
) -> None:
    link = mailed_link(runtime, SimpleNamespace(email="g1@famille.example"))  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(link)
    page.locator("#open-button").click()
    page.wait_for_url(f"{runtime.base_url}/gallery.html")
    page.goto(f"{runtime.base_url}/staff.html")
    page.locator("#guardian-view").wait_for(state="visible")
    assert page.locator("#guardian-view a").get_attribute("href") == "/gallery.html"
    assert page.locator("#albums-view").is_hidden()
    assert page.locator("#nav-review").is_hidden()


def test_without_a_session_the_console_goes_to_sign_in(runtime: LocalRuntime, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{runtime.base_url}/staff.html")
    page.wait_for_url(f"{runtime.base_url}/login.html")


# Once moto has held a multipart upload, its /moto-api/data.json answers 500 for good: the dev
# mailbox reads moto's SES models in process instead (local/mailbox.py), checked at the end.
def test_a_large_video_resumes_after_a_drop_sending_only_the_missing_part(
    runtime: LocalRuntime,
    centre: Scenario,
    context: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small parts so that a short clip is a "large" video of two parts (S3's minimum is 5 MiB).
    monkeypatch.setattr(
        topology,
        "UPLOAD",
        topology.Upload(multipart_threshold_bytes=5 * MB, multipart_part_bytes=5 * MB),
    )
    clip = videos.make(tmp_path, "clip.mp4", size=(640, 360), seconds=1.0)
    padded = clip.read_bytes()
    filler = 5 * MB + 4096 - len(padded)  # pad inside an ignored 'free' box: two parts
    padded += (filler + 8).to_bytes(4, "big") + b"free" + b"\0" * filler
    video = tmp_path / "sortie.mp4"
    video.write_bytes(padded)

    watched = _sign_in_by_mailed_link(runtime, centre, context)
    page = watched.page
    dropped: list[str] = []

    def drop_second_part(route: Any) -> None:
        if route.request.method == "PUT" and "partNumber=2" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", drop_second_part)
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    page.locator("#album-view").wait_for(state="visible")

    # When the connection drops during the second part
    page.locator("#file-input").set_input_files(str(video))
    wait_for(lambda: _row_states(page) == ["failed"], timeout=30)
    stored = page.evaluate(f"{STORED}.map(k => JSON.parse(localStorage.getItem(k)))")
    [record] = stored
    assert list(record["parts"]) == ["1"]  # part 1 arrived and is remembered
    media_id = record["media_id"]

    # ...and the page is reloaded (the phone's browser dropped it): the album says so
    page.reload()
    page.locator("#album-view").wait_for(state="visible")
    hint = page.locator("#resume-hint")
    hint.wait_for(state="visible")
    assert "sortie.mp4" in hint.inner_text()
    assert "1/2" in hint.inner_text()

    # When the same file is chosen again, the upload resumes: only part 2 is sent
    before = list(watched.uploads)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/upload/" in r.url else None)
    page.locator("#file-input").set_input_files(str(video))
    wait_for(lambda: _row_states(page) == ["sent"], timeout=60)
    sent = watched.uploads[len(before) :]
    assert [m for m, _ in sent] == ["PUT"]
    assert "partNumber=2" in sent[0][1]
    assert f"{runtime.base_url}/api/upload/multipart/{media_id}" in asked  # asked what it holds
    assert not any(u.endswith("/api/upload/grants") for u in asked)  # no new grant
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('pellicule-upload:'))")
        == []
    )
    assert page.locator("#resume-hint").is_hidden()

    # And the video is processed like any other
    wait_for(lambda: _item_states(page).get(media_id) == "ready", timeout=90, interval=0.3)
    assert watched.errors(allow_aborted=True) == []
    # The dev mailbox still works after a multipart upload (sign-in links stay readable)
    _sign_in_by_mailed_link(runtime, centre, context)
