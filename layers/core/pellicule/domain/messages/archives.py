"""Album archives: a family's zip of an album or of a selection (``functions/family`` archive
routes, ``functions/archive``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "archive_not_found": Message("Archive introuvable.", "Archive not found."),
    "archive_nothing_to_download": Message(
        "Rien à télécharger dans cet album pour le moment.",
        "Nothing to download in this album for now.",
    ),
    "archive_too_large": Message(
        "Trop d'éléments pour une seule archive (au plus {limit}).",
        "Too many items for one archive (at most {limit}).",
    ),
    "archive_nothing_left": Message(
        "Plus aucun de ces éléments ne peut être téléchargé.",
        "None of these items may be downloaded any more.",
    ),
    "archive_failed": Message(
        "L'archive n'a pas pu être préparée. Réessayez plus tard.",
        "The archive could not be prepared. Try again later.",
    ),
}
