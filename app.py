#!/usr/bin/env python3
"""CDK entry point (``cdk.json`` runs it): Pellicule's stack, in an EU region only (with
``-c edge=true``, two small us-east-1 stacks beside it, where CloudFront wants its web ACL and
alarms: infra/edge.py; they hold no personal data).

The region, the stage and the length of every resource name in that region, and the settings a
production stage needs are checked before the CDK is imported, so a refusal is immediate and
its message is all an operator sees (stderr, exit status 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CORE = ROOT / "layers" / "core"


def main(environ: Mapping[str, str]) -> int:
    for path in (ROOT, CORE):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from infra.config import ConfigError, load_config, read_cli_context, resolve_region
    from pellicule.config.topology import RegionNotAllowedError

    context = read_cli_context(environ)
    try:
        region = resolve_region(context, environ)
        load_config(context.get, region=region, account=None)
    except (RegionNotAllowedError, ConfigError) as error:
        print(f"pellicule: refusing to synthesize: {error}", file=sys.stderr)
        return 2

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app
    from infra.bundling import BundlingError
    from infra.signing import SigningKeyError

    try:
        app = build_app(region=region, account=environ.get("CDK_DEFAULT_ACCOUNT") or None)
    except (ConfigError, SigningKeyError, BundlingError) as error:
        print(f"pellicule: cannot synthesize: {error}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ))
