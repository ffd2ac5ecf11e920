"""``python -m local`` (``make demo``): run the whole product on this machine until Ctrl-C.

Environment: ``PORT`` (gateway, default 8080), ``PELLICULE_MOTO_PORT`` (default PORT + 1),
``PELLICULE_PURGE_INTERVAL`` and ``PELLICULE_DIGEST_INTERVAL`` (seconds),
``PELLICULE_SEED=0`` (skip the demo data),
``PELLICULE_LOG_LEVEL`` (default INFO).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from local.runtime import LocalRuntime

logger = logging.getLogger("pellicule.local")

# Seconds from Ctrl-C/SIGTERM to the end of the process, whatever is under way (a handler
# stuck in a call, ffmpeg, the seed): the orderly stop gets this long, then the process ends.
STOP_DEADLINE_SECONDS = 3.5


def _child_pids(parent: int) -> list[int]:
    """Every descendant of ``parent`` (Linux ``/proc``; elsewhere none are found)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = entry.read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1].isdigit():
            children.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    found: list[int] = []
    pending = [parent]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _kill_children() -> None:
    """End the processes the runtime started (ffmpeg of the video function, ...)."""
    for pid in _child_pids(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _force_exit(code: int) -> None:
    _kill_children()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Stopper:
    """Ctrl-C/SIGTERM: ask the runtime to stop, and end the process within
    ``STOP_DEADLINE_SECONDS`` even if something under way does not let go; a second signal
    ends it at once."""

    def __init__(self, deadline: float = STOP_DEADLINE_SECONDS) -> None:
        self.deadline = deadline
        self.requested = threading.Event()

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested.is_set():
            _force_exit(0)
        self.requested.set()
        logger.info("stopping (signal %d)", signum)
        threading.Thread(target=self._watchdog, name="pellicule-stop", daemon=True).start()
        if threading.current_thread() is threading.main_thread() and not _waiting.is_set():
            # Starting or seeding: stop that now rather than after it ends.
            raise KeyboardInterrupt

    def _watchdog(self) -> None:
        time.sleep(self.deadline)
        logger.warning("the runtime did not stop within %.1f s: ending it", self.deadline)
        _force_exit(0)


# Set while the main thread only waits for a signal (the runtime is up and seeded).
_waiting = threading.Event()


def _seed(runtime: LocalRuntime) -> list[tuple[str, str]]:
    """Run ``local.seed.seed(runtime)`` when it exists and seeding is on; its links."""
    if os.environ.get("PELLICULE_SEED", "1").strip() == "0":
        logger.info("seeding skipped (PELLICULE_SEED=0)")
        return []
    if importlib.util.find_spec("local.seed") is None:
        return []
    module = importlib.import_module("local.seed")
    seed = getattr(module, "seed", None)
    if not callable(seed):
        return []
    try:
        links: Any = seed(runtime)
    except Exception:
        logger.exception("seeding failed; the runtime keeps running without demo data")
        return []
    return [(str(label), str(url)) for label, url in _pairs(links)]


def _pairs(links: Any) -> Iterable[tuple[Any, Any]]:
    if not links:
        return []
    return [tuple(item) for item in links if isinstance(item, list | tuple) and len(item) == 2]


def _sign_in_hints() -> list[tuple[str, str]]:
    """The demo people to sign in as (``local.seed.SIGN_IN``), if the seed ran."""
    if importlib.util.find_spec("local.seed") is None:
        return []
    hints = getattr(importlib.import_module("local.seed"), "SIGN_IN", None) or []
    return [(str(label), str(email)) for label, email in _pairs(hints)]


def _open_as() -> list[tuple[str, str]]:
    """Ready sign-in links to the demo's views (``local.seed.sign_in_links()``)."""
    if importlib.util.find_spec("local.seed") is None:
        return []
    make = getattr(importlib.import_module("local.seed"), "sign_in_links", None)
    if not callable(make):
        return []
    try:
        return [(str(label), str(url)) for label, url in _pairs(make())]
    except Exception:
        logger.exception("demo sign-in links failed; sign in from the login page instead")
        return []


# A family-portal export to try the roster import with (the people page's "Importer depuis un
# fichier"); tests/integration/test_roster_import.py imports it into the demo centre.
DEMO_ROSTER = Path(__file__).resolve().parent / "demo" / "inscriptions-exemple.csv"


def _banner(
    runtime: LocalRuntime,
    links: list[tuple[str, str]],
    hints: list[tuple[str, str]] | None = None,
    open_as: list[tuple[str, str]] | None = None,
) -> str:
    rows = [
        ("Application", f"{runtime.base_url}/"),
        ("Boîte de réception de développement / dev mailbox", f"{runtime.base_url}/_dev/mail"),
        ("Santé / health", f"{runtime.base_url}/_dev/health"),
        ("Codes TOTP de l'équipe / staff authenticator codes", f"{runtime.base_url}/_dev/totp"),
        ("Horloge et purge / clock and purge", f"{runtime.base_url}/_dev/clock"),
    ]
    if open_as:
        rows.append(("Ouvrir en tant que / open as (lien unique, 1 h / single use, 1 h)", ""))
        rows += [(f"  {label}", url) for label, url in open_as]
    if hints:
        rows.append(("Connexion / sign in", f"{runtime.base_url}/login.html"))
        rows += [(f"  {label}", email) for label, email in hints]
        rows.append(("À essayer en direction / try as the director", ""))
        rows.append(
            ("  Campagne de consentements en cours / campaign", f"{runtime.base_url}/campaign.html")
        )
        rows.append(("  Import (Personnes → Importer depuis un fichier)", str(DEMO_ROSTER)))
    rows += links
    width = max(len(label) for label, _ in rows)
    lines = ["", "Pellicule tourne en local / is running locally:"]
    lines += [f"  {label.ljust(width)}  {url}" for label, url in rows]
    lines += [f"  {'AWS (moto)'.ljust(width)}  {runtime.moto_url}"]
    lines += [f"  {'CLI'.ljust(width)}  .venv/bin/pellicule --local {runtime.base_url} tenant list"]
    lines += ["", "Ctrl-C pour arrêter / to stop.", ""]
    return "\n".join(lines)


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("PELLICULE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for chatty in ("botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    stopper = _Stopper()
    stop = stopper.requested
    signal.signal(signal.SIGINT, stopper)
    signal.signal(signal.SIGTERM, stopper)

    runtime = LocalRuntime()
    try:
        runtime.start()
    except KeyboardInterrupt:
        _kill_children()
        print("Au revoir ! / Goodbye!", flush=True)
        return 0
    except OSError as error:
        print(
            f"Impossible de démarrer / cannot start: {error} "
            f"(ports {runtime.port} and {runtime.requested_moto_port}; set PORT to change them)",
            file=sys.stderr,
        )
        return 1
    try:
        links = _seed(runtime)
        seeded = bool(links)
        hints = _sign_in_hints() if seeded else []
        print(_banner(runtime, links, hints, _open_as() if seeded else []), flush=True)
        _waiting.set()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        _waiting.set()  # a signal during the stop no longer interrupts it
        runtime.stop()
        _kill_children()
        logger.info("stopped")
    print("Au revoir ! / Goodbye!", flush=True)
    return 0


def run() -> NoReturn:
    """``python -m local``: :func:`main`, then end the process at once. Once the runtime has
    stopped nothing is left to save (its state lives in memory), while the interpreter's own
    finalisation, with the image and video libraries loaded, took seconds more."""
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
