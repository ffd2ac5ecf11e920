"""The e-mails' texts (``pellicule.domain.emails`` renders them; the templates are in
``functions/auth/mail.py``, ``functions/digest/mail.py``, for a director's invitation
``ops/pellicule_ops/tenants.py`` and for a staff member's
``pellicule/services/staff_invite.py``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Shared ---
    "mail_greeting": Message("Bonjour,", "Hello,"),
    # A link on a line of its own, in the plain-text part (HTML: the label is the link).
    "mail_action": Message("{label} : {url}", "{label}: {url}"),
    "count_photos_one": Message("{count} photo", "{count} photo"),
    "count_photos_many": Message("{count} photos", "{count} photos"),
    "count_videos_one": Message("{count} vidéo", "{count} video"),
    "count_videos_many": Message("{count} vidéos", "{count} videos"),
    # --- Sign-in link (functions/auth/mail.py) ---
    "sign_in_mail_subject": Message(
        "Votre lien de connexion à Pellicule", "Your Pellicule sign-in link"
    ),
    "sign_in_mail_intro": Message(
        "Voici de quoi vous connecter à Pellicule. Chaque lien est valable {minutes} minutes "
        "et ne sert qu'une fois :",
        "Here is how to sign in to Pellicule. Each link is valid for {minutes} minutes and "
        "works once:",
    ),
    "sign_in_mail_account": Message("{centre} ({space})", "{centre} ({space})"),
    "sign_in_mail_space_guardian": Message("espace famille", "family space"),
    "sign_in_mail_space_director": Message("équipe, direction", "staff, director"),
    "sign_in_mail_space_animator": Message("équipe, animation", "staff, animator"),
    "sign_in_mail_sign_in": Message("Me connecter", "Sign in"),
    "sign_in_mail_code": Message("Code : {code}", "Code: {code}"),
    "sign_in_mail_button": Message(
        "Le lien ouvre une page avec {button} : c'est ce clic qui vous connecte. Sur un autre "
        "appareil, saisissez votre adresse et le code sur {page}",
        "The link opens a page with {button}: clicking it signs you in. On another device, "
        "enter your address and the code at {page}",
    ),
    "sign_in_mail_button_gallery": Message(
        "un bouton « Ouvrir ma galerie »", 'an "Open my gallery" button'
    ),
    "sign_in_mail_button_staff": Message(
        "un bouton « Ouvrir l'espace équipe »", 'an "Open the staff space" button'
    ),
    "sign_in_mail_button_any": Message("un bouton", "a button"),
    "sign_in_mail_not_you": Message(
        "Si vous n'avez rien demandé, ignorez ce message : sans lui, personne ne peut se "
        "connecter à votre place.",
        "If you did not ask for this, ignore this message: without it nobody can sign in as you.",
    ),
    # --- Daily digest (functions/digest/mail.py) ---
    "digest_mail_subject": Message("nouvelles photos et vidéos", "new photos and videos"),
    "digest_mail_intro": Message(
        "{count} de plus à voir pour vous, de « {centre} », sur Pellicule :",
        '{count} more for you to see from "{centre}" on Pellicule:',
    ),
    "digest_mail_album": Message("{title} : {count}", "{title}: {count}"),
    "digest_mail_open": Message("Ouvrir ma galerie", "Open my gallery"),
    "digest_mail_link_note": Message(
        "Ce lien est valable {hours} heures et ne sert qu'une fois ; la page qu'il ouvre a un "
        "bouton « Ouvrir ma galerie ». Ensuite, demandez un nouveau lien sur {page}",
        'This link is valid for {hours} hours and works once; the page it opens has an "Open '
        'my gallery" button. After that, ask for a new link at {page}',
    ),
    "digest_mail_frequency": Message(
        "Vous recevez au plus un e-mail de ce type par jour, seulement s'il y a du nouveau.",
        "You get at most one such e-mail a day, only when there is something new.",
    ),
    "digest_mail_unsubscribe": Message("Ne plus recevoir ces e-mails", "Stop these e-mails"),
    # --- A director's invitation (ops/pellicule_ops/tenants.py) ---
    "invitation_mail_subject": Message("Votre accès à Pellicule", "Your access to Pellicule"),
    "invitation_mail_greeting": Message("Bonjour {name},", "Hello {name},"),
    "invitation_mail_intro": Message(
        "Vous êtes invité·e à diriger le centre « {centre} » sur Pellicule, où l'équipe partage "
        "les photos et vidéos des activités avec les familles, selon leurs consentements. Ce "
        "lien est valable {hours} heures et ne sert qu'une fois :",
        'You are invited to run the centre "{centre}" on Pellicule, where the staff share '
        "activity photos and videos with families, as their consents allow. This link is valid "
        "for {hours} hours and works once:",
    ),
    "invitation_mail_open": Message("Ouvrir l'espace équipe", "Open the staff space"),
    "invitation_mail_next": Message(
        "Le lien ouvre une page avec {button} : c'est ce clic qui vous connecte. Vous "
        "enregistrerez ensuite une application d'authentification (obligatoire pour la "
        "direction). Ensuite, ou si le lien a expiré, demandez un lien de connexion avec cette "
        "adresse sur {page}",
        "The link opens a page with {button}: clicking it signs you in. You will then set up an "
        "authenticator app (mandatory for directors). Later on, or if the link has expired, "
        "ask for a sign-in link with this address at {page}",
    ),
    "invitation_mail_not_expected": Message(
        "Si vous n'attendiez pas ce message, ignorez-le.",
        "If you did not expect this message, ignore it.",
    ),
    # --- A staff member's invitation (pellicule/services/staff_invite.py; issue 18) ---
    "staff_invite_mail_subject": Message(
        "vous êtes invité·e dans l'équipe sur Pellicule",
        "you are invited to the staff on Pellicule",
    ),
    "staff_invite_mail_intro": Message(
        "La direction de {centre} vous invite à rejoindre l'équipe sur Pellicule, {role}. "
        "Pellicule est l'espace privé où l'équipe partage les photos et vidéos des activités "
        "avec les familles, selon leurs consentements. Ce lien est valable {hours} heures et ne "
        "sert qu'une fois :",
        "The directors of {centre} invite you to join the staff on Pellicule, {role}. Pellicule "
        "is the private space where the staff share activity photos and videos with families, "
        "as their consents allow. This link is valid for {hours} hours and works once:",
    ),
    "staff_invite_mail_as_director": Message("à la direction", "as a director"),
    "staff_invite_mail_as_animator": Message("comme animateur·rice", "as an animator"),
    "staff_invite_mail_next": Message(
        "Le lien ouvre une page avec {button} : c'est ce clic qui vous connecte. Selon les "
        "réglages du centre, vous enregistrerez ensuite une application d'authentification "
        "(toujours pour la direction). Ensuite, ou si le lien a expiré, demandez un lien de "
        "connexion avec cette adresse sur {page}",
        "The link opens a page with {button}: clicking it signs you in. Depending on the "
        "centre's settings, you will then set up an authenticator app (always for directors). "
        "Later on, or if the link has expired, ask for a sign-in link with this address at "
        "{page}",
    ),
    # --- A guardian's welcome (pellicule/domain/welcome_mail.py; issue 17) ---
    "welcome_mail_subject": Message(
        "bienvenue sur Pellicule, votre accord est demandé",
        "welcome to Pellicule, your consent is requested",
    ),
    "welcome_mail_intro": Message(
        "{centre} vous a inscrit·e comme responsable d'un enfant sur Pellicule.",
        "{centre} has added you as a child's guardian on Pellicule.",
    ),
    "welcome_mail_what": Message(
        "Pellicule est l'espace privé où l'équipe du centre partage avec les familles les "
        "photos et vidéos des activités : rien n'est public, aucun compte ni application à "
        "créer, vous vous connectez par un lien envoyé à cette adresse.",
        "Pellicule is the private space where the centre's staff share activity photos and "
        "videos with families: nothing is public, there is no account or app to create, you "
        "sign in through a link sent to this address.",
    ),
    "welcome_mail_who": Message(
        "{centre} décide de ce qui est partagé et répond de vos données (responsable du "
        "traitement) ; la plateforme est hébergée pour le centre par son prestataire, dans "
        "l'Union européenne, qui n'en fait aucun autre usage.",
        "{centre} decides what is shared and answers for your data (the controller); the "
        "platform is hosted for the centre by its provider, in the European Union, who makes "
        "no other use of it.",
    ),
    "welcome_mail_consent": Message(
        "{centre} vous demande votre accord pour montrer des photos et vidéos de votre enfant, "
        "et à qui. Sans accord, rien ne montre votre enfant. Vous pouvez répondre ici :",
        "{centre} asks for your consent to show photos and videos of your child, and to whom. "
        "Without consent, nothing shows your child. You can answer here:",
    ),
    "welcome_mail_answer": Message("Répondre à la demande d'accord", "Answer the consent request"),
    "welcome_mail_link_note": Message(
        "Ce lien est valable {hours} heures et ne sert qu'une fois ; la page qu'il ouvre a un "
        "bouton « Ouvrir ma galerie ». Ensuite, demandez un lien de connexion avec cette "
        "adresse sur {page}",
        'This link is valid for {hours} hours and works once; the page it opens has an "Open my '
        'gallery" button. After that, ask for a sign-in link with this address at {page}',
    ),
    "welcome_mail_withdraw": Message(
        "Vous pouvez retirer ou restreindre votre accord à tout moment, en un clic, sur la page "
        "« Mes consentements » de votre espace : le retrait prend effet immédiatement. Vous pouvez "
        "aussi demander l'effacement des médias où votre enfant apparaît.",
        "You can withdraw or restrict your consent at any time, in one click, on the "
        '"My consents" page of your space: withdrawal takes effect at once. You can also ask for '
        "the media in which your child appears to be erased.",
    ),
    "welcome_mail_not_you": Message(
        "Si vous n'êtes pas concerné·e, ignorez ce message et prévenez {centre}.",
        "If this is not for you, ignore this message and tell {centre}.",
    ),
}
