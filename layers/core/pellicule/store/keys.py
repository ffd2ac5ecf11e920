"""Every key format of the single table, in one place (access patterns: docs/data-model.md).

A key is built here and nowhere else: stores, the stream filters of ``config.topology`` and the
local seed all call these functions, so a format cannot drift between a writer and a reader.
Centre items live under ``TENANT#<id>``; the other partitions (sessions, sign-in links, rate
counters, ingest claims, the audit chain, a centre's deletion progress) are keyed by a hash or
a name that belongs to no centre.
"""

from __future__ import annotations

# --- Partition and sort-key prefixes --------------------------------------------------------
TENANT = "TENANT#"
PROFILE = "PROFILE"
STAFF = "STAFF#"
SITE = "SITE#"
GROUP = "GROUP#"
CHILD = "CHILD#"
GUARDIAN = "GUARDIAN#"
CONSENT = "CONSENT#"
CONSENT_LOG = "CONSENTLOG#"
ALBUM = "ALBUM#"
MEDIA = "MEDIA#"
TAG = "TAG#"
ERASURE = "ERASURE#"
PURGE_RUN = "PURGERUN#"
SESSION = "SESSION#"
DEVICE = "DEVICE#"  # a trusted device chain (docs/authentication.md)
LOGIN = "LOGIN#"
INGEST = "INGEST#"
RATE = "RATE#"
AUDIT = "AUDIT#"
AUDIT_HEAD = "HEAD"
AUDIT_SEQ_WIDTH = 12  # an entry's sort key: its seq, zero-padded (sorts before HEAD)
AUDIT_PENDING = "PENDING#"  # a view/download not yet chained (sorts after HEAD, docs/audit.md)
DELETION = "DELETION#"
DELETION_PROGRESS = "PROGRESS"
INGEST_CLAIM = "CLAIM"  # the sort key of an ingest claim (one per object version)
SESSION_SK = "SESSION"  # the sort key of a session item
DEVICE_SK = "DEVICE"  # the sort key of a trusted device chain
LOGIN_SK = "LOGIN"  # the sort key of a sign-in link item


# --- A centre's partition -------------------------------------------------------------------
def tenant_pk(tenant_id: str) -> str:
    return f"{TENANT}{tenant_id}"


def staff_sk(staff_id: str) -> str:
    return f"{STAFF}{staff_id}"


def site_sk(site_id: str) -> str:
    return f"{SITE}{site_id}"


def group_sk(group_id: str) -> str:
    return f"{GROUP}{group_id}"


def child_sk(child_id: str) -> str:
    return f"{CHILD}{child_id}"


def guardian_sk(guardian_id: str) -> str:
    return f"{GUARDIAN}{guardian_id}"


def consent_sk(child_id: str) -> str:
    """The current consent of a child (one item per child)."""
    return f"{CONSENT}{child_id}"


def consent_log_prefix(child_id: str) -> str:
    """Every entry of one child's consent history."""
    return f"{CONSENT_LOG}{child_id}#"


def consent_log_sk(child_id: str, version: int) -> str:
    return f"{consent_log_prefix(child_id)}{version:08d}"


def album_sk(album_id: str) -> str:
    return f"{ALBUM}{album_id}"


def media_sk(media_id: str) -> str:
    return f"{MEDIA}{media_id}"


def tag_prefix(child_id: str) -> str:
    """Every tag of one child (the items a child appears in)."""
    return f"{TAG}{child_id}#"


def tag_sk(child_id: str, media_id: str) -> str:
    return f"{tag_prefix(child_id)}{media_id}"


def erasure_sk(child_id: str) -> str:
    return f"{ERASURE}{child_id}"


def purge_run_sk(run_id: str) -> str:
    return f"{PURGE_RUN}{run_id}"


# --- gsi1: lookups across partitions --------------------------------------------------------
def staff_email_gsi(address: str) -> str:
    """Staff by e-mail address (sign-in)."""
    return f"STAFFEMAIL#{address}"


def staff_email_gsi_sk(tenant_id: str) -> str:
    """The centre of a staff member found by address."""
    return f"{STAFF}{tenant_id}"


def guardian_email_gsi(address: str) -> str:
    """Guardians by e-mail address (sign-in; one address may be a guardian in several centres)."""
    return f"GUARDIANEMAIL#{address}"


def guardian_email_gsi_sk(tenant_id: str) -> str:
    """The centre of a guardian found by address."""
    return f"{GUARDIAN}{tenant_id}"


def album_media_gsi(tenant_id: str, album_id: str) -> str:
    """The items of one album, oldest first (sort key :func:`album_media_gsi_sk`)."""
    return f"{ALBUM}{tenant_id}#{album_id}"


def album_media_gsi_sk(created: int, media_id: str) -> str:
    return f"{album_media_gsi_sk_bound(created)}#{media_id}"


def album_media_gsi_sk_bound(created: int) -> str:
    """The sort key below which every item of an album created before ``created`` sorts."""
    return f"{MEDIA}{created:012d}"


def principal_sessions_gsi(tenant_id: str, kind: str, principal_id: str) -> str:
    """Every session of one person (sign out everywhere)."""
    return f"SESSIONS#{tenant_id}#{kind}#{principal_id}"


def principal_devices_gsi(tenant_id: str, kind: str, principal_id: str) -> str:
    """Every trusted device of one person ("Mes appareils", sign out everywhere)."""
    return f"DEVICES#{tenant_id}#{kind}#{principal_id}"


def login_code_gsi(email_digest: str) -> str:
    """The sign-in links of one address (the 6-digit code's lookup)."""
    return f"LOGINCODE#{email_digest}"


def login_code_gsi_sk(created: int, token_hash: str) -> str:
    """A link under its address's code lookup: by creation time (then a prefix of its hash)."""
    return f"{login_code_gsi_sk_bound(created)}#{token_hash[:16]}"


def login_code_gsi_sk_bound(created: int) -> str:
    """The sort key from which every link of an address created at or after ``created`` sorts."""
    return f"{created:012d}"


CENTRES_GSI = "CENTRES"  # every centre's profile (the purge's list of centres)
ERASURES_GSI = "ERASURES"  # every erasure request the purge has yet to act on or delete


def centre_gsi_sk(tenant_id: str) -> str:
    """A centre's profile under ``CENTRES_GSI``: by its id."""
    return tenant_id


def erasure_gsi_sk(at: int, tenant_id: str, child_id: str) -> str:
    """A request under ``ERASURES_GSI``: by the time from which the purge must look at it."""
    return f"{erasure_gsi_sk_bound(at)}#{tenant_id}#{child_id}"


def erasure_gsi_sk_bound(at: int) -> str:
    """The sort key below which every request to look at before ``at`` sorts."""
    return f"{at:012d}"


def erasure_gsi_tenant(gsi1sk: str) -> str:
    """The centre of a request, from its ``erasure_gsi_sk``."""
    return gsi1sk.split("#")[1]


# --- Partitions that belong to no centre ----------------------------------------------------
def session_pk(session_hash: str) -> str:
    return f"{SESSION}{session_hash}"


def device_pk(chain_hash: str) -> str:
    return f"{DEVICE}{chain_hash}"


def login_pk(token_hash: str) -> str:
    return f"{LOGIN}{token_hash}"


def rate_pk(limit: str, key_digest: str) -> str:
    return f"{RATE}{limit}#{key_digest}"


def rate_sk(window_start: int) -> str:
    return f"W#{window_start}"


def ingest_pk(bucket: str, key: str, version: str) -> str:
    """The idempotency claim of one version of one quarantined object."""
    return f"{INGEST}{bucket}/{key}#{version}"


def audit_pk(tenant_id: str) -> str:
    return f"{AUDIT}{tenant_id}"


def audit_sk(sequence: int) -> str:
    return f"{sequence:0{AUDIT_SEQ_WIDTH}d}"


def audit_pending_sk(at_ms: int, event_id: str) -> str:
    """A pending event's sort key: its time (ms, 13 digits) then its random id, so the events
    sort in the order they are chained."""
    return f"{AUDIT_PENDING}{at_ms:013d}#{event_id}"


def deletion_pk(tenant_id: str) -> str:
    """Progress of a centre's deletion (the operator's ``tenants delete``)."""
    return f"{DELETION}{tenant_id}"


def audit_entry_sk_bounds() -> tuple[str, str]:
    """The first and last sort keys a chain's entries may have (its head, ``HEAD``, sorts
    after them: a query between the two reads the entries only, oldest first)."""
    first = audit_sk(0)
    return first, "9" * len(first)


# --- Relatives (issue 17, docs/relatives.md) ---------------------------------------------------

RELATIVE = "RELATIVE#"


def relative_sk(relative_id: str) -> str:
    return f"{RELATIVE}{relative_id}"


def relative_email_gsi(address: str) -> str:
    """A relative's sign-in lookup (the address as stored: trimmed, lower-case)."""
    return f"RELATIVEEMAIL#{address}"


def relative_email_gsi_sk(tenant_id: str, relative_id: str) -> str:
    return f"{RELATIVE}{tenant_id}#{relative_id}"


# --- A family member's downloads (pellicule.store.downloads) --------------------------------
DOWNLOAD = "DOWNLOAD#"
DOWNLOAD_AT_WIDTH = 13  # epoch milliseconds, zero-padded: sorts by time


def downloads_prefix(guardian_id: str) -> str:
    """Every download of one family member, under their centre's partition."""
    return f"{DOWNLOAD}{guardian_id}#"


def download_sk(guardian_id: str, entry_id: str) -> str:
    """One download: ``entry_id`` is ``<at ms:013d>-<random>`` (newest last in key order)."""
    return f"{downloads_prefix(guardian_id)}{entry_id}"


# --- Album archives (a centre's partition) ---------------------------------------------------
ARCHIVE = "ARCHIVE#"


def archive_sk(archive_id: str) -> str:
    """A family's album archive (zip) job."""
    return f"{ARCHIVE}{archive_id}"


SOUVENIR = "SOUVENIR#"


def souvenir_sk(album_id: str, guardian_id: str) -> str:
    """A family told once that an album's retention ends soon."""
    return f"{SOUVENIR}{album_id}#{guardian_id}"


# --- The weekly "few or no photos" report (a centre's partition) -----------------------------
COVERAGE = "COVERAGE#"


def coverage_sk(week_label: str) -> str:
    """A centre's directors told once about one ISO week (``2026-W49``)."""
    return f"{COVERAGE}{week_label}"


# --- Consent campaigns (a centre's partition; docs/consent-campaign.md) -----------------------
CAMPAIGN = "CAMPAIGN"  # the sort key of a centre's current (or last) campaign
CAMPAIGN_SEND = "CAMPAIGNSEND#"
CAMPAIGNS_GSI = "CAMPAIGNS"  # the centres with an open campaign (sparse: removed on close)


def campaign_send_prefix(campaign_id: str) -> str:
    """What one campaign sent, one item per guardian."""
    return f"{CAMPAIGN_SEND}{campaign_id}#"


def campaign_send_sk(campaign_id: str, guardian_id: str) -> str:
    return f"{campaign_send_prefix(campaign_id)}{guardian_id}"


def campaign_gsi_sk(tenant_id: str) -> str:
    """A centre's open campaign under ``CAMPAIGNS_GSI``: by the centre's id."""
    return tenant_id
