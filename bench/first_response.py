"""The first response of a fresh Lambda process, per API function, as AWS would run it.

What a cold Lambda instance does before its first answer: import the handler, then answer one
real request (routing, the session, the typed request, the logic and its own imports, the
table). The stack is synthesized with this machine's layers and each function laid out as
Lambda lays it out (``tests/support/lambda_bundle.py``, the runner the bundle tests use); the
demo centre is seeded in a local runtime (moto's server as the AWS endpoint). Each
measurement is a new Python 3.13 interpreter (the runtime's version), pinned to one CPU, with
only the bundle on ``sys.path`` and the function's environment from the template, that
imports the handler named by the template and calls it once with an API Gateway event
carrying a live session cookie. No byte code is cached (as in Lambda, the bundle ships none).
Its wall and CPU time from the handler's import to the answer are reported, the median of
``runs``; the interpreter's own start is not counted (it is the same for every function).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.inputs import use_project_paths

# The API functions' first response must fit a small Lambda's cold start (issue 16).
API_FIRST_RESPONSE_CPU_TARGET_MS = 300.0


def measure(runs: int, cpu: int) -> dict[str, dict[str, dict[str, Any]]] | None:
    """``first_response``, per API function: median wall and CPU ms of a fresh 3.13 process's
    first response with the bundle as shipped (with the 3.13 byte code the bundling compiles,
    infra/bundling.py: compile_tree), and the statuses it answered (a 2xx, or the measurement
    is of an error path). ``first_response_bytecode``: the same with every module's byte code
    cached after one unmeasured run (outside the bundle): equal to ``first_response`` when the
    bundle ships its byte code, lower when it could not (no Python 3.13 where it was built).
    ``None`` (with the reason on stderr) where the bundles cannot run here (no Python 3.13)."""
    use_project_paths()
    from tests.support import lambda_bundle

    with tempfile.TemporaryDirectory(prefix="pellicule-bench-bundle-") as work:
        try:
            bundles = lambda_bundle.build(Path(work) / "bundle")
        except lambda_bundle.BundleUnavailable as missing:
            print(f"first response not measured: {missing}", file=sys.stderr)
            return None
        cache = Path(work) / "pycache"
        results: dict[str, dict[str, dict[str, Any]]] = {
            "first_response": {},
            "first_response_bytecode": {},
        }
        with lambda_bundle.seeded_runtime(bundles) as runtime:

            def once(request: Any, bytecode: Path | None) -> Any:
                cookie = lambda_bundle.session_cookie(request.who)
                event = lambda_bundle.api_event(runtime, request, cookie)
                return lambda_bundle.invoke(
                    bundles, request.function, event, runtime, cpu=cpu, bytecode_cache=bytecode
                )

            for request in lambda_bundle.API_REQUESTS:
                once(request, cache)  # writes the byte code the bytecode figures use
                for key, bytecode in (("first_response", None), ("first_response_bytecode", cache)):
                    answers = [once(request, bytecode) for _ in range(runs)]
                    results[key][request.function] = {
                        "request": f"{request.method} {request.path}",
                        "ms": round(statistics.median(a.ms for a in answers), 1),
                        "cpu_ms": round(statistics.median(a.cpu_ms for a in answers), 1),
                        "status": sorted({a.result["statusCode"] for a in answers}),
                    }
    return results
