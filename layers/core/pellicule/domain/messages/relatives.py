"""Relatives a guardian invites (issue 17, docs/relatives.md): the family API's answers and
the invitation e-mail (``pellicule.domain.relative_mail``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Refusals (403) and conflicts of /api/family/relatives ---
    "relative_read_only": Message(
        "Un proche invité peut voir les photos, pas gérer les consentements, les effacements "
        "ni les invitations : seul un parent le peut.",
        "An invited relative can see the photos, not manage consents, erasure or invitations: "
        "only a parent can.",
    ),
    "relative_download_not_allowed": Message(
        "Le parent qui vous a invité·e n'a pas permis le téléchargement.",
        "The parent who invited you has not allowed downloads.",
    ),
    "relative_not_found": Message("Proche introuvable.", "Relative not found."),
    "relative_exists": Message(
        "Cette adresse est déjà invitée.", "This address is already invited."
    ),
    "relative_is_you": Message("C'est votre propre adresse.", "This is your own address."),
    "relatives_limit": Message(
        "Vous pouvez inviter au plus {limit} proches : retirez-en un d'abord.",
        "You can invite at most {limit} relatives: remove one first.",
    ),
    "relative_invited": Message("Invitation envoyée.", "Invitation sent."),
    # --- Sign-in e-mail: the space a relative's link opens ---
    "sign_in_mail_space_relative": Message(
        "espace famille, proche invité", "family space, invited relative"
    ),
    # --- The invitation e-mail ---
    "relative_mail_subject": Message(
        "vous êtes invité·e à voir des photos", "you are invited to see photos"
    ),
    "relative_mail_intro": Message(
        "{inviter} vous invite à voir, sur Pellicule, les photos et vidéos que {centre} "
        "partage avec sa famille.",
        "{inviter} invites you to see, on Pellicule, the photos and videos {centre} shares "
        "with their family.",
    ),
    "relative_mail_what": Message(
        "Vous verrez ce que cette famille voit, jamais plus, tant qu'elle vous laisse "
        "l'accès : pas de compte ni d'application, vous vous connectez par un lien envoyé à "
        "cette adresse.",
        "You will see what this family sees, never more, as long as they keep your access: no "
        "account or app, you sign in through a link sent to this address.",
    ),
    "relative_mail_downloads_yes": Message(
        "Vous pourrez aussi télécharger les photos, là où le centre le permet.",
        "You may also download the photos, where the centre allows it.",
    ),
    "relative_mail_downloads_no": Message(
        "Vous pourrez les regarder, sans les télécharger.",
        "You can look at them, not download them.",
    ),
    "relative_mail_open": Message("Voir les photos", "See the photos"),
    "relative_mail_link_note": Message(
        "Ce lien est valable {hours} heures et ne sert qu'une fois ; la page qu'il ouvre a un "
        "bouton « Ouvrir ma galerie ». Ensuite, demandez un lien de connexion avec cette "
        "adresse sur {page}",
        'This link is valid for {hours} hours and works once; the page it opens has an "Open my '
        'gallery" button. After that, ask for a sign-in link with this address at {page}',
    ),
    "relative_mail_private": Message(
        "Ces photos sont privées : ne les partagez pas. Si vous ne connaissez pas cette "
        "personne, ignorez ce message.",
        "These photos are private: do not share them. If you do not know this person, ignore "
        "this message.",
    ),
}
