"""scripts/keys.py (signing key pairs) and scripts/deploy.sh (guards before any AWS call)."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from pellicule.config import topology

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def keys() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pellicule_keys_script", ROOT / "scripts" / "keys.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_keys(keys: ModuleType, *argv: str) -> str:
    return str(keys.run(keys.parse_args(list(argv))))


def test_ensure_creates_one_private_and_one_public_key(keys: ModuleType, tmp_path: Path) -> None:
    message = run_keys(keys, "ensure", "--stage", "dev", "--keys-dir", str(tmp_path))
    assert "created key pair" in message
    [private] = (tmp_path / "dev" / "private").glob("*.pem")
    [public] = (tmp_path / "dev" / "public").glob("*.pem")
    assert private.stem == public.stem
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "dev" / "private").stat().st_mode) == 0o700
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE KEY" in private.read_text()
    # Idempotent: a second ensure keeps the pair.
    assert "present" in run_keys(keys, "ensure", "--stage", "dev", "--keys-dir", str(tmp_path))
    assert len(list((tmp_path / "dev" / "public").glob("*.pem"))) == 1


def test_keys_are_rsa_2048_and_match(keys: ModuleType, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    stamp = keys.create_key_pair(tmp_path)
    private = serialization.load_pem_private_key(
        (tmp_path / "private" / f"{stamp}.pem").read_bytes(), password=None
    )
    public = serialization.load_pem_public_key((tmp_path / "public" / f"{stamp}.pem").read_bytes())
    assert private.key_size == 2048  # type: ignore[union-attr]
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]


def test_rotation_keeps_the_previous_key_trusted(keys: ModuleType, tmp_path: Path) -> None:
    for month in (1, 2, 3):
        keys.create_key_pair(tmp_path, now=datetime(2025, month, 1, tzinfo=UTC))
    retired = keys.retire_old_keys(tmp_path, keys.KEEP_PUBLIC_KEYS)
    assert retired == ["20250101T000000Z"]
    assert keys.key_pairs(tmp_path) == ["20250201T000000Z", "20250301T000000Z"]
    assert (tmp_path / "retired" / "public" / "20250101T000000Z.pem").is_file()
    assert keys.newest_private_key(tmp_path)[0] == "20250301T000000Z"


def test_upload_creates_then_updates_the_secret(
    keys: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = _moto_credentials(monkeypatch)
    import boto3

    name = topology.Names("prod", "-", "eu-west-3").signing_key_secret
    with moto.mock_aws():
        keys.create_key_pair(tmp_path, now=datetime(2025, 1, 1, tzinfo=UTC))
        assert "created secret" in keys.upload(tmp_path, "prod", "eu-west-3")
        assert "already holds" in keys.upload(tmp_path, "prod", "eu-west-3")
        keys.create_key_pair(tmp_path, now=datetime(2025, 2, 1, tzinfo=UTC))
        assert "updated secret" in keys.upload(tmp_path, "prod", "eu-west-3")
        value = boto3.client("secretsmanager", region_name="eu-west-3").get_secret_value(
            SecretId=name
        )
        newest = (tmp_path / "private" / "20250201T000000Z.pem").read_text()
        assert value["SecretString"] == newest


def _moto_credentials(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """moto, with fake credentials and AWS's own endpoints (no local runtime's)."""
    moto = pytest.importorskip("moto")
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return moto


def _inconsistent_rsa_pem() -> str:
    """An RSA key whose CRT exponent d mod (p-1) is wrong: signing with it can leak p."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    good = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    bad = rsa.RSAPrivateNumbers(
        p=good.p,
        q=good.q,
        d=good.d,
        dmp1=good.dmp1 ^ 2,
        dmq1=good.dmq1,
        iqmp=good.iqmp,
        public_numbers=good.public_numbers,
    ).private_key(unsafe_skip_rsa_key_validation=True)
    return bad.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_upload_refuses_an_inconsistent_or_weak_key_and_stores_nothing(
    keys: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The functions load the stored key without checking it again: the upload checks it.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    moto = _moto_credentials(monkeypatch)
    import boto3

    not_rsa = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with moto.mock_aws():
        for month, pem in enumerate((_inconsistent_rsa_pem(), not_rsa, "not a key"), start=1):
            stamp = keys.create_key_pair(tmp_path, now=datetime(2025, month, 1, tzinfo=UTC))
            (tmp_path / "private" / f"{stamp}.pem").write_text(pem)
            with pytest.raises(keys.KeysError, match=stamp):
                keys.upload(tmp_path, "prod", "eu-west-3")
        listed = boto3.client("secretsmanager", region_name="eu-west-3").list_secrets()
        assert listed["SecretList"] == []


def test_upload_refuses_non_eu_regions(keys: ModuleType, tmp_path: Path) -> None:
    args = keys.parse_args(
        [
            "ensure",
            "--stage",
            "dev",
            "--upload",
            "--region",
            "us-east-1",
            "--keys-dir",
            str(tmp_path),
        ]
    )
    with pytest.raises(topology.RegionNotAllowedError):
        keys.run(args)


@pytest.mark.parametrize(
    "script",
    ["scripts/keys.py", "scripts/deploy.sh", "scripts/preflight.py", "scripts/deploy_check.py"],
)
def test_scripts_are_executable_and_have_help(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK)
    command = (
        [sys.executable, str(path), "--help"] if script.endswith(".py") else [str(path), "--help"]
    )
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )
    assert result.returncode == 0
    assert "usage" in result.stdout.lower()


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2"])
def test_deploy_refuses_non_eu_regions_before_touching_aws(region: str) -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "deploy.sh"), "--stage", "dev", "--region", region],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert result.returncode != 0
    assert "outside the European Union" in result.stderr
    assert "deploying stage" not in result.stdout
