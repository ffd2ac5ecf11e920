"""Video processing: the shared ingest pipeline with ffmpeg as its renderer (req. 5-8).

Each message gets a private work directory under the temporary directory (Lambda's ``/tmp``,
``topology.VIDEO_EPHEMERAL_STORAGE_MB``): the original is downloaded there, ffmpeg writes the
output and the poster frame there, and the directory is removed when the message is done,
whatever happened. Directories an instance left behind when it was stopped mid-way (a
timeout) are swept by the next message.
"""

from __future__ import annotations

import contextvars
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from functions.video import video
from pellicule.config import topology
from pellicule.domain.errors import RejectedMedia
from pellicule.services import ingest, tenant_settings
from pellicule.store.media import MediaRecord

LEASE_SECONDS = topology.VIDEO_TIMEOUT_SECONDS + 60
STORE_RESERVE_SECONDS = 60.0  # kept after ffmpeg to store the outputs and update the item
WORK_DIRECTORY = "pellicule-video"
STALE_AFTER_SECONDS = topology.VIDEO_TIMEOUT_SECONDS + 300  # older: an abandoned attempt
OUTPUT_RESERVE_BYTES = 1024 * 1024 * 1024  # room for the 720p output beside the original


@dataclass(frozen=True)
class _Job:
    directory: Path
    deadline: float  # time.monotonic() instant by which ffmpeg must be done


_JOB: contextvars.ContextVar[_Job] = contextvars.ContextVar("pellicule_video_job")


def remaining_seconds(context: Any) -> float:
    """Time left in this invocation according to Lambda's context (else the timeout)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if callable(getter):
        return max(0.0, float(getter()) / 1000)
    return float(topology.VIDEO_TIMEOUT_SECONDS)


def limits_for(media: MediaRecord) -> topology.VideoLimits:
    """The caps applied to ``media``: its centre's settings (never above the defaults)."""
    settings = tenant_settings.for_tenant(media.tenant_id)
    return topology.VideoLimits(
        max_duration_seconds=min(
            float(settings.max_video_seconds), topology.VIDEO_LIMITS.max_duration_seconds
        ),
        max_long_edge=min(settings.max_video_edge, topology.VIDEO_LIMITS.max_long_edge),
    )


def render(s3: Any, obj: ingest.IngestObject, media: MediaRecord) -> ingest.Rendered:
    job = _JOB.get()
    workdir = Path(tempfile.mkdtemp(dir=job.directory))
    if shutil.disk_usage(workdir).free < obj.size + OUTPUT_RESERVE_BYTES:
        raise RejectedMedia("video_too_large_to_process")
    source = workdir / "original"
    s3.download_file(obj.bucket, obj.key, str(source))  # streamed to disk, never in memory
    result = video.render(
        source,
        workdir,
        media.declared_type,
        limits=limits_for(media),
        deadline=job.deadline,
    )
    source.unlink(missing_ok=True)
    return ingest.Rendered(
        width=result.width,
        height=result.height,
        capture_date=result.capture_date,
        duration_seconds=result.duration_seconds,
        outputs=(
            ingest.Output(
                name="video",
                content_type="video/mp4",
                extension="mp4",
                width=result.video_width,
                height=result.video_height,
                path=str(result.video),
            ),
            ingest.Output(
                name="poster",
                content_type="image/jpeg",
                extension="jpg",
                width=result.poster.width,
                height=result.poster.height,
                data=result.poster.data,
            ),
            ingest.Output(
                name="thumb",
                content_type="image/jpeg",
                extension="jpg",
                width=result.thumb.width,
                height=result.thumb.height,
                data=result.thumb.data,
            ),
        ),
    )


@cache
def pipeline() -> ingest.Pipeline:
    return ingest.Pipeline("video", render, lease_seconds=LEASE_SECONDS)


def process_message(message_body: str, *, remaining_seconds: float | None = None) -> None:
    """Handle one SQS message; ``remaining_seconds`` is the invocation's time left."""
    remaining = (
        float(topology.VIDEO_TIMEOUT_SECONDS) if remaining_seconds is None else remaining_seconds
    )
    reserve = min(STORE_RESERVE_SECONDS, remaining / 4)
    with _workspace() as directory:
        token = _JOB.set(_Job(directory, time.monotonic() + remaining - reserve))
        try:
            pipeline().handle_message(message_body)
        finally:
            _JOB.reset(token)


def work_root() -> Path:
    return Path(tempfile.gettempdir()) / WORK_DIRECTORY


@contextmanager
def _workspace() -> Iterator[Path]:
    root = work_root()
    root.mkdir(mode=0o700, exist_ok=True)
    _sweep(root)
    directory = Path(tempfile.mkdtemp(dir=root))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _sweep(root: Path) -> None:
    """Remove what attempts stopped mid-way left (only old entries: other processes may be
    working beside us on a developer's machine)."""
    oldest = time.time() - STALE_AFTER_SECONDS
    for entry in root.iterdir():
        try:
            if entry.lstat().st_mtime >= oldest:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
