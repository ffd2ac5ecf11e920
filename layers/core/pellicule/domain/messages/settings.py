"""A centre's settings (``pellicule.services.tenant_settings``): their names in words, and what
is wrong with a change. A refused change names every problem at once: ``settings_invalid``,
whose ``problems`` are messages below, each with the setting as ``{field}`` (a ``Term``: its
name in the answer's params, for the settings page to mark; its words here in the text)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "settings_invalid": Message("{problems}.", "{problems}."),
    # --- Problems ---
    "setting_unknown": Message("« {field} » : réglage inconnu", "'{field}': unknown setting"),
    "setting_whole_expected": Message(
        "{field} : nombre entier attendu", "{field}: an integer is expected"
    ),
    "setting_out_of_range": Message(
        "{field} : entre {minimum} et {maximum}", "{field}: between {minimum} and {maximum}"
    ),
    "setting_month_day_expected": Message(
        "{field} : date MM-JJ attendue", "{field}: MM-DD expected"
    ),
    "setting_one_of": Message("{field} : {allowed}", "{field}: one of {allowed}"),
    # --- The settings, in words (setting_<name>) ---
    "setting_max_photo_bytes": Message("taille maximale d'une photo", "maximum photo size"),
    "setting_max_video_bytes": Message("taille maximale d'une vidéo", "maximum video size"),
    "setting_max_video_seconds": Message(
        "durée maximale d'une vidéo (s)", "maximum video duration (s)"
    ),
    "setting_max_video_edge": Message(
        "définition maximale d'une vidéo (px)", "maximum video resolution (px)"
    ),
    "setting_media_retention_months": Message(
        "durée de conservation des médias (mois)", "media retention (months)"
    ),
    "setting_validation_mode": Message("mode de validation", "validation mode"),
    "setting_staff_second_factor": Message("second facteur de l'équipe", "staff second factor"),
    "setting_two_guardian_widening": Message(
        "accord des deux responsables", "both guardians must agree"
    ),
    "setting_allow_downloads": Message("téléchargement par les familles", "family downloads"),
    "setting_souvenir_days": Message(
        "jours de préavis avant la suppression d'un album", "days of notice before an album goes"
    ),
    "setting_season_end": Message("fin de saison (MM-JJ)", "season end (MM-DD)"),
}
