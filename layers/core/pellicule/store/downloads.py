"""The downloads store: what each family member downloaded ("Mes téléchargements"), the only
module that reads and writes Download items (docs/data-model.md).

One item per download under the centre's partition, keyed by the family member then the time
(``keys.download_sk``): a family member's list is ONE query on their prefix, newest first,
never a scan, and never reaches another person's entries. An entry is an ``item`` (one photo
or video, written by the family's single-item download route) or an ``archive`` (an album's
zip, written by the archive route): both name their album. DynamoDB deletes an entry 12 months
after it was written (``expires_at``, the audit log's retention).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from pellicule.config import clock
from pellicule.domain.audit_chain import RETENTION_SECONDS
from pellicule.store import keys
from pellicule.store.models import Download

# The item type callers hold (they read its attributes).
DownloadRecord = Download
Kind = Literal["item", "archive"]
KINDS: frozenset[str] = frozenset({"item", "archive"})
# An entry's id, also the page cursor: ``<at ms:013d>-<8 hex>``.
ENTRY_ID = re.compile(rf"^[0-9]{{{keys.DOWNLOAD_AT_WIDTH}}}-[0-9a-f]{{8}}$")
MAX_NAME = 200


@dataclass(frozen=True)
class Page:
    """Entries newest first, and the cursor of the next page (``None`` at the end)."""

    entries: list[DownloadRecord]
    next_cursor: str | None


def record(
    tenant_id: str,
    guardian_id: str,
    *,
    kind: Kind,
    album_id: str,
    album_title: str | None = None,
    media_id: str | None = None,
    media_kind: str | None = None,
    capture_date: str | None = None,
    blurred: bool = False,
    name: str | None = None,
    at: float | None = None,
) -> str:
    """Record that ``guardian_id`` downloaded something of ``album_id``; returns the entry id.

    ``kind="item"``: one item (``media_id``, its ``media_kind`` and ``capture_date``, and
    whether the copy was ``blurred``). ``kind="archive"``: an album archive (``name``: its
    file name). ``at``: epoch seconds (now by default).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown download kind: {kind!r}")
    if kind == "item" and not media_id:
        raise ValueError("an item download names its media_id")
    moment = clock.now() if at is None else at
    at_ms = int(moment * 1000)
    entry_id = f"{at_ms:0{keys.DOWNLOAD_AT_WIDTH}d}-{secrets.token_hex(4)}"
    Download(
        keys.tenant_pk(tenant_id),
        keys.download_sk(guardian_id, entry_id),
        tenant_id=tenant_id,
        guardian_id=guardian_id,
        entry_id=entry_id,
        at=at_ms,
        kind=kind,
        album_id=album_id,
        album_title=album_title,
        media_id=media_id,
        media_kind=media_kind,
        capture_date=capture_date,
        blurred=blurred,
        name=name[:MAX_NAME] if name else None,
        expires_at=int(moment) + RETENTION_SECONDS,
    ).save()
    return entry_id


def page(tenant_id: str, guardian_id: str, *, limit: int, cursor: str | None = None) -> Page:
    """One page of ``guardian_id``'s downloads, newest first; ``cursor``: the previous page's
    ``next_cursor`` (an entry id: the page starts just before it)."""
    prefix = keys.downloads_prefix(guardian_id)
    condition: Any
    if cursor is None:
        condition = Download.sk.startswith(prefix)
    else:
        if not ENTRY_ID.match(cursor):
            raise ValueError("malformed downloads cursor")
        # Between the prefix and the cursor (inclusive): the cursor's own entry is dropped.
        condition = Download.sk.between(prefix, keys.download_sk(guardian_id, cursor))
    now = clock.now()
    found: list[DownloadRecord] = []
    more = False
    for entry in Download.query(
        keys.tenant_pk(tenant_id),
        condition,
        scan_index_forward=False,
        page_size=limit + 2,
    ):
        if entry.entry_id == cursor or int(entry.expires_at) <= now:
            continue  # the previous page's last entry; past its time (DynamoDB may lag)
        if len(found) == limit:
            more = True
            break
        found.append(entry)
    return Page(found, found[-1].entry_id if more else None)
