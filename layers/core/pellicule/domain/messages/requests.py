"""Requests, sessions and access: what any API route can answer (``pellicule.api.http``,
``pellicule.services.sessions``, ``pellicule.store.ratelimit``)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- The request itself ---
    "json_body_required": Message("Corps JSON attendu.", "A JSON body is required."),
    "request_too_large": Message("Requête trop volumineuse.", "Request body too large."),
    "json_invalid": Message("JSON invalide.", "Invalid JSON."),
    "json_object_expected": Message("Un objet JSON est attendu.", "A JSON object is expected."),
    "json_too_deep": Message(
        "JSON trop imbriqué (au plus {levels} niveaux).",
        "JSON nested too deep (at most {levels} levels).",
    ),
    "csrf_header_missing": Message("En-tête anti-CSRF manquant.", "Missing anti-CSRF header."),
    # Called without CloudFront's origin header (the execute-api endpoint reached directly).
    "origin_not_cloudfront": Message(
        "Accès direct refusé : passez par l'adresse publique de Pellicule.",
        "Direct access refused: use Pellicule's public address.",
    ),
    "route_not_found": Message("Cette adresse n'existe pas.", "No such route."),
    # A path parameter that cannot name anything (answered like an unknown id).
    "resource_not_found": Message("Introuvable.", "Not found."),
    "too_many_requests": Message(
        "Trop de demandes : réessayez dans quelques minutes.",
        "Too many requests: please try again in a few minutes.",
    ),
    "try_again": Message("Réessayez.", "Please try again."),
    # --- Sessions and access ---
    "sign_in_required": Message("Veuillez vous connecter.", "Please sign in."),
    "session_unknown": Message("Session inconnue ou expirée.", "Unknown or expired session."),
    "session_expired": Message("Session expirée.", "Session expired."),
    "access_closed": Message(
        "Accès clos. Veuillez vous reconnecter.", "Access closed. Please sign in."
    ),
    "access_changed": Message(
        "Vos droits ont changé : reconnectez-vous avec votre application d'authentification.",
        "Your access changed: sign in again with your authenticator app.",
    ),
    "second_factor_required": Message(
        "Code de l'application d'authentification requis.", "Authenticator code required."
    ),
    "staff_only": Message("Réservé à l'équipe du centre.", "Staff only."),
    "directors_only": Message("Réservé à la direction du centre.", "Directors only."),
    "families_only": Message("Réservé aux familles.", "Families only."),
    "family_access_unknown": Message("Accès familial inconnu.", "Unknown family access."),
    "family_access_closed": Message("Accès familial clos.", "Family access closed."),
}
