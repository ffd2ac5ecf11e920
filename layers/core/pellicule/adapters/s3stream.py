"""Streaming S3 objects through a function without holding them in memory.

- :func:`chunks` reads an object as a sequence of chunks (one ranged-free streamed GET);
- :class:`MultipartWriter` is a write-only file object that uploads what is written to it as
  the parts of an S3 multipart upload, holding at most ONE part in memory (its buffer never
  grows past ``part_size``), so a writer such as :mod:`zipfile` can produce a 1 GB archive in
  a function with a few tens of MB.

The client is passed in (``aws.client("s3")`` in the functions, a fake in unit tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MIB = 1024 * 1024
PART_SIZE = 8 * MIB  # S3's minimum part is 5 MiB (the last part excepted)
READ_CHUNK = 1 * MIB
MIN_PART_SIZE = 5 * MIB


def chunks(client: Any, bucket: str, key: str, *, size: int = READ_CHUNK) -> Iterator[bytes]:
    """The object's bytes, ``size`` at a time, from one streamed GET."""
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        yield from body.iter_chunks(size)
    finally:
        body.close()


def object_size(client: Any, bucket: str, key: str) -> int:
    return int(client.head_object(Bucket=bucket, Key=key)["ContentLength"])


class MultipartWriter:
    """A write-only, non-seekable file object backed by an S3 multipart upload.

    Bytes written fill one buffer of ``part_size``; each full buffer is uploaded as the next
    part and emptied. :meth:`complete` uploads the last (possibly short) part and completes
    the upload; :meth:`abort` gives it up (S3 then holds nothing; the bucket's lifecycle rule
    also aborts uploads left incomplete for a day). ``peak_buffer`` is the most the buffer
    ever held (the memory bound the tests assert).
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        *,
        content_type: str = "application/octet-stream",
        content_disposition: str | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError("S3 parts are at least 5 MiB")
        self._client = client
        self._bucket = bucket
        self._key = key
        self._part_size = part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._position = 0
        self._done = False
        self.peak_buffer = 0
        extra: dict[str, Any] = {"ContentType": content_type}
        if content_disposition:
            extra["ContentDisposition"] = content_disposition
        created = client.create_multipart_upload(Bucket=bucket, Key=key, **extra)
        self._upload_id = str(created["UploadId"])

    # --- file object protocol (what zipfile uses on a non-seekable stream) -----------------

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._done:
            raise ValueError("write to a finished upload")
        view = memoryview(data).cast("B")
        written = len(view)
        while view:
            room = self._part_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            self.peak_buffer = max(self.peak_buffer, len(self._buffer))
            if len(self._buffer) >= self._part_size:
                self._upload_part()
        self._position += written
        return written

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        """Nothing to do: a part goes up only when full (S3's minimum part size)."""

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    # --- the upload --------------------------------------------------------------------------

    @property
    def parts(self) -> int:
        return len(self._parts)

    @property
    def size(self) -> int:
        return self._position

    def _upload_part(self) -> None:
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=self._buffer,  # no copy: a new buffer replaces it below
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer = bytearray()

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self._upload_part()
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        self._client.abort_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
        )
