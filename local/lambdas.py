"""Calling the real handlers in-process, the way Lambda would.

:class:`HandlerRegistry` resolves a function name (``topology.FUNCTIONS``) to its handler,
importing ``functions.<name>.handler`` lazily on first use, and lets tests register a fake
handler in its place. :class:`Invoker` builds a Lambda-like context and runs one invocation
at a time per function: a Lambda execution environment never runs two events at once, and
handlers (Powertools resolvers keep the current event on the app object) rely on it.
Different functions run at once, each in its caller's thread; Powertools' per-process
``current_event`` is made per thread (``local.invocation``) so none reads another's event.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local import invocation
from pellicule.config import topology

Handler = Callable[[Any, Any], Any]

DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_SECONDS = 30


class HandlerRegistry:
    """Function name -> handler; real handlers by default, fakes when registered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._overrides: dict[str, Handler] = {}

    def register(self, function: str, handler: Handler) -> None:
        """Use ``handler`` for ``function`` until :meth:`unregister`."""
        with self._lock:
            self._overrides[function] = handler

    def unregister(self, function: str) -> None:
        with self._lock:
            self._overrides.pop(function, None)

    @contextmanager
    def override(self, function: str, handler: Handler) -> Iterator[Handler]:
        """``with registry.override("upload", fake): ...`` restores the previous one after."""
        with self._lock:
            previous = self._overrides.get(function)
            self._overrides[function] = handler
        try:
            yield handler
        finally:
            with self._lock:
                if previous is None:
                    self._overrides.pop(function, None)
                else:
                    self._overrides[function] = previous

    def resolve(self, function: str) -> Handler:
        with self._lock:
            override = self._overrides.get(function)
        if override is not None:
            return override
        module = importlib.import_module(f"functions.{function}.handler")
        handler: Handler = module.handler
        return handler


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers use."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Invoker:
    """Runs a function's handler with a Lambda-like context, one event at a time per function."""

    def __init__(self, names: topology.Names, registry: HandlerRegistry) -> None:
        self.names = names
        self.registry = registry
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        invocation.isolate_powertools_resolvers()

    def context(self, function: str) -> LambdaContext:
        spec = topology.FUNCTIONS.get(function)
        memory = spec.memory_mb if spec else DEFAULT_MEMORY_MB
        timeout = spec.timeout_seconds if spec else DEFAULT_TIMEOUT_SECONDS
        name = self.names.function(function)
        request_id = str(uuid.uuid4())
        day = time.strftime("%Y/%m/%d", time.gmtime())
        return LambdaContext(
            function_name=name,
            memory_limit_in_mb=memory,
            invoked_function_arn=(
                f"arn:aws:lambda:{self.names.region}:{self.names.account}:function:{name}"
            ),
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{name}",
            log_stream_name=f"{day}/[$LATEST]{uuid.uuid4().hex}",
            _deadline=time.monotonic() + timeout,
        )

    def _lock(self, function: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(function, threading.Lock())

    def invoke(self, function: str, event: Any) -> Any:
        """Call the handler; its exceptions propagate (the caller maps them like AWS does)."""
        handler = self.registry.resolve(function)
        with self._lock(function):
            try:
                return handler(event, self.context(function))
            finally:
                invocation.forget_current()
