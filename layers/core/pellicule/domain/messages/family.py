"""The family space: children, the gallery, downloads, erasure requests and the daily digest's
subscription (``functions/family``, ``functions/digest``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "child_not_found": Message("Enfant introuvable.", "Child not found."),
    "consent_text_changed": Message(
        "Le texte du consentement a changé : relisez-le puis validez.",
        "The consent text changed: read it again, then confirm.",
    ),
    "downloads_not_allowed": Message(
        "Le centre ne permet pas le téléchargement.", "The centre does not allow downloads."
    ),
    "erasure_confirm": Message(
        "Confirmez la demande d'effacement.", "Confirm the erasure request."
    ),
    "album_cursor_filter_mismatch": Message(
        "Cette page suivante appartient à l'autre filtre : rouvrez l'album.",
        "This next page belongs to the other filter: open the album again.",
    ),
    # --- The daily digest (POST /api/digest/unsubscribe) ---
    "unsubscribe_link_invalid": Message(
        "Ce lien de désabonnement n'est pas valable. Utilisez celui d'un e-mail récent, ou "
        "demandez au centre.",
        "This unsubscribe link is not valid. Use the one in a recent e-mail, or ask the centre.",
    ),
    "digest_unsubscribed": Message(
        "C'est fait : vous ne recevrez plus l'e-mail quotidien des nouvelles photos.",
        "Done: you will no longer receive the daily new-photos e-mail.",
    ),
}
