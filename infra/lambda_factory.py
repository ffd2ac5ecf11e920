"""Lambda defaults in one place: every function of :data:`pellicule.config.topology.FUNCTIONS`.

Python 3.13 on arm64, JSON logs (advanced logging controls) into a log group created here with
a retention, a role of its own that may only write to that log group (grants add the rest),
memory/timeout/handler (and ``/tmp`` size) from the spec, the shared environment contract, and
the layers ``core`` (the ``pellicule`` package) + the spec's dependency layers.

Active tracing is off: no X-Ray SDK is shipped and it would add a ``Resource: *`` permission
to every role; turn it on here if a service map is wanted.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import bundling
from infra.nag import acknowledge
from pellicule.config import topology

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS  # constants.LOG_RETENTION_DAYS
CORE_LAYER = "core"


class Layers(Construct):
    """The ``core`` layer (shared package) and the dependency layers, arm64 / Python 3.13."""

    def __init__(self, scope: Construct, construct_id: str, *, names: topology.Names) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, lambda_.ILayerVersion] = {
            CORE_LAYER: self._layer(names, CORE_LAYER, str(bundling.core_layer_dir())),
        }
        for name in bundling.LAYER_RECIPES:
            path = str(bundling.dependency_layer_zip(name))
            self.by_name[name] = self._layer(names, name, path)

    def _layer(self, names: topology.Names, name: str, path: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            name,
            layer_version_name=f"{names.prefix}-{name}",
            code=lambda_.Code.from_asset(path),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Pellicule {name} (Python 3.13, arm64)",
        )


class LambdaFactory:
    """Creates the functions with the project's defaults."""

    def __init__(
        self,
        *,
        names: topology.Names,
        layers: Layers,
        environment: Mapping[str, str],
        removal_policy: RemovalPolicy,
        reserved_concurrency: Mapping[str, int],
    ) -> None:
        self._names = names
        self._layers = layers
        self._environment = dict(environment)
        self._removal_policy = removal_policy
        self._reserved = dict(reserved_concurrency)

    def create(self, scope: Construct, spec: topology.FunctionSpec) -> lambda_.Function:
        """Function ``spec.name`` with its log group and role, under ``scope/<name>``."""
        holder = Construct(scope, spec.name)
        function_name = self._names.function(spec.name)
        log_group = logs.LogGroup(
            holder,
            "LogGroup",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=LOG_RETENTION,
            removal_policy=self._removal_policy,
        )
        role = iam.Role(
            holder,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Pellicule {self._names.stage} {spec.name} function",
        )
        # Instead of the AWSLambdaBasicExecutionRole managed policy: this log group only.
        log_group.grant_write(role)
        function = lambda_.Function(
            holder,
            "Function",
            function_name=function_name,
            description=spec.description or f"Pellicule {spec.name}",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=lambda_.Code.from_asset(str(bundling.function_dir(spec.name))),
            layers=self._layers_for(spec),
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            ephemeral_storage_size=(
                Size.mebibytes(spec.ephemeral_storage_mb) if spec.ephemeral_storage_mb else None
            ),
            environment=self._environment,
            # A cap (and a guarantee) for the processing functions, so that a burst of uploads
            # leaves the rest of the account's concurrency to the API (infra/config.py).
            reserved_concurrent_executions=self._reserved.get(spec.name),
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
        )
        acknowledge(
            function,
            "L1",
            "Python 3.13 is the project's pinned Lambda runtime: the layers are built from "
            "cp313 aarch64 wheels of the lock file and the code is tested against it; moving "
            "to a newer runtime is a deliberate upgrade of the lock, the layers and this factory.",
        )
        return function

    def _layers_for(self, spec: topology.FunctionSpec) -> list[lambda_.ILayerVersion]:
        wanted = [CORE_LAYER, *(name for name in spec.layers if name != CORE_LAYER)]
        return [self._layers.by_name[name] for name in wanted]


class Functions(Construct):
    """Every function of :data:`pellicule.config.topology.FUNCTIONS`, by name."""

    def __init__(self, scope: Construct, construct_id: str, *, factory: LambdaFactory) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, lambda_.Function] = {
            name: factory.create(self, spec) for name, spec in topology.FUNCTIONS.items()
        }

    def __getitem__(self, name: str) -> lambda_.Function:
        return self.by_name[name]
