"""The readable audit log (issue 18, docs/audit.md "The readable view"): names resolved at
read time (never stored), fallbacks, filters, pagination and "who saw my child's photos"."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Aws, Centre
from tests.integration.staff_api import (
    admin,
    create_album,
    create_child,
    create_group,
    create_guardian,
    ok,
    ready_photo,
    tag,
)

JULY_14 = 1_815_552_000  # 2027-07-14 08:00 UTC (10:00 in Paris), after the roster set-up


def _append(
    centre: Centre, action: str, actor: str, subject: str, at: float, **details: Any
) -> None:
    from pellicule.services import audit

    audit.append(centre.tenant_id, action, actor, subject, details, at=at)


def _scenario(aws: Aws, centre: Centre) -> dict[str, str]:
    """Léa on two photos (one in each album), Tom on a third; Léa's and Tom's families and a
    relative of Léa's family view and download."""
    from pellicule.store import relatives

    session = centre.director_session
    group = create_group(session)
    lea = create_child(session, group, "Léa", "M")
    tom = create_child(session, group, "Tom", "B")
    lea_parent = create_guardian(session, "maman.lea@famille.example", [lea])
    tom_parent = create_guardian(session, "papa.tom@famille.example", [tom])
    second = create_album(session, "Piscine")
    photo_a = ready_photo(aws, centre)
    photo_b = ready_photo(aws, centre, second)
    photo_c = ready_photo(aws, centre, second)
    tag(session, photo_a, [lea])
    tag(session, photo_b, [lea, tom])
    tag(session, photo_c, [tom])
    relatives.new_relative(
        centre.tenant_id,
        "rel-1",
        email="mamie@famille.example",
        invited_by=lea_parent,
        may_download=True,
        at=JULY_14,
    ).save()
    ids = {"lea": lea, "tom": tom, "lea_parent": lea_parent, "tom_parent": tom_parent}
    ids |= {"a": photo_a, "b": photo_b, "c": photo_c, "second": second}
    g_lea, g_tom, rel = f"guardian:{lea_parent}", f"guardian:{tom_parent}", "relative:rel-1"
    _append(centre, "view", g_lea, f"album:{centre.album_id}", JULY_14, items=3)
    _append(centre, "download", g_lea, f"media:{photo_a}", JULY_14 + 60, blurred="false")
    _append(centre, "download", g_lea, f"media:{photo_a}", JULY_14 + 120, blurred="false")
    _append(centre, "view", g_tom, f"album:{second}", JULY_14 + 180, items=2)
    _append(centre, "download", g_tom, f"media:{photo_c}", JULY_14 + 240, blurred="false")
    _append(centre, "download", g_tom, f"album:{second}", JULY_14 + 300, archive="arc1", items=2)
    _append(centre, "view", rel, f"album:{second}", JULY_14 + 86_400, items=2)
    return ids


def _page(session: str, **query: Any) -> dict[str, Any]:
    from urllib.parse import urlencode

    path = "/audit/entries" + (f"?{urlencode(query)}" if query else "")
    return _get(session, path)


def _get(session: str, path: str) -> Any:
    from functions.admin.handler import handler
    from tests.conftest import LambdaContext, api_event

    route, _, raw = path.partition("?")
    event = api_event("GET", f"/api/admin{route}", session=session)
    if raw:
        from urllib.parse import parse_qsl

        event["rawQueryString"] = raw
        event["queryStringParameters"] = dict(parse_qsl(raw))
    return ok(handler(event, LambdaContext()))


def test_names_are_resolved_at_read_time_and_never_stored(aws: Aws, centre: Centre) -> None:
    ids = _scenario(aws, centre)
    answer = _page(centre.director_session, action="download")
    names = answer["names"]
    assert names[f"guardian:{ids['lea_parent']}"]["name"] == "maman.lea@famille.example"
    assert names[f"guardian:{ids['lea_parent']}"]["children"] == ["Léa M."]
    assert names[f"media:{ids['a']}"]["media_kind"] == "photo"
    assert names[f"media:{ids['a']}"]["name"] == "Sortie"
    assert names[f"album:{ids['second']}"]["name"] == "Piscine"
    assert answer["time_zone"] == "Europe/Paris"
    first = answer["entries"][-1]
    assert first["time"] == "2027-07-14T10:01:00+02:00"
    # The stored log (its export) holds ids only.
    exported = ok(admin("GET", "/audit", centre.director_session))
    assert "maman.lea" not in json.dumps(exported)
    assert "Léa" not in json.dumps(exported)


def test_an_id_no_longer_in_the_roster_or_of_another_centre_falls_back(
    aws: Aws, centre: Centre
) -> None:
    from tests.conftest import make_centre

    other = make_centre()
    ids = _scenario(aws, centre)
    _append(centre, "erasure", "staff:staff-1", "child:gone-child", JULY_14 + 999)
    # guardian-1 of the other centre exists there, never here... but "guardian-1" also exists
    # in this centre (make_centre): use the other centre's album instead.
    _append(
        centre, "view", f"guardian:{ids['lea_parent']}", f"album:{other.album_id}", JULY_14 + 1000
    )
    names = _page(centre.director_session)["names"]
    assert names["child:gone-child"] == {"kind": "child", "name": None, "state": "gone"}
    assert names[f"album:{other.album_id}"]["state"] == "gone"
    assert names["staff:staff-1"]["name"] == "Direction"


def test_filters_by_child_person_period_and_action(aws: Aws, centre: Centre) -> None:
    ids = _scenario(aws, centre)
    session = centre.director_session
    by_child = _page(session, child=ids["tom"])["entries"]
    subjects = {e["subject"] for e in by_child}
    assert f"media:{ids['c']}" in subjects
    assert f"child:{ids['tom']}" in subjects
    assert f"media:{ids['a']}" not in subjects
    by_person = _page(session, person="relative:rel-1")["entries"]
    assert [e["action"] for e in by_person] == ["view"]
    day_two = _page(session, start="2027-07-15", end="2027-07-15")["entries"]
    assert [e["actor"] for e in day_two] == ["relative:rel-1"]
    first_day = _page(session, start="2027-07-14", end="2027-07-14", action="download")["entries"]
    assert len(first_day) == 4


def test_pages_follow_the_cursor_without_gaps(aws: Aws, centre: Centre) -> None:
    _scenario(aws, centre)
    session = centre.director_session
    seen: list[int] = []
    cursor = None
    for _ in range(50):
        query: dict[str, Any] = {"limit": 4}
        if cursor:
            query["cursor"] = cursor
        answer = _page(session, **query)
        seen += [e["seq"] for e in answer["entries"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    everything = [row["seq"] for row in ok(admin("GET", "/audit", session))]
    assert seen == sorted(everything, reverse=True)


def test_who_saw_groups_views_and_downloads_per_person(aws: Aws, centre: Centre) -> None:
    ids = _scenario(aws, centre)
    answer = _get(centre.director_session, f"/audit/who-saw?child={ids['lea']}")
    people = {p["person"]: p for p in answer["people"]}
    g_lea, g_tom = f"guardian:{ids['lea_parent']}", f"guardian:{ids['tom_parent']}"
    assert set(people) == {g_lea, g_tom, "relative:rel-1"}
    assert (people[g_lea]["views"], people[g_lea]["downloads"]) == (1, 2)
    # Tom's family: the album holding Léa's photo b (a view and an archive); photo c is Tom's.
    assert (people[g_tom]["views"], people[g_tom]["downloads"], people[g_tom]["archives"]) == (
        1,
        0,
        1,
    )
    assert people["relative:rel-1"]["last_time"] == "2027-07-15T10:00:00+02:00"
    assert answer["people"][0]["person"] == "relative:rel-1"
    assert answer["names"]["relative:rel-1"]["children"] == ["Léa M."]
    assert answer["names"][f"child:{ids['lea']}"]["name"] == "Léa M."
    assert answer["complete"] is True
    # Tom: his family's download of photo c; Léa's family never saw his photos.
    tom = _get(centre.director_session, f"/audit/who-saw?child={ids['tom']}")
    tom_people = {p["person"]: p for p in tom["people"]}
    assert tom_people[g_tom]["downloads"] == 1
    assert g_lea not in tom_people  # album 1 and photo a hold no photo of Tom


def test_a_narrow_filter_reads_a_bounded_number_of_entries_and_goes_on(
    aws: Aws, centre: Centre, monkeypatch: Any
) -> None:
    from pellicule.domain import audit_reading

    ids = _scenario(aws, centre)
    monkeypatch.setattr(audit_reading, "READ_LIMIT", 3)
    session = centre.director_session
    found: list[dict[str, Any]] = []
    reads: list[int] = []
    query: dict[str, Any] = {"action": "roster_changed", "child": ids["lea"]}
    for _ in range(40):
        answer = _page(session, **query)
        reads.append(answer["read"])
        found += answer["entries"]
        if answer["next_cursor"] is None:
            break
        query["cursor"] = answer["next_cursor"]
    assert max(reads) <= 3
    assert len(reads) > 3  # it took several bounded requests
    assert [e["subject"] for e in found] == [f"child:{ids['lea']}"]


def test_views_and_downloads_not_chained_yet_are_read_too(aws: Aws, centre: Centre) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    ids = _scenario(aws, centre)
    g_lea = f"guardian:{ids['lea_parent']}"
    # Recorded as the family routes do (a pending event), not chained yet
    audit.record(centre.tenant_id, "view", g_lea, f"album:{ids['second']}", {"items": 2})
    audit.record(centre.tenant_id, "download", g_lea, f"media:{ids['b']}", {"blurred": "false"})
    answer = _get(centre.director_session, f"/audit/who-saw?child={ids['lea']}")
    people = {p["person"]: p for p in answer["people"]}
    assert (people[g_lea]["views"], people[g_lea]["downloads"]) == (2, 3)
    assert len(list(store.pending(centre.tenant_id))) == 2  # "who saw" only reads
    # The log's first page chains them first, so they show with their seq
    page = _page(centre.director_session, person=g_lea)
    assert [(e["action"], e["subject"]) for e in page["entries"][:2]] == [
        ("download", f"media:{ids['b']}"),
        ("view", f"album:{ids['second']}"),
    ]
    assert all(e["seq"] > 0 for e in page["entries"])
    assert list(store.pending(centre.tenant_id)) == []
    assert audit.verify(centre.tenant_id).ok


def test_an_event_chained_between_who_saws_two_reads_counts_once(
    aws: Aws, centre: Centre, monkeypatch: Any
) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    ids = _scenario(aws, centre)
    g_lea = f"guardian:{ids['lea_parent']}"
    audit.record(centre.tenant_id, "view", g_lea, f"album:{ids['second']}", {"items": 2})
    audit.record(centre.tenant_id, "download", g_lea, f"media:{ids['b']}", {"blurred": "false"})
    reading_pending = store.pending

    def read_then_the_chainer_runs(tenant_id: str, **kwargs: Any) -> Any:
        # "who saw" reads the waiting events; the stream's chainer chains them right after
        waiting = list(reading_pending(tenant_id, **kwargs))
        monkeypatch.setattr(store, "pending", reading_pending)  # the chainer reads them too
        assert audit.chain_pending(tenant_id) == 2
        return iter(waiting)

    monkeypatch.setattr(store, "pending", read_then_the_chainer_runs)
    answer = _get(centre.director_session, f"/audit/who-saw?child={ids['lea']}")
    people = {p["person"]: p for p in answer["people"]}
    # The same counts as when nothing moved (1 view, 2 downloads before; +1 each)
    assert (people[g_lea]["views"], people[g_lea]["downloads"]) == (2, 3)
    assert list(reading_pending(centre.tenant_id)) == []
