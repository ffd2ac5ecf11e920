"""Writing a zip to a non-seekable stream, one entry at a time (no AWS, no I/O of its own).

Entries are *stored* (no compression: JPEG and MP4 do not compress), each written from an
iterable of chunks as it is read, so the archive never exists whole in memory; zipfile adds
data descriptors (the stream cannot seek back) and zip64 records where sizes or offsets need
them (an entry whose size is unknown is written with zip64 sizes from the start).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

ZIP64_SAFE_BYTES = 1 << 31  # zipfile's own margin: sizes near 4 GiB need zip64 headers


@dataclass(frozen=True)
class Entry:
    name: str
    size: int | None  # bytes, when known in advance
    date_time: tuple[int, int, int, int, int, int]
    data: Iterable[bytes]


def write_zip(out: IO[bytes] | Any, entries: Iterable[Entry | None]) -> list[Entry]:
    """Write ``entries`` (``None``: an item skipped) to ``out``, then the central directory;
    returns the entries written. ``entries`` is read lazily: whatever produces an entry (e.g.
    a gate check) runs just before it is written."""
    written: list[Entry] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            if entry is None:
                continue
            info = zipfile.ZipInfo(entry.name, date_time=entry.date_time)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            if entry.size is not None:
                info.file_size = entry.size
            force = entry.size is None or entry.size >= ZIP64_SAFE_BYTES
            with archive.open(info, "w", force_zip64=force) as target:
                for chunk in entry.data:
                    target.write(chunk)
            written.append(entry)
    return written
