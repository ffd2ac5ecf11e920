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

from infra import names
from pellicule.config import topology

REPO_ROOT = Path(__file__).resolve().parent.parent
# The one stage default (Makefile, scripts/deploy.sh, cdk.json, here): a bare `make deploy`
# builds a disposable stack, never production by accident.
DEFAULT_STAGE = "dev"
# The longest stage whose every physical name fits in every EU region (18: the evidence
# bucket "pellicule-<stage>-evidence-<account>-eu-central-1" must fit S3's 63 characters).
MAX_STAGE_LENGTH = names.longest_stage_everywhere()
# Production stages must say where alarms and sign-in e-mails go (or say they know they don't).
PRODUCTION_STAGE = "prod"
# Reserved concurrency of the processing functions (0: none). Lambda refuses a reservation that
# leaves the account fewer than 10 unreserved executions in the region.
DEFAULT_VIDEO_RESERVED_CONCURRENCY = 10
DEFAULT_PHOTO_RESERVED_CONCURRENCY = 20
MIN_UNRESERVED_CONCURRENCY = 10
MAX_RESERVED_CONCURRENCY = 1000
# An SQS event source's maximum concurrency is at least 2 (Lambda's lower bound).
MIN_EVENT_SOURCE_CONCURRENCY = 2

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
CTX_EDGE = "edge"
CTX_ALLOW_INCOMPLETE_PROD = "allowIncompleteProd"
CTX_VIDEO_RESERVED_CONCURRENCY = "videoReservedConcurrency"
CTX_PHOTO_RESERVED_CONCURRENCY = "photoReservedConcurrency"

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
    # The optional us-east-1 stacks: a web ACL built here, the CloudFront 5xx-rate alarm.
    edge: bool = False
    # Reserved concurrency of the video and photo processing functions (0: no reservation).
    video_reserved_concurrency: int = DEFAULT_VIDEO_RESERVED_CONCURRENCY
    photo_reserved_concurrency: int = DEFAULT_PHOTO_RESERVED_CONCURRENCY

    @property
    def reserved_concurrency(self) -> dict[str, int]:
        """Reserved concurrency by function name (only the reserved ones)."""
        wanted = {
            topology.ingest_pipeline("video").function: self.video_reserved_concurrency,
            topology.ingest_pipeline("photo").function: self.photo_reserved_concurrency,
        }
        return {name: value for name, value in wanted.items() if value}

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
    stage = _stage(get(CTX_STAGE))
    region = topology.check_region(region)
    try:
        names.check_names(stage, region)
    except names.NameTooLongError as error:
        raise ConfigError(str(error)) from None
    config = DeploymentConfig(
        stage=stage,
        region=region,
        account=account or None,
        domain_name=_text(get(CTX_DOMAIN_NAME)),
        certificate_arn=_text(get(CTX_CERTIFICATE_ARN)),
        geo_allow=_country_codes(get(CTX_GEO_ALLOW)),
        alarm_email=_text(get(CTX_ALARM_EMAIL)),
        mail_domain=_text(get(CTX_MAIL_DOMAIN)),
        public_keys_dir=_resolve(keys_dir) if keys_dir else None,
        web_acl_arn=_text(get(CTX_WEB_ACL_ARN)),
        edge=_flag(get(CTX_EDGE)),
        video_reserved_concurrency=_reserved(
            get(CTX_VIDEO_RESERVED_CONCURRENCY),
            CTX_VIDEO_RESERVED_CONCURRENCY,
            DEFAULT_VIDEO_RESERVED_CONCURRENCY,
        ),
        photo_reserved_concurrency=_reserved(
            get(CTX_PHOTO_RESERVED_CONCURRENCY),
            CTX_PHOTO_RESERVED_CONCURRENCY,
            DEFAULT_PHOTO_RESERVED_CONCURRENCY,
        ),
    )
    _check_domain(config)
    if config.edge and config.web_acl_arn:
        raise ConfigError(
            "edge=true builds the web ACL the distribution uses; webAclArn attaches an existing "
            "one instead: give one or the other"
        )
    _check_production(config, allow_incomplete=_flag(get(CTX_ALLOW_INCOMPLETE_PROD)))
    return config


def is_production(stage: str) -> bool:
    """``prod`` and ``prod-<anything>`` (e.g. ``prod-paris``) are production stages."""
    return stage == PRODUCTION_STAGE or stage.startswith(f"{PRODUCTION_STAGE}-")


def _check_production(config: DeploymentConfig, *, allow_incomplete: bool) -> None:
    wanted = ((CTX_MAIL_DOMAIN, config.mail_domain), (CTX_ALARM_EMAIL, config.alarm_email))
    missing = [key for key, value in wanted if not value]
    if not missing or not is_production(config.stage) or allow_incomplete:
        return
    raise ConfigError(
        f"stage {config.stage!r} is a production stage, but {' and '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not set. Without mailDomain nobody receives a "
        "sign-in link (no one can sign in), and without alarmEmail every alarm notifies nobody. "
        "Give them, e.g. -c mailDomain=example.fr -c alarmEmail=ops@example.fr (with make: "
        "make deploy STAGE=prod CDK_ARGS='-c mailDomain=... -c alarmEmail=...'), or deploy a "
        "production stack without them on purpose with -c allowIncompleteProd=true."
    )


def _flag(value: Any) -> bool:
    """A boolean context value: true/false in cdk.json, "true"/"1"/"yes" from ``-c``."""
    if isinstance(value, bool):
        return value
    return _text(value) is not None and str(value).strip().lower() in {"true", "1", "yes"}


def _reserved(value: Any, key: str, default: int) -> int:
    """A reserved concurrency: 0 (none) or 2..MAX_RESERVED_CONCURRENCY."""
    text = _text(value)
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        raise ConfigError(f"{key}: {text!r} is not a whole number") from None
    if number == 0 or MIN_EVENT_SOURCE_CONCURRENCY <= number <= MAX_RESERVED_CONCURRENCY:
        return number
    raise ConfigError(
        f"{key}: {number} is out of range: 0 (no reservation) or "
        f"{MIN_EVENT_SOURCE_CONCURRENCY}..{MAX_RESERVED_CONCURRENCY} (the function's queue "
        f"is read with at most that many concurrent invocations, and Lambda's lower bound for "
        f"that is {MIN_EVENT_SOURCE_CONCURRENCY})"
    )


def required_account_concurrency(config: DeploymentConfig) -> int:
    """The smallest regional "Concurrent executions" quota that accepts the reservations."""
    return sum(config.reserved_concurrency.values()) + MIN_UNRESERVED_CONCURRENCY


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _stage(value: Any) -> str:
    stage = _text(value) or DEFAULT_STAGE
    if not names.STAGE_PATTERN.fullmatch(stage):
        raise ConfigError(
            f"stage {stage!r}: use lower-case letters and digits, starting with a letter, in "
            "groups joined by single dashes (e.g. prod, prod-paris, test2)"
        )
    if len(stage) > MAX_STAGE_LENGTH:
        raise ConfigError(
            f"stage {stage!r} has {len(stage)} characters: at most {MAX_STAGE_LENGTH}, so that "
            "every resource name (the longest: the evidence bucket "
            "pellicule-<stage>-evidence-<account>-eu-central-1, 63 characters at most) fits "
            "in every EU region"
        )
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
