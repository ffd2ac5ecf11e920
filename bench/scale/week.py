"""One simulated week: centres seeded, then seven days of what their staff and families do.

A *sampled* centre (small, medium or large: ``bench.scale.__main__``) is built through the
staff API (groups, children, guardians, consents) and lives its whole week through the real
handlers.
A *background* centre (the rest up to the size simulated) is seeded straight into the stores
(its profile, two staff, its guardians, no media): the scheduled jobs visit it as they visit
any centre, which is what makes their cost per centre move with the number of centres.

Each day: uploads (days 1 to 4), tagging and validation, the 17:00 digest, the 18:00 visit
peak (the half of the guardians who come that day open the day's album once and download one
photo), and the nightly purge (over all N centres on the last night, over the sampled ones on
the others: ``run_week``); on day 5 one consent withdrawal and one restriction, on day 6
one erasure request. Quantities are counted by phase (``Meter.acting``) so that the monthly
figures can scale each phase by its own frequency (``bench.scale.__main__``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from bench.cost import Centre
from bench.scale.world import World

GROUP = "families_of_group"
CENTRE = "all_families_of_centre"
UPLOAD_DAYS = 4  # days a week with something new (docs/cost-model.md: 4 digests a week)
GRANT_BATCH = 10  # files per upload grant request (the staff page uploads in batches)
CHILDREN_PER_GROUP = 20
DAY = 86_400
NIGHTS = 7
# The night whose scheduled runs visit all N centres: the last, when the sampled centres did
# least (their own work on the other nights is counted on them, not on the platform).
FULL_NIGHT = NIGHTS - 1


@dataclass
class Sampled:
    profile: Centre
    tenant_id: str
    director: str = ""
    animator: str = ""
    groups: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    guardians: list[tuple[str, str, list[str]]] = field(default_factory=list)  # id, session, kids
    albums: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    photos: int = 0


def _profile_items(tenant_id: str, staff: int) -> None:
    from pellicule.config import clock
    from pellicule.store import keys
    from pellicule.store.models import Staff, Tenant, tenant_pk

    pk = tenant_pk(tenant_id)
    Tenant(
        pk,
        "PROFILE",
        tenant_id=tenant_id,
        name=f"Centre {tenant_id}",
        created_at=int(clock.now()),
        gsi1pk=keys.CENTRES_GSI,
        gsi1sk=keys.centre_gsi_sk(tenant_id),
    ).save()
    for number in range(staff):
        role = "director" if number == 0 else "animator"
        Staff(
            pk,
            f"STAFF#s{number}",
            tenant_id=tenant_id,
            staff_id=f"s{number}",
            role=role,
            display_name=f"staff {number}",
            email=f"s{number}.{tenant_id}@centre.example",
        ).save()


def seed_background(tenant_id: str, profile: Centre) -> None:
    """A centre the scheduled jobs visit: profile, staff and guardians, straight in the store."""
    from pellicule.store.models import Guardian, tenant_pk

    _profile_items(tenant_id, min(profile.staff, 2))
    with Guardian.batch_write() as batch:  # 25 items a request: seeding is not measured
        for number in range(profile.guardians):
            batch.save(
                Guardian(
                    tenant_pk(tenant_id),
                    f"GUARDIAN#g{number}",
                    tenant_id=tenant_id,
                    guardian_id=f"g{number}",
                    email=f"g{number}.{tenant_id}@famille.example",
                )
            )


def seed_sampled(world: World, tenant_id: str, profile: Centre) -> Sampled:
    """A centre built as its director would: groups, children, guardians through the staff
    API; every guardian gives consent for their child (group and centre) through the family
    API (a child with two guardians needs both)."""
    from pellicule.domain import consent_text
    from pellicule.services import sessions

    _profile_items(tenant_id, profile.staff)
    centre = Sampled(
        profile,
        tenant_id,
        director=sessions.create(tenant_id, "staff", "s0", "director"),
        animator=sessions.create(tenant_id, "staff", "s1", "animator"),
    )
    groups = max(1, round(profile.children / CHILDREN_PER_GROUP))
    for number in range(groups):
        made = admin(world, centre, "POST", "groups", {"name": f"groupe {number}"})
        centre.groups.append(made["group_id"])
    for number in range(profile.children):
        made = admin(
            world,
            centre,
            "POST",
            "children",
            {
                "first_name": f"Enfant{number}",
                "initial": "X",
                "group_id": centre.groups[number % groups],
            },
        )
        centre.children.append(made["child_id"])
    for number in range(profile.guardians):
        kids = [centre.children[number % profile.children]]
        made = admin(
            world,
            centre,
            "POST",
            "guardians",
            {"email": f"g{number}.{tenant_id}@famille.example", "child_ids": kids},
        )
        session = sessions.create(tenant_id, "guardian", made["guardian_id"], "guardian")
        centre.guardians.append((made["guardian_id"], session, kids))
    text = consent_text.CURRENT.sha256
    for _, session, kids in centre.guardians:
        world.api(
            "family",
            "POST",
            f"/api/family/children/{kids[0]}/consent",
            session,
            {"audiences": [GROUP, CENTRE], "media_kinds": ["photo", "video"], "text_sha256": text},
        )
    world.drain_stream()
    return centre


def admin(world: World, centre: Sampled, method: str, path: str, payload: Any = None) -> Any:
    return world.api("admin", method, f"/api/admin/{path}", centre.director, payload)


# --- the days ------------------------------------------------------------------------------


def sign_in_staff(world: World, centre: Sampled) -> None:
    """The day's staff sessions (they last 12 hours at most; sign-in mail not simulated)."""
    from pellicule.services import sessions

    with world.meter.acting(centre.tenant_id, "staff_sign_in"):
        centre.director = sessions.create(centre.tenant_id, "staff", "s0", "director")
        centre.animator = sessions.create(centre.tenant_id, "staff", "s1", "animator")


def upload_day(world: World, centre: Sampled, day: int, photo: bytes) -> list[str]:
    """The day's photos: an album, grants in batches, the browser's upload to the ingest
    bucket (counted as the PUT-class request it is), processing through the queue."""
    count = round(centre.profile.photos_per_week / UPLOAD_DAYS)
    with world.meter.acting(centre.tenant_id, "upload"):
        date = (datetime.date.today() - datetime.timedelta(days=7 - day)).isoformat()
        album = admin(world, centre, "POST", "albums", {"title": f"Jour {day}", "date": date})
        centre.albums.append(album["album_id"])
        media: list[str] = []
        s3 = world.client("s3")
        for start in range(0, count, GRANT_BATCH):
            files = [
                {"name": f"p{n}.jpg", "type": "image/jpeg", "size": len(photo)}
                for n in range(start, min(count, start + GRANT_BATCH))
            ]
            granted = world.api(
                "upload",
                "POST",
                "/api/upload/grants",
                centre.animator,
                {"album_id": album["album_id"], "files": files},
            )
            for grant in granted["grants"]:
                s3.put_object(
                    Bucket=world.names.ingest_bucket,
                    Key=grant["fields"]["key"],
                    Body=photo,
                    ContentType=grant["fields"]["Content-Type"],
                )
                media.append(str(grant["media_id"]))
            world.drain_uploads()
        centre.photos += len(media)
    return media


def validate(world: World, centre: Sampled, media: list[str]) -> None:
    """Each item tagged (one or two children with consent) by an animator, approved by the
    director; the stream's consequences (served copies) through ``revocation``."""
    consenting = centre.children
    with world.meter.acting(centre.tenant_id, "validation"):
        for number, media_id in enumerate(media):
            kids = [consenting[number % len(consenting)]]
            if number % 3 == 0:
                kids.append(consenting[(number + 1) % len(consenting)])
            world.api(
                "admin",
                "PUT",
                f"/api/admin/media/{media_id}/tags",
                centre.animator,
                {"child_ids": kids},
            )
            admin(world, centre, "POST", f"media/{media_id}/review", {"decision": "approve"})
            centre.published.append(media_id)
        world.drain_stream()


def visits(world: World, centre: Sampled, day: int) -> None:
    """The 18:00 peak after the digest: half the guardians (alternating days) open the day's
    album, the first photo they see full size (a download)."""
    from pellicule.services import sessions

    with world.meter.acting(centre.tenant_id, "visits"):
        for number, (guardian_id, _, _) in enumerate(centre.guardians):
            if (number + day) % 2:
                continue
            # Signed in through the digest's link: a new session (the e-mailed link and its
            # exchange are not simulated).
            session = sessions.create(centre.tenant_id, "guardian", guardian_id, "guardian")
            world.api("family", "GET", "/api/family/me", session)
            world.api("family", "GET", "/api/family/albums", session)
            if not centre.albums:
                continue
            album = world.api("family", "GET", f"/api/family/albums/{centre.albums[-1]}", session)
            items = album.get("items", []) if isinstance(album, dict) else []
            if items:
                media_id = items[0]["media_id"]
                world.api("family", "GET", f"/api/family/media/{media_id}/download", session)
        world.drain_stream()


def consent_changes(world: World, centre: Sampled) -> None:
    """One withdrawal and one restriction (to the group only), by the consenting guardians."""
    from pellicule.domain import consent_text
    from pellicule.services import sessions

    (first_id, _, kids), (second_id, _, other) = centre.guardians[0], centre.guardians[1]
    first = sessions.create(centre.tenant_id, "guardian", first_id, "guardian")
    second = sessions.create(centre.tenant_id, "guardian", second_id, "guardian")
    with world.meter.acting(centre.tenant_id, "consent_change"):
        world.api("family", "POST", f"/api/family/children/{kids[0]}/consent/withdraw", first)
        world.api(
            "family",
            "POST",
            f"/api/family/children/{other[0]}/consent",
            second,
            {
                "audiences": [GROUP],
                "media_kinds": ["photo", "video"],
                "text_sha256": consent_text.CURRENT.sha256,
            },
        )
        world.drain_stream()


def erasure_request(world: World, centre: Sampled) -> None:
    from pellicule.services import sessions

    guardian_id, _, kids = centre.guardians[2]
    session = sessions.create(centre.tenant_id, "guardian", guardian_id, "guardian")
    with world.meter.acting(centre.tenant_id, "erasure"):
        world.api(
            "family",
            "POST",
            f"/api/family/children/{kids[0]}/erasure-request",
            session,
            {"confirm": True},
        )


def scheduled(world: World, function: str, only: list[str] | None = None) -> None:
    """A scheduled run over every centre: its calls go to the centres their keys name, the
    rest (and the invocation) to the platform. With ``only``, the same handler run for those
    centres (the event names them): the rest goes to ``RESTRICTED``, which the sampled
    centres share (``bench.scale.__main__``)."""
    from bench.scale.meter import RESTRICTED

    with world.meter.acting(None if only is None else RESTRICTED, function):
        world.scheduled(function, only)


def run_week(
    world: World,
    sampled: list[Sampled],
    photo: bytes,
    full_night: int = FULL_NIGHT,
    label: str = "",
) -> None:
    """Seven days. The nightly runs visit every centre on the night ``full_night`` (what a
    night costs the platform at this size, measured there); on the other nights the same
    handlers run for the sampled centres only (``only``): a background centre's night is the
    same every night (nothing of theirs changes), and visiting N of them seven times would
    make the 1,000-centre week last an hour here."""
    import sys
    import time

    from pellicule.config import clock

    started = time.perf_counter()
    tenants = [centre.tenant_id for centre in sampled]
    for day in range(NIGHTS):
        print(
            f"  {label}day {day + 1} ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        only = None if day == full_night else tenants
        for centre in sampled:
            sign_in_staff(world, centre)
            if day < UPLOAD_DAYS:
                validate(world, centre, upload_day(world, centre, day, photo))
            if day == UPLOAD_DAYS:
                consent_changes(world, centre)
            if day == UPLOAD_DAYS + 1:
                erasure_request(world, centre)
        clock.advance(3600)
        scheduled(world, "digest", only)
        for centre in sampled:
            if day < UPLOAD_DAYS:
                visits(world, centre, day)
        clock.advance(DAY - 3600)
        scheduled(world, "purge", only)
