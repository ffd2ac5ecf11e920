// Small helpers shared by the people page's modules (web/people.js): DOM building, the names
// of audiences and media kinds in plain words, dates, and the error line of a form.

import { ApiError } from "/lib/api.js";
import { formatDate, language, t } from "/lib/i18n.js";

export const AUDIENCES = ["families_of_group", "all_families_of_centre", "public_communication"];
export const KINDS = ["photo", "video"];

export const $ = (id) => document.getElementById(id);

export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function audienceName(audience) {
  switch (audience) {
    case "families_of_group": return t("Familles du groupe", "Families of the group");
    case "all_families_of_centre": return t("Toutes les familles du centre", "All families of the centre");
    case "public_communication": return t("Communication publique", "Public communication");
    default: return audience;
  }
}

export function kindName(kind) {
  switch (kind) {
    case "photo": return t("photos", "photos");
    case "video": return t("vidéos", "videos");
    default: return kind;
  }
}

export function childName(child) {
  return child ? `${child.first_name} ${child.initial}` : t("un enfant inconnu", "an unknown child");
}

// Epoch seconds -> "YYYY-MM-DD" (UTC), for formatDate.
function isoDay(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

// A consent ends at 00:00 UTC the day after its last day: show that last day.
export function lastDay(validUntil) {
  return formatDate(isoDay(validUntil - 1));
}

export function firstDay(validFrom) {
  return formatDate(isoDay(validFrom));
}

export function formatMoment(seconds) {
  return new Date(seconds * 1000).toLocaleString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

// "Familles du groupe et Toutes les familles du centre ; photos et vidéos, jusqu'au 31 août 2026"
export function termsText(terms) {
  if (!terms) return "";
  const join = (names) => names.join(t(" et ", " and "));
  const audiences = join(AUDIENCES.filter((a) => terms.audiences.includes(a)).map(audienceName));
  const kinds = join(KINDS.filter((k) => terms.media_kinds.includes(k)).map(kindName));
  const until = t(`jusqu'au ${lastDay(terms.valid_until)}`, `until ${lastDay(terms.valid_until)}`);
  return `${audiences}${t(" ; ", "; ")}${kinds}, ${until}`;
}

// The error line of a form (or of the page): the API's bilingual message as it is.
export function showError(node, error) {
  if (!node) return;
  if (!error) {
    node.textContent = "";
    node.hidden = true;
    return;
  }
  if (error instanceof ApiError && error.code === "signed_out") return;
  node.textContent = error instanceof ApiError || error instanceof UserError ? error.message
    : t("Une erreur est survenue. Réessayez dans un instant.", "Something went wrong. Try again in a moment.");
  node.hidden = false;
}

// A problem found in the page before calling the API (a missing field), in the page's language.
export class UserError extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

// Checkboxes with their labels inside a fieldset (after its legend): [{value, label, checked}].
export function checkboxes(fieldset, prefix, options) {
  for (const node of [...fieldset.children]) if (node.tagName !== "LEGEND") node.remove();
  for (const option of options) {
    const id = `${prefix}-${option.value}`;
    fieldset.append(element("p", { class: "check" }, [
      element("input", { type: "checkbox", id, value: option.value, checked: option.checked || undefined }),
      element("label", { for: id, text: option.label }),
    ]));
  }
}

export function checked(fieldset) {
  return [...fieldset.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}
