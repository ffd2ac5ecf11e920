"""A consent campaign (issue 18, item 2; docs/consent-campaign.md): its e-mail
(``pellicule.domain.campaign_mail``) and the answers of ``/api/admin/campaign``."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- The e-mail ---
    "campaign_mail_subject": Message(
        "votre accord pour les photos de la saison", "your consent for this season's photos"
    ),
    "campaign_mail_reminder_subject": Message(
        "rappel : votre accord pour les photos de la saison",
        "reminder: your consent for this season's photos",
    ),
    "campaign_mail_intro": Message(
        "{centre} demande à chaque famille son accord pour la saison {season} : peut-on "
        "montrer des photos et vidéos de votre enfant, et à qui ? Sans réponse, rien ne montre "
        "votre enfant.",
        "{centre} asks each family for their consent for the season {season}: may photos and "
        "videos of your child be shown, and to whom? Without an answer, nothing shows your "
        "child.",
    ),
    "campaign_mail_reminder_intro": Message(
        "Nous n'avons pas encore votre réponse : {centre} demande à chaque famille son accord "
        "pour la saison {season}. Sans réponse, rien ne montre votre enfant.",
        "We do not have your answer yet: {centre} asks each family for their consent for the "
        "season {season}. Without an answer, nothing shows your child.",
    ),
    "campaign_mail_how": Message(
        "Répondre prend une minute : cochez les publics et les types de médias que vous "
        "acceptez, ou aucun.",
        "Answering takes a minute: tick the audiences and media kinds you accept, or none.",
    ),
    "campaign_mail_answer": Message("Donner ma réponse", "Give my answer"),
    "campaign_mail_link_note": Message(
        "Ce lien est valable {hours} heures et ne sert qu'une fois. Ensuite, demandez un lien "
        "de connexion avec cette adresse sur {page}",
        "This link is valid for {hours} hours and works once. After that, ask for a sign-in "
        "link with this address at {page}",
    ),
    "campaign_mail_paper": Message(
        "Vous préférez le papier ? Demandez le formulaire à {centre} : il compte tout autant.",
        "Prefer paper? Ask {centre} for the form: it counts just the same.",
    ),
    # --- The API's answers ---
    "campaign_season_invalid": Message(
        "Indiquez la saison (60 caractères au plus), par exemple « 2026-2027 ».",
        'Give the season (60 characters at most), for example "2026-2027".',
    ),
    "campaign_reminder_days_invalid": Message(
        "Le délai avant un rappel va de 1 à 30 jours.",
        "The delay before a reminder is 1 to 30 days.",
    ),
    "campaign_max_reminders_invalid": Message(
        "De 0 à 5 rappels au plus.", "From 0 to 5 reminders at most."
    ),
    "campaign_already_open": Message(
        "Une campagne est déjà en cours : clôturez-la avant d'en lancer une autre.",
        "A campaign is already running: close it before starting another one.",
    ),
    "campaign_not_open": Message("Aucune campagne en cours.", "No campaign is running."),
    "campaign_no_children": Message(
        "Aucun enfant inscrit dans les groupes choisis.",
        "No child is enrolled in the chosen groups.",
    ),
}
