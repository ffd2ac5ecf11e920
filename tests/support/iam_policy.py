"""Each function's synthesized IAM policy, resolved to the names the moto tests use.

The stack is synthesized in-process for the local runtime's names (stage ``local``, moto's
account, the tests' region, a mail domain so that the sending grants exist, no custom domain
so that the public-URL parameter exists), then every statement of every policy attached to a
function's role is kept with its intrinsic functions (``Ref``, ``Fn::GetAtt``, ``Fn::Join``,
``Fn::Sub``) resolved to concrete ARNs. A synth costs 10-20 s, so the result is cached as JSON
under ``.build/iam/`` keyed by a hash of everything the policies depend on (``infra/``,
``app.py``, ``cdk.json``, the topology, this module and the CDK version): most test runs read
the file and pay nothing.

The code and layer assets do not change a policy: the synth here points the functions and
layers at placeholder assets, which needs no network and leaves ``.build/assets/`` (used by
the infrastructure tests running beside it) alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".build" / "iam"
ACCOUNT = "123456789012"  # topology.LOCAL_ACCOUNT, moto's default account
MAIL_DOMAIN = "pellicule.test"  # tests/conftest.py MAIL_FROM's domain
# Placeholders: the parts of an ARN that moto makes up per test (a distribution's id, a
# secret's random suffix); the hook writes the same placeholder for the resource it meets.
DISTRIBUTION = "DISTRIBUTION-OF-THE-STACK"
SECRET_SUFFIX = "-AbCdEf"
# Bump when the extraction's output changes shape.
FORMAT_VERSION = 1

# Everything the extracted policies depend on (besides the CDK library's version).
_INPUTS = ("infra", "app.py", "cdk.json", "layers/core/pellicule/config/topology.py")


class SynthUnavailable(RuntimeError):
    """The stack cannot be synthesized here (no Node.js, no CDK library)."""


class Unresolvable(ValueError):
    """A policy refers to something this module cannot turn into a concrete ARN."""


@dataclass(frozen=True)
class Policies:
    """Statements by function name (``upload``, ``process``...), resolved."""

    region: str
    statements: dict[str, list[dict[str, Any]]]
    synth_seconds: float | None  # None: read from the cache
    cache_file: Path


def cache_key(region: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"format {FORMAT_VERSION} region {region}\n".encode())
    digest.update(_cdk_version().encode())
    for name in (*_INPUTS, "tests/support/iam_policy.py"):
        path = REPO_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _cdk_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("aws-cdk-lib")
    except metadata.PackageNotFoundError:
        return "absent"


def load(region: str) -> Policies:
    """The resolved policies for ``region``: from the cache, or synthesized (then cached).

    Several pytest-xdist workers may ask at once: a lock makes one of them synthesize.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = CACHE_DIR / f"policies-{region}-{cache_key(region)}.json"
    with _locked(CACHE_DIR / ".lock"):
        if target.is_file():
            data = json.loads(target.read_text(encoding="utf-8"))
            return Policies(region, data["functions"], None, target)
        started = time.perf_counter()
        statements = synthesize(region)
        seconds = time.perf_counter() - started
        for stale in CACHE_DIR.glob(f"policies-{region}-*.json"):
            stale.unlink()
        payload = {"region": region, "synth_seconds": round(seconds, 1), "functions": statements}
        target.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
        return Policies(region, statements, seconds, target)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def synthesize(region: str) -> dict[str, list[dict[str, Any]]]:
    """Synthesize the stack for the local names and extract each function's statements."""
    import importlib.util
    import os
    from unittest import mock

    if shutil.which("node") is None:
        raise SynthUnavailable("Node.js is not installed (the CDK's jsii runtime needs it)")
    if importlib.util.find_spec("aws_cdk") is None:
        raise SynthUnavailable("aws-cdk-lib is not installed (uv sync installs it)")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App

    # infra.config first: importing infra.bundling first is a circular import.
    from infra.config import DeploymentConfig

    # isort: split
    from infra import bundling, constants
    from infra.app import add_stack, cdk_json_context
    from pellicule.config import topology

    work = Path(tempfile.mkdtemp(prefix="pellicule-iam-"))
    try:
        keys = work / "keys"
        _write_public_key(keys)
        assets = work / "asset"
        assets.mkdir()
        (assets / "placeholder.txt").write_text("placeholder asset\n", encoding="utf-8")
        layer = work / "layer.zip"
        with zipfile.ZipFile(layer, "w") as archive:
            archive.writestr("python/placeholder.txt", "placeholder layer\n")
        config = DeploymentConfig(
            stage=topology.LOCAL_STAGE,
            region=region,
            account=ACCOUNT,
            alarm_email="ops@pellicule.test",
            mail_domain=MAIL_DOMAIN,
            public_keys_dir=keys,
        )
        with (
            mock.patch.object(bundling, "core_layer_dir", return_value=assets),
            mock.patch.object(bundling, "function_dir", return_value=assets),
            mock.patch.object(bundling, "dependency_layer_zip", return_value=layer),
        ):
            app = App(context=cdk_json_context(), outdir=str(work / "cdk.out"))
            add_stack(app, config)
            app.synth()
        name = constants.stack_name(config.stage)
        template = json.loads((work / "cdk.out" / f"{name}.template.json").read_text("utf-8"))
        return extract(template, topology.Names(config.stage, ACCOUNT, region))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_public_key(directory: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory.mkdir(parents=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (directory / "20250101T000000Z.pem").write_bytes(pem)


# --- Extraction --------------------------------------------------------------------------------


def extract(template: dict[str, Any], names: Any) -> dict[str, list[dict[str, Any]]]:
    """``{function name: [statement, ...]}`` of every Lambda function named by the topology."""
    from pellicule.config import topology

    resources: dict[str, Any] = template["Resources"]
    resolver = Resolver(resources, names.region, names.account)
    by_role: dict[str, str] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        props = resource["Properties"]
        function_name = props.get("FunctionName")
        short = next((n for n in topology.FUNCTIONS if names.function(n) == function_name), None)
        if short is None:  # a CDK helper function (bucket deployment, log retention...)
            continue
        by_role[_logical(props["Role"])] = short
    statements: dict[str, list[dict[str, Any]]] = {name: [] for name in by_role.values()}
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role" and logical_id in by_role:
            if props.get("ManagedPolicyArns"):
                raise Unresolvable(
                    f"role {logical_id} of {by_role[logical_id]} has managed policies "
                    f"{props['ManagedPolicyArns']}: their statements are not in the template"
                )
            for policy in props.get("Policies", []):
                statements[by_role[logical_id]].extend(policy["PolicyDocument"]["Statement"])
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in props.get("Roles", []):
                name = by_role.get(_logical(role))
                if name is not None:
                    statements[name].extend(props["PolicyDocument"]["Statement"])
    return {name: [resolver.statement(s) for s in found] for name, found in statements.items()}


def _logical(reference: Any) -> str:
    if isinstance(reference, dict) and "Ref" in reference:
        return str(reference["Ref"])
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        return str(reference["Fn::GetAtt"][0])
    raise Unresolvable(f"not a reference to a resource: {reference!r}")


class Resolver:
    """Turns CloudFormation intrinsic functions into the concrete values of the moto account."""

    def __init__(self, resources: dict[str, Any], region: str, account: str) -> None:
        self.resources = resources
        self.region = region
        self.account = account

    def statement(self, statement: dict[str, Any]) -> dict[str, Any]:
        return {key: self.value(value) for key, value in statement.items()}

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical, attribute = (
                    argument if isinstance(argument, list) else argument.split(".", 1)
                )
                return self.get_att(logical, attribute)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self.value(p)) for p in self.value(parts))
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::Select":
                index, items = argument
                return self.value(items)[int(self.value(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self.value(text)).split(separator)
            if key.startswith("Fn::"):
                raise Unresolvable(f"intrinsic {key} is not handled: {value!r}")
        return {k: self.value(v) for k, v in value.items()}

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        resolved = {k: self.value(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in resolved:
                return str(resolved[name])
            if "." in name:
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _props(self, logical: str) -> tuple[str, dict[str, Any]]:
        if logical not in self.resources:
            raise Unresolvable(f"no resource {logical} in the template")
        resource = self.resources[logical]
        return resource["Type"], resource.get("Properties", {})

    def _name(self, logical: str, prop: str) -> str:
        kind, props = self._props(logical)
        if prop not in props:
            raise Unresolvable(f"{kind} {logical} has no {prop}: its physical name is unknown")
        return str(self.value(props[prop]))

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        kind, _ = self._props(name)
        if kind == "AWS::S3::Bucket":
            return self._name(name, "BucketName")
        if kind == "AWS::DynamoDB::Table" or kind == "AWS::DynamoDB::GlobalTable":
            return self._name(name, "TableName")
        if kind == "AWS::SQS::Queue":
            queue = self._name(name, "QueueName")
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{queue}"
        if kind == "AWS::SSM::Parameter":
            return self._name(name, "Name")
        if kind == "AWS::CloudFront::Distribution":
            return DISTRIBUTION
        if kind == "AWS::SES::EmailIdentity":
            return self._name(name, "EmailIdentity")
        if kind == "AWS::Logs::LogGroup":
            return self._name(name, "LogGroupName")
        if kind == "AWS::SecretsManager::Secret":
            secret = self._name(name, "Name") + SECRET_SUFFIX
            return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{secret}"
        raise Unresolvable(f"Ref to {kind} {name} is not handled")

    def get_att(self, logical: str, attribute: str) -> Any:
        kind, _ = self._props(logical)
        prefix = f"{self.region}:{self.account}"
        if attribute == "Arn":
            if kind == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{self._name(logical, 'BucketName')}"
            if kind == "AWS::DynamoDB::Table":
                return f"arn:aws:dynamodb:{prefix}:table/{self._name(logical, 'TableName')}"
            if kind == "AWS::SQS::Queue":
                return f"arn:aws:sqs:{prefix}:{self._name(logical, 'QueueName')}"
            if kind == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:{prefix}:log-group:{self._name(logical, 'LogGroupName')}:*"
        if attribute == "StreamArn" and kind == "AWS::DynamoDB::Table":
            table = self._name(logical, "TableName")
            return f"arn:aws:dynamodb:{prefix}:table/{table}/stream/STREAM"
        if attribute == "QueueName" and kind == "AWS::SQS::Queue":
            return self._name(logical, "QueueName")
        raise Unresolvable(f"Fn::GetAtt {logical}.{attribute} ({kind}) is not handled")
