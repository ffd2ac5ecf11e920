"""Names for the pseudonymous references of the audit log, looked up at read time for the
director's screen (docs/audit.md, "The readable view"). Never written to the log.

Every lookup is keyed on the reader's own centre: another centre's id resolves to nothing
(``state: "gone"``), as does an id no longer in the roster (an erased child, a relative whose
item expired). Archived people keep their name with ``state: "archived"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pellicule.domain import home
from pellicule.store import media, relatives, roster

Name = dict[str, Any]


def _gone(kind: str) -> Name:
    return {"kind": kind, "name": None, "state": "gone"}


def _state(archived: object) -> str:
    return "archived" if archived else "known"


class Resolver:
    """Looks references up once each, within one centre."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.cache: dict[str, Name] = {}
        self._children: dict[str, Any] = {}
        self._albums: dict[str, Any] = {}

    def _child_record(self, child_id: str) -> Any:
        if child_id not in self._children:
            self._children[child_id] = roster.child(self.tenant_id, child_id)
        return self._children[child_id]

    def _album_record(self, album_id: str) -> Any:
        if album_id not in self._albums:
            self._albums[album_id] = media.album(self.tenant_id, album_id)
        return self._albums[album_id]

    def child_name(self, child_id: str) -> str | None:
        found = self._child_record(child_id)
        return home.child_label(found.first_name, found.initial) if found is not None else None

    def _children_of(self, child_ids: Iterable[str]) -> list[str]:
        names = (self.child_name(child_id) for child_id in sorted(child_ids))
        return [name for name in names if name]

    def _child(self, ident: str) -> Name:
        found = self._child_record(ident)
        if found is None:
            return _gone("child")
        return {"kind": "child", "name": self.child_name(ident), "state": _state(found.archived)}

    def _staff(self, ident: str) -> Name:
        found = roster.staff_member(self.tenant_id, ident)
        if found is None:
            return _gone("staff")
        archived = getattr(found, "archived", False)
        return {"kind": "staff", "name": found.display_name, "state": _state(archived)}

    def _guardian(self, ident: str) -> Name:
        found = roster.guardian(self.tenant_id, ident)
        if found is None:
            return _gone("guardian")
        return {
            "kind": "guardian",
            "name": found.email,
            "state": _state(found.archived),
            "children": self._children_of(found.child_ids or ()),
        }

    def _relative(self, ident: str) -> Name:
        found = relatives.relative(self.tenant_id, ident, consistent=False)
        if found is None:
            return _gone("relative")
        family = roster.guardian(self.tenant_id, found.invited_by)
        return {
            "kind": "relative",
            "name": found.email,
            "state": "archived" if found.revoked_at else "known",
            "children": self._children_of(family.child_ids or ()) if family else [],
        }

    def _album(self, ident: str) -> Name:
        found = self._album_record(ident)
        if found is None:
            return _gone("album")
        return {"kind": "album", "name": found.title, "state": "known"}

    def _media_batch(self, idents: set[str]) -> None:
        found = {m.media_id: m for m in media.items_read(self.tenant_id, idents)} if idents else {}
        for ident in idents:
            item = found.get(ident)
            if item is None or item.state == "purged":
                self.cache[f"media:{ident}"] = _gone("media")
                continue
            day = (
                item.capture_date
                or datetime.fromtimestamp(int(item.created_at), UTC).date().isoformat()
            )
            album = self._album_record(item.album_id)
            self.cache[f"media:{ident}"] = {
                "kind": "media",
                "name": album.title if album else None,
                "state": "known",
                "media_kind": item.kind,
                "date": day,
            }

    def resolve(self, refs: Iterable[str]) -> dict[str, Name]:
        """Names for ``refs`` (kinds without a name, such as ``system``, are left out)."""
        wanted = {ref for ref in refs if ref and ref not in self.cache}
        self._media_batch({ref.split(":", 1)[1] for ref in wanted if ref.startswith("media:")})
        lookups = {
            "child": self._child,
            "staff": self._staff,
            "guardian": self._guardian,
            "relative": self._relative,
            "album": self._album,
        }
        for ref in wanted:
            kind, _, ident = ref.partition(":")
            if kind in lookups:
                self.cache[ref] = lookups[kind](ident)
        return {ref: self.cache[ref] for ref in refs if ref in self.cache}


def refs_of(entries: Iterable[dict[str, Any]]) -> set[str]:
    """The references an answer shows: actors, subjects and the people of "who saw"."""
    found: set[str] = set()
    for entry in entries:
        for key in ("actor", "subject", "person"):
            if key in entry:
                found.add(str(entry[key]))
    return found
