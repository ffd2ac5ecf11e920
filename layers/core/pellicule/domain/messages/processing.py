"""Processing: why an uploaded file was refused (``pellicule.services.ingest``,
``functions/process``, ``functions/video``), or why an upload never finished
(``pellicule.domain.purge``). Stored on the item, shown to the uploader."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Uploads never finished, marked failed by the purge (pellicule.domain.purge) ---
    "upload_never_completed": Message("Envoi jamais terminé.", "The upload was never completed."),
    "processing_interrupted": Message(
        "Traitement interrompu ; renvoyez le fichier.",
        "Processing did not finish; upload the file again.",
    ),
    # --- Photos ---
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
    # --- Videos (functions/video/video.py) ---
    "video_unreadable": Message(
        "Fichier vidéo illisible ou corrompu.", "Unreadable or corrupt video file."
    ),
    "video_no_track": Message(
        "Le fichier ne contient pas d'image vidéo.", "The file contains no video track."
    ),
    "video_codec_unsupported": Message(
        "Format vidéo non pris en charge (acceptés : {expected}).",
        "Unsupported video format (accepted: {expected}).",
    ),
    "video_audio_unsupported": Message(
        "Format audio de la vidéo non pris en charge.", "Unsupported audio format in the video."
    ),
    "video_too_slow": Message(
        "La conversion de cette vidéo prend trop de temps ; envoyez un extrait plus court ou "
        "de plus basse définition.",
        "Converting this video takes too long; send a shorter or lower-resolution clip.",
    ),
    "video_too_long_minutes": Message(
        "Vidéo trop longue (plus de {minutes} min).", "Video too long (over {minutes} min)."
    ),
    "video_too_long_seconds": Message(
        "Vidéo trop longue (plus de {seconds} s).", "Video too long (over {seconds} s)."
    ),
    "video_resolution_too_high": Message(
        "Définition de la vidéo trop grande (plus de {pixels} pixels).",
        "Video resolution too high (over {pixels} pixels).",
    ),
    "video_too_large_to_process": Message(
        "Vidéo trop volumineuse pour être traitée.", "Video too large to be processed."
    ),
}
