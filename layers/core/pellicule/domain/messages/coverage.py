"""The weekly "few or no photos" report to directors (``functions/digest/coverage.py``) and its
page (``web/coverage.html``, ``GET /api/admin/reports/weekly-coverage``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "coverage_mail_subject": Message(
        "enfants peu ou pas photographiés cette semaine",
        "children with few or no photos this week",
    ),
    "coverage_mail_intro": Message(
        "Semaine {week} (du {first} au {last}) : {items} éléments publiés au centre « {centre} ». "
        "Ces enfants n'y apparaissent sur aucun élément ou sur un seul (d'après les étiquettes "
        "posées par l'équipe) :",
        'Week {week} ({first} to {last}): {items} items published at the centre "{centre}". '
        "These children appear on none of them or on one only (going by the tags the team "
        "added):",
    ),
    "coverage_mail_group": Message("{group} : {children}", "{group}: {children}"),
    "coverage_mail_child_none": Message("{name} (aucun)", "{name} (none)"),
    "coverage_mail_child_few": Message("{name} ({count})", "{name} ({count})"),
    "coverage_mail_everyone": Message(
        "Semaine {week} (du {first} au {last}) : {items} éléments publiés au centre « {centre} ». "
        "Chaque enfant inscrit apparaît sur plusieurs d'entre eux.",
        'Week {week} ({first} to {last}): {items} items published at the centre "{centre}". '
        "Every enrolled child appears on several of them.",
    ),
    "coverage_mail_no_group": Message("Sans groupe", "No group"),
    "coverage_mail_open": Message("Voir le rapport", "See the report"),
    "coverage_mail_why": Message(
        "Ce rapport vous parvient chaque semaine parce que vous dirigez ce centre ; il ne "
        "compte que les étiquettes, jamais les visages.",
        "You receive this report every week because you direct this centre; it counts tags "
        "only, never faces.",
    ),
    "coverage_week_invalid": Message(
        "Semaine invalide (attendu : AAAA-Sss, par exemple 2026-W49).",
        "Invalid week (expected: YYYY-Www, e.g. 2026-W49).",
    ),
}
