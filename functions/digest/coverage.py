"""The weekly "few or no photos" e-mail to each centre's directors (issue 18, item 9;
docs/notifications.md).

Run by the daily digest over each centre (no schedule of its own: the run that follows the
end of an ISO week, Monday 17:00 UTC, sends it, and if that run fails the next day's does):
the last complete week (Monday to Sunday, Paris time) is read from the centre's partition
(``pellicule.services.coverage``) once; on the other days one GetItem finds the week's
record. A centre where nothing was published that week gets nothing; otherwise each active
director with an address gets ONE e-mail (French then English) listing, per group, the
active children tagged on at most ``FEW`` of the week's published items. Once per centre and
week: a conditional write (``store.coverage.claim``) before the e-mails (written also when
there is nothing to send: the week is over), given back if no e-mail could be sent. Logs
carry counts and ids only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import coverage as rules
from pellicule.domain import emails
from pellicule.domain.emails import Action, Bullets, Paragraph, Phrase, Strong
from pellicule.domain.errors import error_code
from pellicule.services import coverage as service
from pellicule.store import coverage as coverage_store
from pellicule.store import roster
from pellicule.store.tenants import TenantRecord

LOG = "digest"
PAGE = "/coverage.html"
KEPT_SECONDS = 90 * 24 * 3600  # the week's record outlives the week (then DynamoDB's TTL)
DIRECTOR = "director"


@dataclass
class CoverageCounts:
    coverage_items: int = 0  # items published during the week
    coverage_listed: int = 0  # children listed
    coverage_sent: int = 0
    coverage_already: int = 0  # 1 when an earlier run (or another one) sent this week's
    coverage_failed: int = 0


def _child(child: rules.Listed) -> Phrase:
    if child.items == 0:
        return Phrase("coverage_mail_child_none", {"name": child.name})
    return Phrase("coverage_mail_child_few", {"name": child.name, "count": child.items})


def template(*, public_url: str, centre: str, report: rules.Coverage) -> emails.Email:
    """Names the centre, the groups and the listed children (first name and initial)."""
    w = report.week
    params = {
        "week": w.label,
        "first": w.first_day.isoformat(),
        "last": w.last_day.isoformat(),
        "items": report.items,
        "centre": centre,
    }
    blocks: list[emails.Block] = [Paragraph("mail_greeting")]
    if report.groups:
        blocks.append(Paragraph("coverage_mail_intro", params))
        blocks.append(
            Bullets(
                [
                    [
                        Paragraph(
                            "coverage_mail_group",
                            {
                                "group": Strong(g.name)
                                if g.name
                                else Phrase("coverage_mail_no_group"),
                                "children": [_child(c) for c in g.children],
                            },
                        )
                    ]
                    for g in report.groups
                ]
            )
        )
    else:
        blocks.append(Paragraph("coverage_mail_everyone", params))
    blocks.append(Action("coverage_mail_open", f"{public_url.rstrip('/')}{PAGE}?week={w.label}"))
    blocks.append(Paragraph("coverage_mail_why"))
    return emails.Email("coverage_mail_subject", blocks, subject_name=centre)


def run_tenant(tenant: TenantRecord, moment: int) -> CoverageCounts:
    counts = CoverageCounts()
    week = rules.last_complete_week(moment)
    # Dealt with on an earlier day: one GetItem, not the week's query, on the six other days.
    if coverage_store.handled(tenant.tenant_id, week.label):
        return counts
    report = service.weekly(tenant.tenant_id, week)
    counts.coverage_items = report.items
    directors = [
        s
        for s in roster.every_staff(tenant.tenant_id)
        if s.role == DIRECTOR and not s.archived and s.email
    ]
    # The week is over: what it holds no longer changes. Recorded (on condition) whether or
    # not anything is sent: nothing published, or no director, is dealt with too.
    if not coverage_store.claim(
        tenant.tenant_id, week.label, now=moment, expires_at=week.end + KEPT_SECONDS
    ):
        counts.coverage_already = 1
        return counts
    if not report.items or not directors:
        return counts
    counts.coverage_listed = report.listed
    for director in directors:
        if _send(tenant, director, report):
            counts.coverage_sent += 1
        else:
            counts.coverage_failed += 1
    if not counts.coverage_sent:
        coverage_store.release(tenant.tenant_id, week.label)
    return counts


def _send(tenant: TenantRecord, director: roster.StaffRecord, report: rules.Coverage) -> bool:
    from functions.digest import mail
    from pellicule.adapters import delivery

    ref = f"staff:{director.staff_id}"
    try:
        rendered = emails.render(
            template(public_url=delivery.public_url(), centre=tenant.name, report=report)
        )
        message = mail.Message(rendered.subject, rendered.text, rendered.html)
        mail.send(mail.client(), get_settings().mail_from, director.email, message)
    except Exception as error:  # noqa: BLE001 - one director's failure must not stop the run
        logger(LOG).error("coverage not sent", extra={"staff": ref, "error": error_code(error)})
        return False
    logger(LOG).info(
        "coverage sent",
        extra={"staff": ref, "week": report.week.label, "listed": report.listed},
    )
    return True
