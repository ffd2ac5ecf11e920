"""Albums and items in the admin API: albums (``functions/admin/albums``), tagging, validation
and publication (``functions/admin/review``). An unknown album or item is ``album_not_found``
or ``media_not_found`` (``uploads``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Albums ---
    "album_date_out_of_bounds": Message(
        "Date de l'album : entre le {earliest} et le {latest} (au plus {ahead} jours à "
        "l'avance, et pas avant la durée de conservation du centre, {months} mois).",
        "Album date: between {earliest} and {latest} (at most {ahead} days ahead, and not "
        "older than the centre's retention, {months} months).",
    ),
    "album_nothing_to_change": Message("Rien à modifier.", "Nothing to change."),
    "album_changed_meanwhile": Message(
        "Modification concurrente ; réessayez.", "Concurrent change; retry."
    ),
    "album_archived": Message("Cet album est archivé.", "This album is archived."),
    # --- Captions (pellicule.domain.captions) ---
    "caption_too_long": Message(
        "Légende trop longue : {length} caractères, {maximum} au plus.",
        "Caption too long: {length} characters, {maximum} at most.",
    ),
    "caption_control_character": Message(
        "La légende contient un caractère de contrôle (retour à la ligne, tabulation...) : "
        "écrivez-la sur une ligne.",
        "The caption holds a control character (line break, tab...): write it on one line.",
    ),
    "caption_full_name": Message(
        "La légende semble contenir le nom complet d'un enfant (prénom et nom). Les familles "
        "la verront : retirez le nom, ou confirmez pour l'enregistrer quand même.",
        "The caption seems to hold a child's full name (first name and surname). Families "
        "will see it: remove the name, or confirm to save it anyway.",
    ),
    "caption_directors_only": Message(
        "Une fois l'élément validé, seule la direction change sa légende.",
        "Once the item is validated, only directors change its caption.",
    ),
    # --- Tagging ---
    "media_not_processed_yet": Message(
        "L'élément n'est pas encore traité.", "The item is not processed yet."
    ),
    "tags_with_no_identifiable_child": Message(
        "Un élément avec des enfants identifiés ne peut pas être marqué « aucun enfant "
        "identifiable ».",
        "An item with tagged children cannot be marked 'no identifiable child'.",
    ),
    "media_changed_meanwhile": Message(
        "L'élément a changé ; rechargez.", "The item changed; please reload."
    ),
    # --- Validation and publication ---
    "validation_directors_only": Message(
        "Seule la direction valide les photos.", "Only directors validate items."
    ),
    "media_not_awaiting_review": Message(
        "Cet élément n'attend pas de validation.", "This item is not awaiting review."
    ),
    "publication_directors_only": Message("Seule la direction publie.", "Only directors publish."),
    "media_not_publishable": Message(
        "Seul un élément traité et non refusé se publie.",
        "Only a processed, non-rejected item can be published.",
    ),
    # {problems}: the publication gate's reasons (pellicule.domain.gate), each a Term whose key
    # is the gate's code (``no_consent:<child>``...) and whose words are a ``gate_*`` message.
    "publication_refused": Message(
        "Publication impossible : {problems}.", "Cannot publish: {problems}."
    ),
    "gate_not_validated": Message("l'élément n'est pas validé", "the item is not validated"),
    "gate_untagged_without_flag": Message(
        "aucun enfant identifié : choisissez les enfants ou cochez « aucun enfant identifiable »",
        "no child tagged: pick the children or tick 'no identifiable child'",
    ),
    "gate_flag_conflicts_with_tags": Message(
        "« aucun enfant identifiable » est coché alors que des enfants sont identifiés",
        "'no identifiable child' is ticked while children are tagged",
    ),
    "gate_blurred_variant_missing": Message(
        "il n'y a pas de version floutée", "there is no blurred version"
    ),
    "gate_no_consent": Message(
        "un enfant identifié n'a pas de consentement pour ce public : floutez son visage ou "
        "retirez ce public",
        "a tagged child has no consent for this audience: blur their face or leave this "
        "audience out",
    ),
    "gate_not_blurred": Message(
        "le visage d'un enfant sans consentement n'est pas flouté",
        "the face of a child without consent is not blurred",
    ),
    "gate_unknown_audience": Message("public inconnu", "unknown audience"),
    "gate_unknown_kind": Message("type d'élément inconnu", "unknown kind of item"),
    # Approve in bulk (functions/admin/review_batch): an item the batch had no time left for.
    "review_batch_not_reached": Message(
        "Pas traitée cette fois : le lot était long. Relancez la validation pour elle.",
        "Not dealt with this time: the batch was long. Approve it again.",
    ),
    "media_not_published": Message("Cet élément n'est pas publié.", "This item is not published."),
}
