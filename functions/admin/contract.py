"""What the staff API accepts and answers: request types (parsed before any logic runs) and
the shapes of its answers (documented in the API description).

Update bodies (``PATCH``) list every field as optional: a field left out is left unchanged.
Such a field is ``Omittable[...]`` and its value is then ``ABSENT``, told apart from any value
a request can send: ``null`` is refused where it means nothing, and means "none" where it does
(a group without site, an album for the whole centre). Choices and flags (``role``,
``trusted``) default to ``None``, which also means "unchanged".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pellicule.api.schema import ABSENT, Day, Id, Items, Omittable, Text, Whole

# --- Requests --------------------------------------------------------------------------------

Role = Literal["director", "animator"]
Audience = Literal["families_of_group", "all_families_of_centre", "public_communication"]
MediaKind = Literal["photo", "video"]
ErasureMode = Literal["remove", "blur"]
ScanType = Literal["application/pdf", "image/jpeg", "image/png"]

MAX_TAGS = 60
MAX_SCAN_BYTES = 15 * 1024 * 1024
# Children of one guardian, signatories of one form: a family, not a roster.
MAX_FAMILY = 30

# Whitespace the e-mail pattern refuses, spelt out: ``\s`` is ASCII-only in the parser and
# Unicode-wide in Pydantic, and both must agree (tests/unit/test_admin_contract.py).
_SPACE = "\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_LOCAL = f"[^@{_SPACE}]"
# Spaces around the address (a pasted one) are tolerated; the logic trims and lowercases it.
EMAIL_PATTERN = f"[ \t\r\n]*{_LOCAL}{{1,64}}@{_LOCAL}{{1,190}}\\.{_LOCAL}{{2,20}}[ \t\r\n]*"
Email = Annotated[str, Text(max_length=320, min_length=6, pattern=EMAIL_PATTERN)]
# Names are tidied by the logic (inner whitespace collapsed) and must not be blank.
Name = Annotated[str, Text(max_length=80, min_length=1)]
FirstName = Annotated[str, Text(max_length=40, min_length=1)]
# The initial of the last name, or the whole name (only its initial is kept).
Initial = Annotated[str, Text(max_length=60, min_length=1)]
Title = Annotated[str, Text(max_length=120, min_length=1)]
Reason = Annotated[str, Text(max_length=300, min_length=1)]
# A scan named by the grant: random id and extension.
ScanId = Annotated[
    str, Text(max_length=68, min_length=20, pattern=r"[A-Za-z0-9_-]{16,64}\.(pdf|jpg|png)")
]
Version = Annotated[int, Whole(ge=0, le=1_000_000_000)]
# A consent date: a calendar day, or the exact second (epoch) the API returned, 2000–2100.
Moment = Annotated[int, Whole(ge=946_684_800, le=4_102_444_800)] | Day
Family = Annotated[tuple[Id, ...], Items(max_items=MAX_FAMILY)]


MB = 1024 * 1024
# The hard caps of the centre's numeric settings: those of the settings rule
# (``pellicule.services.tenant_settings.LIMITS``; a unit test keeps them equal). Not imported
# from it: it loads the data layer, which the typed layer's cold start does without.
PhotoBytes = Annotated[int, Whole(ge=1 * MB, le=100 * MB)]
VideoBytes = Annotated[int, Whole(ge=10 * MB, le=5 * 1024 * MB)]
VideoSeconds = Annotated[int, Whole(ge=10, le=600)]
VideoEdge = Annotated[int, Whole(ge=640, le=4096)]
RetentionMonths = Annotated[int, Whole(ge=1, le=36)]
SouvenirDays = Annotated[int, Whole(ge=0, le=90)]
# The last day of the season, MM-DD (the settings rule checks it is a real day).
MonthDay = Annotated[str, Text(max_length=5, min_length=5, pattern="[0-9]{2}-[0-9]{2}")]


@dataclass(frozen=True)
class SettingsChange:
    """The centre's settings to change (directors); each one left out keeps its value.

    The limits are the settings rule's (``tenant_settings``), which checks them again."""

    max_photo_bytes: Omittable[PhotoBytes] = ABSENT
    max_video_bytes: Omittable[VideoBytes] = ABSENT
    max_video_seconds: Omittable[VideoSeconds] = ABSENT
    max_video_edge: Omittable[VideoEdge] = ABSENT
    media_retention_months: Omittable[RetentionMonths] = ABSENT
    validation_mode: Omittable[Literal["director", "trusted_animators"]] = ABSENT
    staff_second_factor: Omittable[Literal["directors", "all_staff"]] = ABSENT
    two_guardian_widening: Omittable[bool] = ABSENT
    season_end: Omittable[MonthDay] = ABSENT
    allow_downloads: Omittable[bool] = ABSENT
    souvenir_days: Omittable[SouvenirDays] = ABSENT


@dataclass(frozen=True)
class StaffCreate:
    """A staff member: role, e-mail and the name shown to the team."""

    role: Role
    email: Email
    display_name: Name
    trusted: bool = False


@dataclass(frozen=True)
class StaffChange:
    """Change a staff member's role, trust or name (at least one)."""

    role: Role | None = None
    trusted: bool | None = None
    display_name: Omittable[Name] = ABSENT


@dataclass(frozen=True)
class SiteCreate:
    name: Name


@dataclass(frozen=True)
class GroupCreate:
    name: Name
    site_id: Id | None = None


@dataclass(frozen=True)
class GroupChange:
    """Rename a group or move it to another site (``site_id: null``: no site)."""

    name: Omittable[Name] = ABSENT
    site_id: Omittable[Id | None] = ABSENT


@dataclass(frozen=True)
class ChildCreate:
    """A child: first name and the initial of the last name only (data minimisation)."""

    first_name: FirstName
    initial: Initial
    group_id: Id


@dataclass(frozen=True)
class ChildChange:
    """Change a child's first name, initial or group (at least one)."""

    first_name: Omittable[FirstName] = ABSENT
    initial: Omittable[Initial] = ABSENT
    group_id: Omittable[Id] = ABSENT


@dataclass(frozen=True)
class GuardianCreate:
    """A guardian (e-mail only) linked to at least one child."""

    email: Email
    child_ids: Annotated[tuple[Id, ...], Items(max_items=MAX_FAMILY, min_items=1)]


@dataclass(frozen=True)
class GuardianChange:
    """Change a guardian's address or children (at least one)."""

    email: Omittable[Email] = ABSENT
    child_ids: Omittable[Annotated[tuple[Id, ...], Items(max_items=MAX_FAMILY, min_items=1)]] = (
        ABSENT
    )


@dataclass(frozen=True)
class ScanRequest:
    """The scan of a signed consent form about to be sent: its type and exact size."""

    type: ScanType
    size: Annotated[int, Whole(ge=1, le=MAX_SCAN_BYTES)]


@dataclass(frozen=True)
class PaperConsent:
    """The consent written on a signed paper form, its signatories and its scan (sent first
    through ``consent/scan``)."""

    audiences: Annotated[tuple[Audience, ...], Items(max_items=3)]
    media_kinds: Annotated[tuple[MediaKind, ...], Items(max_items=2)]
    signed_by: Family
    scan_id: ScanId
    valid_from: Moment | None = None
    valid_until: Moment | None = None


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawal made by letter, phone or in person; who asked, and a scan if any."""

    requested_by: Family = ()
    scan_id: ScanId | None = None


@dataclass(frozen=True)
class ErasureRecord:
    """A guardian's erasure request recorded by the director; ``confirm`` must be ``true``."""

    confirm: bool
    mode: ErasureMode | None = None


@dataclass(frozen=True)
class ErasureChoice:
    mode: ErasureMode


@dataclass(frozen=True)
class AlbumCreate:
    """An album: title, date (within the centre's retention, not far ahead) and the group
    whose families may see it (none: the whole centre)."""

    title: Title
    date: Day
    group_id: Id | None = None


@dataclass(frozen=True)
class AlbumChange:
    """Retitle, redate, or change the group (directors; ``group_id: null``: whole centre)."""

    title: Omittable[Title] = ABSENT
    date: Omittable[Day] = ABSENT
    group_id: Omittable[Id | None] = ABSENT


# A caption as sent: its length is counted again by the logic after NFC and trimming
# (pellicule.domain.captions: 300 characters for an album, 200 for an item); this bound only
# keeps a request small.
CaptionText = Annotated[str, Text(max_length=2000)]


@dataclass(frozen=True)
class CaptionChange:
    """Set a caption (``""``: none). A caption that holds a child's full name is refused
    (409 ``caption_full_name``) unless ``confirm_names`` is ``true``."""

    caption: CaptionText
    confirm_names: bool = False


@dataclass(frozen=True)
class Tags:
    """The children who appear, or "no identifiable child"; ``version`` as last read."""

    child_ids: Annotated[tuple[Id, ...], Items(max_items=MAX_TAGS)] = ()
    no_identifiable_child: bool = False
    version: Version | None = None


# Audiences asked for (duplicates tolerated, as before); none: the album's default audience.
Audiences = Annotated[tuple[Audience, ...], Items(max_items=10, min_items=1)]


@dataclass(frozen=True)
class Review:
    """Approve (and publish to ``audiences``) or reject with a ``reason``."""

    decision: Literal["approve", "reject"]
    audiences: Audiences | None = None
    reason: Reason | None = None


@dataclass(frozen=True)
class Publication:
    """Publish to ``audiences`` (default: the album's); the body may be left out."""

    audiences: Audiences | None = None


# Approve in bulk (``review_batch``): at most this many items a request.
MAX_BATCH = 50


@dataclass(frozen=True)
class BatchItem:
    """One item to approve; ``audiences`` left out: the batch's, else the album's default."""

    media_id: Id
    audiences: Audiences | None = None


@dataclass(frozen=True)
class ApproveBatch:
    """Approve (and publish) the items that pass the gate, each as a single approval would."""

    items: Annotated[tuple[BatchItem, ...], Items(max_items=MAX_BATCH, min_items=1)]
    audiences: Audiences | None = None


@dataclass(frozen=True)
class AuditQuery:
    format: Literal["json", "csv"] = "json"


# The roster import (``roster_import``): the file's bytes in base64 (the JSON body's 256 KiB
# cap: ~190 KB of file; the import's own limit is 180 KB, 2,000 lines).
ImportField = Literal[
    "ignore", "external_id", "first_name", "last_name", "initial", "group", "email_1", "email_2"
]
ImportFile = Annotated[str, Text(max_length=250_000, min_length=4)]


@dataclass(frozen=True)
class RosterImport:
    """A CSV file (base64) and, optionally, the field of each of its columns (left out: the
    API's proposal from the header). ``dry_run``: check every line, write nothing."""

    file: ImportFile
    mapping: Annotated[tuple[ImportField, ...], Items(max_items=60)] | None = None
    dry_run: bool = False


AUDIT_PAGE = 50
AuditAction = Annotated[str, Text(max_length=40, min_length=1, pattern="[a-z][a-z_]{1,39}")]
PersonRef = Annotated[
    str, Text(max_length=80, min_length=7, pattern="(staff|guardian|relative):[A-Za-z0-9_.-]{1,64}")
]


@dataclass(frozen=True)
class AuditEntriesQuery:
    """One page of the readable log, newest first: ``cursor`` is the previous page's
    ``next_cursor``; ``start``/``end`` are local days of the centre (inclusive)."""

    cursor: Annotated[int, Whole(ge=1, le=10**12 - 1)] | None = None
    limit: Annotated[int, Whole(ge=1, le=AUDIT_PAGE)] = AUDIT_PAGE
    action: AuditAction | None = None
    child: Id | None = None
    person: PersonRef | None = None
    start: Day | None = None
    end: Day | None = None


@dataclass(frozen=True)
class WhoSawQuery:
    child: Id


# --- Answers ---------------------------------------------------------------------------------


class AdminSettings(TypedDict):
    max_photo_bytes: int
    max_video_bytes: int
    max_video_seconds: int
    max_video_edge: int
    media_retention_months: int
    validation_mode: Literal["director", "trusted_animators"]
    staff_second_factor: Literal["directors", "all_staff"]
    two_guardian_widening: bool
    season_end: str
    allow_downloads: bool
    souvenir_days: int


class AdminMe(TypedDict):
    tenant_id: str
    staff_id: str
    role: str
    may_publish: bool
    settings: AdminSettings


class AdminStaffMember(TypedDict):
    staff_id: str
    role: Role
    display_name: str
    email: str
    trusted: bool
    archived: bool
    # Suspended by a director: cannot sign in until reactivated (issue 18).
    suspended: bool
    # ``pellicule.domain.team.factor_state``: none, enrolling (not confirmed yet), active.
    second_factor: Literal["none", "enrolling", "active"]


class AdminStaffCreated(AdminStaffMember):
    """The new member, and whether their invitation e-mail went (``not_sent``: no mail sender
    or the mail service failed; they can ask for a sign-in link on the sign-in page)."""

    invitation: Literal["sent", "not_sent"]


class AdminStaffSuspended(AdminStaffMember):
    """The suspended member and how many of their sessions ended."""

    sessions_ended: int


class AdminStaffList(TypedDict):
    staff: list[AdminStaffMember]


class AdminSecondFactorReset(TypedDict):
    staff_id: str
    second_factor: Literal["reset"]
    sessions_ended: int


class AdminSiteView(TypedDict):
    site_id: str
    name: str
    archived: bool


class AdminSites(TypedDict):
    sites: list[AdminSiteView]


class AdminGroupView(TypedDict):
    group_id: str
    name: str
    site_id: str | None
    archived: bool


class AdminGroups(TypedDict):
    groups: list[AdminGroupView]


class AdminTerms(TypedDict):
    audiences: list[Audience]
    media_kinds: list[MediaKind]
    valid_from: int
    valid_until: int


class AdminConsentSummary(TypedDict):
    status: Literal["none", "active", "withdrawn"]
    terms: AdminTerms | None
    pending: bool


# Keys some answers leave out live in ``total=False`` bases: the description's generator
# (scripts/openapi.py) does not read ``NotRequired[...]``.
class _AdminDirectorsSee(TypedDict, total=False):
    guardian_ids: list[str]  # directors only


class AdminChildView(_AdminDirectorsSee):
    child_id: str
    first_name: str
    initial: str
    group_id: str | None
    archived: bool
    consent: AdminConsentSummary


class AdminChildren(TypedDict):
    children: list[AdminChildView]


class AdminGuardianView(TypedDict):
    guardian_id: str
    email: str
    child_ids: list[str]
    archived: bool


class AdminGuardians(TypedDict):
    guardians: list[AdminGuardianView]


class AdminConsentState(TypedDict, total=False):
    status: Literal["none", "active", "withdrawn"]
    terms: AdminTerms | None
    pending: dict[str, Any] | None
    version: int
    updated_at: int
    updated_by: str
    evidence: dict[str, Any] | None


class AdminConsentEvent(TypedDict):
    version: int
    action: str
    actor: str
    at: int
    restricts: bool
    before: AdminTerms | None
    after: AdminTerms | None
    evidence: dict[str, Any] | None


class AdminChildConsent(TypedDict):
    child: AdminChildView
    consent: AdminConsentState
    history: list[AdminConsentEvent]


class AdminConsentOutcome(TypedDict):
    action: Literal["given", "widened", "narrowed", "changed", "withdrawn", "proposed", "unchanged"]
    applied: bool
    terms: AdminTerms | None
    pending: dict[str, Any] | None
    version: int
    awaiting_other_guardian: bool


class AdminScanGrant(TypedDict):
    scan_id: str
    url: str
    fields: dict[str, str]  # the presigned POST's form fields, sent as they are


class AdminEvidence(TypedDict):
    url: str
    expires_in: int


class AdminErasure(TypedDict):
    child_id: str
    status: str
    requested_at: int
    due_by: int
    requested_by: Literal["guardian", "staff"]
    mode: ErasureMode | None
    done_at: int | None
    certificate_id: str | None
    removed_items: int | None
    blurred_items: int | None


class AdminErasureRequests(TypedDict):
    requests: list[AdminErasure]


class AdminErasureCreated(TypedDict):
    request: AdminErasure
    created: bool


class AdminErasureView(TypedDict):
    request: AdminErasure


class AdminAlbumView(TypedDict):
    album_id: str
    title: str
    date: str
    group_id: str | None
    archived: bool
    caption: str | None


class AdminItemCaption(TypedDict):
    media_id: str
    caption: str | None
    may_edit: bool  # this person may change it now (animators: before validation)


class AdminAlbums(TypedDict):
    albums: list[AdminAlbumView]


class AdminGatePreview(TypedDict):
    visibility: Literal["clean", "blurred", "hidden"]
    reasons: list[str]
    uncovered_child_ids: list[str]


class _AdminPublished(TypedDict, total=False):
    refused_audiences: list[Audience]  # publication: what the gate refused


class AdminMediaView(_AdminPublished):
    media_id: str
    album_id: str
    kind: MediaKind
    state: str
    tagged_child_ids: list[str]
    no_identifiable_child: bool
    blurred_child_ids: list[str]
    has_blurred_variant: bool
    published_audiences: list[Audience]
    rejection_reason: str | None
    hidden_by: Literal["gate", "director"] | None
    uploaded_by: str | None
    caption: str | None
    version: int
    gate: dict[Audience, AdminGatePreview]


class AdminQueue(TypedDict):
    items: list[AdminMediaView]
    hidden: list[AdminMediaView]


class AdminMessage(TypedDict):
    fr: str
    en: str


class AdminBatchResult(TypedDict):
    media_id: str
    # approved: published now; unchanged: it already was (a batch sent again); refused: not
    # approved, ``reason`` says why (a stable catalogue code) and ``message`` in words.
    outcome: Literal["approved", "unchanged", "refused"]
    reason: str | None
    params: dict[str, Any]
    message: AdminMessage | None
    item: AdminMediaView | None


class AdminApproveBatch(TypedDict):
    results: list[AdminBatchResult]
    approved: int
    unchanged: int
    refused: int


class AdminAuditRow(TypedDict):
    seq: int
    time: str
    action: str
    actor: str
    subject: str
    details: dict[str, Any]  # per action (the audit log's own vocabulary)
    prev_hash: str
    hash: str


class AuditName(TypedDict, total=False):
    kind: str  # child | staff | guardian | relative | album | media
    name: str | None  # None: no longer in the roster (or not this centre's)
    state: Literal["known", "archived", "gone"]
    children: list[str]  # a guardian's or a relative's family: "Léa M."
    media_kind: str  # photo | video
    date: str  # an item's day (YYYY-MM-DD)


class AdminAuditEntry(TypedDict):
    seq: int
    at: int  # epoch ms
    time: str  # the centre's local time, ISO 8601 with its offset
    action: str
    actor: str
    subject: str
    details: dict[str, Any]


class AdminAuditPage(TypedDict):
    entries: list[AdminAuditEntry]
    names: dict[str, AuditName]  # read at request time, never stored in the log
    time_zone: str
    next_cursor: int | None
    read: int  # entries read to answer (at most 2,000 a request)


class AdminAuditWatcher(TypedDict):
    person: str
    views: int  # album pages opened where the child appears
    downloads: int  # the child's items downloaded
    archives: int  # album archives (or the souvenir pack) holding them
    last_time: str


class AdminAuditWhoSaw(TypedDict):
    child: str
    people: list[AdminAuditWatcher]
    names: dict[str, AuditName]
    time_zone: str
    items: int
    read: int
    complete: bool  # false: stopped after 2,000 entries (older ones not counted)


class AdminAuditReport(TypedDict):
    ok: bool
    checked: int
    first_broken_seq: int | None
    problem: str | None


# --- The weekly "few or no photos" report (functions/admin/coverage.py) ---------------------

WeekLabel = Annotated[str, Text(max_length=8, min_length=8, pattern=r"[0-9]{4}-W[0-9]{2}")]


@dataclass(frozen=True)
class CoverageQuery:
    """``week``: an ISO week, ``YYYY-Www``; left out: the last complete week."""

    week: WeekLabel | None = None


class AdminCoverageChild(TypedDict):
    child_id: str
    name: str
    items: int


class AdminCoverageGroup(TypedDict):
    group_id: str
    name: str
    children: list[AdminCoverageChild]


class AdminCoverage(TypedDict):
    week: str
    first_day: str
    last_day: str
    items: int
    few: int
    groups: list[AdminCoverageGroup]
    previous_week: str
    next_week: str | None


class AdminImportColumn(TypedDict):
    name: str
    field: str


class AdminImportRow(TypedDict):
    line: int
    first_name: str
    initial: str
    group: str
    emails: list[str]
    valid: bool


class AdminImportError(TypedDict):
    line: int
    field: str
    code: str
    message: dict[str, str]


class AdminImportPreview(TypedDict):
    encoding: str
    separator: str
    columns: list[AdminImportColumn]
    rows: list[AdminImportRow]
    errors: list[AdminImportError]
    lines: int
    valid: int
    without_email: int
    surname_dropped: bool
    notes: list[dict[str, str]]


class AdminImportCounts(TypedDict):
    lines: int
    errors: int
    children_created: int
    children_updated: int
    children_unchanged: int
    guardians_created: int
    guardians_updated: int
    groups_created: int
    without_email: int
    welcome_due: int


class AdminImportResult(TypedDict):
    dry_run: bool
    counts: AdminImportCounts
    errors: list[AdminImportError]
    notes: list[dict[str, str]]


# --- A consent campaign (functions/admin/campaigns.py; docs/consent-campaign.md) -------------

Season = Annotated[str, Text(max_length=60, min_length=1)]
ReminderDays = Annotated[int, Whole(ge=1, le=30)]
MaxReminders = Annotated[int, Whole(ge=0, le=5)]
CampaignGroups = Annotated[tuple[Id, ...], Items(max_items=100)]


@dataclass(frozen=True)
class CampaignStart:
    """``group_ids`` empty or left out: every group of the centre. The same request while
    the campaign is open resumes its sending (nobody is mailed twice)."""

    season: Season
    group_ids: CampaignGroups = ()
    reminder_days: ReminderDays = 7
    max_reminders: MaxReminders = 2


class AdminCampaign(TypedDict):
    campaign_id: str
    season: str
    group_ids: list[str]
    text_version: str
    started_at: int
    reminder_days: int
    max_reminders: int
    closed_at: int | None
    open: bool


class AdminCampaignGuardian(TypedDict):
    guardian_id: str
    email: str
    state: str  # unsent | sending | sent | no_email | rejected
    last_sent_at: int | None
    reminders: int


class AdminCampaignChild(TypedDict):
    child_id: str
    name: str
    group_id: str | None
    state: str  # answered | waiting | refused | bounced
    answered_at: int | None
    guardians: list[AdminCampaignGuardian]


class AdminCampaignCounts(TypedDict):
    answered: int
    waiting: int
    refused: int
    bounced: int


class AdminCampaignGroup(TypedDict):
    group_id: str | None
    name: str
    counts: AdminCampaignCounts


class AdminCampaignSent(TypedDict):
    sent: int
    reminded: int
    no_email: int
    rejected: int
    failed: int
    left: int


class AdminCampaignBoard(TypedDict):
    campaign: AdminCampaign | None
    total: AdminCampaignCounts
    groups: list[AdminCampaignGroup]
    children: list[AdminCampaignChild]
    unsent: int
    sending: AdminCampaignSent | None  # what this request sent (start, send, reminders)


# --- The director's home ---------------------------------------------------------------------


class AdminHomeWaiting(TypedDict):
    count: int  # items waiting for a decision
    oldest_at: int | None  # when the oldest of them was sent (epoch seconds)
    complete: bool  # False: the centre holds more items than one read takes (count is a floor)


class AdminHomeErasure(TypedDict):
    child_id: str
    child_name: str  # first name and initial
    requested_at: int
    requested_by: str  # guardian | staff
    due_by: int  # requested_at + 24 h
    seconds_left: int  # at ``now`` (0 once past)
    urgent: bool  # less than 6 hours left
    mode: str | None


class AdminHomeConsent(TypedDict):
    child_id: str
    child_name: str
    audiences: list[str]
    valid_until: int  # the first second no longer covered
    last_day: str  # the last day covered (ISO date, UTC)


class AdminHomeConsents(TypedDict):
    count: int  # consents in force ending within ``within_days``
    within_days: int
    complete: bool
    first: list[AdminHomeConsent]  # the soonest first (at most 20)


class AdminHomePurge(TypedDict):
    run_id: str
    status: str  # running | done
    started_at: int
    updated_at: int  # its end, once done
    counts: dict[str, int]  # what it deleted, per kind


class AdminHome(TypedDict):
    now: int  # the server's clock: the page counts the time left from it
    waiting: AdminHomeWaiting
    erasures: list[AdminHomeErasure]  # open requests, the most urgent first
    consents_ending: AdminHomeConsents
    last_purge: AdminHomePurge | None
