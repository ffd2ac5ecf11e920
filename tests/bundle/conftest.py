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

from local import seed
from local.runtime import LocalRuntime
from pellicule.config import topology
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
    # The sender the template gives the functions is the one the local SES verifies.
    mail_from = bundles.functions["digest"].environment[topology.ENV_MAIL_FROM]
    with LocalRuntime(
        port=0,
        moto_port=0,
        workers=False,
        purge_interval=3600.0,
        digest_interval=3600.0,
        mail_from=mail_from,
    ) as local_runtime:
        started = time.perf_counter()
        seed.seed(local_runtime)
        print(f"demo centre seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield local_runtime


@pytest.fixture(scope="session")
def through_bundles(
    bundles: lambda_bundle.Bundles, runtime: LocalRuntime
) -> lambda_bundle.BundleHandlers:
    """Handlers for the runtime's registry (``runtime.handlers.override(name, ...)``): its
    queue drainers and stream pollers then invoke the bundle, with the event they built."""
    return lambda_bundle.BundleHandlers(bundles, runtime)
