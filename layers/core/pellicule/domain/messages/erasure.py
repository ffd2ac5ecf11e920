"""Erasure requests (``pellicule.services.erasure``) and the certificate e-mailed once one is
carried out (``pellicule.domain.erasure.certificate_email``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- A request and the director's choice (erasure_confirm: family.py) ---
    "erasure_mode_unknown": Message(
        "Choisissez « remove » (supprimer les photos) ou « blur » (flouter l'enfant).",
        "Choose 'remove' (delete the items) or 'blur' (blur the child).",
    ),
    "erasure_not_open": Message(
        "Aucune demande d'effacement en cours pour cet enfant.",
        "No open erasure request for this child.",
    ),
    "erasure_just_done": Message(
        "La demande vient d'être exécutée.", "The request has just been carried out."
    ),
    # --- The certificate e-mailed to the child's guardians (functions/purge/erasing.py) ---
    "erasure_certificate_mail_subject": Message("Certificat d'effacement", "Erasure certificate"),
    "erasure_certificate_mail_done": Message(
        "Votre demande d'effacement concernant {child} a été exécutée le {date} (certificat "
        "n° {certificate}).",
        "Your erasure request for {child} was carried out on {date} (certificate no. "
        "{certificate}).",
    ),
    "erasure_certificate_mail_removed": Message(
        "Photos et vidéos supprimées : {count}", "Photos and videos deleted: {count}"
    ),
    "erasure_certificate_mail_blurred": Message(
        "Photos conservées avec l'enfant flouté de façon irréversible : {count}",
        "Photos kept with the child irreversibly blurred: {count}",
    ),
    "erasure_certificate_mail_data": Message(
        "Fiche de l'enfant, consentement en cours et identifications : supprimés",
        "The child's record, current consent and tags: deleted",
    ),
    "erasure_certificate_mail_proof": Message(
        "La preuve des consentements donnés (historique, formulaire signé) est conservée "
        "jusqu'au {date} (prescription civile), puis supprimée.",
        "The proof of the consents given (history, signed form) is kept until {date} (civil "
        "limitation period), then deleted.",
    ),
    # --- The alert to the directors when a family asks (pellicule.domain.erasure_alert) ---
    "erasure_alert_mail_subject": Message(
        "demande d'effacement à traiter sous 24 heures",
        "erasure request to handle within 24 hours",
    ),
    "erasure_alert_mail_intro": Message(
        "Une famille demande l'effacement des photos, vidéos et données de {child}.",
        "A family asks for the erasure of the photos, videos and data of {child}.",
    ),
    "erasure_alert_mail_due": Message(
        "La demande est exécutée au plus tard le {due} (heure de Paris).",
        "The request is carried out by {due} (Paris time) at the latest.",
    ),
    "erasure_alert_mail_choice": Message(
        "Choisissez d'ici là, dans la fiche de l'enfant, de supprimer les photos où il "
        "apparaît ou de les garder avec l'enfant flouté ; sans choix 3 heures avant "
        "l'échéance, elles sont supprimées.",
        "Before then, choose in the child's record whether to delete the items showing the "
        "child or keep them with the child blurred; without a choice 3 hours before the "
        "deadline, they are deleted.",
    ),
    "erasure_alert_mail_open": Message(
        "Ouvrir l'accueil de la direction", "Open the director's home"
    ),
}
