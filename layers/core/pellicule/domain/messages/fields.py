"""A request's fields: what the parser of typed requests refuses (``pellicule.api.schema``,
``InvalidRequest``, family ``invalid_request``). ``{field}`` is the value's path in the request
(``boxes[0][1]``, ``email``; the body itself is ``request_body``), the same in both languages."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "request_body": Message("corps", "body"),  # the {field} of the body itself
    "field_unknown": Message("« {field} » : champ inconnu.", "{field}: unknown field."),
    "field_required": Message("« {field} » : champ obligatoire.", "{field}: required field."),
    "field_unknown_value": Message(
        "« {field} » : valeur inconnue (possibles : {choices}).",
        "{field}: unknown value (expected one of {choices}).",
    ),
    "field_boolean_expected": Message(
        "« {field} » : vrai ou faux attendu.", "{field}: true or false expected."
    ),
    "field_object_expected": Message(
        "« {field} » : un objet JSON est attendu.", "{field}: a JSON object is expected."
    ),
    "field_text_expected": Message(
        "« {field} » : texte attendu.", "{field}: a string is expected."
    ),
    "field_text_length": Message(
        "« {field} » : entre {minimum} et {maximum} caractères.",
        "{field}: {minimum} to {maximum} characters.",
    ),
    "field_format": Message("« {field} » : format non reconnu.", "{field}: unexpected format."),
    "field_date_expected": Message(
        "« {field} » : date AAAA-MM-JJ attendue.", "{field}: YYYY-MM-DD expected."
    ),
    "field_date_range": Message(
        "« {field} » : date entre {earliest} et {latest} attendue.",
        "{field}: a date between {earliest} and {latest} is expected.",
    ),
    "field_whole_expected": Message(
        "« {field} » : nombre entier attendu.", "{field}: a whole number is expected."
    ),
    "field_number_expected": Message(
        "« {field} » : nombre attendu.", "{field}: a number is expected."
    ),
    "field_number_range": Message(
        "« {field} » : un nombre entre {minimum} et {maximum}.",
        "{field}: a number from {minimum} to {maximum}.",
    ),
    "field_list_expected": Message(
        "« {field} » : une liste est attendue.", "{field}: a list is expected."
    ),
    "field_items_count": Message(
        "« {field} » : entre {minimum} et {maximum} éléments.",
        "{field}: {minimum} to {maximum} items.",
    ),
    "field_duplicates": Message("« {field} » : éléments en double.", "{field}: duplicate items."),
    "field_entries_count": Message(
        "« {field} » : entre {minimum} et {maximum} entrées.",
        "{field}: {minimum} to {maximum} entries.",
    ),
}
