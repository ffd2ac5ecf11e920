"""The first response of a fresh process, per API function (issue 15's budget).

What a cold Lambda instance does before its first answer: import the handler, then answer one
real request (routing, the session, the typed request, the logic and its own imports, the
table). The demo centre is seeded in a local runtime (moto's server as the AWS endpoint); each
measurement is a new interpreter, pinned to one CPU, that imports ``functions.<name>.handler``
and calls it once with an API Gateway event carrying a live session cookie. Its wall time from
the first import to the answer is reported, the median of ``runs``; the interpreter's own
start is not counted (it is the same for every function).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FirstRequest:
    function: str
    method: str
    path: str
    who: tuple[str, str, str] | None  # (kind, principal id, role) in the demo centre
    body: dict[str, Any] | None = None


# One ordinary request per API function, as the demo's people make them.
REQUESTS = (
    FirstRequest("admin", "GET", "/api/admin/children", ("staff", "claire", "director")),
    FirstRequest("auth", "GET", "/api/auth/me", ("staff", "karim", "animator")),
    FirstRequest("digest", "GET", "/api/digest/subscription", ("guardian", "g-lea", "guardian")),
    FirstRequest("family", "GET", "/api/family/albums", ("guardian", "g-lea", "guardian")),
    FirstRequest(
        "gallery", "GET", "/api/gallery/albums/sortie-au-parc", ("staff", "karim", "animator")
    ),
    FirstRequest(
        "upload",
        "POST",
        "/api/upload/grants",
        ("staff", "karim", "animator"),
        {
            "album_id": "sortie-au-parc",
            "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 2_000_000}],
        },
    ),
)

# Runs in the fresh interpreter: the clock starts before the first import of the product.
_CHILD = """
import json, sys, time
started = time.perf_counter()
cpu_started = time.process_time()
from functions.{function} import handler
answer = handler.handler(json.loads(sys.argv[1]), None)
print(json.dumps({{
    "ms": (time.perf_counter() - started) * 1000,
    "cpu_ms": (time.process_time() - cpu_started) * 1000,
    "status": answer["statusCode"],
}}))
"""


def _event(runtime: Any, request: FirstRequest, cookie: str | None) -> dict[str, Any]:
    from local.events import http_api_event
    from local.gateway import match_route
    from pellicule.config import topology

    matched = match_route(request.path, topology.API_ROUTES)
    assert matched is not None, request.path
    route, proxy = matched
    headers = [("host", "127.0.0.1"), ("x-pellicule-csrf", "1")]
    if cookie:
        headers.append(("cookie", cookie))
    body = b""
    if request.body is not None:
        body = json.dumps(request.body).encode()
        headers.append(("content-type", "application/json"))
    return http_api_event(
        names=runtime.names,
        route=route,
        method=request.method,
        raw_path=request.path,
        raw_query="",
        headers=headers,
        body=body,
        source_ip="127.0.0.1",
        proxy=proxy,
        origin_headers={topology.ORIGIN_HEADER: runtime.origin_header},  # as CloudFront adds it
    )


def _once(function: str, event: dict[str, Any], cpu: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "core")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _CHILD.format(function=function), json.dumps(event)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
        timeout=120,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(runs: int, cpu: int) -> dict[str, dict[str, Any]]:
    """Per function: median wall and CPU ms of a fresh process's first response, and the
    status it answered (a 2xx, or the measurement is of an error path)."""
    from local import seed
    from local.runtime import LocalRuntime
    from pellicule.services import sessions

    results: dict[str, dict[str, Any]] = {}
    with LocalRuntime(
        port=0, moto_port=0, purge_interval=3600.0, digest_interval=3600.0
    ) as runtime:
        seed.seed(runtime)
        for request in REQUESTS:
            walls, cpus, statuses = [], [], set()
            for _ in range(runs):
                cookie = None
                if request.who is not None:
                    kind, principal_id, role = request.who
                    session_id = sessions.create(seed.TENANT, kind, principal_id, role)
                    cookie = f"{sessions.COOKIE_NAME}={session_id}"
                answer = _once(request.function, _event(runtime, request, cookie), cpu)
                walls.append(answer["ms"])
                cpus.append(answer["cpu_ms"])
                statuses.add(answer["status"])
            results[request.function] = {
                "request": f"{request.method} {request.path}",
                "ms": round(statistics.median(walls), 1),
                "cpu_ms": round(statistics.median(cpus), 1),
                "status": sorted(statuses),
            }
    return results
