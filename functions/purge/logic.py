"""The purge: storage limitation, orphans, lapsed consents, erasure requests (docs/retention.md).

Each centre's run is recorded on its run item (``pellicule.store.purge_runs``: its planned
and finished steps, what it has deleted so far, a lease so that one run at a time works on a
centre): an interrupted run (time budget, crash) is resumed by the next invocation, and its
evidence record - a ``purge`` audit entry with the counts - is written once, in the
transaction that marks it done.

Records that belong to no centre and expire (sessions, sign-in links, rate counters,
processing claims, finished runs) are not read here: every read refuses them once expired
and DynamoDB's TTL deletes them (``expires_at``, docs/retention.md). No scheduled run reads
the whole table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from functions.purge import erasing
from pellicule.config import clock, topology
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import erasure, purge
from pellicule.domain import retention as rules
from pellicule.services import audit, consent, publication, retention, tenant_settings
from pellicule.store import archives, child_packs, consents, data, erasures, media, purge_runs
from pellicule.store.media import AlbumRecord, MediaRecord

LEASE_SECONDS = 16 * 60  # longer than one invocation (15 min): a crashed run frees it then
RUN_KEPT_SECONDS = 30 * 24 * 3600
ACTOR = "system:purge"

# Steps of a centre's run, in order. The daily schedule plans them all; the hourly one only
# the erasure requests (the 24-hour deadline).
STEPS = ("erasures", "retention", "orphans", "lapsed", "audit")
HOURLY_STEPS = topology.ERASURE_STEPS


class Interrupted(Exception):
    """The time budget is spent: stop cleanly, the next run resumes."""


@dataclass
class Report:
    complete: bool = True
    tenants: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "tenants": self.tenants,
            "skipped": self.skipped,
            "errors": self.errors,
        }


@dataclass
class Context:
    tenant_id: str
    now: float
    tally: retention.Tally
    should_stop: Callable[[], bool]
    # The centre's albums as this run left them: read once (by the first step that needs
    # them), the albums the retention step deletes taken out.
    albums: list[AlbumRecord] | None = None
    # How many items the orphans step read (every item of the centre), None until it ran.
    items_seen: int | None = None

    def check(self) -> None:
        if self.should_stop():
            raise Interrupted

    def centre_albums(self) -> list[AlbumRecord]:
        if self.albums is None:
            self.albums = media.albums(self.tenant_id)
        return self.albums

    def forgot(self, album: AlbumRecord) -> None:
        if self.albums is not None:
            self.albums = [a for a in self.albums if a.album_id != album.album_id]


def run(
    tenants: Iterable[str] | None = None,
    *,
    steps: Iterable[str] = STEPS,
    should_stop: Callable[[], bool] = lambda: False,
) -> Report:
    """One purge invocation over ``tenants`` (default: every centre; for the erasures alone,
    the hourly run, the centres with a request to act on now)."""
    data.ready()
    planned = [step for step in STEPS if step in set(steps)]
    report = Report()
    try:
        for tenant_id in _tenant_ids(tenants, report, planned):
            try:
                counts = _run_tenant(tenant_id, planned, should_stop)
            except Interrupted:
                raise
            except purge_runs.Busy:
                report.skipped[tenant_id] = "another purge run holds this centre"
                continue
            except Exception as error:  # noqa: BLE001 - one centre must not stop the others
                # Logged with its type only (messages may quote data); the others go on.
                logger("purge").exception("purge failed", extra={"tenant": tenant_id})
                report.errors[tenant_id] = type(error).__name__
                continue
            report.tenants[tenant_id] = counts
    except Interrupted:
        report.complete = False
    return report


def _tenant_ids(wanted: Iterable[str] | None, report: Report, planned: list[str]) -> list[str]:
    """The centres a run visits: those named, else - the erasures alone - the centres with a
    request to act on now (the erasure index), else every centre (the centres index). Never
    a scan of the table."""
    if wanted is None and set(planned) <= set(HOURLY_STEPS):
        return erasures.due_centres(clock.now())
    if wanted is None:
        return purge_runs.tenant_ids()
    found = []
    for tenant_id in wanted:
        if not purge_runs.tenant_exists(tenant_id):
            report.errors[tenant_id] = "UnknownTenant"
            continue
        found.append(tenant_id)
    return found


def _run_tenant(tenant_id: str, planned: list[str], should_stop: Callable[[], bool]) -> dict:
    """One centre's run. The run item is written when the run starts (with its lease), after
    a step that counted something (its counts and finished steps), and when it is marked done:
    a step that changed nothing leaves it as it was (an interrupted run does such a step again:
    every step is idempotent, and one with nothing to do is a few reads). The lease (16
    minutes) outlasts the invocation (at most 15): it is never renewed during a run."""
    now = clock.now()
    run = purge_runs.open_run(tenant_id, planned, now, LEASE_SECONDS)
    tally = retention.Tally(run)
    context = Context(tenant_id, now, tally, should_stop)
    done = list(run.steps_done or [])
    for step in list(run.steps_planned or planned):
        if step in done:
            continue
        before = dict(tally.counts)
        STEP_FUNCTIONS[step](context)
        done.append(step)
        if tally.counts != before:
            tally.save(steps_done=done)
    counts = dict(tally.counts)
    outcome = purge_runs.Outcome(
        counts=counts, steps_done=done, expires_at=int(now) + RUN_KEPT_SECONDS, at=int(clock.now())
    )
    if counts:
        details: dict[str, Any] = dict(sorted(counts.items())[: audit.MAX_DETAILS - 1])
        details["steps"] = ",".join(run.steps_planned or planned)
        audit.append(
            tenant_id,
            "purge",
            ACTOR,
            f"purge:{run.run_id}",
            details,
            companions=(purge_runs.finished(run, outcome),),
        )
    else:
        purge_runs.finish(run, outcome)
    return counts


# --- Steps ---------------------------------------------------------------------------------


def _erasures(context: Context) -> None:
    for request in erasures.of_centre(context.tenant_id):
        context.check()
        action = erasure.next_action(erasing.state_of(request), context.now)
        if action == erasure.CARRY_OUT:
            # Album archives may hold the child's pictures: every one of the centre goes
            # (they are temporary by nature; a family asks again, the gate decides again).
            # A souvenir pack of a child who left goes if it is that child's or holds one of
            # their items; the others stay (their family cannot ask again).
            _drop_archives(context, album_id=None, erased_child=request.child_id)
            erasing.carry_out(context.tenant_id, request, context.now, context.tally, context.check)
        elif action == erasure.DELETE_EVIDENCE:
            erasing.delete_evidence(context.tenant_id, request, context.tally)


def _purge(context: Context, item: MediaRecord, counted: str) -> None:
    removed, versions = retention.purge_item(
        context.tenant_id, item, context.tally.pending(**{counted: 1})
    )
    context.tally.add(object_versions=versions)
    if removed:
        context.tally.commit(**{counted: 1})


def _album_facts(album: AlbumRecord) -> purge.AlbumFacts:
    return purge.AlbumFacts(album.album_id, album.album_date)


def _item_facts(item: MediaRecord) -> purge.ItemFacts:
    return purge.ItemFacts(
        media_id=item.media_id,
        album_id=item.album_id,
        state=item.state,
        created_at=float(item.created_at),
        updated_at=float(item.updated_at),
    )


def _album_items(tenant_id: str, album: AlbumRecord, months: int, now: float) -> list[MediaRecord]:
    """What the retention step reads of an album: every item of an album past retention; of
    a kept one, only the items uploaded before ``uploaded_before`` (the index is sorted by
    upload time: the oldest), the only ones that may be past retention."""
    if rules.expired(album.album_date, months, now):
        return media.album_items(tenant_id, album.album_id)
    bound = int(rules.uploaded_before(months, now))
    return media.album_items(tenant_id, album.album_id, created_before=bound)


def _retention(context: Context) -> None:
    """Albums past the centre's retention: every item, then the album itself; in the albums
    kept, the items uploaded longer ago than the retention (``purge.retention_plan``). No
    CDN invalidation: the edge forgets a deleted object within ``MEDIA_EDGE_TTL_SECONDS``."""
    tenant_id, now = context.tenant_id, context.now
    albums = context.centre_albums()
    if not albums:
        return  # no album, no item in one: nothing past retention (the settings are not read)
    months = tenant_settings.for_tenant(tenant_id).media_retention_months
    for album in list(albums):
        found = {item.media_id: item for item in _album_items(tenant_id, album, months, now)}
        todo = purge.retention_plan(
            [_album_facts(album)], [_item_facts(m) for m in found.values()], months, now
        )
        if todo.items or album.album_id in todo.expired_albums:
            _drop_archives(context, album_id=album.album_id)  # no zip outlives its items
        for doomed in todo.items:
            context.check()
            _purge(context, found[doomed.media_id], doomed.reason)
        if album.album_id in todo.expired_albums:
            _forget_album(context, album)


def _drop_archives(
    context: Context, *, album_id: str | None, erased_child: str | None = None
) -> None:
    """Delete the centre's album archives (or one album's): every version of each zip under
    ``archives/<tenant>/``, then its job (docs/delivery.md, "Album archives"). For an
    erasure, the souvenir packs of other children that hold none of the erased child's items
    are kept (read before the erasure deletes the child's tags: a re-run finds them gone
    with the packs that held them)."""
    bucket = get_settings().media_bucket
    shown: set[str] | None = None
    for job in archives.of_centre(context.tenant_id, album_id=album_id):
        if erased_child is not None and _pack_of_another_child(job, erased_child):
            if shown is None:
                shown = set(media.child_media_ids(context.tenant_id, erased_child))
            if not shown & {item.media_id for item in child_packs.items_of(job)}:
                continue
        key = f"{topology.ARCHIVES_PREFIX}{context.tenant_id}/{job.archive_id}.zip"
        context.tally.add(object_versions=retention.delete_prefix(bucket, key))
        archives.forget(job)


def _pack_of_another_child(job: archives.ArchiveRecord, child_id: str) -> bool:
    return child_packs.is_pack(job) and job.child_id != child_id


def _forget_album(context: Context, album: AlbumRecord) -> None:
    """An album past retention, its items gone: the copies left in its areas, then the album."""
    tenant_id = context.tenant_id
    settings = get_settings()
    for area in (publication.SERVED_PREFIX, publication.DOWNLOAD_PREFIX):
        prefix = f"{topology.MEDIA_PREFIX}{tenant_id}/{area}/{album.album_id}/"
        context.tally.add(object_versions=retention.delete_prefix(settings.media_bucket, prefix))
    if retention.transact(
        [media.album_ref(tenant_id, album.album_id)],
        context.tally.pending(expired_albums=1),
        first_must_exist=True,
    ):
        context.tally.commit(expired_albums=1)
    context.forgot(album)  # deleted now or by an earlier run: the orphans step knows


PAGE = 100  # items read (and planned) at a time by the orphans step


def _orphans(context: Context) -> None:
    """Uploads never finished (-> failed), failed items after a week, items of no album
    (``purge.orphan_plan``, a page of items at a time); then objects of no item in the media
    bucket and ingest leftovers."""
    tenant_id, now = context.tenant_id, int(context.now)
    albums = {album.album_id for album in context.centre_albums()}
    read_again = False
    known: set[str] = set()
    uploading: set[str] = set()
    context.items_seen = 0
    for page in erasing.pages(media.centre_items(tenant_id), PAGE):
        context.items_seen += len(page)
        found = {item.media_id: item for item in page}
        facts = [_item_facts(m) for m in page]
        todo = purge.orphan_plan(albums, facts, now)
        if not read_again and any(d.reason == purge.ORPHAN_MEDIA for d in todo.items):
            # An item of no album as the run knew them: the albums are read again before it
            # goes (one created since the run read them, and its first uploads, stay).
            context.albums, read_again = None, True
            albums = {album.album_id for album in context.centre_albums()}
            todo = purge.orphan_plan(albums, facts, now)
        known |= todo.known
        uploading |= todo.uploading
        for doomed in todo.items:
            context.check()
            _purge(context, found[doomed.media_id], doomed.reason)
        for abandoned in todo.abandoned:
            context.check()
            if media.mark_failed(
                found[abandoned.media_id],
                was=abandoned.state,
                reason=abandoned.failure_reason,
                at=now,
            ):
                context.tally.add(uploads_abandoned=1)
    _orphan_objects(context, known, uploading)


def _orphan_objects(context: Context, known: set[str], uploading: set[str]) -> None:
    """Media-bucket objects of no item and ingest leftovers, older than the grace period;
    multipart uploads of no upload under way."""
    tenant_id = context.tenant_id
    settings = get_settings()
    grace = int(context.now) - rules.ORPHAN_GRACE_SECONDS

    def has_item(key: str) -> bool:
        parts = key.split("/")
        # t/<t>/m/<media>/<file>, t/<t>/{s,d}/<album>/<scope>/<media>/<file>
        if len(parts) >= 5 and parts[2] == "m":
            return parts[3] in known
        if len(parts) >= 7 and parts[2] in (publication.SERVED_PREFIX, publication.DOWNLOAD_PREFIX):
            return parts[5] in known
        return True  # not an item's object: never touched here

    def under_way(key: str) -> bool:
        # ingest/<kind>/t/<tenant>/m/<media>/<random>: a multipart upload still under way
        parts = key.split("/")
        return len(parts) >= 6 and parts[5] in uploading

    context.check()
    context.tally.add(
        orphan_objects=retention.delete_prefix(
            settings.media_bucket,
            f"{topology.MEDIA_PREFIX}{tenant_id}/",
            older_than=grace,
            keep=has_item,
        )
    )
    for prefix in _ingest_prefixes(tenant_id):
        context.check()
        context.tally.add(
            ingest_leftovers=retention.delete_prefix(
                settings.ingest_bucket, prefix, older_than=grace
            )
            + retention.abort_uploads(settings.ingest_bucket, prefix, keep=under_way)
        )


def _ingest_prefixes(tenant_id: str) -> list[str]:
    return [
        f"{topology.INGEST_PREFIX}{kind}/t/{tenant_id}/" for kind in ("photo", "video", "evidence")
    ]


def _lapsed(context: Context) -> None:
    """Published items whose served copies no longer match the gate (consents lapsed by
    themselves, a child moved to another group, an album's group changed): reconciled; those
    no audience may see any more are hidden; items the gate hid that an audience may see
    again (a consent that starts later, given back) are published again."""
    tenant_id, now = context.tenant_id, context.now
    if context.items_seen == 0:
        # The orphans step of this run just read every item of the centre and found none: an
        # item published since went through the gate moments ago (the next run follows it).
        return
    followed = iter(
        media.in_state_or_hidden_by(
            tenant_id,
            publication.PUBLISHED,
            hidden=publication.HIDDEN,
            hidden_by=publication.HIDDEN_BY_GATE,
        )
    )
    first = next(followed, None)
    if first is None:
        return  # nothing published or hidden by the gate: the gate's inputs are not read
    # The gate's inputs as they are now (not the albums the run read earlier: an album's
    # audience may have changed meanwhile).
    albums = {album.album_id: album for album in media.albums(tenant_id)}
    groups = publication.child_groups(tenant_id)
    grants = {
        record.child_id: [consent.grant_of(record)] for record in consents.all_current(tenant_id)
    }
    for item in itertools.chain([first], followed):
        context.check()
        tagged = item.tagged_child_ids or set()
        wanted = publication.desired_scopes(
            item, albums.get(item.album_id), groups, {c: grants.get(c, []) for c in tagged}, now
        )
        if publication.is_current(item, wanted):
            continue
        outcome = publication.reconcile(tenant_id, item.media_id, reason="purge", at=now)
        if outcome.outcome == "hidden":
            context.tally.add(items_hidden=1)
        elif outcome.outcome == "restored":
            context.tally.add(items_restored=1)
        elif outcome.outcome != "unchanged":
            context.tally.add(items_reconciled=1)


def _audit(context: Context) -> None:
    """Entries past their retention: 12 months; consent entries after the proof period.
    First, the views and downloads still waiting are chained (docs/audit.md, "Batched
    entries"): the daily sweep that bounds how long one may wait."""
    tenant_id = context.tenant_id
    audit.chain_pending(tenant_id)
    now_ms = int(context.now * 1000)
    proof_ms = rules.PROOF_SECONDS * 1000
    doomed: list[purge_runs.AuditEntryRecord] = []
    for entry in purge_runs.audit_entries(tenant_id):
        if entry.action in audit.CONSENT_ACTIONS:
            if int(entry.at) + proof_ms > now_ms:
                continue  # kept as proof
        elif int(entry.at) + audit.RETENTION_SECONDS * 1000 > now_ms:
            break  # entries are in time order: every later one is younger still
        doomed.append(purge_runs.audit_entry_ref(entry))
        if len(doomed) == 90:
            context.check()
            retention.transact(doomed, context.tally.pending(audit_entries=len(doomed)))
            context.tally.commit(audit_entries=len(doomed))
            doomed = []
    if doomed:
        retention.transact(doomed, context.tally.pending(audit_entries=len(doomed)))
        context.tally.commit(audit_entries=len(doomed))


STEP_FUNCTIONS: dict[str, Callable[[Context], None]] = {
    "erasures": _erasures,
    "retention": _retention,
    "orphans": _orphans,
    "lapsed": _lapsed,
    "audit": _audit,
}
