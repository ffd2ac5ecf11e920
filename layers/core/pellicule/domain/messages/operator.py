"""The operator's side: a deployment's configuration (``ConfigurationError``, from
``pellicule.config.settings`` and the adapters: an API answers them as 500) and the
``pellicule`` command line (``ops/pellicule_ops``, which prints the English text).

Both languages, like every message: a configuration problem reaches a page as any error does.
The parameters are deployment facts and ids (a variable's name, a centre's id), never a
person's data."""

from __future__ import annotations

from pellicule.domain.messages.base import Message

MESSAGES: dict[str, Message] = {
    # --- Configuration (ConfigurationError) ---
    "config_variable_missing": Message(
        "Configuration incomplète : la variable d'environnement {name} n'est pas définie.",
        "Incomplete configuration: environment variable {name} is not set.",
    ),
    "config_public_url_missing": Message(
        "Configuration incomplète : aucune adresse publique n'est connue pour ce déploiement.",
        "Incomplete configuration: no public URL is known for this deployment.",
    ),
    "config_key_pair_missing": Message(
        "Configuration incomplète : aucun identifiant de paire de clés CloudFront.",
        "Incomplete configuration: no CloudFront key pair id.",
    ),
    "config_signing_key_not_rsa": Message(
        "La clé de signature CloudFront doit être une clé RSA.",
        "The CloudFront signing key must be an RSA key.",
    ),
    "config_origin_secret_invalid": Message(
        "Le secret de l'en-tête d'origine CloudFront n'est pas un objet JSON avec une "
        "valeur « current ».",
        "The CloudFront origin-header secret is not a JSON object with a 'current' value.",
    ),
    # --- Centres (pellicule tenant ...) ---
    "tenant_id_invalid": Message(
        "Identifiant de centre invalide « {id} » : 2 à 40 lettres minuscules, chiffres ou "
        "tirets, commençant par une lettre ou un chiffre (par exemple les-tilleuls).",
        "Invalid centre id '{id}': 2 to 40 lower-case letters, digits or hyphens, starting "
        "with a letter or a digit (e.g. les-tilleuls).",
    ),
    "tenant_name_invalid": Message(
        "Nom de centre invalide : 1 à {maximum} caractères imprimables.",
        "Invalid centre name: 1 to {maximum} printable characters.",
    ),
    "person_name_invalid": Message(
        "Nom invalide : 1 à {maximum} caractères imprimables.",
        "Invalid name: 1 to {maximum} printable characters.",
    ),
    "tenant_unknown": Message(
        "Centre inconnu « {id} » (voir : pellicule tenant list).",
        "Unknown centre '{id}' (see: pellicule tenant list).",
    ),
    "tenant_exists": Message(
        "Un centre d'identifiant « {id} » existe déjà.", "A centre with id '{id}' already exists."
    ),
    "tenant_deletion_unfinished": Message(
        "La suppression du centre « {id} » n'est pas terminée : relancez d'abord "
        "`pellicule tenant delete --id {id} --confirm {id}`.",
        "The deletion of centre '{id}' is not finished: run "
        "`pellicule tenant delete --id {id} --confirm {id}` again first.",
    ),
    "tenant_being_deleted": Message(
        "Le centre « {id} » est en cours de suppression.", "Centre '{id}' is being deleted."
    ),
    "tenant_changed_meanwhile": Message(
        "Le centre « {id} » vient d'être modifié : relancez la commande.",
        "Centre '{id}' changed meanwhile: run it again.",
    ),
    "tenant_not_active": Message(
        "Le centre « {id} » est {status} : réactivez-le d'abord.",
        "Centre '{id}' is {status}: resume it first.",
    ),
    "tenant_status_suspended": Message("suspendu", "suspended"),
    "tenant_status_deleting": Message("en cours de suppression", "being deleted"),
    "staff_address_taken": Message(
        "Cette adresse fait déjà partie de l'équipe du centre « {id} ».",
        "This address is already on the staff of centre '{id}'.",
    ),
}
