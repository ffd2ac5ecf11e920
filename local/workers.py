"""Background workers standing in for Lambda's event sources.

* :class:`QueueDrainer`: the SQS event source mapping of one ingest pipeline's function (one
  drainer per pipeline: photos -> ``process``, videos -> ``video``). It long-polls that
  pipeline's queue, invokes the handler with Lambda's SQS event, and with
  ``ReportBatchItemFailures`` semantics deletes the messages that succeeded. Failed messages
  stay in the queue; their visibility is cut to ``retry_visibility_seconds`` (instead of the
  queue's long visibility timeout) so that retries, and the move to the DLQ after
  ``maxReceiveCount`` receives (done by moto's redrive policy), happen within seconds locally.
* :class:`Scheduler`: the EventBridge schedule of the purge function, every ``interval``.

Both survive handler errors (logged) and stop promptly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from local import events
from local.lambdas import Invoker

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
