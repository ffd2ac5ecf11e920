"""One event per invocation: Powertools' resolver state, per calling thread.

In Lambda each execution environment is a process of its own and runs one event at a time.
Locally every function runs in one process, each invocation in the thread that asked for it
(a gateway request, a queue drainer, a schedule). Powertools' event handler keeps the event
being resolved and its Lambda context in **class** attributes
(``BaseRouter.current_event = ...`` and ``BaseRouter.lambda_context = ...`` in
``ApiGatewayResolver.resolve``), shared by every resolver of the process: two functions
invoked at once would read each other's request (a parent's body in a director's call).

:func:`isolate_powertools_resolvers` (idempotent; the :class:`local.lambdas.Invoker` calls
it) makes those two attributes per thread, without touching Powertools' files: reads and
writes through the class (``BaseRouter.current_event``) and through a resolver
(``app.current_event``) both go to a ``threading.local``. An invocation therefore only ever
sees the event its own thread set. What it does not do (docs/local-runtime.md): module
state of a handler (cached clients, settings) is still shared by the invocations of one
function, which is why the invoker also runs one event at a time per function.
"""

from __future__ import annotations

import threading
from typing import Any

# The resolver attributes Powertools stores on the class, shared by the whole process.
PER_INVOCATION_ATTRIBUTES = ("current_event", "lambda_context")

_state = threading.local()
_guard = threading.Lock()


class _PerThread:
    """A data descriptor storing one value per thread (for class and instance access)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        try:
            return getattr(_state, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(_state, self.name, value)

    def __delete__(self, instance: Any) -> None:
        if hasattr(_state, self.name):
            delattr(_state, self.name)


def isolate_powertools_resolvers() -> bool:
    """Make Powertools' ``current_event``/``lambda_context`` per thread. Returns ``False``
    when Powertools is not installed (nothing to isolate)."""
    try:
        from aws_lambda_powertools.event_handler import api_gateway
    except ImportError:
        return False
    base = api_gateway.BaseRouter
    with _guard:
        if getattr(type(base), "_pellicule_per_thread", False):
            return True
        # Instance reads (``app.current_event``) find these in the class dictionary; set
        # them before the metaclass changes (afterwards a class-level set goes to it).
        for name in PER_INVOCATION_ATTRIBUTES:
            setattr(base, name, _PerThread(name))
        namespace: dict[str, Any] = {"_pellicule_per_thread": True}
        namespace.update({name: _PerThread(name) for name in PER_INVOCATION_ATTRIBUTES})
        # Class reads and writes (``BaseRouter.current_event = event``) go through the
        # metaclass's data descriptors, which come before the class dictionary.
        per_thread_meta = type(f"PerThread{type(base).__name__}", (type(base),), namespace)
        base.__class__ = per_thread_meta  # type: ignore[method-assign]
    return True


def forget_current() -> None:
    """Drop this thread's event and context (after an invocation: nothing lingers)."""
    for name in PER_INVOCATION_ATTRIBUTES:
        if hasattr(_state, name):
            delattr(_state, name)
