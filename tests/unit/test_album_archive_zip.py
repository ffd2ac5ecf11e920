"""The album archive's zip writer and multipart writer (no AWS): a real zip that ``zipfile`` and
``unzip -t`` accept, stored entries, zip64 where needed, readable names, and memory bounded by
one part whatever the number and size of the items."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from functions.archive import zipper
from pellicule.adapters import s3stream
from pellicule.services.archives import Source, entry_name, slug, zip_name

MIB = 1024 * 1024


class FakeS3:
    """Records the parts of one multipart upload and joins them on completion (the largest
    part it was ever handed is what the writer held)."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.parts: dict[int, bytes] = {}
        self.part_sizes: list[int] = []
        self.digest = hashlib.sha256()
        self.completed: bytes | None = None
        self.aborted = False
        self.created: dict[str, Any] = {}

    def create_multipart_upload(self, **kwargs: Any) -> dict[str, Any]:
        self.created = kwargs
        return {"UploadId": "u-1"}

    def upload_part(self, *, PartNumber: int, Body: Any, **_: Any) -> dict[str, Any]:
        data = bytes(Body)
        self.part_sizes.append(len(data))
        self.digest.update(data)
        if self.keep:
            self.parts[PartNumber] = data
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, *, MultipartUpload: Any, **_: Any) -> None:
        numbers = [p["PartNumber"] for p in MultipartUpload["Parts"]]
        assert numbers == list(range(1, len(numbers) + 1))
        if self.keep:
            self.completed = b"".join(self.parts[n] for n in numbers)

    def abort_multipart_upload(self, **_: Any) -> None:
        self.aborted = True


def chunks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_the_writer_builds_a_zip_that_zipfile_and_unzip_accept(tmp_path: Path) -> None:
    s3 = FakeS3()
    writer = s3stream.MultipartWriter(
        s3, "bucket", "archives/t/a.zip", content_type="application/zip", part_size=5 * MIB
    )
    files = {f"2026-07-14_sortie_{i:03d}.jpg": os.urandom(700_000 + i) for i in range(1, 13)}
    entries = [
        zipper.Entry(name, len(data) if i % 2 else None, (2026, 7, 14, 12, 0, 0), chunks(data))
        for i, (name, data) in enumerate(files.items())
    ]
    written = zipper.write_zip(writer, [entries[0], None, *entries[1:]])
    writer.complete()
    assert [e.name for e in written] == list(files)
    assert s3.completed is not None
    assert len(s3.part_sizes) >= 2  # a real multipart upload: 8+ MB in 5 MiB parts
    assert all(size == 5 * MIB for size in s3.part_sizes[:-1])
    archive = zipfile.ZipFile(io.BytesIO(s3.completed))
    assert archive.testzip() is None
    assert archive.namelist() == list(files)
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (2026, 7, 14, 12, 0, 0)
        assert archive.read(info) == files[info.filename]
    assert s3.created["ContentType"] == "application/zip"
    if shutil.which("unzip"):
        path = tmp_path / "a.zip"
        path.write_bytes(s3.completed)
        result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "No errors detected" in result.stdout


def test_memory_stays_one_part_with_many_objects() -> None:
    """300 items of 3 MB (~0.9 GB of zip): the writer's buffer never passes one part, and the
    parts are never kept (the fake hashes them as S3 would store them)."""
    s3 = FakeS3(keep=False)
    part = 8 * MIB
    writer = s3stream.MultipartWriter(s3, "bucket", "archives/t/big.zip", part_size=part)
    block = os.urandom(MIB)
    items = 300

    def data() -> list[bytes]:
        return [block, block, block]

    entries = (
        zipper.Entry(f"2026-07-14_x_{i:03d}.jpg", 3 * MIB, (2026, 7, 14, 0, 0, 0), data())
        for i in range(1, items + 1)
    )
    written = zipper.write_zip(writer, entries)
    writer.complete()
    assert len(written) == items
    assert writer.size > items * 3 * MIB
    assert writer.peak_buffer <= part
    assert max(s3.part_sizes) <= part
    assert sum(s3.part_sizes) == writer.size


def test_the_writer_refuses_parts_below_s3s_minimum_and_aborts() -> None:
    with pytest.raises(ValueError, match="5 MiB"):
        s3stream.MultipartWriter(FakeS3(), "b", "k", part_size=MIB)
    s3 = FakeS3()
    writer = s3stream.MultipartWriter(s3, "b", "k", part_size=5 * MIB)
    writer.write(b"x" * 10)
    writer.abort()
    assert s3.aborted
    with pytest.raises(ValueError, match="finished"):
        writer.write(b"y")


def test_an_empty_zip_still_completes_as_one_part() -> None:
    s3 = FakeS3()
    writer = s3stream.MultipartWriter(s3, "b", "k", part_size=5 * MIB)
    assert zipper.write_zip(writer, []) == []
    writer.complete()
    assert s3.completed is not None
    assert zipfile.ZipFile(io.BytesIO(s3.completed)).namelist() == []


def test_large_entries_get_zip64_headers() -> None:
    """An entry whose size is unknown, or past 2 GiB, is written with zip64 sizes."""
    s3 = FakeS3()
    writer = s3stream.MultipartWriter(s3, "b", "k", part_size=5 * MIB)
    zipper.write_zip(writer, [zipper.Entry("a.mp4", None, (2026, 1, 1, 0, 0, 0), [b"v" * 10])])
    writer.complete()
    assert s3.completed is not None
    archive = zipfile.ZipFile(io.BytesIO(s3.completed))
    assert archive.read("a.mp4") == b"v" * 10
    # The local header carries the zip64 extra field (id 0x0001).
    assert b"\x01\x00\x10\x00" in s3.completed[:64]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sortie au parc", "sortie-au-parc"),
        ("Fête de l'été : à la plage !", "fete-de-l-ete-a-la-plage"),
        ("   ", "album"),
        ("日本", "album"),
        ("../../etc/passwd", "etc-passwd"),
        ("A" * 100, "a" * 40),
    ],
)
def test_album_titles_become_ascii_slugs(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_names_carry_the_album_date_slug_and_a_three_digit_position() -> None:
    photo = Source("m1", "photo", "t/x/d/a/c/m1/abc.jpg", blurred=False, size=1)
    video = Source("m2", "video", "t/x/s/a/c/m2/abc.mp4", blurred=False, size=1)
    odd = Source("m3", "photo", "t/x/d/a/c/m3/abc", blurred=True, size=None)
    assert entry_name("2026-07-14", "Sortie au parc", 12, photo) == (
        "2026-07-14_sortie-au-parc_012.jpg"
    )
    assert entry_name("2026-07-14", "Sortie au parc", 3, video) == (
        "2026-07-14_sortie-au-parc_003.mp4"
    )
    assert entry_name("2026-07-14", "Sortie", 1000, odd) == "2026-07-14_sortie_1000.jpg"
    assert zip_name("2026-07-14", "Sortie au parc") == "pellicule_sortie-au-parc_2026-07-14.zip"
