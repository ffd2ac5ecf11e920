"""PynamoDB models of the single table (access patterns: docs/data-model.md).

Every key that belongs to a centre is prefixed with its tenant id (security requirement 4).
The table name is bound lazily from the settings (``bind``), never at import time.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from pellicule.config import topology
from pellicule.store.keys import tenant_pk as tenant_pk  # re-exported: stores call keys directly

if TYPE_CHECKING:
    from pynamodb.connection import Connection, TableConnection


class _Meta:
    table_name = "unbound"  # replaced by bind()
    region: str | None = None


def _gsi1() -> Any:
    """A fresh index class per model (PynamoDB binds an index class to one model)."""

    class Gsi1(GlobalSecondaryIndex[Any]):
        class Meta:
            index_name = topology.TABLE.indexes[0].name
            projection = AllProjection()

        gsi1pk = UnicodeAttribute(hash_key=True)
        gsi1sk = UnicodeAttribute(range_key=True)

    return Gsi1()


_client_lock = threading.Lock()
_client: Any = None  # the DynamoDB client every model shares (reset by bind)


def _shared_client(connection: Connection) -> Any:
    """The botocore DynamoDB client of the first model connection made since ``bind``.

    PynamoDB gives each model class a connection of its own, and each connection makes its own
    botocore session and client: the DynamoDB service model, the endpoint rules and the
    credentials were loaded again for every model class a request used (8 in a family's
    album list, ~45 ms of CPU each under Python 3.13; docs/performance.md). Every model has the
    same settings (one table, one region, PynamoDB's defaults), so one client serves them all,
    made by PynamoDB (its configuration) from the process's botocore session (the other
    clients' too). PynamoDB still replaces it for a connection whose client lost its
    credentials.
    """
    global _client
    with _client_lock:
        if _client is None:
            from pellicule.adapters import aws

            with aws.session_lock:
                connection._local.session = aws.core_session()
                _client = connection.client
        return _client


class Base(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if table.connection._client is None:
            table.connection._client = _shared_client(table.connection)
        return table


class Tenant(Base):
    """A centre. pk=TENANT#<id>, sk=PROFILE; gsi1: CENTRES / <id> (every centre)."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | suspended
    created_at = NumberAttribute()
    settings = MapAttribute[str, Any](default=dict)
    suspended_at = NumberAttribute(null=True)
    # gsi1: CENTRES / <tenant id>, the list of centres the purge visits (keys.centre_gsi_sk).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class Staff(Base):
    """A staff member. pk=TENANT#<t>, sk=STAFF#<id>; gsi1: EMAIL#<address> (login lookup)."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    role = UnicodeAttribute()  # director | animator
    display_name = UnicodeAttribute()
    email = UnicodeAttribute()
    # An animator the director trusts to publish directly (if the centre's validation mode
    # allows it).
    trusted = BooleanAttribute(default=False)
    archived = BooleanAttribute(default=False)
    # Suspended by a director (issue 18): cannot sign in, their sessions ended; reversible,
    # unlike ``archived``.
    suspended = BooleanAttribute(default=False)
    # The TOTP second factor: ``pellicule.domain.totp.SecondFactor.to_dict()`` (secret, confirmed,
    # last accepted step, recovery code hashes); null until the person begins enrolment.
    second_factor = MapAttribute[str, Any](null=True)
    # Replacing a confirmed factor (new phone): ``{"session": <session hash>, "until": <epoch>,
    # "factor": <unconfirmed SecondFactor dict, once begun>}``, bound to the one session that
    # passed a recovery code or the current code; null otherwise (docs/second-factor.md).
    second_factor_renewal = MapAttribute[str, Any](null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class Site(Base):
    """A site of the centre (e.g. a school annex). sk=SITE#<id>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    site_id = UnicodeAttribute()
    name = UnicodeAttribute()
    archived = BooleanAttribute(default=False)


class Group(Base):
    """A group of children (e.g. "Les Loutres, 6–8 ans"). sk=GROUP#<id>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    group_id = UnicodeAttribute()
    name = UnicodeAttribute()
    site_id = UnicodeAttribute(null=True)
    archived = BooleanAttribute(default=False)


class Child(Base):
    """A child: first name and initial only. sk=CHILD#<id>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    initial = UnicodeAttribute()
    group_id = UnicodeAttribute()
    # Kept in step with the child_ids of its active guardians (both sides written in one
    # transaction); archiving a guardian removes them here and keeps their child_ids as history.
    guardian_ids = UnicodeSetAttribute(default=set)
    archived = BooleanAttribute(default=False)


class Guardian(Base):
    """A parent or guardian. sk=GUARDIAN#<id>; gsi1: GUARDIANEMAIL#<address>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    email = UnicodeAttribute()
    child_ids = UnicodeSetAttribute(default=set)
    archived = BooleanAttribute(default=False)
    # Daily digest (docs/notifications.md): when the last one was sent (set by a conditional
    # write: at most one a day), when the guardian unsubscribed (null: subscribed), and the
    # SHA-256 of the unsubscribe tokens of recent digests ("<issued at>:<sha256>", newest last).
    last_digest_at = NumberAttribute(null=True)
    digest_unsubscribed_at = NumberAttribute(null=True)
    unsubscribe_hashes = ListAttribute[str](null=True)
    # The gallery's "new" marks (pellicule.domain.gallery_news, pellicule.store.visits): the
    # last recorded gallery request and the end of the previous visit (conditional writes, at
    # most about once a minute).
    gallery_seen_at = NumberAttribute(null=True)
    gallery_new_since = NumberAttribute(null=True)
    # Welcome e-mail (issue 17, docs/notifications.md): due for a guardian added by staff
    # (``welcome_due``), claimed by a conditional write when sent (``welcome_sent_at``).
    welcome_due = BooleanAttribute(null=True)
    welcome_sent_at = NumberAttribute(null=True)
    # The relatives this guardian invited and has not revoked (issue 17, docs/relatives.md):
    # a conditional write on its size holds the limit under concurrent invitations.
    relative_ids = UnicodeSetAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class Consent(Base):
    """The current consent of one child (one item per child). sk=CONSENT#<child id>.

    ``version`` counts the changes; each change also writes one :class:`ConsentEvent`
    (append-only history) in the same transaction. ``pending`` holds a widening that waits
    for the other guardian's agreement (two-guardian rule).
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    status = UnicodeAttribute()  # active | withdrawn
    audiences = UnicodeSetAttribute(default=set)
    media_kinds = UnicodeSetAttribute(default=set)
    valid_from = NumberAttribute()
    valid_until = NumberAttribute()
    evidence = MapAttribute[str, Any](default=dict)
    pending = MapAttribute[str, Any](null=True)
    version = NumberAttribute()
    updated_at = NumberAttribute()
    updated_by = UnicodeAttribute()  # pseudonymous reference, e.g. guardian:<id>


class ConsentEvent(Base):
    """One entry of a child's consent history. sk=CONSENTLOG#<child id>#<version:08d>.

    Append-only: written once with a does-not-exist condition, never updated. Its insertion
    on the table's stream drives revocation propagation when it ``restricts``.
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    version = NumberAttribute()
    action = UnicodeAttribute()  # given | widened | narrowed | changed | withdrawn | proposed
    actor = UnicodeAttribute()  # guardian:<id> | staff:<id>
    at = NumberAttribute()
    restricts = BooleanAttribute(default=False)
    before = MapAttribute[str, Any](null=True)
    after = MapAttribute[str, Any](null=True)
    evidence = MapAttribute[str, Any](null=True)


class Album(Base):
    """An album. sk=ALBUM#<id>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    album_id = UnicodeAttribute()
    title = UnicodeAttribute()
    album_date = UnicodeAttribute()  # ISO date
    group_id = UnicodeAttribute(null=True)  # None: an album of the whole centre
    created_at = NumberAttribute()
    archived = BooleanAttribute(default=False)
    # A short caption families see under the title (pellicule.domain.captions; NFC, trimmed).
    caption = UnicodeAttribute(null=True)


class Media(Base):
    """A photo or video. sk=MEDIA#<id>; gsi1: ALBUM#<t>#<album> / MEDIA#<created>#<id>."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    media_id = UnicodeAttribute()
    album_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # photo | video
    # uploading -> processing -> ready -> published | rejected | hidden (-> purged); or failed
    state = UnicodeAttribute()
    declared_type = UnicodeAttribute()
    declared_size = NumberAttribute()
    ingest_key = UnicodeAttribute()
    upload_id = UnicodeAttribute(null=True)  # S3 multipart upload (large videos)
    uploaded_by = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    # Why a failed upload failed: messages.record(), {"reason", "fr", "en"} as JSON (older
    # items, and the purge for abandoned uploads: a "Français / English" text).
    failure_reason = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    capture_date = UnicodeAttribute(null=True)  # date only, never a time or place
    renditions = MapAttribute[str, Any](null=True)  # name -> {key, width, height, bytes, type}
    duration_seconds = NumberAttribute(null=True)  # videos
    # Face boxes drawn by staff (normalised x, y, w, h of the upright image) and the blurred
    # variants rendered from them; the revision orders concurrent edits.
    face_boxes = ListAttribute[Any](null=True)
    blur_revision = NumberAttribute(default=0)
    blurred = MapAttribute[str, Any](null=True)  # name -> {key, width, height, bytes, type}
    # The blur revision the stored blurred variants were rendered from (null: unknown).
    blurred_revision = NumberAttribute(null=True)
    # Tagged children whose faces the current boxes hide (the blurred variant hides them).
    blurred_child_ids = UnicodeSetAttribute(default=set)
    # Tagging, validation and publication (docs/publication-gate.md).
    tagged_child_ids = UnicodeSetAttribute(default=set)
    no_identifiable_child = BooleanAttribute(default=False)
    version = NumberAttribute(default=0)  # optimistic concurrency of staff edits
    reviewed_by = UnicodeAttribute(null=True)
    reviewed_at = NumberAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)
    published_audiences = UnicodeSetAttribute(default=set)
    published_at = NumberAttribute(null=True)
    # The copies families are served, one entry per audience scope (docs/delivery.md):
    # scope -> {"v": clean|blurred, "r": {name: {key, src, width, height, type}}, "d": {...}}.
    # Written only by publication.reconcile; staff keys (renditions, blurred) never leave.
    served = MapAttribute[str, Any](null=True)
    # Set by the read path when the served copies lag behind the gate: the stream then
    # delivers the change to the revocation function, which reconciles the item.
    stale_at = NumberAttribute(null=True)
    # Why a ``hidden`` item is hidden: "gate" (reconciliation: no audience may see it any
    # more, e.g. a consent withdrawn; restored when the gate allows it again) or "director"
    # (taken down by hand; only a director publishes it again). Null: hidden before this was
    # recorded, treated as "director" (never put back without a person deciding).
    hidden_by = UnicodeAttribute(null=True)
    # A short caption families see with the item (pellicule.domain.captions; NFC, trimmed).
    caption = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class MediaTag(Base):
    """A child tagged on an item: sk=TAG#<child id>#<media id> (media of a child)."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    media_id = UnicodeAttribute()
    album_id = UnicodeAttribute()


class Session(Base):
    """A login session. pk=SESSION#<sha256 of the id>, sk=SESSION. Only the hash is stored.

    gsi1: ``SESSIONS#<tenant>#<kind>#<principal id>`` / ``SESSION#<sha256>``: every session of
    one person ("sign out everywhere").
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    principal_kind = UnicodeAttribute()  # staff | guardian
    principal_id = UnicodeAttribute()
    role = UnicodeAttribute()  # director | animator | guardian
    created_at = NumberAttribute()
    last_seen_at = NumberAttribute()
    absolute_expires_at = NumberAttribute()
    expires_at = NumberAttribute()  # TTL attribute (DynamoDB may lag; reads check it)
    # The first factor passed but the TOTP step not yet: only the TOTP routes accept it.
    second_factor_pending = BooleanAttribute(default=False)
    second_factor_failures = NumberAttribute(default=0)  # wrong TOTP codes on this session
    # This session passed the TOTP step (any later elevation is then covered).
    second_factor_passed = BooleanAttribute(default=False)
    # Why its person had to pass a second factor when it opened (``totp.factor_reasons``,
    # comma-separated; "" none). Null on sessions opened before it existed: their role says.
    cleared_for = UnicodeAttribute(null=True)
    # The trusted device chain that opened it (its hash; null: a link, a code, a tool): the
    # chain's end ends it too (docs/authentication.md).
    device = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # null on sessions opened before the index existed
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class Device(Base):
    """A trusted device chain (docs/authentication.md). pk=DEVICE#<sha256 of the chain id>,
    sk=DEVICE. Neither the chain id nor its secret is stored: only their hashes.

    gsi1: ``DEVICES#<tenant>#<kind>#<principal id>`` / ``DEVICE#<hash>``: every device of one
    person ("Mes appareils", sign out everywhere).
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    principal_kind = UnicodeAttribute()  # guardian
    principal_id = UnicodeAttribute()
    handle = UnicodeAttribute()  # the public id the device list shows and revokes by
    secret_hash = UnicodeAttribute()  # the current secret's (rotated at every use)
    rotations = NumberAttribute(default=0)
    created_at = NumberAttribute()
    last_used_at = NumberAttribute()
    expires_at = NumberAttribute()  # TTL attribute (sliding; reads check it)
    browser = UnicodeAttribute()  # codes (``domain.devices.label``), never the User-Agent
    system = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_gsi1 = _gsi1()


class LoginToken(Base):
    """A magic link and its 6-digit code (docs/authentication.md). pk=LOGIN#<sha256 of the
    token>, sk=LOGIN. Neither the token nor the code is stored: only their hashes.

    gsi1: ``LOGINCODE#<sha256 of the e-mail>`` / ``<created:012d>#<token hash prefix>``: the
    live links of an address, for the code fallback. Used once (``used_at`` set by a
    conditional write); ``expires_at`` is also the TTL attribute (reads check it).
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    principal_kind = UnicodeAttribute()  # staff | guardian
    principal_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)  # wrong codes so far (the link dies at the limit)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    used_at = NumberAttribute(null=True)
    # Where the signed-in person goes (a code of magic_links.LANDINGS, e.g. "consents" for
    # the welcome e-mail); null: their home.
    landing = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class RateCounter(Base):
    """A fixed-window request counter. pk=RATE#<limit>#<sha256 of the key>, sk=W#<start>.

    The key (an e-mail address, an IP address) is never stored, only its hash; the item
    expires with its window (TTL).
    """

    class Meta(_Meta):
        pass

    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class IngestClaim(Base):
    """Idempotency record of one ingest object version. pk=INGEST#<bucket>/<key>#<version>."""

    class Meta(_Meta):
        pass

    status = UnicodeAttribute()  # processing | done
    lease_until = NumberAttribute()
    media_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


class ErasureRequest(Base):
    """A request to erase a child's images and data. sk=ERASURE#<child>: at most one open
    request per child. Asked by a guardian (or the director on their behalf); carried out
    by the retention work (docs/erasure.md) within 24 hours."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    status = UnicodeAttribute()  # requested -> done (carried out by the purge)
    requested_by = UnicodeAttribute()  # pseudonymous ref: guardian:<id> | staff:<id>
    requested_at = NumberAttribute()
    due_by = NumberAttribute()  # requested_at + 24 h
    # What happens to the items showing the child: "remove" them, or "blur" the child where a
    # face box hides them (items without one are removed). Chosen by the director; null: not
    # chosen yet ("remove" once the deadline is near).
    mode = UnicodeAttribute(null=True)
    mode_chosen_by = UnicodeAttribute(null=True)
    # Once carried out: the certificate, counts, and when the consent evidence (history,
    # scans) is deleted too - this item goes with it.
    done_at = NumberAttribute(null=True)
    certificate_id = UnicodeAttribute(null=True)
    removed_items = NumberAttribute(null=True)
    blurred_items = NumberAttribute(null=True)
    evidence_until = NumberAttribute(null=True)
    # Between the erasure and the certificate e-mail: whom to tell (guardian ids) and the
    # child's first name and initial for the message; both removed once it is sent.
    notify_guardian_ids = UnicodeSetAttribute(null=True)
    child_label = UnicodeAttribute(null=True)
    certificate_sent_at = NumberAttribute(null=True)
    # gsi1: ERASURES / <time:012d>#<tenant>#<child>, from when the purge must look at it
    # (pellicule.store.erasures; removed with the item once the evidence is deleted).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class PurgeRun(Base):
    """Progress of one purge run in a centre: pk=TENANT#<t>, sk=PURGERUN#<run id>.

    ``steps_done`` lists the finished steps and ``counts`` what each deleted so far (added as it
    goes), so an interrupted run resumes where it stopped and its evidence record (written in
    the same transaction that marks it done) counts everything once.
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    run_id = UnicodeAttribute()
    status = UnicodeAttribute()  # running | done
    started_at = NumberAttribute()
    updated_at = NumberAttribute()
    lease_until = NumberAttribute(default=0)  # one purge at a time per centre
    steps_planned = ListAttribute[str](default=list)
    steps_done = ListAttribute[str](default=list)
    counts = MapAttribute[str, Any](default=dict)
    expires_at = NumberAttribute(null=True)  # TTL (the purge also deletes old runs)


class AuditEntry(Base):
    """One audit log entry (pk=AUDIT#<t>, sk=<seq:012d>) or the chain head (sk=HEAD).

    Hash-chained per tenant (docs/audit.md). The head carries only ``seq``, ``hash``, ``at``
    and ``consent_count`` of the last entry; the entry attributes are null on it.
    """

    class Meta(_Meta):
        pass

    seq = NumberAttribute()
    at = NumberAttribute()  # epoch milliseconds (int)
    action = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    details = MapAttribute[str, Any](null=True)
    prev_hash = UnicodeAttribute(null=True)
    prev_at = NumberAttribute(null=True)  # epoch ms of the previous entry (retention proof)
    consent_count = NumberAttribute(default=0)  # consent entries up to and including this one
    hash = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # TTL; absent on consent entries (kept as proof)


class Relative(Base):
    """A relative a guardian invited (issue 17, docs/relatives.md): sees what that guardian's
    family sees, never more. pk=TENANT#<t>, sk=RELATIVE#<id>; gsi1 (while not revoked):
    RELATIVEEMAIL#<address> / RELATIVE#<t>#<id> (the sign-in lookup)."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    relative_id = UnicodeAttribute()
    email = UnicodeAttribute()
    invited_by = UnicodeAttribute()  # the guardian's id
    may_download = BooleanAttribute(default=False)
    created_at = NumberAttribute()
    revoked_at = NumberAttribute(null=True)
    # TTL, set at revocation: the item (and its address) goes some days later; the audit
    # trail keeps the pseudonymous record.
    expires_at = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class Download(Base):
    """Something a family member downloaded (an item, or later an album archive):
    pk=TENANT#<t>, sk=DOWNLOAD#<guardian id>#<at ms:013d>-<random> (``pellicule.store.downloads``).

    What is needed to list it once the item or the album is gone (the album's title, the
    item's kind and capture date), never a file key or a URL; deleted by DynamoDB 12 months
    later (``expires_at``, like the audit log's entries).
    """

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    entry_id = UnicodeAttribute()
    at = NumberAttribute()  # epoch milliseconds
    kind = UnicodeAttribute()  # item | archive
    album_id = UnicodeAttribute()
    album_title = UnicodeAttribute(null=True)
    media_id = UnicodeAttribute(null=True)  # an item
    media_kind = UnicodeAttribute(null=True)  # photo | video
    capture_date = UnicodeAttribute(null=True)
    blurred = BooleanAttribute(default=False)
    name = UnicodeAttribute(null=True)  # an archive's file name
    expires_at = NumberAttribute()  # TTL


# --- Album archives (zip downloads; pellicule.store.archives) --------------------------------


class ArchiveJob(Base):
    """A family's album archive: sk=ARCHIVE#<id>, in the centre's partition.

    ``items``: what the gate let this family download when they asked, in album order
    (``{"m": media id, "p": position in the album}``); the archive function checks the gate
    again before writing each one. ``expires_at``: DynamoDB's TTL (the object's lifecycle
    rule deletes the zip after as many days)."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    archive_id = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    album_id = UnicodeAttribute()
    items = ListAttribute[Any](default=list)
    selection = BooleanAttribute(default=False)  # a selection of the album, not all of it
    status = UnicodeAttribute()  # queued | building | ready | failed
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    file_name = UnicodeAttribute()  # the zip's name for the browser
    object_key = UnicodeAttribute(null=True)  # archives/<tenant>/<id>.zip once built
    written = NumberAttribute(null=True)  # items in the zip
    blurred = NumberAttribute(null=True)  # of which blurred variants
    dropped = NumberAttribute(null=True)  # asked for, then no longer allowed by the gate
    size = NumberAttribute(null=True)  # bytes of the zip
    failure = UnicodeAttribute(null=True)  # a message code
    expires_at = NumberAttribute()
    # A souvenir pack of a child who left the centre (``pellicule.services.child_souvenir``):
    # ``kind`` "child", the items of several albums (``{"m", "p", "a": album, "b": blurred}``),
    # the family as the gate saw it just before (``viewer_*``), the e-mail's state and the
    # SHA-256 of its link's token. ``None`` on a family's album archive.
    kind = UnicodeAttribute(null=True)
    child_id = UnicodeAttribute(null=True)
    viewer_child_ids = ListAttribute[str](null=True)
    viewer_group_ids = ListAttribute[str](null=True)
    mail_state = UnicodeAttribute(null=True)  # due | sending | sent
    mail_claimed_at = NumberAttribute(null=True)
    token_hash = UnicodeAttribute(null=True)
    token_until = NumberAttribute(null=True)


class SouvenirNotice(Base):
    """A family told that an album's retention ends soon: sk=SOUVENIR#<album>#<guardian>.
    Written before the e-mail goes (once per album and family); TTL after the purge."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    album_id = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    at = NumberAttribute()
    expires_at = NumberAttribute()


class CoverageNotice(Base):
    """The weekly "few or no photos" report of one week sent to a centre's directors:
    sk=COVERAGE#<week>. Written before the e-mails go (once per centre and week); TTL."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    week = UnicodeAttribute()
    at = NumberAttribute()
    expires_at = NumberAttribute()


class ConsentCampaign(Base):
    """A centre's current (or last) consent campaign: sk=CAMPAIGN. While it is open, gsi1
    CAMPAIGNS / <tenant> (the daily run's list of centres to remind); removed on close."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    season = UnicodeAttribute()
    group_ids = ListAttribute[str](default=list)  # empty: the whole centre
    text_version = UnicodeAttribute()
    created_by = UnicodeAttribute()  # staff:<id>
    started_at = NumberAttribute()
    reminder_days = NumberAttribute()
    max_reminders = NumberAttribute()
    closed_at = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = _gsi1()


class CampaignSend(Base):
    """What a campaign sent to one guardian: sk=CAMPAIGNSEND#<campaign>#<guardian>. Claimed
    (``sending``) before the e-mail goes; TTL a year after the campaign started."""

    class Meta(_Meta):
        pass

    tenant_id = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    state = UnicodeAttribute()  # sending | sent | no_email | rejected
    claimed_at = NumberAttribute()
    first_sent_at = NumberAttribute(null=True)
    last_sent_at = NumberAttribute(null=True)
    reminders = NumberAttribute(default=0)
    expires_at = NumberAttribute()


ALL_MODELS: tuple[type[Base], ...] = (
    Base,
    Tenant,
    Staff,
    Site,
    Group,
    Child,
    Guardian,
    Consent,
    ConsentEvent,
    Album,
    Media,
    MediaTag,
    Session,
    Device,
    LoginToken,
    RateCounter,
    IngestClaim,
    ErasureRequest,
    PurgeRun,
    AuditEntry,
    Relative,
    Download,
    ArchiveJob,
    SouvenirNotice,
    CoverageNotice,
    ConsentCampaign,
    CampaignSend,
)

_bound: tuple[str, str] | None = None


def bind(table_name: str, region: str | None) -> None:
    """Point every model at ``table_name`` (idempotent; resets cached connections)."""
    global _bound, _client
    if _bound == (table_name, region or ""):
        return
    for model in ALL_MODELS:
        model.Meta.table_name = table_name
        model.Meta.region = region or None
        model._connection = None
    with _client_lock:
        _client = None
    _bound = (table_name, region or "")


def unbind() -> None:
    global _bound
    _bound = None
