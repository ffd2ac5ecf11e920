"""``python -m local`` (``make demo``): run the whole product on this machine until Ctrl-C.

Environment: ``PORT`` (gateway, default 8080), ``PELLICULE_MOTO_PORT`` (default PORT + 1),
``PELLICULE_PURGE_INTERVAL`` and ``PELLICULE_DIGEST_INTERVAL`` (seconds),
``PELLICULE_SEED=0`` (skip the demo data),
``PELLICULE_LOG_LEVEL`` (default INFO).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable
from types import FrameType
from typing import Any

from local.runtime import LocalRuntime

logger = logging.getLogger("pellicule.local")


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
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    runtime = LocalRuntime()
    try:
        runtime.start()
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
        while not stop.wait(0.5):
            pass
    finally:
        runtime.stop()
    print("Au revoir ! / Goodbye!", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
