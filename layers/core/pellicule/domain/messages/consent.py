"""Consent: the terms a guardian or the staff ask for (``pellicule.domain.consent``) and why a
change is refused (``pellicule.services.consent``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- The terms asked for (parse_terms). {field}: one of the two terms below ---
    "consent_field_audiences": Message("Publics", "Audiences"),
    "consent_field_media_kinds": Message("Types de médias", "Media kinds"),
    "consent_list_expected": Message("{field} : liste attendue.", "{field}: a list is expected."),
    "consent_values_unknown": Message(
        "{field} inconnus : {unknown} (possibles : {allowed}).",
        "{field}, unknown: {unknown} (expected: {allowed}).",
    ),
    "consent_choose_one": Message(
        "{field} : cochez-en au moins un, ou retirez le consentement.",
        "{field}: choose at least one, or withdraw the consent.",
    ),
    "consent_window_invalid": Message(
        "La fin de validité doit être après le début et dans le futur.",
        "The end of validity must follow the start and lie in the future.",
    ),
    "consent_too_long": Message(
        "Un consentement vaut au plus {years} ans.", "A consent lasts at most {years} years."
    ),
    # --- A change refused by the rule (pellicule.domain.consent: Decision.refusal) ---
    "consent_not_a_guardian": Message(
        "Seuls les responsables de l'enfant peuvent consentir.",
        "Only the child's guardians may consent.",
    ),
    "consent_unknown_terms": Message(
        "Public ou type de média inconnu.", "Unknown audience or media kind."
    ),
    "consent_empty_terms": Message(
        "Cochez au moins un public et un type, ou retirez le consentement.",
        "Choose at least one audience and kind, or withdraw the consent.",
    ),
    "consent_ended": Message(
        "La fin de validité doit être dans le futur.", "The end of validity must lie in the future."
    ),
    "consent_changed_meanwhile": Message(
        "Le consentement vient d'être modifié ; rechargez la page.",
        "The consent was just changed; please reload.",
    ),
}
