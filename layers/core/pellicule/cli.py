"""``pellicule`` command line: verify and export a centre's audit log (docs/audit.md).

Needs only the table name (``--table`` or ``PELLICULE_TABLE``), a region (``--region`` or
``AWS_REGION``/``AWS_DEFAULT_REGION``) and AWS credentials; ``--endpoint-url`` (or boto3's own
``AWS_ENDPOINT_URL``) points it at the local runtime. Exit codes: 0 success, 1 the chain is
broken, 2 usage, configuration or access error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from pellicule import topology

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pellicule", description="Pellicule operator commands.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    audit = commands.add_parser(
        "audit",
        help="verify or export a centre's audit log",
        description="Verify or export a centre's hash-chained audit log.",
    )
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--tenant", required=True, help="the centre's tenant id")
        sub.add_argument(
            "--table",
            help=f"DynamoDB table name (default: ${topology.ENV_TABLE})",
        )
        sub.add_argument(
            "--region", help="AWS region (default: $AWS_REGION or $AWS_DEFAULT_REGION)"
        )
        sub.add_argument(
            "--endpoint-url",
            help="DynamoDB endpoint, e.g. the local runtime's (default: boto3's "
            "$AWS_ENDPOINT_URL, else AWS)",
        )

    verify = actions.add_parser(
        "verify",
        help="check the chain; exit 0 if intact, 1 if broken",
        description="Recompute every entry's hash and check the chain; exit 0 if intact, "
        "1 if broken, 2 on error.",
    )
    common(verify)
    export = actions.add_parser(
        "export",
        help="write every entry as JSON or CSV",
        description="Write every entry, in order, as JSON or CSV (details JSON-encoded).",
    )
    common(export)
    export.add_argument("--format", choices=("json", "csv"), default="json", dest="fmt")
    export.add_argument("--output", help="file to write (default: standard output)")
    return parser


class _ConfigError(Exception):
    pass


@contextmanager
def _bound(args: argparse.Namespace) -> Iterator[None]:
    from pellicule import models
    from pellicule.models import AuditEntry

    table = (args.table or os.environ.get(topology.ENV_TABLE, "")).strip()
    if not table:
        raise _ConfigError(
            f"no table given: pass --table NAME or set {topology.ENV_TABLE} "
            "(e.g. pellicule-<stage>-main)"
        )
    region = (
        args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    ).strip()
    if not region:
        raise _ConfigError("no AWS region given: pass --region or set AWS_REGION")
    models.bind(table, region)
    previous_host = getattr(AuditEntry.Meta, "host", None)
    if args.endpoint_url:
        AuditEntry.Meta.host = args.endpoint_url  # type: ignore[attr-defined]
        AuditEntry._connection = None
    try:
        yield
    finally:
        if args.endpoint_url:
            AuditEntry.Meta.host = previous_host  # type: ignore[attr-defined]
            AuditEntry._connection = None


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    from pellicule import audit

    report = audit.verify(args.tenant)
    if report.ok:
        print(f"OK: {report.checked} entries verified", file=out)
        return EXIT_OK
    if report.first_broken_seq is None:
        print(f"No audit entries for tenant {args.tenant!r}.", file=sys.stderr)
        return EXIT_ERROR
    print(f"BROKEN at entry #{report.first_broken_seq}: {report.problem}", file=out)
    return EXIT_BROKEN


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from pellicule import audit

    if not audit.has_log(args.tenant):
        print(f"No audit entries for tenant {args.tenant!r}.", file=sys.stderr)
        return EXIT_ERROR
    text = audit.export(args.tenant, args.fmt)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"Exported to {args.output}", file=sys.stderr)
    else:
        out.write(text)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, message already printed)
        return int(exit_.code or 0)
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        with _bound(args):
            if args.action == "verify":
                return _verify(args, sys.stdout)
            return _export(args, sys.stdout)
    except _ConfigError as error:
        print(f"pellicule: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (PynamoDBException, BotoCoreError, ClientError) as error:
        cause = getattr(error, "cause", None) or error
        print(f"pellicule: cannot read the audit log: {cause}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"pellicule: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
