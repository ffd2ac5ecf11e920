"""A centre's settings: safe defaults, hard caps, validation naming every problem (catalogue
codes, ``pellicule.domain.messages.settings``) for a director to act on.

Stored as a map on the tenant item; anything missing takes its default, so a new setting never
needs a migration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from pellicule.config import topology
from pellicule.domain.errors import BadRequest
from pellicule.domain.messages import Clauses, Phrase, Term
from pellicule.store import tenants

if TYPE_CHECKING:
    from pellicule.services.audit import Companion

MB = 1024 * 1024
_VIDEO_SECONDS = int(topology.VIDEO_LIMITS.max_duration_seconds)
_VIDEO_EDGE = topology.VIDEO_LIMITS.max_long_edge

# Media types accepted for upload, and their kind. Never SVG, HTML or anything scriptable.
MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "image/heic": "photo",
    "image/heif": "photo",
    "video/mp4": "video",
    "video/quicktime": "video",
}


@dataclass(frozen=True)
class Limit:
    default: int
    minimum: int
    maximum: int


LIMITS: dict[str, Limit] = {
    "max_photo_bytes": Limit(40 * MB, 1 * MB, 100 * MB),
    "max_video_bytes": Limit(1024 * MB, 10 * MB, 5 * 1024 * MB),
    # A centre may lower the video caps, not raise them above what one invocation handles.
    "max_video_seconds": Limit(_VIDEO_SECONDS, 10, _VIDEO_SECONDS),
    "max_video_edge": Limit(_VIDEO_EDGE, 640, _VIDEO_EDGE),
    # Media are purged this many months after their album's date (retention is capped).
    "media_retention_months": Limit(12, 1, 36),
    # The souvenir e-mail: this many days before an album's retention ends, each family
    # with something to download there is told once (0: never; docs/retention.md).
    "souvenir_days": Limit(30, 0, 90),
}


@dataclass(frozen=True)
class Choice:
    default: str | bool
    allowed: tuple[str | bool, ...]


CHOICES: dict[str, Choice] = {
    # Who publishes: the director validates everything, or trusted animators may publish.
    "validation_mode": Choice("director", ("director", "trusted_animators")),
    # Who must use a second factor (directors always do).
    "staff_second_factor": Choice("directors", ("directors", "all_staff")),
    # Widening a consent needs every guardian of the child (restricting never does).
    "two_guardian_widening": Choice(True, (True, False)),
    # Families may download the full-size file of what they may see.
    "allow_downloads": Choice(True, (True, False)),
    # Last day of the season (MM-DD): the default end of a consent.
    "season_end": Choice("08-31", ()),
}


def setting(name: str) -> Term:
    """A setting as its problems name it: its name in the answer's params (the settings page
    marks that field), its words in the text (``setting_<name>`` in the catalogue)."""
    return Term(name, f"setting_{name}")


@dataclass(frozen=True)
class TenantSettings:
    max_photo_bytes: int = LIMITS["max_photo_bytes"].default
    max_video_bytes: int = LIMITS["max_video_bytes"].default
    max_video_seconds: int = LIMITS["max_video_seconds"].default
    max_video_edge: int = LIMITS["max_video_edge"].default
    media_retention_months: int = LIMITS["media_retention_months"].default
    validation_mode: str = str(CHOICES["validation_mode"].default)
    staff_second_factor: str = str(CHOICES["staff_second_factor"].default)
    two_guardian_widening: bool = bool(CHOICES["two_guardian_widening"].default)
    season_end: str = str(CHOICES["season_end"].default)
    allow_downloads: bool = bool(CHOICES["allow_downloads"].default)
    souvenir_days: int = LIMITS["souvenir_days"].default

    def max_bytes(self, kind: str) -> int:
        return self.max_photo_bytes if kind == "photo" else self.max_video_bytes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate(raw: dict[str, Any], base: TenantSettings | None = None) -> TenantSettings:
    """Settings from ``raw`` over ``base`` (defaults), or ``BadRequest`` naming every problem:
    ``settings_invalid``, its ``problems`` one message each, whose ``field`` is the setting."""
    values = (base or TenantSettings()).as_dict()
    problems: list[Phrase] = []
    known = {f.name for f in fields(TenantSettings)}
    for name, value in raw.items():
        if name not in known:
            problems.append(Phrase("setting_unknown", {"field": name}))
            continue
        if name in CHOICES:
            problem = _check_choice(name, value)
            if problem:
                problems.append(problem)
            else:
                values[name] = value
            continue
        limit = LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(Phrase("setting_whole_expected", {"field": setting(name)}))
        elif not limit.minimum <= value <= limit.maximum:
            problems.append(
                Phrase(
                    "setting_out_of_range",
                    {"field": setting(name), "minimum": limit.minimum, "maximum": limit.maximum},
                )
            )
        else:
            values[name] = value
    if problems:
        raise BadRequest("settings_invalid", problems=Clauses(problems))
    return TenantSettings(**values)


def _valid_month_day(value: str) -> bool:
    """``MM-DD`` of a real day (02-29 included), ASCII digits only: never an ISO week date
    (``W01-1``) or any other form ``date.fromisoformat`` also reads."""
    import datetime

    if (
        len(value) != 5
        or value[2] != "-"
        or not all(c in "0123456789" for c in value[:2] + value[3:])
    ):
        return False
    try:
        datetime.date.fromisoformat(f"2024-{value}")  # a leap year accepts 02-29
    except ValueError:
        return False
    return True


def _check_choice(name: str, value: Any) -> Phrase | None:
    choice = CHOICES[name]
    if name == "season_end":
        if isinstance(value, str) and _valid_month_day(value):
            return None
        return Phrase("setting_month_day_expected", {"field": setting(name)})
    if type(value) is type(choice.default) and value in choice.allowed:
        return None
    allowed = [str(a).lower() for a in choice.allowed]
    return Phrase("setting_one_of", {"field": setting(name), "allowed": allowed})


def for_tenant(tenant_id: str) -> TenantSettings:
    """The tenant's settings; stored values outside today's caps fall back to the default."""
    return of_profile(tenants.profile(tenant_id))


def stored(tenant_id: str, settings: TenantSettings) -> Companion:
    """The write that keeps ``settings`` on the centre's profile item, on condition that the
    item exists: the caller commits it with its audit entry (``audit.append``)."""
    return tenants.settings_written(tenant_id, settings.as_dict())


def of_profile(tenant: tenants.TenantRecord | None) -> TenantSettings:
    """The settings of a centre's profile item already read (None: the defaults)."""
    if tenant is None:
        return TenantSettings()
    usable = {}
    for name, value in tenants.settings_of(tenant).items():
        try:
            validate({name: value})
        except BadRequest:
            continue
        usable[name] = value
    return validate(usable)
