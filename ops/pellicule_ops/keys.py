"""CloudFront media-signing key pairs of a stage (docs/infrastructure.md, "Signing keys").

Layout: ``<keys root>/<stage>/private/<stamp>.pem`` (PKCS#8, mode 600, directory 700) and
``<keys root>/<stage>/public/<stamp>.pem``, where ``<stamp>`` is the UTC creation time, so
the newest key sorts last. The CDK app puts every public key in the CloudFront key group and
gives the functions the newest key's id; :func:`upload` stores the newest private key PEM as
the SecretString of ``pellicule/<stage>/cloudfront-signing-key`` and, for that key, a version
of ``pellicule/<stage>/origin-header`` (the secret origin header CloudFront adds to ``/api/*``:
a fresh value, the previous one kept as ``previous``; docs/delivery.md).

Used by ``scripts/keys.py`` (``make synth``, ``scripts/deploy.sh``) and by the operator's
``pellicule key rotate``. No AWS call happens at import time; only :func:`upload` makes one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pellicule.config import topology

KEY_BITS = 2048
KEEP_PUBLIC_KEYS = 2  # after a rotation: the new key and the previous one


class KeysError(RuntimeError):
    """A problem the operator has to fix (message printed as is)."""


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: the new pair, the pairs moved out of the key group, and the
    pairs the key group trusts from the next deployment on (oldest first)."""

    stamp: str
    retired: tuple[str, ...]
    trusted: tuple[str, ...]
    had_keys: bool  # False: the stage had no key pair here before (first key of this machine)


def stage_dir(keys_root: Path, stage: str) -> Path:
    return keys_root / stage


def key_pairs(directory: Path) -> list[str]:
    """Stamps with both halves present, oldest first."""
    private = {p.stem for p in (directory / "private").glob("*.pem")}
    public = {p.stem for p in (directory / "public").glob("*.pem")}
    return sorted(private & public)


def create_key_pair(directory: Path, now: datetime | None = None) -> str:
    """Write a new RSA-2048 key pair; returns its stamp."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    private_dir, public_dir = directory / "private", directory / "public"
    for path in (directory, private_dir):
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
    public_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path = private_dir / f"{stamp}.pem"
    if private_path.exists():
        raise KeysError(f"{private_path} already exists; wait a second and retry")
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    (public_dir / f"{stamp}.pem").write_bytes(public_pem)
    return stamp


def retire_old_keys(directory: Path, keep: int) -> list[str]:
    """Move all but the newest ``keep`` pairs to ``retired/`` (out of the key group)."""
    stamps = key_pairs(directory)
    retired = stamps[:-keep] if keep > 0 else stamps
    for stamp in retired:
        for half in ("private", "public"):
            target = directory / "retired" / half
            target.mkdir(parents=True, exist_ok=True)
            (directory / half / f"{stamp}.pem").rename(target / f"{stamp}.pem")
    return retired


def newest_private_key(directory: Path) -> tuple[str, str]:
    stamps = key_pairs(directory)
    if not stamps:
        raise KeysError(f"no key pair under {directory}; run: keys.py ensure")
    stamp = stamps[-1]
    return stamp, (directory / "private" / f"{stamp}.pem").read_text(encoding="ascii")


def rotate(directory: Path, now: datetime | None = None) -> Rotation:
    """A new key pair; all but the ``KEEP_PUBLIC_KEYS`` newest pairs retired."""
    had_keys = bool(key_pairs(directory))
    stamp = create_key_pair(directory, now=now)
    retired = retire_old_keys(directory, KEEP_PUBLIC_KEYS)
    return Rotation(stamp, tuple(retired), tuple(key_pairs(directory)), had_keys)


def check_private_key(pem: str, stamp: str) -> None:
    """Refuse a signing key that is not a consistent RSA key of at least ``KEY_BITS`` bits.

    The functions load the stored key without checking it again (a cold start would pay
    ~30 ms for it): this is where it is checked, before it is stored. An inconsistent RSA key
    (a damaged CRT parameter) could make signatures that leak the private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError) as error:
        raise KeysError(f"private key {stamp} is not a valid key: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < KEY_BITS:
        raise KeysError(f"private key {stamp} is not an RSA key of {KEY_BITS} bits or more")


def secret_name(stage: str, region: str) -> str:
    # The secret's name depends on the stage only (the account is not part of it).
    return topology.Names(stage, account="-", region=region).signing_key_secret


def origin_secret_name(stage: str, region: str) -> str:
    return topology.Names(stage, account="-", region=region).origin_header_secret


def upload(directory: Path, stage: str, region: str, client: Any = None) -> str:
    """Store the newest private key as the signing secret (create or new version), and the
    origin-header version of that key (:func:`store_origin_header`).

    ``client``: a Secrets Manager client of ``region`` (default: a new boto3 one).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    stamp, pem = newest_private_key(directory)
    check_private_key(pem, stamp)
    name = secret_name(stage, region)
    try:
        if client is None:
            import boto3

            client = boto3.client("secretsmanager", region_name=region)
        stored = _store(client, name, stamp, pem, stage)
        origin = store_origin_header(client, origin_secret_name(stage, region), stamp, stage)
    except (BotoCoreError, ClientError) as error:
        raise KeysError(f"could not store the signing key in Secrets Manager: {error}") from error
    return f"{stored}\n{origin}"


def store_origin_header(client: Any, name: str, stamp: str, stage: str) -> str:
    """Make sure the origin-header secret has the version of signing key ``stamp``.

    That version (id ``topology.origin_secret_version(stamp)``, the one the stack pins
    CloudFront to) holds a fresh ``current`` value and, as ``previous``, the ``current`` of
    the version before, which CloudFront keeps sending until the deployment: the API functions
    accept both. Idempotent: a version already written for ``stamp`` is left as it is.
    """
    from pellicule.adapters import origin

    version = topology.origin_secret_version(stamp)
    if _secret_string(client, name, version) is not None:
        return f"secret {name} already holds the origin header of key {stamp}"
    current = _secret_string(client, name)
    if current is None:
        client.create_secret(
            Name=name,
            Description=f"Pellicule {stage}: values of the origin header CloudFront adds to /api/*",
            SecretString=origin.rotated(None),
            ClientRequestToken=version,
        )
        return f"created secret {name} with the origin header of key {stamp}"
    client.put_secret_value(
        SecretId=name, SecretString=origin.rotated(current), ClientRequestToken=version
    )
    return f"rotated the origin header in secret {name} with key {stamp}"


def _secret_string(client: Any, name: str, version: str | None = None) -> str | None:
    """The secret's string (its current version, or version id ``version``); ``None`` when
    the secret or that version does not exist."""
    from botocore.exceptions import ClientError

    try:
        found = client.get_secret_value(
            SecretId=name, **({"VersionId": version} if version else {})
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return None
    return str(found["SecretString"])


def _store(client: Any, name: str, stamp: str, pem: str, stage: str) -> str:
    current = _secret_string(client, name)
    if current is None:
        client.create_secret(
            Name=name,
            Description=f"Pellicule {stage}: private key signing CloudFront media URLs",
            SecretString=pem,
        )
        return f"created secret {name} with key {stamp}"
    if current == pem:
        return f"secret {name} already holds key {stamp}"
    client.put_secret_value(SecretId=name, SecretString=pem)
    return f"updated secret {name} to key {stamp}"
