"""Render each function's IAM grants, from the synthesized stack, into docs/infrastructure.md.

The statements come from the IAM contract's extraction (``tests/support/iam_policy.py``: the
stack synthesized in-process for the local names, every statement of every policy of a
function's role resolved to concrete ARNs, cached under ``.build/iam/``), so the table shows
exactly what the contract tests check the code against. Each function gets a table: one row
per service and set of resources (actions merged), the resources named by their role in the
stack (the table, the media bucket's ``t/*`` objects, the photo queue, the signing-key
secret...), conditions summarised, denials marked.

The table lives between ``<!-- grants:begin -->`` and ``<!-- grants:end -->`` in
docs/infrastructure.md; ``make docs`` rewrites it, and ``tests/infra/test_grants_doc.py``
fails when it differs from what the current templates give.

Usage: ``python scripts/grants.py [--check]``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "layers" / "core", ROOT / "ops"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from pellicule.config import topology  # noqa: E402
from tests.support import iam_policy  # noqa: E402

DOC = ROOT / "docs" / "infrastructure.md"
BEGIN = "<!-- grants:begin -->"
END = "<!-- grants:end -->"
SERVICES = {
    "cloudfront": "CloudFront",
    "dynamodb": "DynamoDB",
    "logs": "CloudWatch Logs",
    "s3": "S3",
    "secretsmanager": "Secrets Manager",
    "ses": "SES",
    "sqs": "SQS",
    "ssm": "SSM",
}


class Stale(RuntimeError):
    """The document's table differs from what the templates give."""


# --- Naming resources by their role -----------------------------------------------------------


class Namer:
    """Turns a resolved ARN into what it is in the stack (for one function)."""

    def __init__(self, names: topology.Names, function: str) -> None:
        self.names = names
        self.function = function
        self.buckets = {
            names.ingest_bucket: "ingest bucket",
            names.media_bucket: "media bucket",
            names.evidence_bucket: "evidence bucket",
            names.web_bucket: "web bucket",
            names.logs_bucket: "logs bucket",
        }
        self.queues: dict[str, str] = {}
        for pipeline in topology.INGEST_PIPELINES:
            self.queues[names.ingest_queue_for(pipeline.kind)] = f"{pipeline.kind} queue"
            self.queues[names.ingest_dlq_for(pipeline.kind)] = f"{pipeline.kind} DLQ"

    def _short(self, name: str) -> str:
        """A physical name less the stage's prefix."""
        for prefix in (f"{self.names.prefix}-", f"pellicule/{self.names.stage}/"):
            if name.startswith(prefix):
                return name[len(prefix) :]
        return name

    def name(self, arn: str) -> str:
        if arn == "*":
            return "`*` (any resource)"
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return f"`{arn}`"
        service, rest = parts[2], parts[5]
        label = getattr(self, f"_{service}", None)
        found = label(rest) if label is not None else None
        return found or f"`{arn}`"

    def _s3(self, rest: str) -> str:
        bucket, _, key = rest.partition("/")
        label = self.buckets.get(bucket, f"bucket `{bucket}`")
        return f"{label}: objects `{key}`" if key else label

    def _dynamodb(self, rest: str) -> str | None:
        kind, _, path = rest.partition("/")
        table, _, sub = path.partition("/")
        if kind != "table":
            return None
        label = "the table" if table == self.names.table else f"table `{table}`"
        if sub.startswith("index/"):
            index = sub.removeprefix("index/")
            return f"{label}'s indexes" if index == "*" else f"{label}'s index `{index}`"
        if sub.startswith("stream/"):
            return f"{label}'s stream"
        return label

    def _sqs(self, rest: str) -> str:
        queue = rest.rsplit(":", 1)[-1]
        return self.queues.get(queue, f"queue `{self._short(queue)}`")

    def _secretsmanager(self, rest: str) -> str | None:
        if not rest.startswith("secret:"):
            return None
        secret = rest.removeprefix("secret:")
        for suffix in ("-??????", iam_policy.SECRET_SUFFIX):
            secret = secret.removesuffix(suffix)
        if secret == self.names.signing_key_secret:
            return "the signing-key secret"
        return f"secret `{self._short(secret)}`"

    def _ssm(self, rest: str) -> str | None:
        if not rest.startswith("parameter"):
            return None
        parameter = rest.removeprefix("parameter")
        if parameter == self.names.public_url_parameter:
            return "the public-URL parameter"
        return f"parameter `{parameter}`"

    def _ses(self, rest: str) -> str | None:
        if not rest.startswith("identity/"):
            return None
        return "the SES identity of `mailDomain`"

    def _cloudfront(self, rest: str) -> str | None:
        if rest == f"distribution/{iam_policy.DISTRIBUTION}":
            return "the stack's distribution"
        return None

    def _logs(self, rest: str) -> str | None:
        group = rest.removeprefix("log-group:").removesuffix(":*")
        if group == f"/aws/lambda/{self.names.function(self.function)}":
            return "its own log group"
        return f"log group `{group}`"


# --- Rendering ------------------------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _joined(labels: Iterable[str]) -> str:
    """Labels joined, those of one bucket's objects as one (``media bucket: objects `a`, `b```)."""
    objects: dict[str, list[str]] = {}
    plain: list[str] = []
    for label in sorted(set(labels)):
        owner, marker, keys = label.partition(": objects ")
        if marker:
            objects.setdefault(owner, []).append(keys)
        else:
            plain.append(label)
    plain += [f"{owner}: objects {', '.join(keys)}" for owner, keys in objects.items()]
    return "; ".join(sorted(plain))


def _condition(condition: Mapping[str, Any] | None) -> str:
    """``if <key> <operator> <values>``, for each key of each operator."""
    if not condition:
        return ""
    clauses = []
    for operator, tests in sorted(condition.items()):
        for key, values in sorted(tests.items()):
            shown = ", ".join(f"`{v}`" for v in _listed(values))
            clauses.append(f"`{key}` {operator} {shown}")
    return "if " + " and ".join(clauses)


Row = tuple[str, str, str, str]


def rows(
    function: str, statements: Iterable[Mapping[str, Any]], names: topology.Names
) -> list[Row]:
    """``(service, actions, resources, condition)`` rows, one per service and resources."""
    namer = Namer(names, function)
    merged: dict[tuple[str, str, str], set[str]] = {}
    for statement in statements:
        resources = _joined(namer.name(r) for r in _listed(statement["Resource"]))
        condition = _condition(statement.get("Condition"))
        if statement.get("Effect", "Allow") != "Allow":
            condition = f"**{statement['Effect']}** {condition}".strip()
        for action in _listed(statement["Action"]):
            service, _, name = action.partition(":")
            key = (SERVICES.get(service, service), resources, condition)
            merged.setdefault(key, set()).add(name)
    return [
        (service, ", ".join(f"`{a}`" for a in sorted(actions)), resources, condition)
        for (service, resources, condition), actions in sorted(merged.items())
    ]


def render(policies: Mapping[str, list[dict[str, Any]]], region: str) -> str:
    """The Markdown between the markers (the markers excluded)."""
    names = topology.Names(topology.LOCAL_STAGE, iam_policy.ACCOUNT, region)
    lines = [
        "<!-- Generated by `make docs` (scripts/grants.py) from the synthesized stack: edit "
        "infra/, not this table. -->",
        "",
    ]
    for function in topology.FUNCTIONS:
        lines += [f"#### {function}", ""]
        if function not in policies:
            lines += ["No role in the stack.", ""]
            continue
        lines += ["| service | actions | on | condition |", "|---|---|---|---|"]
        for service, actions, resources, condition in rows(function, policies[function], names):
            lines.append(f"| {service} | {actions} | {resources} | {condition or '–'} |")
        lines.append("")
    return "\n".join(lines)


def rewrite(document: str, table: str) -> str:
    """``document`` with the text between the markers replaced by ``table``."""
    head, begin, rest = document.partition(BEGIN)
    _old, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC.name} lacks the markers {BEGIN} ... {END}")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def current(region: str = topology.DEFAULT_REGION) -> tuple[str, str]:
    """(the document as it is, the document as the current templates give it)."""
    policies = iam_policy.load(region)
    document = DOC.read_text(encoding="utf-8")
    return document, rewrite(document, render(policies.statements, region))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the document is stale")
    args = parser.parse_args(argv)
    document, wanted = current()
    if document == wanted:
        print(f"{DOC.relative_to(ROOT)}: the grants table is up to date")
        return 0
    if args.check:
        print(f"{DOC.relative_to(ROOT)}: the grants table is out of date: run `make docs`")
        return 1
    DOC.write_text(wanted, encoding="utf-8")
    print(f"{DOC.relative_to(ROOT)}: grants table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
