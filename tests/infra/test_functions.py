"""Lambda defaults (runtime, arm64, JSON logs), assets and per-function least privilege."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import bundling
from infra.nag import flatten_reference
from pellicule.config import topology
from tests.infra.support import (
    ACCOUNT,
    DOMAIN,
    KEY_STAMPS,
    Synth,
    Variant,
    as_list,
    logical_id,
    names,
)

pytestmark = pytest.mark.infra

FUNCTION_NAMES = sorted(topology.FUNCTIONS)


def function(variant: Variant, name: str) -> tuple[str, dict[str, Any]]:
    key = logical_id(variant, "AWS::Lambda::Function", FunctionName=names(variant).function(name))
    return key, dict(variant.resources[key])


def role_statements(variant: Variant, name: str) -> list[dict[str, Any]]:
    """Allow statements of every policy attached to the function's role."""
    _, resource = function(variant, name)
    role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in variant.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def actions_on(statements: list[dict[str, Any]], fragment: str) -> set[str]:
    """Actions of the statements whose resources mention ``fragment``."""
    return {
        action
        for s in statements
        if fragment in json.dumps(s["Resource"])
        for action in as_list(s["Action"])
    }


def asset_dir(synth: Synth, variant: Variant, resource_key: str) -> Path:
    path = variant.resources[resource_key]["Metadata"]["aws:asset:path"]
    return synth.outdir / path


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_defaults(main: Variant, name: str) -> None:
    spec = topology.FUNCTIONS[name]
    _, resource = function(main, name)
    props = resource["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == spec.handler == f"functions.{name}.handler.handler"
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_seconds
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert "TracingConfig" not in props


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_logs_go_to_an_explicit_log_group_with_retention(main: Variant, name: str) -> None:
    _, resource = function(main, name)
    log_group = f"/aws/lambda/{names(main).function(name)}"
    group_key = logical_id(main, "AWS::Logs::LogGroup", LogGroupName=log_group)
    assert main.resources[group_key]["Properties"]["RetentionInDays"] == 90
    assert resource["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": group_key}


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_environment_is_the_topology_contract(
    main: Variant, variant: Variant, name: str
) -> None:
    newest_key = _public_key_id(main, KEY_STAMPS[-1])
    expected = topology.function_environment(
        names(main), public_url="", key_pair_id="KEY", mail_from=""
    )
    expected[topology.ENV_KEY_PAIR_ID] = {"Ref": newest_key}  # type: ignore[assignment]
    # No function invalidates the CDN, so none is told the distribution's id.
    _, resource = function(main, name)
    assert resource["Properties"]["Environment"]["Variables"] == expected
    # With a custom domain the URL is static and mail comes from the SES domain.
    _, custom = function(variant, name)
    variables = custom["Properties"]["Environment"]["Variables"]
    assert variables[topology.ENV_PUBLIC_URL] == f"https://{DOMAIN}"
    assert variables[topology.ENV_MAIL_FROM] == "no-reply@example.fr"


def _public_key_id(variant: Variant, stamp: str) -> str:
    [key] = [
        k
        for k, r in variant.of_type("AWS::CloudFront::PublicKey").items()
        if r["Properties"]["PublicKeyConfig"]["Name"].endswith(stamp)
    ]
    return key


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_layers(main: Variant, name: str) -> None:
    _, resource = function(main, name)
    layers = resource["Properties"]["Layers"]
    wanted = ["core", *topology.FUNCTIONS[name].layers]
    layer_names = []
    for ref in layers:
        layer = main.resources[ref["Ref"]]["Properties"]
        assert layer["CompatibleArchitectures"] == ["arm64"]
        assert layer["CompatibleRuntimes"] == ["python3.13"]
        layer_names.append(layer["LayerName"].removeprefix(f"{names(main).prefix}-"))
    assert layer_names == wanted


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_asset_holds_only_its_own_code(synth: Synth, main: Variant, name: str) -> None:
    key, _ = function(main, name)
    root = asset_dir(synth, main, key)
    top = {p.name for p in root.iterdir()}
    assert top == {"functions"}
    package = {p.name for p in (root / "functions").iterdir()} - {"__pycache__"}
    assert package == {"__init__.py", name}
    assert_bytecode_as_shipped([p.relative_to(root).as_posix() for p in root.rglob("*")])


def assert_bytecode_as_shipped(paths: list[str]) -> None:
    """With Python 3.13 on this machine, every module ships its 3.13 byte code beside it (and
    nothing else compiled); without it, no byte code at all (bundling.compile_tree)."""
    files = set(paths)
    compiled = {p for p in files if p.endswith((".pyc", ".pyo"))}
    modules = {p for p in files if p.endswith(".py")}
    if not bundling.bytecode_available():
        assert compiled == set()
        return
    expected = set()
    for module in modules:
        folder, _, stem = module.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        expected.add(f"{prefix}__pycache__/{stem[:-3]}{bundling.BYTECODE_SUFFIX}")
    assert compiled == expected


def assert_unchecked_hash(pyc: bytes) -> None:
    """A hash-based .pyc that is never checked against its source (PEP 552 flags = 0b01)."""
    assert int.from_bytes(pyc[4:8], "little") == 0b01


def layer_archive(synth: Synth, main: Variant, layer: str) -> Path:
    key = logical_id(main, "AWS::Lambda::LayerVersion", LayerName=f"{names(main).prefix}-{layer}")
    return asset_dir(synth, main, key)


def test_core_layer_is_the_pellicule_package(synth: Synth, main: Variant) -> None:
    root = layer_archive(synth, main, "core")
    assert (root / "python" / "pellicule" / "config" / "topology.py").is_file()
    assert_bytecode_as_shipped([p.relative_to(root).as_posix() for p in root.rglob("*")])
    for pyc in root.rglob("*.pyc"):
        assert_unchecked_hash(pyc.read_bytes())


def test_dependency_layers_are_arm64_wheels_without_the_runtime_sdk(
    synth: Synth, main: Variant
) -> None:
    deps = zipfile.ZipFile(layer_archive(synth, main, "deps"))
    imaging = zipfile.ZipFile(layer_archive(synth, main, "imaging"))
    deps_names = deps.namelist()
    assert all(n.startswith("python/") for n in deps_names)
    assert any(n.startswith("python/pynamodb/") for n in deps_names)
    assert any(n.startswith("python/aws_lambda_powertools/") for n in deps_names)
    assert any(n.startswith("python/cryptography/") for n in deps_names)
    for provided in ("boto3", "botocore", "s3transfer", "urllib3"):
        assert not any(n.startswith(f"python/{provided}/") for n in deps_names)
    assert any(n.startswith("python/PIL/") for n in imaging.namelist())
    for archive in (deps, imaging):
        natives = 0
        for entry in archive.namelist():
            with archive.open(entry) as handle:
                header = handle.read(20)
            if header[:4] == bundling.ELF_MAGIC:
                natives += 1
                assert int.from_bytes(header[18:20], "little") == bundling.EM_AARCH64, entry
        assert natives > 0
    # The deps layer (what the API functions import) ships byte code; the imaging one does not.
    assert_bytecode_as_shipped(deps_names)
    for name in deps_names[:: max(1, len(deps_names) // 20)]:
        if name.endswith(".pyc"):
            assert_unchecked_hash(deps.read(name))
    assert not any("__pycache__" in n for n in imaging.namelist())


def test_ffmpeg_layer_is_pyav_built_for_arm64(synth: Synth, main: Variant) -> None:
    # The video function reads and writes videos with PyAV: FFmpeg's libraries in-process.
    archive = zipfile.ZipFile(layer_archive(synth, main, "ffmpeg"))
    names_in_layer = archive.namelist()
    assert "python/av/__init__.py" in names_in_layer
    assert any(n.startswith("python/av.libs/libavformat") for n in names_in_layer)
    assert any(n.startswith("python/av.libs/libx264") for n in names_in_layer)
    natives = 0
    for entry in names_in_layer:
        with archive.open(entry) as handle:
            header = handle.read(20)
        if header[:4] == bundling.ELF_MAGIC:
            natives += 1
            assert int.from_bytes(header[18:20], "little") == bundling.EM_AARCH64, entry
    assert natives > 10
    # No static ffmpeg command (the demo's and tests' clip maker), no x86 file, no stubs.
    assert not any("imageio_ffmpeg" in n or "x86_64" in n for n in names_in_layer)
    assert not any(n.endswith((".pxd", ".pyi")) for n in names_in_layer)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_code_and_layers_fit_lambda_s_unzipped_limit(
    synth: Synth, main: Variant, name: str
) -> None:
    key, resource = function(main, name)
    total = sum(p.stat().st_size for p in asset_dir(synth, main, key).rglob("*") if p.is_file())
    for ref in resource["Properties"]["Layers"]:
        asset = synth.outdir / main.resources[ref["Ref"]]["Metadata"]["aws:asset:path"]
        if asset.is_dir():
            total += sum(p.stat().st_size for p in asset.rglob("*") if p.is_file())
        else:
            total += bundling.unzipped_size(asset)
    assert total < bundling.LAMBDA_UNZIPPED_LIMIT_BYTES, f"{name}: {total / 1e6:.1f} MB"


def test_roles_use_no_managed_policy_and_only_write_their_own_logs(main: Variant) -> None:
    for name in FUNCTION_NAMES:
        _, resource = function(main, name)
        role_key = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in main.resources[role_key]["Properties"]
        log_actions = {
            a for s in role_statements(main, name) for a in as_list(s["Action"]) if "logs:" in a
        }
        assert log_actions == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_no_function_has_a_wildcard_action(main: Variant) -> None:
    for name in FUNCTION_NAMES:
        for statement in role_statements(main, name):
            for action in as_list(statement["Action"]):
                assert "*" not in action, (name, action)


def _bucket_key(variant: Variant, purpose: str) -> str:
    bucket_name = getattr(names(variant), f"{purpose}_bucket")
    return logical_id(variant, "AWS::S3::Bucket", BucketName=bucket_name)


def test_upload_may_only_put_under_the_pipelines_prefixes(main: Variant) -> None:
    statements = role_statements(main, "upload")
    ingest, media = _bucket_key(main, "ingest"), _bucket_key(main, "media")
    for pipeline in topology.INGEST_PIPELINES:
        assert actions_on(statements, f"/{pipeline.prefix}*") == {
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",  # resuming a multipart upload
        }
    # Not the whole ingest bucket: the scans of consent forms are the admin function's.
    assert not actions_on(statements, f"/{topology.INGEST_PREFIX}*")
    assert not actions_on(statements, f"/{topology.INGEST_EVIDENCE_PREFIX}*")
    assert ingest in json.dumps(statements)
    assert media not in json.dumps(statements)
    assert "dynamodb:PutItem" in actions_on(statements, "DataTable")


def test_upload_may_ask_the_photo_processor_to_re_render_and_nothing_more(main: Variant) -> None:
    statements = role_statements(main, "upload")
    sqs = {
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("sqs:")
    }
    assert "sqs:SendMessage" in sqs
    assert not sqs & {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"}
    queue = logical_id(main, "AWS::SQS::Queue", QueueName=names(main).ingest_queue)
    video_queue = logical_id(
        main, "AWS::SQS::Queue", QueueName=names(main).ingest_queue_for("video")
    )
    assert queue in json.dumps(statements)
    assert video_queue not in json.dumps(statements)


@pytest.mark.parametrize("kind", [pipeline.kind for pipeline in topology.INGEST_PIPELINES])
def test_ingest_functions_read_their_kind_and_write_media(main: Variant, kind: str) -> None:
    pipeline = topology.ingest_pipeline(kind)
    statements = role_statements(main, pipeline.function)
    ingest, media = _bucket_key(main, "ingest"), _bucket_key(main, "media")
    # Only the uploads of its own kind: ingest/photo/* for process, ingest/video/* for video.
    assert actions_on(statements, f"/{pipeline.prefix}*") == {"s3:GetObject", "s3:DeleteObject"}
    others = [p.prefix for p in topology.INGEST_PIPELINES if p.kind != kind]
    for prefix in (*others, topology.INGEST_PREFIX):
        assert not actions_on(statements, f"/{prefix}*"), prefix
    # The video is uploaded in parts: a failed upload is aborted.
    multipart = {"s3:AbortMultipartUpload"} if kind == "video" else set()
    # Photos: blurred variants are rendered from the stored download rendition.
    reads = {"s3:GetObject"} if kind == "photo" else set()
    assert actions_on(statements, f"/{topology.MEDIA_PREFIX}*") == {
        "s3:PutObject",
        "s3:DeleteObject",
        *multipart,
        *reads,
    }
    assert ingest in json.dumps(statements)
    assert media in json.dumps(statements)
    # Its own queue only.
    own = logical_id(main, "AWS::SQS::Queue", QueueName=names(main).ingest_queue_for(kind))
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions_on(statements, own)
    for other in topology.INGEST_PIPELINES:
        if other.kind != kind:
            name = names(main).ingest_queue_for(other.kind)
            assert not actions_on(statements, logical_id(main, "AWS::SQS::Queue", QueueName=name))
    assert "dynamodb:PutItem" in actions_on(statements, "DataTable")


def test_video_function_has_room_and_time_for_a_long_video(main: Variant) -> None:
    _, resource = function(main, "video")
    props = resource["Properties"]
    assert props["Timeout"] == topology.VIDEO_TIMEOUT_SECONDS == 900
    assert 2048 <= props["MemorySize"] <= 3008
    assert props["EphemeralStorage"] == {"Size": topology.VIDEO_EPHEMERAL_STORAGE_MB}
    for name in FUNCTION_NAMES:
        if topology.FUNCTIONS[name].ephemeral_storage_mb is None:
            assert "EphemeralStorage" not in function(main, name)[1]["Properties"], name


def test_gallery_reads_table_secret_and_public_url_only(main: Variant) -> None:
    statements = role_statements(main, "gallery")
    unconditional = [s for s in statements if "Condition" not in s]
    table_actions = actions_on(unconditional, "DataTable")
    assert "dynamodb:Query" in table_actions
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & table_actions
    # ... except sliding its sessions: UpdateItem on session items only
    conditional = [s for s in statements if "Condition" in s]
    assert actions_on(conditional, "DataTable") == {"dynamodb:UpdateItem"}
    [condition] = [s["Condition"] for s in conditional]
    assert condition == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SESSION#*"]}}
    secret = names(main).signing_key_secret
    assert actions_on(statements, secret) == {
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    }
    parameter_key, _ = main.one("AWS::SSM::Parameter")
    assert actions_on(statements, parameter_key) == {"ssm:GetParameter"}
    assert "s3:" not in json.dumps(statements)


# The functions that return signed media URLs.
SIGNERS = {"gallery", "family"}
# The functions that build links to the public URL: the signers, and sign-in (magic links).
PUBLIC_URL_READERS = SIGNERS | {"auth", "digest", "admin"}  # magic links are built from it


def test_only_the_functions_returning_signed_urls_read_the_signing_key(main: Variant) -> None:
    secret = names(main).signing_key_secret
    parameter_key, _ = main.one("AWS::SSM::Parameter")
    for name in FUNCTION_NAMES:
        statements = role_statements(main, name)
        assert bool(actions_on(statements, secret)) == (name in SIGNERS), name
        # Signed URLs and magic links need the public URL (from SSM without a custom domain).
        assert bool(actions_on(statements, parameter_key)) == (name in PUBLIC_URL_READERS), name


def test_purge_deletes_every_version_and_lists(main: Variant) -> None:
    statements = role_statements(main, "purge")
    for purpose, prefix in (
        ("media", topology.MEDIA_PREFIX),
        ("ingest", topology.INGEST_PREFIX),
        ("evidence", topology.EVIDENCE_PREFIX),
    ):
        key = _bucket_key(main, purpose)
        objects = [s for s in statements if json.dumps(s["Resource"]).count(f"/{prefix}*")]
        assert {"s3:DeleteObject", "s3:DeleteObjectVersion"} <= {
            a for s in objects if key in json.dumps(s["Resource"]) for a in as_list(s["Action"])
        }
        listing = {
            a
            for s in statements
            if {"Fn::GetAtt": [key, "Arn"]} in as_list(s["Resource"])
            for a in as_list(s["Action"])
        }
        # Unfinished multipart uploads are listed (and aborted) in the ingest bucket only
        extra = {"s3:ListBucketMultipartUploads"} if purpose == "ingest" else set()
        assert listing == {"s3:ListBucket", "s3:ListBucketVersions"} | extra
    assert "dynamodb:DeleteItem" in actions_on(statements, "DataTable")


def test_with_a_custom_domain_no_function_reads_ssm(variant: Variant) -> None:
    assert not variant.of_type("AWS::SSM::Parameter")
    for name in FUNCTION_NAMES:
        assert "ssm:" not in json.dumps(role_statements(variant, name))


# --- Exact grants of the staff, family and revocation functions -----------------------------


def _labels(variant: Variant) -> dict[str, str]:
    """Readable names for the resources policies point at (flattened the way cdk-nag does)."""
    n = names(variant)
    table = logical_id(variant, "AWS::DynamoDB::Table", TableName=n.table)
    distribution, _ = variant.one("AWS::CloudFront::Distribution")
    labels = {
        f"<{table}.Arn>": "table",
        f"<{table}.StreamArn>": "table-stream",
        f"arn:aws:cloudfront::{ACCOUNT}:distribution/<{distribution}>": "distribution",
        (
            f"arn:aws:secretsmanager:{variant.config.region}:{ACCOUNT}:secret:"
            f"{n.signing_key_secret}-??????"
        ): "signing-key-secret",
        (
            f"arn:aws:secretsmanager:{variant.config.region}:{ACCOUNT}:secret:"
            f"{n.origin_header_secret}-??????"
        ): "origin-header-secret",
    }
    for spec in topology.BUCKETS:
        labels[f"<{_bucket_key(variant, spec.purpose)}.Arn>"] = f"s3:{spec.purpose}"
    for key, queue in variant.of_type("AWS::SQS::Queue").items():
        labels[f"<{key}.Arn>"] = f"sqs:{queue['Properties']['QueueName']}"
    for key in variant.of_type("AWS::SSM::Parameter"):
        labels[f"arn:aws:ssm:{variant.config.region}:{ACCOUNT}:parameter<{key}>"] = "public-url"
    return labels


def grants(variant: Variant, name: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of the function's role, logs and table data excepted (tested
    elsewhere: own log group only; the table grants below)."""
    labels = _labels(variant)
    found = set()
    for statement in role_statements(variant, name):
        for resource in as_list(statement["Resource"]):
            label = flatten_reference(resource)
            for raw, readable in labels.items():
                label = label.replace(raw, readable)
            for action in as_list(statement["Action"]):
                if action.startswith("logs:") or label in ("table", "table/index/*"):
                    continue
                found.add((action, label))
    return found


def table_actions(variant: Variant, name: str) -> dict[str, set[str]]:
    table = logical_id(variant, "AWS::DynamoDB::Table", TableName=names(variant).table)
    by_resource: dict[str, set[str]] = {}
    for statement in role_statements(variant, name):
        for resource in as_list(statement["Resource"]):
            flat = flatten_reference(resource)
            if flat in (f"<{table}.Arn>", f"<{table}.Arn>/index/*"):
                by_resource.setdefault(flat, set()).update(as_list(statement["Action"]))
    return by_resource


def _pairs(actions: set[str], resource: str) -> set[tuple[str, str]]:
    return {(action, resource) for action in actions}


SIGNING = _pairs(
    {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, "signing-key-secret"
) | {("ssm:GetParameter", "public-url")}
# Every API function checks CloudFront's origin header (tests/infra/test_origin_header.py).
ORIGIN = {("secretsmanager:GetSecretValue", "origin-header-secret")}


@pytest.mark.parametrize("name", ["admin", "family", "revocation"])
def test_new_functions_read_and_write_the_table_like_the_other_writers(
    main: Variant, name: str
) -> None:
    # The purge function's table grant is CDK's read/write data grant (no table management).
    writer = table_actions(main, "purge")
    actions = table_actions(main, name)
    assert actions == writer
    for granted in actions.values():
        assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"} <= granted
        assert not {"dynamodb:DeleteTable", "dynamodb:UpdateTable"} & granted


def test_admin_grants_exactly_evidence_scans_and_no_media_signing(main: Variant) -> None:
    scans = f"s3:ingest/{topology.INGEST_EVIDENCE_PREFIX}*"
    evidence = f"s3:evidence/{topology.EVIDENCE_PREFIX}*"
    assert grants(main, "admin") == (
        # Presigned POST of a scan, then check it, copy it out and delete it.
        _pairs({"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}, scans)
        # The checked copy, the director's presigned GET, erasure.
        | _pairs({"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}, evidence)
        # The welcome e-mail's link (issue 17): the public URL (sending: with mailDomain only).
        | {("ssm:GetParameter", "public-url")}
        | ORIGIN
        # A departing child's souvenir packs (issue 17): sent to the archive queue only.
        | _archive_queue_send(main)
    )
    assert "ses:" not in json.dumps(role_statements(main, "admin"))
    # Nothing on the media bucket, no other ingest key, no other queue.
    assert "s3:media" not in json.dumps(sorted(grants(main, "admin")))
    assert not actions_on(role_statements(main, "admin"), f"/{topology.INGEST_PREFIX}*")
    queues = {r for a, r in grants(main, "admin") if a.startswith("sqs:")}
    assert queues == {f"sqs:{names(main).archive_queue}"}


def _archive_queue_send(stack: Variant) -> set[tuple[str, str]]:
    return {
        (f"sqs:{action}", f"sqs:{names(stack).archive_queue}")
        for action in ("GetQueueAttributes", "GetQueueUrl", "SendMessage")
    }


def test_family_grants_exactly_signing_and_no_bucket(main: Variant, variant: Variant) -> None:
    # ... and sending to the album archives' queue (tests/infra/test_archive_infra.py).
    def archive_queue(stack: Variant) -> set[tuple[str, str]]:
        return {
            (f"sqs:{action}", f"sqs:{names(stack).archive_queue}")
            for action in ("GetQueueAttributes", "GetQueueUrl", "SendMessage")
        }

    assert grants(main, "family") == SIGNING | ORIGIN | archive_queue(main)
    # With a custom domain the public URL is static: no SSM parameter to read; a relative's
    # invitation is sent from the SES identity (issue 17).
    domain = logical_id(variant, "AWS::SES::EmailIdentity", EmailIdentity="example.fr")
    identity = f"arn:aws:ses:{variant.config.region}:{ACCOUNT}:identity/<{domain}>"
    assert grants(variant, "family") == (
        (
            SIGNING
            | ORIGIN
            | archive_queue(variant)
            | _pairs({"ses:SendEmail", "ses:SendRawEmail"}, identity)
        )
        - {("ssm:GetParameter", "public-url")}
    )
    assert "s3:" not in json.dumps(role_statements(main, "family"))


def test_auth_grants_exactly_the_table_the_public_url_and_mail_from_its_identity(
    main: Variant, variant: Variant
) -> None:
    # Lookups by e-mail (gsi1), links, rate counters and sessions: the writers' table grant
    assert table_actions(main, "auth") == table_actions(main, "purge")
    # Without a custom domain the links' base URL comes from SSM; without an SES domain
    # (mailDomain) nothing may be sent at all
    assert grants(main, "auth") == {("ssm:GetParameter", "public-url")} | ORIGIN
    assert "ses:" not in json.dumps(role_statements(main, "auth"))
    # With one: the static URL, and sending from that identity only
    domain = logical_id(variant, "AWS::SES::EmailIdentity", EmailIdentity="example.fr")
    identity = f"arn:aws:ses:{variant.config.region}:{ACCOUNT}:identity/<{domain}>"
    assert grants(variant, "auth") == (
        _pairs({"ses:SendEmail", "ses:SendRawEmail"}, identity) | ORIGIN
    )
    # No other function sends mail but the digest, the purge (erasure certificates), the
    # staff API (a new guardian's welcome) and the family API (a relative's invitation), and
    # no bucket or signing key for sign-in
    for sender in ("purge", "admin", "family"):
        assert grants(variant, sender) >= _pairs({"ses:SendEmail", "ses:SendRawEmail"}, identity)
    for name in FUNCTION_NAMES:
        if name not in ("auth", "digest", "purge", "admin", "family"):
            assert "ses:" not in json.dumps(role_statements(variant, name)), name
    assert "s3:" not in json.dumps(role_statements(variant, "auth"))
    assert names(variant).signing_key_secret not in json.dumps(role_statements(variant, "auth"))


def test_digest_grants_exactly_the_table_the_public_url_and_mail_from_its_identity(
    main: Variant, variant: Variant
) -> None:
    # Guardians, items, consents, the day's claim, links and the audit trail: the writers' grant
    assert table_actions(main, "digest") == table_actions(main, "purge")
    # ... and the retry path of the souvenir packs of children who left: the archive queue.
    assert grants(main, "digest") == (
        {("ssm:GetParameter", "public-url")} | ORIGIN | _archive_queue_send(main)
    )
    assert "ses:" not in json.dumps(role_statements(main, "digest"))
    domain = logical_id(variant, "AWS::SES::EmailIdentity", EmailIdentity="example.fr")
    identity = f"arn:aws:ses:{variant.config.region}:{ACCOUNT}:identity/<{domain}>"
    assert grants(variant, "digest") == (
        _pairs({"ses:SendEmail", "ses:SendRawEmail"}, identity)
        | ORIGIN
        | _archive_queue_send(variant)
    )
    # The e-mail carries no image: no bucket, no signing key
    for checked in (main, variant):
        statements = json.dumps(role_statements(checked, "digest"))
        assert "s3:" not in statements
        assert names(checked).signing_key_secret not in statements


def test_revocation_grants_exactly_the_stream_and_media_copies(
    main: Variant,
) -> None:
    dlq = f"sqs:{names(main).function('revocation')}-dlq"
    assert grants(main, "revocation") == (
        # The stream, granted by the event source. ListStreams supports no resource scoping.
        {("dynamodb:ListStreams", "*")}
        | _pairs(
            {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
            "table-stream",
        )
        # The event source's on-failure destination.
        | _pairs({"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, dlq)
        # Copy each served rendition to a fresh key, delete every version of the old one.
        | {("s3:ListBucketVersions", "s3:media")}
        | _pairs(
            {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"},
            f"s3:media/{topology.MEDIA_PREFIX}*",
        )
        # No CloudFront: the /media/* edge TTL drops deleted copies (docs/revocation.md).
    )


def test_no_function_may_invalidate_the_cdn(main: Variant, variant: Variant) -> None:
    for checked in (main, variant):
        for name in FUNCTION_NAMES:
            statements = role_statements(checked, name)
            assert not [s for s in statements if "cloudfront:" in json.dumps(s["Action"])], name


def test_the_only_unscoped_resource_is_list_streams(main: Variant) -> None:
    readers = {topology.REVOCATION_STREAM.function, topology.AUDIT_CHAIN_STREAM.function}
    for name in FUNCTION_NAMES:
        for statement in role_statements(main, name):
            if "*" in as_list(statement["Resource"]):
                assert name in readers, name
                assert statement["Action"] == "dynamodb:ListStreams", name


def test_the_chainer_may_only_read_and_write_audit_items(main: Variant, variant: Variant) -> None:
    for checked in (main, variant):
        dlq = f"sqs:{names(checked).function('chainer')}-dlq"
        assert grants(checked, "chainer") == (
            # The stream, granted by the event source. ListStreams supports no resource scoping.
            {("dynamodb:ListStreams", "*")}
            | _pairs(
                {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
                "table-stream",
            )
            # The event source's on-failure destination.
            | _pairs({"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, dlq)
        )
        table = logical_id(checked, "AWS::DynamoDB::Table", TableName=names(checked).table)
        on_table = [
            s
            for s in role_statements(checked, "chainer")
            if f"<{table}.Arn>" in {flatten_reference(r) for r in as_list(s["Resource"])}
            or any(f"<{table}.Arn>/" in flatten_reference(r) for r in as_list(s["Resource"]))
        ]
        # One statement: the head, the waiting events and the entries, under AUDIT#... only;
        # no index, no scan, no update, no batch
        [statement] = on_table
        assert as_list(statement["Resource"]) == [{"Fn::GetAtt": [table, "Arn"]}]
        assert set(as_list(statement["Action"])) == {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
        }
        assert statement["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["AUDIT#*"]}
        }


@pytest.mark.parametrize("name", ["admin", "family", "revocation", "auth"])
def test_staff_family_and_revocation_functions_are_built_from_their_spec(
    main: Variant, name: str
) -> None:
    spec = topology.FUNCTIONS[name]
    _, resource = function(main, name)
    props = resource["Properties"]
    assert props["FunctionName"] == f"{names(main).prefix}-{name}"
    assert props["Handler"] == f"functions.{name}.handler.handler"
    assert (props["MemorySize"], props["Timeout"]) == (spec.memory_mb, spec.timeout_seconds)
    assert props["Description"] == spec.description
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert len(props["Layers"]) == 1 + len(spec.layers)  # core + the spec's
