"""The Lambda bundles, built for this machine and run as Lambda runs them, under Python 3.13.

:func:`build` synthesizes the stack in-process for the local runtime's names (stage ``local``,
moto's account) with the stack's own bundling code (``infra/bundling.py``), the dependency
layers being built for this machine's architecture instead of arm64 (cached under
``.build/layers/<name>-<machine>-<key>``). From the synthesized template it reads, per
function, what Lambda would: the handler string, the runtime, the function's code asset, its
layers in order, its environment variables and logging configuration; and the events the
schedules send (the EventBridge rules' targets). The function asset becomes the task root
(``/var/task``); the function's layers are extracted, in order, into one directory like
``/opt``.

:func:`invoke` runs one event in a fresh ``python3.13 -I -S -B`` process whose ``sys.path``
is, as in Lambda: the task root, ``<opt>/python/lib/python3.13/site-packages``,
``<opt>/python``, the standard library, and last the runtime's own libraries
(``/var/runtime``): boto3 and its stack are not in the layers (the runtime provides them), so
they come from a directory installed for Python 3.13 from the lock file's versions
(``bundling.RUNTIME_SDK_RECIPE``; the runtime's own versions may differ). Nothing from the
repository or a virtual environment is importable; the child reports any module loaded from
elsewhere. Its environment is the template's variables for that function (CloudFormation
references resolved to the local runtime's names, key pair id and distribution id), the
variables Lambda sets itself, and moto's endpoint with the local runtime's credentials.
No byte code is written (Lambda's task root is read-only and the bundles ship none): every
cold start compiles the bundle's modules, as in AWS.

Used by ``tests/bundle/`` and by ``make bench`` (``bench/first_response.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import runtime_python
from tests.support import iam_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON_VERSION = runtime_python.PYTHON_VERSION
MAIL_DOMAIN = "pellicule.localhost"  # local.runtime.LOCAL_MAIL_FROM's domain
INVOKE_TIMEOUT_SECONDS = 300


class BundleUnavailable(RuntimeError):
    """Bundles cannot be built or run on this machine (the message says what is missing)."""


class InvocationFailed(RuntimeError):
    """The handler raised, or its process died; the message holds its output."""


# --- Python 3.13 -----------------------------------------------------------------------------


def find_python() -> Path:
    """A Python 3.13 interpreter (``infra.runtime_python``); else :class:`BundleUnavailable`."""
    found = runtime_python.lambda_python()
    if found is None:
        raise BundleUnavailable(runtime_python.INSTALL_HINT)
    return found


# --- The bundles, from a synth ---------------------------------------------------------------


@dataclass(frozen=True)
class FunctionBundle:
    """One function as the template deploys it, laid out on disk as Lambda would."""

    name: str  # topology name (``upload``)
    function_name: str  # physical name
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    task_root: Path  # /var/task
    opt: Path  # /opt (the layers, merged in order)
    layers: tuple[str, ...]  # the layers' names, in order
    environment: dict[str, Any]  # as in the template (values may be references)
    logging: dict[str, Any]  # LoggingConfig


@dataclass
class Bundles:
    """Every function of the synthesized stack, ready to run on this machine."""

    machine: str
    python: Path
    runtime_sdk: Path  # like /var/runtime: boto3 and its stack
    template: dict[str, Any]
    names: Any  # topology.Names
    functions: dict[str, FunctionBundle]
    seconds: dict[str, float] = field(default_factory=dict)

    def scheduled_events(self, function: str) -> list[dict[str, Any]]:
        """The event each EventBridge rule of the template sends to ``function``: the
        target's ``Input`` when it has one, else the "Scheduled Event" naming the rule."""
        from local import events

        arn = self.functions[function].function_name
        found = []
        resources: dict[str, Any] = self.template["Resources"]
        for resource in resources.values():
            if resource["Type"] != "AWS::Events::Rule":
                continue
            props = resource["Properties"]
            for target in props.get("Targets", []):
                logical = _logical_of_arn(target["Arn"])
                target_props = resources[logical]["Properties"]
                if target_props.get("FunctionName") != arn:
                    continue
                if "Input" in target:
                    found.append(json.loads(target["Input"]))
                else:
                    rule = props["Name"]
                    region, account = self.names.region, self.names.account
                    found.append(
                        events.scheduled_event(
                            rule_arn=f"arn:aws:events:{region}:{account}:rule/{rule}",
                            account=account,
                            region=region,
                        )
                    )
        return found

    def environment(self, function: str, runtime: Any) -> dict[str, str]:
        """``function``'s variables from the template, resolved to the running local
        runtime's resources (its key pair id, its distribution id)."""
        resources: dict[str, Any] = self.template["Resources"]
        resolver = iam_policy.Resolver(resources, self.names.region, self.names.account)
        resolved: dict[str, str] = {}
        for name, value in self.functions[function].environment.items():
            ref = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
            kind = resources[ref]["Type"] if ref in resources else None
            if kind == "AWS::CloudFront::PublicKey":
                resolved[name] = runtime.key_pair_id
            elif kind == "AWS::CloudFront::Distribution":
                resolved[name] = runtime.distribution_id
            else:
                resolved[name] = str(resolver.value(value))
        return resolved


def _logical_of_arn(value: Any) -> str:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise iam_policy.Unresolvable(f"not a function reference: {value!r}")


def build(work: Path, region: str | None = None) -> Bundles:
    """Synthesize the stack (host-architecture layers) into ``work`` and lay every function
    out as Lambda would. ``work`` is emptied first."""
    import functools
    import importlib.util
    from unittest import mock

    python = find_python()
    if shutil.which("node") is None:
        raise BundleUnavailable("Node.js is not installed (the CDK's jsii runtime needs it)")
    if importlib.util.find_spec("aws_cdk") is None:
        raise BundleUnavailable("aws-cdk-lib is not installed (make install)")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App

    # infra.config first: importing infra.bundling first is a circular import.
    from infra.config import DeploymentConfig

    # isort: split
    from infra import bundling, constants
    from infra.app import add_stack, cdk_json_context
    from pellicule.config import topology

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    names = topology.local_names(region or topology.DEFAULT_REGION)
    platform = bundling.host_platform()
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    for recipe in (*bundling.LAYER_RECIPES.values(), bundling.RUNTIME_SDK_RECIPE):
        bundling.layer_zip(recipe, platform)  # downloads once, then cached
    seconds["host_layers"] = time.perf_counter() - started

    started = time.perf_counter()
    keys = work / "keys"
    iam_policy._write_public_key(keys)
    config = DeploymentConfig(
        stage=names.stage,
        region=names.region,
        account=names.account,
        alarm_email="ops@pellicule.localhost",
        mail_domain=MAIL_DOMAIN,
        public_keys_dir=keys,
    )
    outdir = work / "cdk.out"
    host_layer = functools.partial(bundling.dependency_layer_zip, platform=platform)
    with mock.patch.object(bundling, "dependency_layer_zip", host_layer):
        context = {**cdk_json_context(), "aws:cdk:enable-asset-metadata": True}
        app = App(context=context, outdir=str(outdir))
        add_stack(app, config)
        app.synth()
    stack = constants.stack_name(config.stage)
    template = json.loads((outdir / f"{stack}.template.json").read_text(encoding="utf-8"))
    seconds["synth"] = time.perf_counter() - started

    started = time.perf_counter()
    functions = _lay_out(template, outdir, work, names)
    runtime_sdk = work / "runtime"
    _extract(bundling.layer_zip(bundling.RUNTIME_SDK_RECIPE, platform), runtime_sdk)
    # The runtime's own libraries come compiled (the layers do not: bundling strips byte code).
    subprocess.run(
        [str(python), "-I", "-m", "compileall", "-q", "-j", "0", str(runtime_sdk)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    seconds["layout"] = time.perf_counter() - started
    return Bundles(
        platform.machine, python, runtime_sdk / "python", template, names, functions, seconds
    )


def _asset(resource: dict[str, Any], outdir: Path) -> Path:
    path = resource.get("Metadata", {}).get("aws:asset:path")
    if not path:
        raise BundleUnavailable("the synth recorded no asset path (asset metadata is off)")
    return outdir / path


def _extract(source: Path, target: Path) -> None:
    """A layer or code asset into ``target`` (a zip file, or a directory as staged)."""
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
        return
    with zipfile.ZipFile(source) as archive:
        for entry in archive.infolist():
            extracted = Path(archive.extract(entry, target))
            mode = (entry.external_attr >> 16) & 0o777
            if mode and extracted.is_file():
                extracted.chmod(mode)


def _lay_out(
    template: dict[str, Any], outdir: Path, work: Path, names: Any
) -> dict[str, FunctionBundle]:
    from pellicule.config import topology

    resources: dict[str, Any] = template["Resources"]
    functions: dict[str, FunctionBundle] = {}
    opts: dict[tuple[str, ...], Path] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        props = resource["Properties"]
        short = next(
            (n for n in topology.FUNCTIONS if names.function(n) == props.get("FunctionName")), None
        )
        if short is None:  # a CDK helper (bucket deployment...)
            continue
        layer_ids = tuple(layer["Ref"] for layer in props.get("Layers", []))
        if layer_ids not in opts:
            opt = work / "opt" / hashlib.sha256("/".join(layer_ids).encode()).hexdigest()[:12]
            for layer_id in layer_ids:  # in order: a later layer overwrites, as in Lambda
                _extract(_asset(resources[layer_id], outdir), opt)
            opts[layer_ids] = opt
        layer_names = tuple(
            re.sub(r"^.*-", "", resources[i]["Properties"].get("LayerName", i)) for i in layer_ids
        )
        functions[short] = FunctionBundle(
            name=short,
            function_name=props["FunctionName"],
            handler=props["Handler"],
            runtime=props["Runtime"],
            memory_mb=int(props.get("MemorySize", 128)),
            timeout_seconds=int(props.get("Timeout", 3)),
            task_root=_asset(resource, outdir),
            opt=opts[layer_ids],
            layers=layer_names,
            environment=dict(props.get("Environment", {}).get("Variables", {})),
            logging=dict(props.get("LoggingConfig", {})),
        )
    return functions


# --- Running one event -----------------------------------------------------------------------

# The child: Lambda's bootstrap in short. sys.path as the runtime lays it out; the clocks start
# before the handler's module is imported (the interpreter's own start is not counted).
_CHILD = r"""
import json, os, sys, time
task_root, opt, runtime_dir, handler_string, request_file, result_file = sys.argv[1:7]
stdlib = [p for p in sys.path if p]
sys.path[:] = [
    task_root,
    f"{opt}/python/lib/python3.13/site-packages",
    f"{opt}/python",
    *stdlib,
    runtime_dir,
]
with open(request_file, encoding="utf-8") as handle:
    request = json.load(handle)


class Context:
    def __init__(self, fields, deadline):
        self.__dict__.update(fields)
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


started = time.perf_counter()
cpu_started = time.process_time()
context = Context(request["context"], time.monotonic() + request["timeout"])
module_name, _, attribute = handler_string.rpartition(".")
outcome = {}
try:
    import importlib
    handler = getattr(importlib.import_module(module_name), attribute)
    outcome["result"] = handler(request["event"], context)
except BaseException as error:
    import traceback
    outcome["error"] = {"type": type(error).__name__, "trace": traceback.format_exc()}
outcome["ms"] = (time.perf_counter() - started) * 1000
outcome["cpu_ms"] = (time.process_time() - cpu_started) * 1000
roots = [task_root, opt, runtime_dir, sys.base_prefix, sys.prefix]
outcome["foreign"] = sorted(
    name
    for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not any(os.path.realpath(module.__file__).startswith(os.path.realpath(r)) for r in roots)
)
outcome["python"] = "%d.%d" % sys.version_info[:2]
with open(result_file, "w", encoding="utf-8") as handle:
    json.dump(outcome, handle, default=str)
"""


@dataclass(frozen=True)
class Invocation:
    """What one fresh process answered, and its cost from the handler's import on."""

    function: str
    result: Any
    ms: float
    cpu_ms: float
    python: str
    foreign_modules: list[str]
    output: str  # the process's stdout and stderr (the function's logs)


def lambda_environment(
    bundles: Bundles, function: str, runtime: Any, *, context: Mapping[str, Any]
) -> dict[str, str]:
    """What the process sees: the template's variables, Lambda's own, and moto's endpoint."""
    bundle = bundles.functions[function]
    logging = bundle.logging
    return {
        # Set by Lambda (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
        "AWS_REGION": bundles.names.region,
        "AWS_DEFAULT_REGION": bundles.names.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{bundle.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": bundle.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(bundle.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": str(context.get("log_group_name", "")),
        "AWS_LAMBDA_LOG_STREAM_NAME": str(context.get("log_stream_name", "")),
        "AWS_LAMBDA_LOG_FORMAT": str(logging.get("LogFormat", "Text")).upper(),
        "AWS_LAMBDA_LOG_LEVEL": str(logging.get("ApplicationLogLevel", "INFO")),
        "LAMBDA_TASK_ROOT": str(bundle.task_root),
        "LAMBDA_RUNTIME_DIR": str(bundles.runtime_sdk),
        "_HANDLER": bundle.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LD_LIBRARY_PATH": os.pathsep.join(
            [str(bundle.task_root), str(bundle.task_root / "lib"), str(bundle.opt / "lib")]
        ),
        # The execution role's credentials, here the local runtime's (moto's guard wants them).
        **runtime.credentials,
        # Local only: AWS is moto's server.
        "AWS_ENDPOINT_URL": runtime.moto_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        # The function's own, from the template.
        **bundles.environment(function, runtime),
    }


def invoke(
    bundles: Bundles,
    function: str,
    event: Any,
    runtime: Any,
    *,
    context: Mapping[str, Any] | None = None,
    cpu: int | None = None,
    bytecode_cache: Path | None = None,
) -> Invocation:
    """Run ``event`` through ``function``'s handler in a fresh Python 3.13 process.

    ``bytecode_cache``: read and write the bundle's byte code there (``-X pycache_prefix``)
    instead of compiling every module afresh as Lambda does with the bundles as shipped."""
    bundle = bundles.functions[function]
    fields = dict(context or _context(bundles, bundle))
    fields.pop("_deadline", None)
    with tempfile.TemporaryDirectory(prefix="pellicule-invoke-") as scratch:
        request_file, result_file = Path(scratch) / "request.json", Path(scratch) / "result.json"
        request = {"event": event, "context": fields, "timeout": bundle.timeout_seconds}
        request_file.write_text(json.dumps(request), encoding="utf-8")
        command = [
            str(bundles.python),
            "-I",  # no PYTHON* variables, no user site, no script directory on sys.path
            "-S",  # no site-packages of the interpreter: only the bundle
            *(
                ["-X", f"pycache_prefix={bytecode_cache}"]
                if bytecode_cache is not None
                else ["-B"]  # no byte code written: the task root is read-only in Lambda
            ),
            "-c",
            _CHILD,
            str(bundle.task_root),
            str(bundle.opt),
            str(bundles.runtime_sdk),
            bundle.handler,
            str(request_file),
            str(result_file),
        ]
        done = subprocess.run(
            command,
            cwd=bundle.task_root,
            env=lambda_environment(bundles, function, runtime, context=fields),
            capture_output=True,
            text=True,
            timeout=INVOKE_TIMEOUT_SECONDS,
            preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
            check=False,
        )
        output = done.stdout + done.stderr
        if not result_file.is_file():
            raise InvocationFailed(f"{function}: the process died ({done.returncode}):\n{output}")
        outcome: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    if "error" in outcome:
        error = outcome["error"]
        raise InvocationFailed(f"{function} raised {error['type']}:\n{error['trace']}\n{output}")
    return Invocation(
        function=function,
        result=outcome.get("result"),
        ms=float(outcome["ms"]),
        cpu_ms=float(outcome["cpu_ms"]),
        python=str(outcome["python"]),
        foreign_modules=list(outcome["foreign"]),
        output=output,
    )


def _context(bundles: Bundles, bundle: FunctionBundle) -> dict[str, Any]:
    import uuid

    name = bundle.function_name
    region, account = bundles.names.region, bundles.names.account
    return {
        "function_name": name,
        "function_version": "$LATEST",
        "memory_limit_in_mb": bundle.memory_mb,
        "invoked_function_arn": f"arn:aws:lambda:{region}:{account}:function:{name}",
        "aws_request_id": str(uuid.uuid4()),
        "log_group_name": f"/aws/lambda/{name}",
        "log_stream_name": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
    }


# --- API requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRequest:
    function: str
    method: str
    path: str
    who: tuple[str, str, str] | None  # (kind, principal id, role) in the demo centre
    body: dict[str, Any] | None = None


# One ordinary request per API function, as the demo's people make them (local/seed.py).
API_REQUESTS = (
    ApiRequest("admin", "GET", "/api/admin/children", ("staff", "claire", "director")),
    ApiRequest("auth", "GET", "/api/auth/me", ("staff", "karim", "animator")),
    ApiRequest("digest", "GET", "/api/digest/subscription", ("guardian", "g-lea", "guardian")),
    ApiRequest("family", "GET", "/api/family/albums", ("guardian", "g-lea", "guardian")),
    ApiRequest(
        "gallery", "GET", "/api/gallery/albums/sortie-au-parc", ("staff", "karim", "animator")
    ),
    ApiRequest(
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


def session_cookie(who: tuple[str, str, str] | None) -> str | None:
    """A live session cookie of the demo centre (``local.seed``) for ``who``."""
    if who is None:
        return None
    from local import seed
    from pellicule.services import sessions

    kind, principal_id, role = who
    return f"{sessions.COOKIE_NAME}={sessions.create(seed.TENANT, kind, principal_id, role)}"


def api_event(runtime: Any, request: ApiRequest, cookie: str | None) -> dict[str, Any]:
    """The HTTP API (payload 2.0) event API Gateway sends for ``request`` (local.events), with
    the secret origin header CloudFront adds (the local runtime's value)."""
    from local.events import http_api_event
    from local.gateway import match_route
    from pellicule.api import http
    from pellicule.config import topology

    matched = match_route(request.path, topology.API_ROUTES)
    if matched is None:
        raise ValueError(f"no route for {request.path}")
    route, proxy = matched
    headers = [("host", "127.0.0.1"), (http.CSRF_HEADER.lower(), "1")]
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
        origin_headers={topology.ORIGIN_HEADER: runtime.origin_header},
    )


# --- In a local runtime ------------------------------------------------------------------------


@contextmanager
def seeded_runtime(bundles: Bundles) -> Iterator[Any]:
    """A local runtime without workers (the caller sends the bundles their events), its SES
    verifying the sender the template gives the functions, with the demo centre seeded."""
    from local import seed
    from local.runtime import LocalRuntime
    from pellicule.config import topology

    mail_from = bundles.functions["digest"].environment[topology.ENV_MAIL_FROM]
    with LocalRuntime(
        port=0,
        moto_port=0,
        workers=False,
        purge_interval=3600.0,
        digest_interval=3600.0,
        mail_from=mail_from,
    ) as runtime:
        seed.seed(runtime)
        yield runtime


class BundleHandlers:
    """Plugs the bundles into a local runtime's handler registry: its queue drainers, stream
    pollers and gateway then invoke the bundle in a fresh 3.13 process instead of the
    in-process handler. Every invocation is kept (``calls``) for the tests to inspect."""

    def __init__(self, bundles: Bundles, runtime: Any) -> None:
        self.bundles = bundles
        self.runtime = runtime
        self.calls: list[Invocation] = []
        self.errors: list[str] = []

    def handler(self, function: str) -> Any:
        def run(event: Any, context: Any) -> Any:
            fields = {k: v for k, v in vars(context).items() if not k.startswith("_")}
            try:
                invocation = invoke(self.bundles, function, event, self.runtime, context=fields)
            except InvocationFailed as error:
                self.errors.append(str(error))
                raise
            self.calls.append(invocation)
            return invocation.result

        return run
