"""Uploads from a phone (issue 18 item 7), in real Chromium at 390x844, as an animator.

- A 12 MP photo (noise over gradients, ~5 MB, EXIF "rotate 90°") is shrunk in the browser: the
  grant asks for, and the ingest bucket receives (its policy holds the exact length), at most
  1.5 MB; the stored original is 2,560 px on its long side, upright.
- The queue survives a reload: three photos whose sends fail, the page reloaded, the queue is
  shown again (from IndexedDB) and completes; nothing is left in IndexedDB.
- Offline, the queue pauses (and says so), then resumes when the network returns.
- Signing out clears the queue kept on the phone.
- After three failed tries the row offers "Réessayer" (finger-sized, within the phone's width).
- The service worker's Background Sync makes the page try at once what waited between tries.
- A kept photo that did reach the bucket before its tab died is not sent again.
- A kept queue holding two albums' photos sends each into its own album.
- A second tab does not send the first tab's queue (no duplicates); it takes it over when the
  first one closes.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageChops

from functions.process import imaging
from local.runtime import LocalRuntime
from pellicule.services import sessions
from tests.e2e.browsing import sign_in, watched
from tests.e2e.conftest import wait_for
from tests.integration.scenario import ALBUM_DATE, Scenario, build
from tests.support.images import jpeg_with_metadata

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
MB = 1024 * 1024
ROWS = "[...document.querySelectorAll('#uploads li')].map(l => l.dataset.state)"
PAUSED = "[...document.querySelectorAll('#uploads li')].map(l => l.dataset.paused)"
# The entries kept in IndexedDB (web/staff/queue.js): [name, album_id, size] of each.
KEPT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("pellicule-uploads", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("queue", { keyPath: "id" });
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const read = open.result.transaction("queue").objectStore("queue").getAll();
    read.onsuccess = () => {
      resolve(read.result.map((e) => [e.name, e.album_id, e.size]));
      open.result.close();
    };
    read.onerror = () => reject(read.error);
  };
})"""


# The grants kept with the entries in IndexedDB ({url, fields, expires_at, media_id}).
GRANTS = KEPT.replace("[e.name, e.album_id, e.size]", "e.grant")


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Scenario:
    return build()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="fr-FR", viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    yield context
    context.close()


def twelve_megapixels(path: Path) -> Path:
    """A 4032x3024 JPEG like a phone's: gradients under sensor-like noise, quality 95, and EXIF
    orientation 6 (shown upright as 3024x4032)."""
    size = (4032, 3024)
    ramp = Image.linear_gradient("L").resize(size)
    base = Image.merge(
        "RGB",
        (ramp, Image.radial_gradient("L").resize(size), ramp.transpose(Image.Transpose.ROTATE_180)),
    )
    noise = Image.merge("RGB", [Image.effect_noise(size, 8) for _ in range(3)])
    picture = ImageChops.add(base, noise, offset=-128)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    path.write_bytes(buffer.getvalue())
    return path


def _photos(directory: Path, count: int, prefix: str) -> list[Path]:
    paths = []
    for index in range(count):
        path = directory / f"{prefix}-{index + 1}.jpg"
        path.write_bytes(jpeg_with_metadata((900 + 40 * index, 600)))
        paths.append(path)
    return paths


def _open_album(
    runtime: LocalRuntime, centre: Scenario, context: Any, session: str | None = None
) -> Any:
    sign_in(context, runtime, session or centre.animator)
    page = context.new_page()
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    page.locator("#album-view").wait_for(state="visible")
    return page


def _items(runtime: LocalRuntime, page: Any, album_id: str) -> dict[str, dict[str, Any]]:
    """The album's items as the API gives them (``page``: a page, or a context's request)."""
    request = getattr(page, "request", page)
    answer = request.get(f"{runtime.base_url}/api/gallery/albums/{album_id}").json()
    return {item["media_id"]: item for item in answer["items"]}


def test_a_12_mp_photo_is_sent_shrunk_to_the_download_rendition(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    photo = twelve_megapixels(tmp_path / "IMG_0001.jpg")
    before_bytes = photo.stat().st_size
    assert before_bytes >= 4 * MB  # as large as a real phone photo
    page = _open_album(runtime, centre, context)
    problems = watched(page)
    declared: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            declared.extend(json.loads(r.post_data or "{}")["files"])
            if r.url.endswith("/api/upload/grants")
            else None
        ),
    )
    before = set(_items(runtime, page, centre.album_id))
    # The picker is a plain file input: it reads the phone's photos, it never saves one
    picker = page.locator("#file-input")
    assert picker.get_attribute("accept") == "image/*,video/*"
    assert picker.get_attribute("capture") is None
    assert page.locator("#album-view a[download], #album-view [download]").count() == 0

    picker.set_input_files(str(photo))

    wait_for(lambda: page.evaluate(ROWS) == ["sent"], timeout=60)
    [grant] = declared
    sent_bytes = grant["size"]
    # The ingest bucket's policy is the exact length: this is what went over the network
    assert sent_bytes <= 1.5 * MB, sent_bytes
    assert sent_bytes < before_bytes / 3
    assert grant["type"] == "image/jpeg"
    row = page.locator("#uploads li").first.inner_text()
    assert "IMG_0001.jpg" in row
    assert "→" in row  # "5,1 Mo → 614 Ko": the animator sees it
    # Nothing left in the queue once the bucket has it
    assert page.evaluate(KEPT) == []

    def processed() -> dict[str, Any] | None:
        new = [i for k, i in _items(runtime, page, centre.album_id).items() if k not in before]
        return new[0] if new and new[0]["state"] == "ready" else None

    item = wait_for(processed, timeout=90, interval=0.5)
    long_side = imaging.RENDITIONS["download"]
    # The stored original is the shrunk one, upright (the EXIF rotation applied in the browser)
    assert (item["width"], item["height"]) == (long_side * 3 // 4, long_side)
    download = item["renditions"]["download"]
    assert max(download["width"], download["height"]) <= long_side
    print(f"12 MP noise JPEG: {before_bytes} bytes chosen, {sent_bytes} bytes sent")
    # The queue's service worker runs under the gateway's CSP (worker-src 'self'), site-wide
    scope = page.evaluate(
        "navigator.serviceWorker.getRegistration().then(r => r && r.active && r.scope)"
    )
    assert scope == f"{runtime.base_url}/"
    csp = page.request.get(f"{runtime.base_url}/upload-sw.js").headers["content-security-policy"]
    assert "worker-src 'self';" in csp
    assert problems == []


def test_a_reload_resumes_the_queue_kept_on_the_phone(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    page = _open_album(runtime, centre, context)
    blocked = {"on": True}
    aborted: list[str] = []

    def ingest(route: Any) -> None:
        if route.request.method == "POST" and blocked["on"]:
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", ingest)
    before = set(_items(runtime, page, centre.album_id))

    # When three photos are chosen and the network drops every send
    page.locator("#file-input").set_input_files([str(p) for p in _photos(tmp_path, 3, "sortie")])
    wait_for(lambda: page.evaluate("true") and len(aborted) >= 3, timeout=30)
    kept = page.evaluate(KEPT)
    assert sorted(name for name, _, _ in kept) == ["sortie-1.jpg", "sortie-2.jpg", "sortie-3.jpg"]
    assert {album for _, album, _ in kept} == {centre.album_id}
    summary = page.locator("#upload-queue")
    assert "3 fichier(s) en attente d'envoi" in summary.inner_text()
    assert "Vous pouvez fermer la page : l'envoi reprendra à la prochaine ouverture" in (
        summary.inner_text()
    )
    wait_for(lambda: "Nouvel essai" in page.locator("#uploads").inner_text(), timeout=10)

    # ...and the page is reloaded (the phone's browser dropped the tab)
    page.reload()
    page.locator("#album-view").wait_for(state="visible")

    # Then the queue is there again, from the phone's storage
    wait_for(lambda: page.locator("#uploads li").count() == 3, timeout=10)
    names = page.locator("#uploads .name").all_inner_texts()
    assert [n.split(" (")[0] for n in names] == ["sortie-1.jpg", "sortie-2.jpg", "sortie-3.jpg"]
    assert "Reprise de 3 envoi(s)" in page.locator("#upload-status").inner_text()
    assert summary.is_visible()

    # And once the network is back, it completes, and the phone keeps nothing
    blocked["on"] = False
    wait_for(lambda: page.evaluate(ROWS) == ["sent"] * 3, timeout=60)
    assert page.evaluate(KEPT) == []
    assert summary.is_hidden()
    new = wait_for(
        lambda: (
            (n := [i for k, i in _items(runtime, page, centre.album_id).items() if k not in before])
            and all(i["state"] == "ready" for i in n)
            and n
        ),
        timeout=90,
        interval=0.5,
    )
    # One item per photo: the retries reused their grant (no duplicate, no orphan)
    assert len(new) == 3


def test_offline_the_queue_pauses_and_resumes_with_the_network(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    page = _open_album(runtime, centre, context)
    sent: list[str] = []  # grants asked, sends to the ingest bucket
    page.on(
        "request",
        lambda r: (
            sent.append(r.url)
            if r.url.startswith(runtime.moto_url) or "/api/upload/" in r.url
            else None
        ),
    )
    context.set_offline(True)
    wait_for(lambda: page.evaluate("navigator.onLine") is False, timeout=5)

    # When two photos are chosen without network
    page.locator("#file-input").set_input_files([str(p) for p in _photos(tmp_path, 2, "hors")])

    # Then they wait, paused, and the animator reads why
    wait_for(lambda: page.evaluate(PAUSED) == ["true", "true"], timeout=15)
    assert page.locator("#uploads .state").all_inner_texts() == ["En pause : pas de connexion"] * 2
    assert "Pas de connexion : l'envoi reprendra avec le réseau." in (
        page.locator("#upload-queue").inner_text()
    )
    assert len(page.evaluate(KEPT)) == 2
    page.wait_for_timeout(1500)
    assert sent == []  # not even tried: the queue waits for the network

    # When the network returns, the queue resumes by itself
    context.set_offline(False)
    wait_for(lambda: page.evaluate(ROWS) == ["sent", "sent"], timeout=60)
    assert [u for u in sent if u.startswith(runtime.moto_url)]
    assert page.evaluate(KEPT) == []


def test_signing_out_clears_the_queue_kept_on_the_phone(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    # A session of its own: signing out ends it (the other journeys keep centre.animator)
    own = sessions.create(centre.tenant_id, "staff", "anim-1", "animator")
    page = _open_album(runtime, centre, context, own)
    page.route(
        f"{runtime.moto_url}/**",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.locator("#file-input").set_input_files([str(p) for p in _photos(tmp_path, 2, "partage")])
    wait_for(lambda: len(page.evaluate(KEPT)) == 2, timeout=15)

    page.locator("#sign-out").click()
    page.wait_for_url(f"{runtime.base_url}/login.html")
    assert page.evaluate(KEPT) == []


def test_a_second_tab_takes_the_queue_over_only_when_the_first_closes(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    first = _open_album(runtime, centre, context)
    first.route(
        f"{runtime.moto_url}/**",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    before = set(_items(runtime, first, centre.album_id))
    first.locator("#file-input").set_input_files([str(p) for p in _photos(tmp_path, 2, "onglet")])
    wait_for(lambda: len(first.evaluate(KEPT)) == 2, timeout=15)

    # A second tab of the same phone does not send the first tab's queue (twice the photos)...
    second = context.new_page()
    second.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    second.locator("#album-view").wait_for(state="visible")
    second.wait_for_timeout(1000)
    assert second.locator("#uploads li").count() == 0

    # ...until the first one is closed: then it shows the queue and sends it
    first.close()
    wait_for(lambda: second.evaluate(ROWS) == ["sent", "sent"], timeout=60)
    assert second.evaluate(KEPT) == []
    new = wait_for(
        lambda: (
            (
                n := [
                    i
                    for k, i in _items(runtime, second, centre.album_id).items()
                    if k not in before
                ]
            )
            and all(i["state"] == "ready" for i in n)
            and n
        ),
        timeout=90,
        interval=0.5,
    )
    assert len(new) == 2  # one item per photo


def test_after_three_failed_tries_the_phone_offers_a_retry(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    page = _open_album(runtime, centre, context)
    problems = watched(page)
    aborted: list[str] = []

    def ingest(route: Any) -> None:
        if route.request.method == "POST" and len(aborted) < 3:
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", ingest)
    [photo] = _photos(tmp_path, 1, "essai")
    page.locator("#file-input").set_input_files(str(photo))

    # Tried three times by itself, then the animator is asked
    wait_for(lambda: page.evaluate(ROWS) == ["failed"], timeout=30)
    assert len(aborted) == 3
    row = page.locator("#uploads li").first
    assert row.get_attribute("data-attempts") == "3"
    assert row.locator(".state").inner_text().startswith("Échec : ")
    retry = row.get_by_role("button", name="Réessayer l'envoi de essai-1.jpg")
    assert retry.is_visible()
    # The queue fits the phone's width (no sideways scrolling)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = retry.bounding_box()
    assert box
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 24  # a finger-sized target
    assert len(page.evaluate(KEPT)) == 1  # still kept: a reload would try again

    retry.tap()
    wait_for(lambda: page.evaluate(ROWS) == ["sent"], timeout=30)
    assert page.evaluate(KEPT) == []
    assert [p for p in problems if "net::ERR_FAILED" not in p] == []


def test_background_sync_resumes_the_queue_without_waiting(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    """The service worker's "sync" (the browser: the network is back) makes the open page try
    what was waiting between automatic tries at once."""
    page = _open_album(runtime, centre, context)
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(
            r["registrationId"] for r in event["registrations"] if not r.get("isDeleted")
        ),
    )
    cdp.send("ServiceWorker.enable")
    wait_for(
        lambda: page.evaluate(
            "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
        ),
        timeout=15,
    )
    wait_for(lambda: page.evaluate("true") and registrations, timeout=10)
    blocked = {"on": True}
    aborted: list[str] = []

    def ingest(route: Any) -> None:
        if route.request.method == "POST" and blocked["on"]:
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", ingest)
    [photo] = _photos(tmp_path, 1, "sync")
    page.locator("#file-input").set_input_files(str(photo))
    # Two failed tries: the next one is 6 s away
    wait_for(lambda: page.evaluate("true") and len(aborted) >= 2, timeout=30)
    wait_for(lambda: "2/3 essais" in page.locator("#uploads .state").inner_text(), timeout=5)
    blocked["on"] = False
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": runtime.base_url,
            "registrationId": registrations[-1],
            "tag": "pellicule-upload",
            "lastChance": False,
        },
    )
    wait_for(lambda: page.evaluate(ROWS) == ["sent"], timeout=4.5)  # the wait was 6 s
    assert len(aborted) == 2


def test_a_photo_that_arrived_before_the_tab_died_is_not_sent_again(
    runtime: LocalRuntime, centre: Scenario, context: Any, tmp_path: Path
) -> None:
    page = _open_album(runtime, centre, context)
    aborted: list[str] = []

    def lost(route: Any) -> None:
        if route.request.method == "POST":
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(f"{runtime.moto_url}/**", lost)
    before = set(_items(runtime, page, centre.album_id))
    [photo] = _photos(tmp_path, 1, "arrivee")
    page.locator("#file-input").set_input_files(str(photo))
    wait_for(lambda: page.evaluate("true") and aborted, timeout=30)
    [grant] = page.evaluate(GRANTS)

    # The bucket did get the photo (the tab died, or the 4G dropped, before the answer came):
    # the same presigned POST the page holds, sent from here
    posted = requests.post(
        grant["url"],
        data=grant["fields"],
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        timeout=30,
    )
    assert posted.status_code in (200, 201, 204), posted.text
    assert len(page.evaluate(KEPT)) == 1  # the page does not know it arrived
    page.close()

    # Opened again later, when the processor has taken the photo in
    wait_for(
        lambda: (
            [
                i["state"]
                for k, i in _items(runtime, context.request, centre.album_id).items()
                if k not in before
            ]
            in (["processing"], ["ready"])
        ),
        timeout=60,
        interval=0.5,
    )
    page = context.new_page()
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.url.startswith(runtime.moto_url) else None,
    )
    page.goto(f"{runtime.base_url}/staff.html#/album/{centre.album_id}")
    page.locator("#album-view").wait_for(state="visible")

    # The kept entry is checked against its item (past "uploading"): dropped, not sent again
    wait_for(lambda: page.evaluate(KEPT) == [], timeout=15)
    assert page.locator("#uploads li").count() == 0
    new = [k for k in _items(runtime, page, centre.album_id) if k not in before]
    assert len(new) == 1
    assert posts == []


SEED = """async ([owner, entries]) => {
  const queue = await import("/staff/queue.js");
  for (const [index, [album, base64]] of entries.entries()) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    await queue.keep({
      id: `seed-${index}`, owner, album_id: album, name: `album-${index}.jpg`, type: "image/jpeg",
      size: bytes.length, blob: new Blob([bytes], { type: "image/jpeg" }), created_at: index,
      grant: null,
    });
  }
}"""


def test_a_kept_queue_of_two_albums_lands_in_each_album(
    runtime: LocalRuntime, centre: Scenario, context: Any
) -> None:
    other = centre.ok(
        centre.admin("POST", "albums", {"title": "Piscine", "date": ALBUM_DATE}), 201
    )["album_id"]
    page = _open_album(runtime, centre, context)
    before = {a: set(_items(runtime, page, a)) for a in (centre.album_id, other)}
    photo = base64.b64encode(jpeg_with_metadata((800, 600))).decode()
    # The phone kept three photos without a grant yet (chosen offline): two for this album,
    # one for another; the next opening sends all three at once
    page.evaluate(
        SEED, ["anim-1", [[centre.album_id, photo], [other, photo], [centre.album_id, photo]]]
    )
    page.reload()
    page.locator("#album-view").wait_for(state="visible")

    def landed() -> dict[str, int] | None:
        new = {
            a: [i for k, i in _items(runtime, page, a).items() if k not in before[a]]
            for a in before
        }
        counts = {a: len(items) for a, items in new.items()}
        settled = all(i["state"] == "ready" for items in new.values() for i in items)
        return counts if settled and sum(counts.values()) == 3 else None

    assert wait_for(landed, timeout=90, interval=0.5) == {centre.album_id: 2, other: 1}
    assert page.evaluate(KEPT) == []
