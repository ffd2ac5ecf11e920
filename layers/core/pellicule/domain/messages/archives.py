"""Album archives: a family's zip of an album or of a selection (``functions/family`` archive
routes, ``functions/archive``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    "archive_not_found": Message("Archive introuvable.", "Archive not found."),
    "archive_too_large": Message(
        "Trop d'éléments pour une seule archive (au plus {limit}).",
        "Too many items for one archive (at most {limit}).",
    ),
    "archive_nothing_left": Message(
        "Plus aucun de ces éléments ne peut être téléchargé.",
        "None of these items may be downloaded any more.",
    ),
    # --- The souvenir e-mail before an album's purge (functions/digest/souvenir.py) ---
    "souvenir_mail_subject": Message(
        "des photos bientôt supprimées : gardez un souvenir",
        "photos to be deleted soon: keep a souvenir",
    ),
    "souvenir_mail_intro": Message(
        "Les photos et vidéos de l'album {title} seront supprimées de Pellicule le {date}, "
        "comme le prévoit la durée de conservation du centre « {centre} ».",
        "The photos and videos of the album {title} will be deleted from Pellicule on {date}, "
        'as the retention period of the centre "{centre}" requires.',
    ),
    "souvenir_mail_keep": Message(
        "Vous pouvez d'ici là télécharger tout ce que vous y voyez en une seule archive "
        "(bouton « Télécharger l'album (zip) »).",
        "Until then you may download everything you see there as one archive "
        '("Download the album (zip)" button).',
    ),
    "souvenir_mail_open": Message("Ouvrir l'album", "Open the album"),
    "souvenir_mail_sign_in": Message(
        "Si la page vous le demande, recevez un lien de connexion avec votre adresse "
        "e-mail : {page}",
        "If the page asks, get a sign-in link with your e-mail address: {page}",
    ),
    "souvenir_mail_once": Message(
        "Vous ne recevez ce message qu'une fois par album.",
        "You get this message once per album.",
    ),
    # --- A child's souvenir pack when the child leaves (services/child_souvenir.py) ---
    "child_pack_mail_subject": Message("un souvenir de vos photos", "a souvenir of your photos"),
    "child_pack_mail_intro": Message(
        "L'un de vos enfants a quitté le centre {centre} : votre accès à ses photos sur "
        "Pellicule est fermé.",
        "One of your children has left the centre {centre}: your access to their photos on "
        "Pellicule is closed.",
    ),
    "child_pack_mail_what": Message(
        "Nous avons préparé une archive (zip) des photos et vidéos de votre enfant que vous "
        "pouviez voir, pour que vous les gardiez.",
        "We have prepared an archive (zip) of the photos and videos of your child you could "
        "see, for you to keep.",
    ),
    "child_pack_mail_open": Message("Télécharger le souvenir", "Download the souvenir"),
    "child_pack_mail_until": Message(
        "Ce lien est personnel ; il fonctionne jusqu'au {date}.",
        "This link is personal; it works until {date}.",
    ),
    "child_pack_mail_once": Message(
        "Vous ne recevez ce message qu'une fois.", "You get this message once."
    ),
    "souvenir_link_invalid": Message(
        "Ce lien n'est pas ou plus valable. Demandez au centre.",
        "This link is not valid (any more). Ask the centre.",
    ),
    "archive_failed": Message(
        "L'archive n'a pas pu être préparée. Réessayez plus tard.",
        "The archive could not be prepared. Try again later.",
    ),
}
