// The publication gate's preview (GET /api/admin/queue, docs/publication-gate.md) in plain
// words: per audience, who could see the item, and who blocks it and why.

import { t } from "/lib/i18n.js";

export const AUDIENCES = ["families_of_group", "all_families_of_centre", "public_communication"];

export function audienceName(audience) {
  switch (audience) {
    case "families_of_group": return t("Familles du groupe", "Families of the group");
    case "all_families_of_centre": return t("Toutes les familles du centre", "All families of the centre");
    case "public_communication": return t("Communication publique", "Public communication");
    default: return audience;
  }
}

export function visibilityName(visibility) {
  switch (visibility) {
    case "clean": return t("visible", "visible");
    case "blurred": return t("visible en version floutée", "visible, blurred version");
    default: return t("bloquée", "blocked");
  }
}

function list(names) {
  if (names.length <= 1) return names.join("");
  const and = t(" et ", " and ");
  return `${names.slice(0, -1).join(", ")}${and}${names[names.length - 1]}`;
}

// One sentence per reason, children of the same reason together; childName(id) -> "Léa X.".
function reasonTexts(codes, childName) {
  const noConsent = [];
  const notBlurred = [];
  const texts = [];
  for (const code of codes) {
    const [name, child] = code.split(":");
    switch (name) {
      case "no_consent": noConsent.push(childName(child)); break;
      case "not_blurred": notBlurred.push(childName(child)); break;
      case "not_validated": break; // the preview is the outcome once validated
      case "untagged_without_flag":
        texts.push(t(
          "aucun enfant identifié : choisissez les enfants ou cochez « aucun enfant identifiable »",
          "no child tagged: pick the children or tick 'no identifiable child'",
        ));
        break;
      case "flag_conflicts_with_tags":
        texts.push(t(
          "« aucun enfant identifiable » est coché alors que des enfants sont identifiés",
          "'no identifiable child' is ticked while children are tagged",
        ));
        break;
      case "blurred_variant_missing":
        texts.push(t("il n'y a pas de version floutée", "there is no blurred version"));
        break;
      case "unknown_audience": texts.push(t("public inconnu", "unknown audience")); break;
      case "unknown_kind": texts.push(t("type d'élément inconnu", "unknown kind of item")); break;
      default: texts.push(code);
    }
  }
  if (noConsent.length) {
    texts.unshift(noConsent.length === 1
      ? t(`${noConsent[0]} n'a pas de consentement pour ce public`,
        `${noConsent[0]} has no consent for this audience`)
      : t(`${list(noConsent)} n'ont pas de consentement pour ce public`,
        `${list(noConsent)} have no consent for this audience`));
  }
  if (notBlurred.length) {
    texts.push(notBlurred.length === 1
      ? t(`le visage de ${notBlurred[0]} n'est pas flouté`, `${notBlurred[0]}'s face is not blurred`)
      : t(`les visages de ${list(notBlurred)} ne sont pas floutés`,
        `the faces of ${list(notBlurred)} are not blurred`));
  }
  return texts;
}

// {visibility, reasons, uncovered_child_ids} -> "bloquée : Léa X. n'a pas de consentement…"
export function describe(decision, childName) {
  const visibility = visibilityName(decision.visibility);
  const colon = t(" : ", ": ");
  const uncovered = (decision.uncovered_child_ids || []).map(childName);
  if (decision.visibility === "clean") return visibility;
  if (decision.visibility === "blurred") {
    return uncovered.length
      ? visibility + colon + (uncovered.length === 1
        ? t(`visage de ${uncovered[0]} flouté (pas de consentement)`,
          `${uncovered[0]}'s face blurred (no consent)`)
        : t(`visages de ${list(uncovered)} floutés (pas de consentement)`,
          `faces of ${list(uncovered)} blurred (no consent)`))
      : visibility;
  }
  const reasons = reasonTexts(decision.reasons || [], childName);
  return reasons.length ? visibility + colon + reasons.join(t(" ; ", "; ")) : visibility;
}

// A short line for the queue: the audience the item would be published to by default.
export function summary(gate, audience, childName) {
  const decision = gate && gate[audience];
  if (!decision) return "";
  return `${audienceName(audience)} — ${describe(decision, childName)}`;
}
