"""The roster import (``functions/admin/roster_import.py``, docs/roster-import.md): what is
wrong with a file or one of its lines, and the notes of a preview or an import."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- The file as a whole ---
    "import_file_too_large": Message(
        "Fichier trop lourd : 180 Ko au plus (environ 1 500 lignes). Coupez-le en plusieurs "
        "fichiers.",
        "File too large: 180 KB at most (about 1,500 lines). Split it into several files.",
    ),
    "import_too_many_rows": Message(
        "Trop de lignes : 2 000 au plus par fichier.", "Too many lines: 2,000 at most per file."
    ),
    "import_too_many_columns": Message(
        "Trop de colonnes : 60 au plus.", "Too many columns: 60 at most."
    ),
    "import_file_unreadable": Message(
        "Ce fichier n'est pas un CSV lisible (enregistrez-le en « CSV » depuis votre tableur).",
        "This file is not a readable CSV (save it as \u201cCSV\u201d from your spreadsheet).",
    ),
    "import_file_empty": Message(
        "Le fichier ne contient pas de ligne d'en-tête suivie de lignes.",
        "The file has no header line followed by lines.",
    ),
    "import_mapping_columns": Message(
        "La correspondance doit donner un champ à chaque colonne du fichier.",
        "The mapping must give a field to every column of the file.",
    ),
    "import_mapping_twice": Message(
        "Un même champ est choisi pour deux colonnes.", "One field is chosen for two columns."
    ),
    "import_mapping_incomplete": Message(
        "Choisissez au moins les colonnes du prénom, du nom (ou de l'initiale) et du groupe.",
        "Choose at least the first-name, last-name (or initial) and group columns.",
    ),
    # --- One line ---
    "import_first_name_missing": Message("Prénom manquant.", "First name missing."),
    "import_initial_missing": Message(
        "Nom (ou initiale) manquant.", "Last name (or initial) missing."
    ),
    "import_initial_invalid": Message(
        "Le nom doit commencer par une lettre.", "The last name must start with a letter."
    ),
    "import_group_missing": Message("Groupe manquant.", "Group missing."),
    "import_value_too_long": Message("Valeur trop longue.", "Value too long."),
    "import_email_invalid": Message("Adresse e-mail invalide.", "Invalid e-mail address."),
    "import_child_twice": Message(
        "Cet enfant figure déjà plus haut dans le fichier.",
        "This child is already on an earlier line of the file.",
    ),
    "import_child_archived": Message(
        "Cet enfant est archivé : il n'est pas réimporté.",
        "This child is archived: they are not imported again.",
    ),
    "import_family_too_large": Message(
        "Ce responsable aurait plus de 30 enfants.", "This guardian would have over 30 children."
    ),
    # --- Notes ---
    "import_note_surname_dropped": Message(
        "Seule l'initiale du nom est conservée : le nom de famille n'est pas enregistré.",
        "Only the initial of the last name is kept: the surname is not stored.",
    ),
    "import_note_without_email": Message(
        "{count} ligne(s) sans adresse e-mail : l'enfant est importé sans responsable.",
        "{count} line(s) without an e-mail address: the child is imported without a guardian.",
    ),
    "import_note_welcome_later": Message(
        "{count} nouveau(x) responsable(s) : leur e-mail de bienvenue part avec le "
        "prochain envoi quotidien.",
        "{count} new guardian(s): their welcome e-mail goes out with the next daily run.",
    ),
}
