"""``pellicule``: the operator's command line (docs/cli.md).

    pellicule [--local [URL] | --stage S --region R] COMMAND ...

Commands: ``tenant create|list|suspend|resume|delete``, ``director invite``, ``export``,
``audit verify|export``, ``key rotate``, ``purge run``. The target comes first: ``--local``
is the runtime ``make demo`` started (the CLI asks its ``/_dev/health`` for the AWS endpoint,
moto, and uses dummy credentials), otherwise a deployed stack in an EU region with the
operator's own credentials (the account comes from STS). Resource names come from
``pellicule.config.topology.Names``. The old ``audit`` options (``--table``, ``--region``,
``--endpoint-url``) still work on their own.

Exit codes: 0 success; 1 a check failed (a broken audit chain, a purge that did not finish);
2 usage, configuration or access error. Messages on stderr start with ``pellicule: ``.

Part of the ``pellicule`` wheel (``layers/core/pellicule``): it imports nothing from
``functions``, ``local`` or ``scripts``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pellicule.config import topology

EXIT_OK = 0
EXIT_BROKEN = 1  # a check failed
EXIT_FAILED = EXIT_BROKEN
EXIT_ERROR = 2

DEFAULT_LOCAL_URL = "http://127.0.0.1:8080"
DEFAULT_STAGE = "dev"  # the same default as `make deploy` and app.py (infra/config.py)
DEFAULT_KEYS_DIR = ".keys"
PURGE_READ_TIMEOUT_SECONDS = 900  # the purge function's own timeout
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# What would send boto3 elsewhere than the local runtime's moto, or fail it.
_HIDDEN_FOR_LOCAL = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
)
_STAGE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
# CloudFormation outputs of the stack (infra/constants.py: OUT_*; never renamed).
OUT_DISTRIBUTION_ID = "DistributionId"
OUT_PUBLIC_URL = "PublicUrl"

DESCRIPTION = "Pellicule operator commands: centres, directors, exports, audit, keys, purge."
EPILOG = """\
examples:
  pellicule --local tenant list                  # the runtime of `make demo`
  pellicule --stage prod --region eu-west-3 tenant create --id les-tilleuls --name "Les Tilleuls"

exit codes: 0 ok, 1 a check failed, 2 usage, configuration or access error.
Every command has --help. More: docs/cli.md."""


def stack_name(stage: str) -> str:
    """The CloudFormation stack of a stage (the rule of ``infra.constants.stack_name``)."""
    return f"pellicule-{stage}"


class _ConfigError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse with the command's message prefix, exit status 2 on usage errors."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"pellicule: {message} (see: {self.prog} --help)\n")


# --- Arguments -----------------------------------------------------------------------------


class _Formatter(argparse.HelpFormatter):
    """Descriptions wrapped paragraph by paragraph; indented lines (examples) kept as they
    are."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        lines = []
        for line in text.splitlines():
            if not line.strip() or line.startswith(" "):
                lines.append(indent + line)
            else:
                lines.append(
                    textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
                )
        return "\n".join(lines)


def _add(
    parent: Any, name: str, summary: str, description: str, epilog: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=_Formatter,
    )
    return parser


def _tenant_id_help(what: str = "the centre's id") -> str:
    return f"{what}: 2-40 lower-case letters, digits, hyphens"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pellicule",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    target = parser.add_argument_group("target (before the command)")
    target.add_argument(
        "--local",
        nargs="?",
        const=DEFAULT_LOCAL_URL,
        dest="local_url",
        metavar="URL",
        help=f"the local runtime (make demo) at URL (default {DEFAULT_LOCAL_URL})",
    )
    target.add_argument(
        "--stage",
        dest="target_stage",
        metavar="STAGE",
        help=f"the deployed stage (default: ${topology.ENV_STAGE}, else {DEFAULT_STAGE})",
    )
    target.add_argument(
        "--region",
        dest="target_region",
        metavar="REGION",
        help="its EU region (default: $AWS_REGION or $AWS_DEFAULT_REGION, else "
        f"{topology.DEFAULT_REGION})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # tenant
    tenant = _add(
        commands,
        "tenant",
        "create, list, reindex, suspend, resume or delete centres",
        "Manage the centres (tenants) of the deployment.",
    )
    tenant_actions = tenant.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = _add(
        tenant_actions,
        "create",
        "create a centre",
        "Create an active centre. Its id is permanent and appears in storage keys; its name "
        "is what people see. Refused if the id exists.",
        "example:\n  pellicule --stage prod tenant create --id les-tilleuls "
        '--name "ALSH Les Tilleuls" --retention-months 12',
    )
    create.add_argument("--id", required=True, help=_tenant_id_help())
    create.add_argument("--name", required=True, help="the centre's name, as people see it")
    create.add_argument(
        "--retention-months",
        type=int,
        metavar="N",
        help="media kept N months after their album's date (default 12, at most 36)",
    )
    listing = _add(
        tenant_actions,
        "list",
        "list the centres",
        "List every centre: id, name, status (active, suspended, deleting), creation date, "
        "children and staff (not archived).",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    suspend = _add(
        tenant_actions,
        "suspend",
        "suspend a centre (nobody signs in; its data stays)",
        "Suspend a centre: every session and sign-in link of it is deleted, nobody of it can "
        "sign in, no digest is sent. Its data and media stay. Undo with `tenant resume`.",
    )
    suspend.add_argument("--id", required=True, help=_tenant_id_help())
    resume = _add(
        tenant_actions,
        "resume",
        "let a suspended centre in again",
        "Resume a suspended centre: its people can sign in again.",
    )
    resume.add_argument("--id", required=True, help=_tenant_id_help())
    delete = _add(
        tenant_actions,
        "delete",
        "delete a centre and everything of it (irreversible)",
        "Delete a centre for good: every table item, every S3 object version and delete "
        "marker (media, evidence, ingest), its audit chain, then its profile; invalidate its "
        "CDN paths; record the counts on the platform audit chain (_platform). Interrupted? "
        "Run it again: it resumes. Export first if the centre wants its data.",
        "example:\n  pellicule --stage prod tenant delete --id les-tilleuls --confirm les-tilleuls",
    )
    delete.add_argument("--id", required=True, help=_tenant_id_help())
    delete.add_argument("--confirm", metavar="ID", help="the same id again: required")

    _add(
        tenant_actions,
        "reindex",
        "index every centre for the scheduled runs (after an upgrade)",
        "Put every centre into the index the scheduled runs (purge, digest, erasure) read, and "
        "every erasure request into the erasure index. Needed once on a table written before "
        "these indexes existed (docs/retention.md); centres created since are indexed at "
        "creation. Reads the whole table once; safe to repeat.",
        "example:\n  pellicule --stage prod tenant reindex",
    )

    # director
    director = _add(
        commands,
        "director",
        "invite a centre's director",
        "Manage a centre's directors.",
    )
    director_actions = director.add_subparsers(dest="action", metavar="ACTION", required=True)
    invite = _add(
        director_actions,
        "invite",
        "add a director and e-mail them a sign-in link",
        "Add a director to an active centre and e-mail them a single-use sign-in link (valid "
        "24 hours). Without a configured sender the link is printed once, for you to hand "
        "over securely.",
    )
    invite.add_argument("--tenant", required=True, help=_tenant_id_help())
    invite.add_argument("--email", required=True, help="the director's e-mail address")
    invite.add_argument("--name", required=True, help="the director's name, as staff see it")

    # export
    export = _add(
        commands,
        "export",
        "export a centre's data and media (portability)",
        "Write DIR/<T>-export.json (the centre's profile, settings, roster, consents with "
        "their history, albums, media metadata with tags, erasure requests, audit log; no "
        "secret) and DIR/<T>-media.zip (the full-size file of every ready, published or "
        "hidden item, the consent scans, a manifest).",
    )
    export.add_argument("--tenant", required=True, help=_tenant_id_help())
    export.add_argument("--output", required=True, metavar="DIR", help="folder to write into")

    # audit (per-subcommand options kept from the first version of the command)
    audit = _add(
        commands,
        "audit",
        "verify or export a centre's audit log",
        "Verify or export a centre's hash-chained audit log (the platform's own: _platform).",
    )
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--tenant", required=True, help="the centre's tenant id (or _platform)")
        sub.add_argument(
            "--table",
            help=f"DynamoDB table name (default: the target's, else ${topology.ENV_TABLE})",
        )
        sub.add_argument(
            "--region", help="AWS region (default: $AWS_REGION or $AWS_DEFAULT_REGION)"
        )
        sub.add_argument(
            "--endpoint-url",
            help="DynamoDB endpoint, e.g. the local runtime's (default: boto3's "
            "$AWS_ENDPOINT_URL, else AWS)",
        )

    verify = _add(
        actions,
        "verify",
        "check the chain; exit 0 if intact, 1 if broken",
        "Recompute every entry's hash and check the chain; exit 0 if intact, 1 if broken, "
        "2 on error.",
    )
    common(verify)
    audit_export = _add(
        actions,
        "export",
        "write every entry as JSON or CSV",
        "Write every entry, in order, as JSON or CSV (details JSON-encoded).",
    )
    common(audit_export)
    audit_export.add_argument("--format", choices=("json", "csv"), default="json", dest="fmt")
    audit_export.add_argument("--output", help="file to write (default: standard output)")

    # key
    key = _add(
        commands,
        "key",
        "rotate the CloudFront signing key",
        "Manage the key pairs that sign media URLs.",
    )
    key_actions = key.add_subparsers(dest="action", metavar="ACTION", required=True)
    rotate = _add(
        key_actions,
        "rotate",
        "new key pair, previous one still trusted; then deploy",
        "Create a new signing key pair under KEYS_DIR/<stage>/, retire all but the two "
        "newest, store the new private key in Secrets Manager, record key_rotated on the "
        "platform audit chain. Then run `make deploy STAGE=<stage>`: the key group trusts "
        "both keys and the functions move to the new one. AWS only.",
    )
    rotate.add_argument(
        "--keys-dir",
        default=DEFAULT_KEYS_DIR,
        metavar="DIR",
        help=f"root of the key folders (default: {DEFAULT_KEYS_DIR})",
    )
    rotate.add_argument(
        "--no-upload",
        action="store_true",
        help="leave the upload of the private key to the next `make deploy`",
    )

    # purge
    purge = _add(
        commands,
        "purge",
        "run the purge now",
        "Run the purge function now (retention, erasures, expired sessions...).",
    )
    purge_actions = purge.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = _add(
        purge_actions,
        "run",
        "invoke the purge and print its result",
        "Invoke the deployed purge function (or the local runtime's) synchronously and print "
        "its JSON result; exit 1 if it did not complete or reports errors.",
    )
    run.add_argument(
        "--tenant",
        action="append",
        dest="tenants",
        metavar="T",
        help="only this centre (repeatable; default: every centre)",
    )
    return parser


def _normalise_local(argv: list[str]) -> list[str]:
    """``--local`` takes an optional URL: followed by the command rather than a URL, it
    means the default one (argparse alone would take the command for the URL)."""
    result: list[str] = []
    index = 0
    while index < len(argv):
        item = argv[index]
        if item == "--local":
            following = argv[index + 1] if index + 1 < len(argv) else ""
            if following and _looks_like_url(following):
                result += [item, following]
                index += 2
                continue
            result.append(f"--local={DEFAULT_LOCAL_URL}")
            index += 1
            continue
        if not item.startswith("-"):  # the command: everything after it is its own
            result += argv[index:]
            break
        result.append(item)
        index += 1
    return result


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"^(https?://|\[?[0-9a-zA-Z.\-:\]]+:\d+)", value))


# --- Target --------------------------------------------------------------------------------


@dataclass
class Target:
    """Where the commands act: the local runtime, or a deployed stack with the operator's
    credentials. ``environment`` is what the process's environment must hold for the
    ``pellicule`` library (settings, clients, models) to reach it."""

    kind: str  # local | aws
    names: topology.Names
    environment: dict[str, str]
    hidden: tuple[str, ...] = ()
    local_url: str = ""
    known: dict[str, str] = field(default_factory=dict)  # local: from the health answer
    warnings: list[str] = field(default_factory=list)
    _function_env: dict[str, str] | None = None

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    @property
    def region(self) -> str:
        return self.names.region

    def describe(self) -> str:
        if self.is_local:
            return f"the local runtime at {self.local_url}"
        return f"stage {self.names.stage} in {self.names.region} (account {self.names.account})"

    def flags(self) -> str:
        """The global options that select this target again (for the hints we print)."""
        if self.is_local:
            return "--local" if self.local_url == DEFAULT_LOCAL_URL else f"--local {self.local_url}"
        return f"--stage {self.names.stage} --region {self.names.region}"

    # Values of the deployment, read when a command needs them.

    def distribution_id(self) -> str:
        if self.is_local:
            return self.known.get("distribution_id", "")
        configured = os.environ.get(topology.ENV_DISTRIBUTION_ID, "").strip()
        return configured or self._stack_output(OUT_DISTRIBUTION_ID)

    def public_url(self) -> str:
        if self.is_local:
            return self.known.get("public_url", "")
        configured = os.environ.get(topology.ENV_PUBLIC_URL, "").strip()
        if configured:
            return configured.rstrip("/")
        from_function = self._deployed_env().get(topology.ENV_PUBLIC_URL, "").strip()
        if from_function:
            return from_function.rstrip("/")
        from_parameter = self._parameter(self.names.public_url_parameter)
        return (from_parameter or self._stack_output(OUT_PUBLIC_URL)).rstrip("/")

    def mail_from(self) -> str:
        if self.is_local:
            return self.known.get("mail_from", "")
        configured = os.environ.get(topology.ENV_MAIL_FROM, "").strip()
        return configured or self._deployed_env().get(topology.ENV_MAIL_FROM, "").strip()

    def _deployed_env(self) -> dict[str, str]:
        """The environment the stack gave its functions (the auth function's)."""
        if self._function_env is None:
            from pellicule.adapters import aws

            try:
                found = aws.client("lambda").get_function_configuration(
                    FunctionName=self.names.function("auth")
                )
                self._function_env = dict(found.get("Environment", {}).get("Variables", {}))
            except Exception as error:  # noqa: BLE001 - a hint is printed, the caller goes on
                self.warnings.append(
                    f"cannot read the configuration of {self.names.function('auth')}: "
                    f"{_short(error)}"
                )
                self._function_env = {}
        return self._function_env

    def _parameter(self, name: str) -> str:
        from pellicule.adapters import aws

        try:
            value = aws.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
        except Exception:  # noqa: BLE001 - absent with a custom domain: the next source
            return ""
        return str(value)

    def _stack_output(self, output_id: str) -> str:
        from pellicule.adapters import aws

        try:
            stacks = aws.client("cloudformation").describe_stacks(
                StackName=stack_name(self.names.stage)
            )["Stacks"]
        except Exception as error:  # noqa: BLE001 - a hint is printed, the caller goes on
            self.warnings.append(
                f"cannot read the outputs of stack {stack_name(self.names.stage)}: {_short(error)}"
            )
            return ""
        for stack in stacks:
            for output in stack.get("Outputs", []) or []:
                if output.get("OutputKey") == output_id:
                    return str(output.get("OutputValue") or "")
        return ""


def _short(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        found = response["Error"]
        return f"{found.get('Code')}: {found.get('Message')}"
    return str(error) or type(error).__name__


def _library_environment(
    names: topology.Names, *, public_url: str = "", mail_from: str = ""
) -> dict[str, str]:
    environment = topology.function_environment(
        names, public_url=public_url, key_pair_id="", mail_from=mail_from
    )
    environment.pop(topology.ENV_KEY_PAIR_ID)  # the CLI signs nothing
    if not public_url:
        environment.pop(topology.ENV_PUBLIC_URL)
    if not mail_from:
        environment.pop(topology.ENV_MAIL_FROM)
    return environment


def _http_json(method: str, url: str, body: Any = None, *, timeout: float = 30) -> tuple[int, Any]:
    """A JSON request to the local runtime (standard library only: the wheel has no
    ``requests``). Connection failures raise :class:`_ConfigError`."""
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise _ConfigError(f"not an http(s) URL: {url}")
    payload = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url,
        data=payload,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raw = error.read()
        status = int(error.code)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise _ConfigError(
            f"cannot reach the local runtime at {url}: {reason} (is `make demo` running? "
            "pass its address: --local http://127.0.0.1:PORT)"
        ) from None
    try:
        return status, json.loads(raw.decode("utf-8") or "null")
    except ValueError:
        return status, {"message": raw.decode("utf-8", "replace")[:500]}


def _local_target(url: str) -> Target:
    base = url.strip().rstrip("/")
    if "://" not in base:
        base = f"http://{base}"
    status, health = _http_json("GET", f"{base}/_dev/health", timeout=15)
    info = health.get("aws") if isinstance(health, dict) else None
    if not isinstance(info, dict) or not info.get("endpoint"):
        raise _ConfigError(
            f"{base} answered /_dev/health with status {status} but without its AWS endpoint: "
            "is it a Pellicule local runtime (make demo) of this version?"
        )
    names = topology.Names(
        stage=str(info["stage"]), account=str(info["account"]), region=str(info["region"])
    )
    environment = {
        "AWS_ENDPOINT_URL": str(info["endpoint"]),
        **FAKE_CREDENTIALS,
        # The runtime's own random credentials: its moto endpoint refuses any other.
        **{
            variable: str(info[field])
            for variable, field in (
                ("AWS_ACCESS_KEY_ID", "access_key_id"),
                ("AWS_SECRET_ACCESS_KEY", "secret_access_key"),
            )
            if info.get(field)
        },
        "AWS_REGION": names.region,
        "AWS_DEFAULT_REGION": names.region,
        "AWS_EC2_METADATA_DISABLED": "true",
        **_library_environment(
            names,
            public_url=str(info.get("public_url") or base),
            mail_from=str(info.get("mail_from") or ""),
        ),
        topology.ENV_DISTRIBUTION_ID: str(info.get("distribution_id") or ""),
    }
    hidden = _HIDDEN_FOR_LOCAL + tuple(
        name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")
    )
    known = {
        "distribution_id": str(info.get("distribution_id") or ""),
        "public_url": str(info.get("public_url") or base).rstrip("/"),
        "mail_from": str(info.get("mail_from") or ""),
    }
    return Target("local", names, environment, hidden, local_url=base, known=known)


def _aws_target(stage: str | None, region: str | None) -> Target:
    stage = (stage or os.environ.get(topology.ENV_STAGE) or DEFAULT_STAGE).strip()
    if not _STAGE.match(stage):
        raise _ConfigError(f"invalid stage {stage!r}: lower-case letters, digits and hyphens")
    chosen = (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or topology.DEFAULT_REGION
    ).strip()
    checked = topology.check_region(chosen)  # RegionNotAllowedError: refused, exit 2
    account = _account(checked)
    names = topology.Names(stage=stage, account=account, region=checked)
    environment = {
        "AWS_REGION": checked,
        "AWS_DEFAULT_REGION": checked,
        **_library_environment(names),
    }
    return Target("aws", names, environment)


def _account(region: str) -> str:
    """The operator's account (STS), which names the buckets."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        identity = boto3.session.Session(region_name=region).client("sts").get_caller_identity()
    except NoCredentialsError:
        raise _ConfigError(
            "no AWS credentials found: set AWS_PROFILE (or run `aws sso login`), or use "
            "--local for the local runtime"
        ) from None
    except (ClientError, BotoCoreError) as error:
        raise _ConfigError(f"AWS refused the credentials: {_short(error)}") from None
    return str(identity["Account"])


def resolve_target(args: argparse.Namespace) -> Target:
    if args.local_url is not None:
        if args.target_stage or args.target_region:
            raise _ConfigError("--local and --stage/--region exclude each other")
        return _local_target(args.local_url)
    return _aws_target(args.target_stage, args.target_region)


def _reset_library() -> None:
    from pellicule.adapters import delivery
    from pellicule.config import settings
    from pellicule.store import models

    settings.reset_settings()  # settings and cached clients
    delivery.reset_cache()
    models.unbind()


@contextmanager
def activated(target: Target) -> Iterator[Target]:
    """Point the ``pellicule`` library at ``target`` through the process environment (the
    settings, clients and models read it), restoring it afterwards."""
    saved = {name: os.environ.get(name) for name in (*target.environment, *target.hidden)}
    changed = any(os.environ.get(k) != v for k, v in target.environment.items()) or any(
        name in os.environ for name in target.hidden
    )
    for name in target.hidden:
        os.environ.pop(name, None)
    os.environ.update(target.environment)
    if changed:
        _reset_library()
    try:
        from pellicule.store import data

        data.ready()
        yield target
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if changed:
            _reset_library()


# --- Commands ------------------------------------------------------------------------------

OPERATOR = "operator:cli"


def _err(message: str) -> None:
    print(f"pellicule: {message}", file=sys.stderr)


def _warnings(target: Target) -> None:
    for warning in dict.fromkeys(target.warnings):
        _err(f"warning: {warning}")
    target.warnings.clear()


def _tenant_create(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule.services import tenant_settings
    from pellicule_ops import tenants

    tenant = tenants.create(args.id, args.name, retention_months=args.retention_months)
    months = tenant_settings.for_tenant(tenant.tenant_id).media_retention_months
    print(
        f"Created centre {tenant.tenant_id} ({tenant.name}) on {target.describe()}: active, "
        f"media kept {months} months after their album's date.",
        file=out,
    )
    print(
        f"Next: pellicule {target.flags()} director invite --tenant {tenant.tenant_id} "
        '--email ADDRESS --name "NAME"',
        file=out,
    )
    return EXIT_OK


def _tenant_list(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import tenants

    rows = [summary.as_dict() for summary in tenants.list_tenants()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    if not rows:
        print(f"No centre on {target.describe()}.", file=out)
        return EXIT_OK
    headers = ("id", "name", "status", "created", "children", "staff")
    table = [headers] + [
        tuple("" if row[h] is None else str(row[h]) for h in headers) for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)), file=out
        )
    return EXIT_OK


def _tenant_reindex(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import tenants

    found = tenants.index_all()
    print(
        f"Indexed on {target.describe()}: {found['centres']} centre(s) and "
        f"{found['erasure_requests']} erasure request(s) that were not indexed yet.",
        file=out,
    )
    return EXIT_OK


def _tenant_suspend(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import tenants

    result = tenants.suspend(args.id)
    state = "suspended" if result.changed else "was already suspended"
    print(
        f"Centre {args.id} {state}: {result.sessions_ended} session(s) ended, "
        f"{result.links_revoked} sign-in link(s) revoked; nobody of it can sign in.",
        file=out,
    )
    return EXIT_OK


def _tenant_resume(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import tenants

    changed = tenants.resume(args.id)
    state = "resumed: its people can sign in again" if changed else "was already active"
    print(f"Centre {args.id} {state}.", file=out)
    return EXIT_OK


def _tenant_delete(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule.services import audit
    from pellicule_ops import tenants

    result = tenants.delete(
        args.id,
        buckets=tenants.Buckets.of(target.names),
        distribution_id=target.distribution_id(),
    )
    _warnings(target)
    for warning in result.warnings:
        _err(f"warning: {warning}")
    verb = "Finished deleting" if result.resumed else "Deleted"
    print(f"{verb} centre {args.id} on {target.describe()}:", file=out)
    width = max(len(name) for name in result.counts)
    for name, value in result.counts.items():
        print(f"  {name.ljust(width)}  {value}", file=out)
    print(
        f"Evidence: tenant_deleted on the platform audit chain ({audit.PLATFORM_CHAIN}); "
        f"check it with: pellicule {target.flags()} audit verify --tenant {audit.PLATFORM_CHAIN}",
        file=out,
    )
    return EXIT_OK


def _director_invite(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import tenants

    invitation = tenants.invite_director(
        args.tenant,
        args.email,
        args.name,
        public_url=target.public_url(),
        mail_from=target.mail_from(),
    )
    _warnings(target)
    expires = tenants.iso(invitation.expires_at)
    if invitation.emailed:
        print(
            f"Director staff:{invitation.staff_id} added to centre {args.tenant}; a sign-in "
            f"link was e-mailed to them (single use, valid until {expires}).",
            file=out,
        )
        return EXIT_OK
    reason = (
        f"the e-mail could not be sent ({invitation.mail_error})"
        if invitation.mail_error
        else "no sender address is configured for this deployment (CDK context mailDomain)"
    )
    _err(
        f"warning: {reason}. Director staff:{invitation.staff_id} was added to centre "
        f"{args.tenant}; hand them the link below yourself, over a channel only they read. "
        f"It is shown once, works once and expires at {expires}."
    )
    print(invitation.url, file=out)
    return EXIT_OK


def _export(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule_ops import portability, tenants

    result = portability.export(
        args.tenant, Path(args.output), buckets=tenants.Buckets.of(target.names)
    )
    print(f"Exported centre {args.tenant}:", file=out)
    print(f"  {result.json_path}", file=out)
    print(f"  {result.zip_path}", file=out)
    print(
        "  " + ", ".join(f"{name} {value}" for name, value in result.counts.items()),
        file=out,
    )
    if result.counts.get("media_missing"):
        _err(
            f"warning: {result.counts['media_missing']} item(s) had no full-size file; "
            "the archive's manifest.json lists them"
        )
    return EXIT_OK


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    from pellicule.services import audit

    report = audit.verify(args.tenant)
    if report.ok:
        waiting = f", {report.pending} waiting to be chained" if report.pending else ""
        print(f"OK: {report.checked} entries verified{waiting}", file=out)
        return EXIT_OK
    if report.broken_event is not None:
        print(f"BROKEN pending event: {report.problem}", file=out)
        return EXIT_BROKEN
    if report.first_broken_seq is None:
        print(f"No audit entries for tenant {args.tenant!r}.", file=sys.stderr)
        return EXIT_ERROR
    print(f"BROKEN at entry #{report.first_broken_seq}: {report.problem}", file=out)
    return EXIT_BROKEN


def _audit_export(args: argparse.Namespace, out: TextIO) -> int:
    from pellicule.services import audit

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


def _audit_command(args: argparse.Namespace, target: Target | None, out: TextIO) -> int:
    if args.action == "verify":
        return _verify(args, out)
    return _audit_export(args, out)


def _key_rotate(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    from pellicule.adapters import aws
    from pellicule.services import audit
    from pellicule_ops import keys

    stage, region = target.names.stage, target.names.region
    directory = keys.stage_dir(Path(args.keys_dir), stage)
    rotation = keys.rotate(directory)
    print(f"Created key pair {rotation.stamp} under {directory}.", file=out)
    for stamp in rotation.retired:
        print(f"Retired key pair {stamp} (moved to {directory / 'retired'}).", file=out)
    if not rotation.had_keys:
        _err(
            f"warning: {directory} held no key pair: if the stack was deployed from another "
            "machine, its previous key is not in the new key group and URLs it signed stop "
            "working at the deployment (they last minutes anyway)"
        )
    uploaded = not args.no_upload
    if uploaded:
        print(keys.upload(directory, stage, region, client=aws.client("secretsmanager")), file=out)
    audit.append(
        audit.PLATFORM_CHAIN,
        "key_rotated",
        OPERATOR,
        f"stage:{stage}",
        {
            "key": rotation.stamp,
            "retired": len(rotation.retired),
            "trusted": len(rotation.trusted),
            "uploaded": 1 if uploaded else 0,
        },
    )
    print(
        f"Next: make deploy STAGE={stage} AWS_REGION={region} (or scripts/deploy.sh --stage "
        f"{stage} --region {region} -- <your usual -c options>): the key group then trusts "
        f"{', '.join(rotation.trusted)} and the functions sign with {rotation.stamp}; "
        "CloudFront sends the new API origin header (the old one is accepted until then). "
        "Do not rotate again before that deployment.",
        file=out,
    )
    if uploaded:
        _err(
            "warning: deploy now: until then, functions that start cold sign with the new "
            "private key under the old key id, and their media URLs are refused"
        )
    return EXIT_OK


def _purge_outcome(result: Any, out: TextIO, *, failed: str | None = None) -> int:
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True), file=out)
    if failed:
        _err(f"the purge function failed ({failed})")
        return EXIT_FAILED
    if isinstance(result, dict):
        if result.get("complete") is False:
            _err("the purge did not complete: run it again (it resumes)")
            return EXIT_FAILED
        if result.get("errors"):
            _err(f"the purge reported errors for: {', '.join(map(str, result['errors']))}")
            return EXIT_FAILED
    return EXIT_OK


def lambda_client(region: str) -> Any:
    """A Lambda client that waits for the purge function (up to its 15-minute timeout)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session(region_name=region).client(
        "lambda",
        config=Config(
            read_timeout=PURGE_READ_TIMEOUT_SECONDS + 10,
            connect_timeout=10,
            retries={"max_attempts": 0},  # never run a purge twice behind the operator's back
        ),
    )


def _purge_run(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    payload: dict[str, Any] = {"source": "pellicule_ops.cli"}
    if args.tenants:
        payload["tenants"] = list(dict.fromkeys(args.tenants))
    if target.is_local:
        status, result = _http_json(
            "POST",
            f"{target.local_url}/_dev/purge",
            payload,
            timeout=PURGE_READ_TIMEOUT_SECONDS,
        )
        if status == 404:
            raise _ConfigError(f"{target.local_url} has no /_dev/purge: an older local runtime?")
        return _purge_outcome(result, out, failed=None if status == 200 else f"HTTP {status}")
    response = lambda_client(target.region).invoke(
        FunctionName=target.names.function("purge"),
        InvocationType="RequestResponse",
        Payload=json.dumps(payload).encode("utf-8"),
    )
    raw = response["Payload"].read()
    try:
        result = json.loads(raw.decode("utf-8") or "null")
    except ValueError:
        result = {"raw": raw.decode("utf-8", "replace")[:2000]}
    return _purge_outcome(result, out, failed=response.get("FunctionError"))


Handler = Callable[[argparse.Namespace, Target, TextIO], int]
COMMANDS: dict[tuple[str, str | None], Handler] = {
    ("tenant", "create"): _tenant_create,
    ("tenant", "list"): _tenant_list,
    ("tenant", "reindex"): _tenant_reindex,
    ("tenant", "suspend"): _tenant_suspend,
    ("tenant", "resume"): _tenant_resume,
    ("tenant", "delete"): _tenant_delete,
    ("director", "invite"): _director_invite,
    ("export", None): _export,
    ("audit", "verify"): _audit_command,
    ("audit", "export"): _audit_command,
    ("key", "rotate"): _key_rotate,
    ("purge", "run"): _purge_run,
}


def _check_arguments(args: argparse.Namespace) -> None:
    """What can be refused before any AWS call."""
    from pellicule.services import tenant_settings
    from pellicule_ops import tenants

    command = (args.command, getattr(args, "action", None))
    if command[0] == "tenant" and command[1] not in ("list", "reindex"):
        tenants.check_id(args.id)
    if command in (("director", "invite"), ("export", None)):
        tenants.check_id(args.tenant)
    if command == ("purge", "run"):
        for tenant_id in args.tenants or ():
            tenants.check_id(tenant_id)
    if command == ("tenant", "create"):
        tenants.check_name(args.name)
        if args.retention_months is not None:
            tenant_settings.validate({"media_retention_months": args.retention_months})
    if command == ("tenant", "delete") and args.confirm != args.id:
        raise _ConfigError(
            f"refusing to delete centre {args.id!r} and everything of it: repeat its id with "
            f"--confirm {args.id}"
        )
    if command == ("key", "rotate") and args.local_url is not None:
        raise _ConfigError(
            "the local runtime makes a new signing key each time it starts: there is nothing "
            "to rotate. Rotation is for a deployed stage: pellicule --stage S key rotate"
        )


# --- The old audit invocation (per-subcommand --table/--region/--endpoint-url) -------------


def _uses_target(args: argparse.Namespace) -> bool:
    if args.command != "audit":
        return True
    if args.table or args.endpoint_url or args.region:
        return False  # the first version's options: they say where
    explicit = args.local_url is not None or args.target_stage or args.target_region
    return bool(explicit)


@contextmanager
def _bound(args: argparse.Namespace) -> Iterator[None]:
    from pellicule.store import models
    from pellicule.store.models import AuditEntry

    table = (args.table or os.environ.get(topology.ENV_TABLE, "")).strip()
    if not table:
        raise _ConfigError(
            f"no table given: pass --table NAME or set {topology.ENV_TABLE} "
            "(e.g. pellicule-<stage>-main), or choose a target: pellicule --stage S audit ..."
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


# --- Entry point ---------------------------------------------------------------------------


def _run(args: argparse.Namespace, out: TextIO) -> int:
    _check_arguments(args)
    if not _uses_target(args):
        with _bound(args):
            return _audit_command(args, None, out)
    handler = COMMANDS[(args.command, getattr(args, "action", None))]
    target = resolve_target(args)
    with activated(target):
        if args.command == "audit" and args.table:
            from pellicule.store import models

            models.bind(args.table, target.region)
        return handler(args, target, out)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _normalise_local(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:  # --help (0) or a usage error (2, message already printed)
        return int(exit_.code or 0)
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    from pynamodb.exceptions import PynamoDBException

    from pellicule.domain.errors import PelliculeError
    from pellicule.services import audit
    from pellicule_ops import keys

    try:
        return _run(args, sys.stdout)
    except (_ConfigError, topology.RegionNotAllowedError, keys.KeysError) as error:
        _err(str(error))
    except PelliculeError as error:
        _err(error.texts["en"])  # the catalogue's English, like the rest of the command line
    except audit.AuditError as error:
        _err(f"audit entry refused: {error}")
    except NoCredentialsError:
        _err("no AWS credentials found: set AWS_PROFILE (or run `aws sso login`)")
    except (PynamoDBException, BotoCoreError, ClientError) as error:
        cause = getattr(error, "cause", None) or error
        what = "cannot read the audit log" if args.command == "audit" else "AWS error"
        _err(f"{what}: {_short(cause) if isinstance(cause, Exception) else cause}")
    except OSError as error:
        _err(str(error))
    except KeyboardInterrupt:
        _err("interrupted: run the same command again to finish")
    except Exception as error:  # an operator gets a line, not a traceback
        _err(f"unexpected error ({type(error).__name__}): {error}")
        if os.environ.get("PELLICULE_DEBUG"):
            raise
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
