"""Configuration of one deployment, read from CDK context (no CDK import here).

``app.py`` uses this module to refuse a non-EU region *before* importing the CDK, so the check
is fast and its message is the first and only thing an operator sees.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pellicule.config import topology

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STAGE = "dev"
# Bucket names ("pellicule-<stage>-ingest-<account>-<region>") must fit in 63 characters.
MAX_STAGE_LENGTH = 20

# Context keys (``cdk -c key=value`` or the "context" block of cdk.json).
CTX_STAGE = "stage"
CTX_REGION = "region"
CTX_DOMAIN_NAME = "domainName"
CTX_CERTIFICATE_ARN = "certificateArn"
CTX_GEO_ALLOW = "geoAllow"
CTX_ALARM_EMAIL = "alarmEmail"
CTX_MAIL_DOMAIN = "mailDomain"
CTX_PUBLIC_KEYS_DIR = "publicKeysDir"
CTX_WEB_ACL_ARN = "webAclArn"

# Environment variables set by the CDK CLI for the app it runs.
ENV_DEFAULT_REGION = "CDK_DEFAULT_REGION"
ENV_DEFAULT_ACCOUNT = "CDK_DEFAULT_ACCOUNT"
ENV_CONTEXT_JSON = "CDK_CONTEXT_JSON"
ENV_CONTEXT_OVERFLOW = "CONTEXT_OVERFLOW_LOCATION_ENV"  # the CLI's name for it, verbatim


class ConfigError(ValueError):
    """A context value an operator has to fix."""


@dataclass(frozen=True)
class DeploymentConfig:
    """Everything that varies between two deployments of the stack."""

    stage: str
    region: str
    account: str | None = None  # None: environment-agnostic synth (no credentials needed)
    domain_name: str | None = None
    certificate_arn: str | None = None
    geo_allow: tuple[str, ...] = ()
    alarm_email: str | None = None
    mail_domain: str | None = None
    public_keys_dir: Path | None = None  # None: .keys/<stage>/public/
    web_acl_arn: str | None = None

    @property
    def keys_dir(self) -> Path:
        if self.public_keys_dir is not None:
            return self.public_keys_dir
        return REPO_ROOT / ".keys" / self.stage / "public"

    @property
    def public_url(self) -> str:
        """The public URL when a custom domain is configured, else "" (read from SSM)."""
        return f"https://{self.domain_name}" if self.domain_name else ""

    @property
    def mail_from(self) -> str:
        return f"no-reply@{self.mail_domain}" if self.mail_domain else ""


def read_cli_context(environ: Mapping[str, str]) -> dict[str, Any]:
    """Context the CDK CLI hands to the app (cdk.json, cdk.context.json and ``-c``)."""
    context: dict[str, Any] = {}
    raw = environ.get(ENV_CONTEXT_JSON)
    if raw:
        context.update(json.loads(raw))
    overflow = environ.get(ENV_CONTEXT_OVERFLOW)
    if overflow:
        context.update(json.loads(Path(overflow).read_text(encoding="utf-8")))
    return context


def resolve_region(context: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """Context ``region`` wins, then CDK_DEFAULT_REGION, then Paris; non-EU regions raise.

    Raises :class:`pellicule.config.topology.RegionNotAllowedError` with the operator-facing
    message.
    """
    region = _text(context.get(CTX_REGION)) or environ.get(ENV_DEFAULT_REGION)
    return topology.check_region(region or topology.DEFAULT_REGION)


def load_config(get: Callable[[str], Any], *, region: str, account: str | None) -> DeploymentConfig:
    """Build the deployment config from a context getter (``app.node.try_get_context``)."""
    keys_dir = _text(get(CTX_PUBLIC_KEYS_DIR))
    config = DeploymentConfig(
        stage=_stage(get(CTX_STAGE)),
        region=topology.check_region(region),
        account=account or None,
        domain_name=_text(get(CTX_DOMAIN_NAME)),
        certificate_arn=_text(get(CTX_CERTIFICATE_ARN)),
        geo_allow=_country_codes(get(CTX_GEO_ALLOW)),
        alarm_email=_text(get(CTX_ALARM_EMAIL)),
        mail_domain=_text(get(CTX_MAIL_DOMAIN)),
        public_keys_dir=_resolve(keys_dir) if keys_dir else None,
        web_acl_arn=_text(get(CTX_WEB_ACL_ARN)),
    )
    _check_domain(config)
    return config


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _stage(value: Any) -> str:
    stage = _text(value) or DEFAULT_STAGE
    if not stage.isascii() or not stage.replace("-", "").isalnum() or stage != stage.lower():
        raise ConfigError(f"stage {stage!r}: use lower-case letters, digits and dashes only")
    if len(stage) > MAX_STAGE_LENGTH:
        raise ConfigError(f"stage {stage!r}: at most {MAX_STAGE_LENGTH} characters")
    if stage == topology.LOCAL_STAGE:
        raise ConfigError(f"stage {stage!r} is reserved for the local runtime")
    return stage


def _country_codes(value: Any) -> tuple[str, ...]:
    """``geoAllow`` as a JSON list (cdk.json) or a comma-separated string (``-c``)."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    codes = tuple(sorted({str(item).strip().upper() for item in items if str(item).strip()}))
    for code in codes:
        if len(code) != 2 or not code.isalpha():
            raise ConfigError(f"geoAllow: {code!r} is not an ISO 3166-1 alpha-2 country code")
    return codes


def _resolve(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate


def _check_domain(config: DeploymentConfig) -> None:
    if bool(config.domain_name) != bool(config.certificate_arn):
        raise ConfigError(
            "domainName and certificateArn go together: give both (an ACM certificate in "
            "us-east-1 covering the domain) or neither (the cloudfront.net domain is used)"
        )
    if config.certificate_arn and ":us-east-1:" not in config.certificate_arn:
        raise ConfigError("certificateArn: CloudFront only accepts ACM certificates in us-east-1")
