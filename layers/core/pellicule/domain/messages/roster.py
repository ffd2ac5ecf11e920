"""The roster the staff keep (``functions/admin``, ``pellicule.store.roster``): people, sites,
groups and staff members, and the consents a director records (paper forms, withdrawals)."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Not found (pellicule.store.roster; a child: child_not_found) ---
    "staff_not_found": Message("Membre de l'équipe introuvable.", "Staff not found."),
    "site_not_found": Message("Site introuvable.", "Site not found."),
    "group_not_found": Message("Groupe introuvable.", "Group not found."),
    "guardian_not_found": Message("Responsable introuvable.", "Guardian not found."),
    # --- Any change ---
    "nothing_to_change": Message("Rien à modifier.", "Nothing to change."),
    "roster_changed_meanwhile": Message(
        "Modification concurrente ; réessayez.", "Concurrent change; retry."
    ),
    # --- Sites, groups, children, guardians ---
    "site_archived": Message("Ce site est archivé.", "This site is archived."),
    "group_archived": Message("Ce groupe est archivé.", "This group is archived."),
    "group_has_children": Message(
        "{count} enfant(s) sont encore dans ce groupe : changez-les de groupe d'abord.",
        "{count} child(ren) still in this group: move them to another group first.",
    ),
    "child_archived": Message("Cet enfant est archivé.", "This child is archived."),
    # InvalidRequest("initial", ...): {field} is the field's path
    "initial_letter_expected": Message(
        "« {field} » : une lettre attendue (l'initiale du nom).",
        "{field}: one letter expected (the initial of the last name).",
    ),
    "guardian_exists": Message(
        "Ce responsable existe déjà : ajoutez-lui l'enfant.",
        "This guardian already exists: add the child to them.",
    ),
    "guardian_address_taken": Message(
        "Un autre responsable a déjà cette adresse.", "Another guardian already has this address."
    ),
    "guardian_archived": Message("Ce responsable est archivé.", "This guardian is archived."),
    # --- Staff ---
    "staff_already_member": Message(
        "Cette adresse est déjà dans l'équipe.", "Already a staff member."
    ),
    "staff_cannot_demote_self": Message(
        "Vous ne pouvez pas vous retirer la direction.", "Cannot demote yourself."
    ),
    "staff_cannot_archive_self": Message(
        "Vous ne pouvez pas vous archiver vous-même.", "Cannot archive yourself."
    ),
    "staff_cannot_suspend_self": Message(
        "Vous ne pouvez pas vous suspendre vous-même.", "You cannot suspend yourself."
    ),
    "staff_last_director": Message(
        "C'est la dernière personne active de la direction : nommez d'abord quelqu'un d'autre "
        "à la direction, sinon plus personne ne pourrait gérer le centre.",
        "This is the last active director: make someone else a director first, otherwise "
        "nobody could run the centre any more.",
    ),
    "staff_archived": Message(
        "Cette personne a été retirée de l'équipe.", "This person was removed from the staff."
    ),
    "staff_cannot_reset_own_factor": Message(
        "Vous ne pouvez pas réinitialiser votre propre double authentification : demandez-le "
        "à une autre personne de la direction ou à l'exploitant.",
        "You cannot reset your own second factor: ask another director or the operator.",
    ),
    # --- Consents recorded by the director (functions/admin/consents.py) ---
    "consent_scan_not_found": Message(
        "Scan introuvable : renvoyez-le.", "Scan not found: upload it again."
    ),
    "consent_scan_invalid": Message(
        "Le scan n'est pas un PDF, JPEG ou PNG valide.", "The scan is not a valid PDF, JPEG or PNG."
    ),
    "consent_signatories_not_guardians": Message(
        "Les signataires doivent être des responsables de l'enfant.",
        "Signatories must be guardians of the child.",
    ),
    "consent_signatory_missing": Message(
        "Qui a signé le formulaire ? (signed_by)", "Who signed the form? (signed_by)"
    ),
    "consent_no_scan": Message("Pas de scan pour ce consentement.", "No scan for this consent."),
}
