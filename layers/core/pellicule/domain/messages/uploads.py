"""Uploading: grants, multipart uploads (``functions/upload``) and the face boxes of the
blurred variants (``pellicule.domain.faces``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Grants ---
    "upload_type_not_accepted": Message(
        "« {name} » : type {type} non accepté (acceptés : {accepted}).",
        "'{name}': type {type} not accepted (accepted: {accepted}).",
    ),
    "upload_type_unknown": Message(
        "« {name} » : type inconnu, non accepté (acceptés : {accepted}).",
        "'{name}': unknown type, not accepted (accepted: {accepted}).",
    ),
    "upload_too_large": Message(
        "« {name} » dépasse {megabytes} Mo.", "'{name}' is larger than {megabytes} MB."
    ),
    "album_not_found": Message("Album introuvable.", "Album not found."),
    "media_not_found": Message("Élément introuvable.", "Item not found."),
    # --- Multipart uploads (large videos) ---
    "upload_not_found": Message("Envoi introuvable.", "Upload not found."),
    "upload_not_multipart": Message(
        "Cet envoi n'est pas en plusieurs parties.", "Not a multipart upload."
    ),
    "upload_finished": Message("Cet envoi est déjà terminé.", "This upload is already finished."),
    "upload_part_numbers": Message(
        "Numéros de parties attendus entre 1 et {count}.",
        "Part numbers between 1 and {count} are expected.",
    ),
    "upload_parts_missing": Message("Parties manquantes : {parts}.", "Missing parts: {parts}."),
    "upload_size_mismatch": Message(
        "La taille du fichier reçu ne correspond pas à l'envoi annoncé.",
        "The received file size does not match the upload grant.",
    ),
    "upload_discarded_wrong_size": Message(
        "Taille reçue incorrecte ; envoi annulé.", "Wrong size; upload discarded."
    ),
    "upload_cancelled": Message("Envoi annulé.", "Upload cancelled."),
    # --- Face boxes ---
    "boxes_list_expected": Message(
        "Une liste de cadres est attendue.", "A list of boxes is expected."
    ),
    "boxes_too_many": Message("Au plus {max} cadres.", "At most {max} boxes."),
    "box_malformed": Message(
        "Cadre n°{index} : quatre nombres [x, y, largeur, hauteur] attendus.",
        "Box {index}: four numbers [x, y, width, height] expected.",
    ),
    "box_empty": Message(
        "Cadre n°{index} : vide ou hors de la photo.", "Box {index}: empty or outside the photo."
    ),
    "faces_photo_only": Message(
        "Les visages se masquent sur une photo traitée.",
        "Faces can be hidden on a processed photo only.",
    ),
    "faces_draw_first": Message("Dessinez les visages à flouter.", "Draw the faces to blur first."),
    "faces_tagged_only": Message(
        "Seuls des enfants identifiés sur la photo peuvent être floutés.",
        "Only children tagged on the photo can be blurred.",
    ),
}
