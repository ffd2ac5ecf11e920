"""The readable audit log (issue 18, docs/audit.md): the 400 answers of its filters."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "audit_bad_date": Message(
        "Date invalide : utilisez le format AAAA-MM-JJ.", "Invalid date: use YYYY-MM-DD."
    ),
    "audit_period_reversed": Message(
        "La date de début est après la date de fin.", "The start date is after the end date."
    ),
    "audit_bad_person": Message(
        "Personne invalide : un membre de l'équipe, un responsable ou un proche.",
        "Invalid person: a staff member, a guardian or a relative.",
    ),
    "audit_bad_action": Message("Action inconnue.", "Unknown action."),
}
