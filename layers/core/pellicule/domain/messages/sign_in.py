"""Signing in: links and codes (``functions/auth``, ``pellicule.services.magic_links``) and the
staff second factor (``functions/auth/second_factor.py``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Links and codes ---
    "email_invalid": Message("Adresse e-mail invalide.", "Invalid e-mail address."),
    "link_sent_if_known": Message(
        "Si cette adresse est connue, un e-mail de connexion vient d'y être envoyé : ouvrez-le "
        "sur cet appareil ou saisissez son code.",
        "If this address is known, a sign-in e-mail has just been sent to it: open it on this "
        "device or enter its code.",
    ),
    "link_invalid": Message(
        "Ce lien ou ce code n'est plus valable (déjà utilisé, expiré ou incorrect). Demandez "
        "un nouveau lien.",
        "This link or code is no longer valid (already used, expired or wrong). Ask for a new "
        "link.",
    ),
    "sign_in_token_or_code": Message(
        "Indiquez le lien (token) ou l'adresse et le code.",
        "Give the link (token) or the address and the code.",
    ),
    # --- Trusted devices (a family member's browser kept signed in) ---
    "device_unknown": Message(
        "Cet appareil n'est plus reconnu : connectez-vous avec un lien ou un code.",
        "This device is no longer recognised: sign in with a link or a code.",
    ),
    "device_reused": Message(
        "Par sécurité, cet appareil a été déconnecté : sa clé de connexion a été utilisée "
        "deux fois, peut-être copiée. Connectez-vous avec un lien ou un code.",
        "For your safety, this device was signed out: its sign-in key was used twice, perhaps "
        "copied. Sign in with a link or a code.",
    ),
    "device_not_found": Message(
        "Cet appareil n'est plus dans votre liste.", "This device is no longer in your list."
    ),
    # --- The staff second factor (TOTP) ---
    "totp_code_wrong": Message("Code incorrect.", "Incorrect code."),
    "totp_too_many_wrong": Message(
        "Trop de codes incorrects : demandez un nouveau lien de connexion.",
        "Too many incorrect codes: ask for a new sign-in link.",
    ),
    "totp_not_enrolled": Message(
        "Aucune application d'authentification n'est enregistrée.",
        "No authenticator app is enrolled.",
    ),
    "totp_already_enrolled": Message(
        "Une application d'authentification est déjà enregistrée.",
        "An authenticator app is already enrolled.",
    ),
    "totp_enrol_first": Message(
        "Enregistrez d'abord une application d'authentification.",
        "Enrol an authenticator app first.",
    ),
    "totp_no_enrolment": Message("Aucune inscription en cours.", "No enrolment in progress."),
    "totp_already_verified": Message("Déjà vérifié.", "Already verified."),
    "totp_step_up": Message(
        "Saisissez d'abord un code de votre application actuelle.",
        "First enter a code from your current authenticator app.",
    ),
    "totp_app_code_only": Message(
        "Un code de l'application est nécessaire, pas un code de secours.",
        "A code from the authenticator app is required, not a recovery code.",
    ),
    "totp_no_renewal": Message(
        "Aucun changement d'application en cours.", "No authenticator change in progress."
    ),
}
