"""Background workers standing in for Lambda's event sources.

* :class:`QueueDrainer`: the SQS event source mapping of one ingest pipeline's function (one
  drainer per pipeline: photos -> ``process``, videos -> ``video``). It long-polls that
  pipeline's queue, invokes the handler with Lambda's SQS event, and with
  ``ReportBatchItemFailures`` semantics deletes the messages that succeeded. Failed messages
  stay in the queue; their visibility is cut to ``retry_visibility_seconds`` (instead of the
  queue's long visibility timeout) so that retries, and the move to the DLQ after
  ``maxReceiveCount`` receives (done by moto's redrive policy), happen within seconds locally.
* :class:`StreamPoller`: the DynamoDB-stream event source mapping of a
  ``topology.StreamConsumer`` (``REVOCATION_STREAM`` -> ``revocation``,
  ``AUDIT_CHAIN_STREAM`` -> ``chainer``; one poller each). It reads the table's
  stream from moto, drops the records no filter pattern lets through (``local/filters.py``),
  batches the others (``batch_size``, ``max_batching_window_seconds``), invokes the function
  with Lambda's DynamoDB event and honours ``ReportBatchItemFailures``: a failed batch is
  retried from its first failed record, ``retry_attempts`` times, then skipped and logged
  (where AWS would hand it to the on-failure destination).
* :class:`Scheduler`: an EventBridge schedule (one each for the purge and the daily digest),
  every ``interval``.
* :class:`InvalidationPoller`: CloudFront applying the invalidations created on the local
  distribution (through the CloudFront API, by the functions or by tests) to the gateway's
  edge cache.

All survive handler errors (logged) and stop promptly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from local import events
from local.filters import EventFilter
from local.lambdas import Invoker
from pellicule.config import topology

logger = logging.getLogger("pellicule.local.workers")

MAX_DRAIN_ROUNDS = 1000  # drain_once() never loops forever on a queue that keeps filling


def failed_message_ids(response: Any, message_ids: list[str]) -> set[str]:
    """Which messages of a batch failed, read as Lambda reads a partial batch response."""
    everything = set(message_ids)
    if response is None or response == {}:
        return set()
    if not isinstance(response, dict):
        return everything  # not a JSON object: the whole batch failed
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return everything
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in everything:
            return everything  # null, empty or unknown identifier: the whole batch failed
        failed.add(identifier)
    return failed


class _BackgroundLoop:
    """A daemon thread running ``_run`` until :meth:`stop`; subclasses set ``_thread_name``
    and ``_join_seconds`` and loop on ``self._stop``."""

    _thread_name = "pellicule-worker"
    _join_seconds: float = 10

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._join_seconds)
            if self._thread.is_alive():
                logger.warning("%s is still busy; not waiting", self._thread_name)
            self._thread = None

    def _run(self) -> None:
        raise NotImplementedError


class QueueDrainer(_BackgroundLoop):
    def __init__(
        self,
        *,
        sqs: Any,
        invoker: Invoker,
        queue_url: str,
        queue_arn: str,
        region: str,
        function: str,
        batch_size: int,
        wait_seconds: int = 1,
        retry_visibility_seconds: int = 2,
    ) -> None:
        self.sqs = sqs
        self.invoker = invoker
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.function = function
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.retry_visibility_seconds = retry_visibility_seconds
        self.succeeded = 0
        self.failed = 0
        self._lock = threading.Lock()  # one batch at a time (background thread or drain_once)
        self._drain_requests = 0  # drain_once() callers waiting: the loop lets them go first
        self._counter_lock = threading.Lock()
        self._thread_name = f"pellicule-drainer-{function}"
        self._join_seconds = wait_seconds + 10
        super().__init__()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._drain_requests:
                self._stop.wait(0.01)  # locks are not fair: step aside for drain_once()
                continue
            try:
                with self._lock:
                    if self._stop.is_set():
                        break
                    self._poll(self.wait_seconds)
            except Exception:
                logger.exception("queue drainer error; retrying in a second")
                self._stop.wait(1)

    def drain_once(self) -> int:
        """Process every message visible now, synchronously; returns how many were handled.

        A batch the background loop is handling is finished first (it holds the lock), so
        when this returns, every message visible at the call has been handed to the function.
        """
        with self._counter_lock:
            self._drain_requests += 1
        handled = 0
        with self._lock:
            with self._counter_lock:
                self._drain_requests -= 1
            for _ in range(MAX_DRAIN_ROUNDS):
                count = self._poll(0)
                if count == 0:
                    break
                handled += count
        return handled

    def _poll(self, wait_seconds: int) -> int:
        received = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if messages:
            self._process(messages)
        return len(messages)

    def _process(self, messages: list[dict[str, Any]]) -> None:
        event = events.sqs_event(messages, queue_arn=self.queue_arn, region=self.region)
        ids = [message["MessageId"] for message in messages]
        try:
            response = self.invoker.invoke(self.function, event)
        except Exception:
            logger.exception("%s failed on a batch of %d message(s)", self.function, len(ids))
            failed = set(ids)
        else:
            failed = failed_message_ids(response, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        if retry:
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.retry_visibility_seconds,
                    }
                    for i, m in enumerate(retry)
                ],
            )
        self.succeeded += len(done)
        self.failed += len(retry)
        logger.info("%s: %d message(s) done, %d to retry", self.function, len(done), len(retry))


class Scheduler(_BackgroundLoop):
    """Invokes ``function`` with ``event_factory()`` every ``interval`` seconds."""

    def __init__(
        self,
        *,
        invoker: Invoker,
        function: str,
        interval: float,
        event_factory: Callable[[], dict[str, Any]],
    ) -> None:
        self.invoker = invoker
        self.function = function
        self.interval = interval
        self.event_factory = event_factory
        self.runs = 0
        self._lock = threading.Lock()
        self._thread_name = f"pellicule-{function}-schedule"
        super().__init__()

    def run_once(self) -> Any:
        """One scheduled invocation, synchronously; the handler's errors propagate."""
        with self._lock:
            result = self.invoker.invoke(self.function, self.event_factory())
            self.runs += 1
            return result

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
                logger.info("%s: scheduled run done", self.function)
            except Exception:
                logger.exception("%s: scheduled run failed", self.function)


def failed_sequence_numbers(response: Any, sequence_numbers: list[str]) -> set[str] | None:
    """Which records of a stream batch failed; ``None`` when the whole batch failed.

    Read as Lambda reads a stream function's partial batch response: no answer, ``{}`` or no
    ``batchItemFailures`` is success; anything malformed, or a null, empty or unknown
    ``itemIdentifier``, fails the whole batch.
    """
    result = failed_message_ids(response, sequence_numbers)
    if result == set(sequence_numbers) and result:
        return None
    return result


class StreamPoller(_BackgroundLoop):
    """One stream consumer's event source mapping, reading a moto table stream.

    The shard iterator is taken at ``TRIM_HORIZON`` when the poller is built: the runtime
    builds it right after provisioning the table, so every record written afterwards (seed
    data included) is seen, whether the background loop runs or only :meth:`drain` does.
    """

    def __init__(
        self,
        *,
        streams: Any,
        invoker: Invoker,
        stream_arn: str,
        region: str,
        consumer: topology.StreamConsumer,
        poll_interval: float = 0.25,
        batching_window: float | None = None,
        read_limit: int = 1000,
        forget_iterator: Callable[[str], None] | None = None,
        release: Callable[[StreamPoller], None] | None = None,
    ) -> None:
        self.streams = streams
        self.forget_iterator = forget_iterator
        # Called after each read that returned records: the runtime drops from moto's stream
        # what every consumer of it has read (see ``last_read_sequence``).
        self.release = release
        self.last_read_sequence: int | None = None  # of the newest record read from the stream
        self.invoker = invoker
        self.stream_arn = stream_arn
        self.region = region
        self.consumer = consumer
        self.function = consumer.function
        self.batch_size = consumer.batch_size
        self.retry_attempts = consumer.retry_attempts
        self.batching_window = (
            float(consumer.max_batching_window_seconds)
            if batching_window is None
            else batching_window
        )
        self.poll_interval = poll_interval
        self.read_limit = read_limit
        self.filter = EventFilter(consumer.filters)
        self.read = 0  # stream records read
        self.filtered_out = 0  # dropped by the filter criteria
        self.delivered = 0  # handed to the function and done with (success)
        self.discarded = 0  # given up after the retries ("on-failure destination")
        self.invocations = 0
        self._buffer: list[dict[str, Any]] = []  # filtered Lambda records, oldest first
        self._buffer_since = 0.0  # monotonic time the oldest buffered record was read
        self._attempts = 0  # failed attempts of the batch starting at the buffer's head
        self._lock = threading.Lock()
        self._drain_requests = 0
        self._counter_lock = threading.Lock()
        self._thread_name = f"pellicule-stream-{self.function}"
        self._join_seconds = 15
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        if len(shards) != 1:  # moto keeps one shard per table stream
            raise RuntimeError(f"expected one shard in {stream_arn}, found {len(shards)}")
        self.shard_id = shards[0]["ShardId"]
        self._iterator: str = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=self.shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        super().__init__()

    @property
    def pending(self) -> int:
        """Records read and waiting for (another) invocation."""
        return len(self._buffer)

    def stats(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "pending": self.pending,
            "read": self.read,
            "filtered_out": self.filtered_out,
            "delivered": self.delivered,
            "discarded": self.discarded,
            "invocations": self.invocations,
        }

    # --- Loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._drain_requests:
                self._stop.wait(0.01)  # step aside for drain()
                continue
            try:
                with self._lock:
                    if self._stop.is_set():
                        break
                    self._step(honour_window=True)
            except Exception:
                logger.exception("stream poller error; retrying in a second")
                self._stop.wait(1)
                continue
            self._stop.wait(self.poll_interval)

    def drain(self) -> int:
        """Process every record in the stream now, synchronously (no batching window, retries
        at once); returns how many records passed the filters and were dealt with
        (delivered, or skipped after the retries)."""
        with self._counter_lock:
            self._drain_requests += 1
        done = 0
        with self._lock:
            with self._counter_lock:
                self._drain_requests -= 1
            for _ in range(MAX_DRAIN_ROUNDS):
                handled = self._step(honour_window=False)
                if handled == 0:
                    break
                done += max(handled, 0)  # -1: a failed attempt, retried at once
        return done

    # --- One step ------------------------------------------------------------------------

    def _fill(self) -> None:
        """Read what the stream holds beyond the iterator; keep the records that pass."""
        while True:
            response = self.streams.get_records(ShardIterator=self._iterator, Limit=self.read_limit)
            records = response.get("Records", [])
            next_iterator = response.get("NextShardIterator")
            if next_iterator:
                if self.forget_iterator is not None and next_iterator != self._iterator:
                    self.forget_iterator(self._iterator)  # used: the next one replaces it
                self._iterator = next_iterator
            self.read += len(records)
            if records:
                self.last_read_sequence = int(records[-1]["dynamodb"]["SequenceNumber"])
            for raw in records:
                record = events.dynamodb_stream_record(
                    raw, stream_arn=self.stream_arn, region=self.region
                )
                if self.filter.passes(record):
                    if not self._buffer:
                        self._buffer_since = time.monotonic()
                    self._buffer.append(record)
                else:
                    self.filtered_out += 1
            if records and self.release is not None:
                self.release(self)  # read and buffered: moto need not keep them any more
            if len(records) < self.read_limit or not next_iterator:
                return

    def _step(self, *, honour_window: bool) -> int:
        """Read, then invoke at most one batch. Returns the number of records done with,
        ``0`` when nothing was invoked, ``-1`` after a failed attempt that will be retried."""
        self._fill()
        if not self._buffer:
            return 0
        if (
            honour_window
            and self._attempts == 0
            and len(self._buffer) < self.batch_size
            and time.monotonic() - self._buffer_since < self.batching_window
        ):
            return 0  # the batching window: wait for more records
        batch = self._buffer[: self.batch_size]
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
        self.invocations += 1
        try:
            response = self.invoker.invoke(self.function, events.dynamodb_stream_event(batch))
        except Exception:
            logger.exception(
                "%s failed on a batch of %d stream record(s)", self.function, len(batch)
            )
            failed: set[str] | None = None
        else:
            failed = failed_sequence_numbers(response, sequence_numbers)
        if failed == set():
            del self._buffer[: len(batch)]
            self._attempts = 0
            self.delivered += len(batch)
            logger.info("%s: %d stream record(s) done", self.function, len(batch))
            return len(batch)
        # Checkpoint before the first failed record: what precedes it is done.
        first = (
            0
            if failed is None
            else min(sequence_numbers.index(identifier) for identifier in failed)
        )
        if first:
            del self._buffer[:first]
            self.delivered += first
            self._attempts = 0
        self._attempts += 1
        remaining = len(batch) - first
        if self._attempts <= self.retry_attempts:
            logger.warning(
                "%s: stream record %s failed (attempt %d of %d); retrying",
                self.function,
                sequence_numbers[first],
                self._attempts,
                self.retry_attempts + 1,
            )
            return first if first else -1
        skipped = sequence_numbers[first:]
        logger.error(
            "%s: giving up on %d stream record(s) after %d attempts (on-failure destination): "
            "sequence numbers %s",
            self.function,
            remaining,
            self._attempts,
            ", ".join(skipped),
        )
        del self._buffer[:remaining]
        self._attempts = 0
        self.discarded += remaining
        return first + remaining


class InvalidationPoller(_BackgroundLoop):
    """Applies the CloudFront invalidations of one distribution, as they appear in moto.

    ``apply(invalidation_id, paths)`` is called once per invalidation, oldest first.
    Invalidations that exist when the poller is built count as applied already.
    """

    def __init__(
        self,
        *,
        cloudfront: Any,
        distribution_id: str,
        apply: Callable[[str, list[str]], Any],
        interval: float = 0.5,
    ) -> None:
        self.cloudfront = cloudfront
        self.distribution_id = distribution_id
        self.apply = apply
        self.interval = interval
        self.applied = 0
        self._lock = threading.Lock()
        self._seen: set[str] = set(self._list_ids())
        self._thread_name = "pellicule-cdn-invalidations"
        self._join_seconds = 10
        super().__init__()

    def _list_ids(self) -> list[str]:
        ids: list[str] = []
        paginator = self.cloudfront.get_paginator("list_invalidations")
        for page in paginator.paginate(DistributionId=self.distribution_id):
            ids.extend(item["Id"] for item in page["InvalidationList"].get("Items", []))
        return ids

    def poll_once(self) -> int:
        """Apply the invalidations not applied yet; returns how many."""
        with self._lock:
            new = [identifier for identifier in self._list_ids() if identifier not in self._seen]
            found = []
            for identifier in new:
                invalidation = self.cloudfront.get_invalidation(
                    DistributionId=self.distribution_id, Id=identifier
                )["Invalidation"]
                found.append(invalidation)
            found.sort(key=lambda invalidation: invalidation["CreateTime"])
            for invalidation in found:
                paths = invalidation["InvalidationBatch"]["Paths"].get("Items", [])
                self.apply(invalidation["Id"], list(paths))
                self._seen.add(invalidation["Id"])
                self.applied += 1
            return len(found)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll_once()
            except Exception:
                logger.exception("invalidation poller error; retrying")


class TtlSweeper(_BackgroundLoop):
    """What DynamoDB's time to live does in AWS, which moto does not: every ``interval``
    seconds, delete the table's items whose TTL attribute (epoch seconds) is in the past by the
    product's clock (``pellicule.config.clock``, which tests move). AWS deletes them within
    about two days of expiry; no product code relies on it for correctness (every read refuses
    an expired record), only the "nothing left" promises of retention do."""

    _thread_name = "pellicule-ttl"

    def __init__(self, *, dynamodb: Any, table: str, attribute: str, interval: float) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.attribute = attribute
        self.interval = interval
        self.deleted = 0
        self._lock = threading.Lock()
        super().__init__()

    def run_once(self) -> int:
        """One sweep, synchronously: how many items were deleted."""
        from pellicule.config import clock

        now = int(clock.now())
        with self._lock:
            expired: list[dict[str, Any]] = []
            pages = self.dynamodb.get_paginator("scan").paginate(
                TableName=self.table,
                FilterExpression="#ttl <= :now",
                ExpressionAttributeNames={"#ttl": self.attribute},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ProjectionExpression="pk, sk",
            )
            for page in pages:
                expired.extend(page.get("Items", []))
            for key in expired:
                self.dynamodb.delete_item(TableName=self.table, Key=key)
            self.deleted += len(expired)
            return len(expired)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                swept = self.run_once()
                if swept:
                    logger.info("ttl: %d expired item(s) deleted", swept)
            except Exception:
                logger.exception("ttl: sweep failed")
