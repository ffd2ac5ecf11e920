"""Processing: why an uploaded file was refused (``pellicule.services.ingest``,
``functions/process``, ``functions/video``). Stored on the item, shown to the uploader."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "media_content_mismatch": Message(
        "Le contenu du fichier ne correspond pas à son type (attendus : {expected}).",
        "The file content does not match its type (expected: {expected}).",
    ),
    "media_unsupported_format": Message("Format non pris en charge.", "Unsupported format."),
    "media_jpeg_precision": Message(
        "Format non pris en charge : JPEG en {bits} bits (8 bits attendus).",
        "Unsupported format: {bits}-bit JPEG (8-bit expected).",
    ),
    "media_too_many_pixels": Message(
        "Image trop grande (plus de {megapixels} mégapixels).",
        "Image too large (over {megapixels} megapixels).",
    ),
    "media_corrupt": Message(
        "Fichier image illisible ou corrompu.", "Unreadable or corrupt image file."
    ),
    "media_not_a_rendition": Message(
        "La source n'est pas une version « téléchargement » (JPEG).",
        "The source is not a download rendition (JPEG).",
    ),
    "video_too_large_to_process": Message(
        "Vidéo trop volumineuse pour être traitée.", "Video too large to be processed."
    ),
}
