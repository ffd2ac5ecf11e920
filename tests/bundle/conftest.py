"""The Lambda bundles under Python 3.13, against the local runtime (docs/testing.md).

Once per session: the stack is synthesized with the host-architecture layers and every
function laid out as Lambda would (``tests/support/lambda_bundle.py``); a local runtime (moto
behind the gateway, no background workers) is seeded with the demo centre. Skipped, with the
way to install it, where Python 3.13 is absent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from local.runtime import LocalRuntime
from tests.support import lambda_bundle


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> lambda_bundle.Bundles:
    try:
        built = lambda_bundle.build(tmp_path_factory.mktemp("bundle"))
    except lambda_bundle.BundleUnavailable as missing:
        pytest.skip(f"bundle tests skipped: {missing}")
    seconds = ", ".join(f"{step} {value:.1f} s" for step, value in built.seconds.items())
    print(f"\nbundles for {built.machine} under {built.python}: {seconds}", file=sys.stderr)
    return built


@pytest.fixture(scope="session")
def runtime(bundles: lambda_bundle.Bundles) -> Iterator[LocalRuntime]:
    """The demo centre, seeded in-process; the tests then send the bundles their events."""
    started = time.perf_counter()
    with lambda_bundle.seeded_runtime(bundles) as local_runtime:
        print(f"runtime up, demo seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield local_runtime


@pytest.fixture(scope="session")
def through_bundles(
    bundles: lambda_bundle.Bundles, runtime: LocalRuntime
) -> lambda_bundle.BundleHandlers:
    """Handlers for the runtime's registry (``runtime.handlers.override(name, ...)``): its
    queue drainers and stream pollers then invoke the bundle, with the event they built."""
    return lambda_bundle.BundleHandlers(bundles, runtime)
