// Small helpers shared by the people page's modules (web/people.js): DOM building, the names
// of audiences and media kinds in plain words, dates, and the error line of a form.

import { element } from "/lib/dom.js";
import { formatDate, language, t } from "/lib/i18n.js";

export { element, showError, UserError } from "/lib/dom.js";

export const AUDIENCES = ["families_of_group", "all_families_of_centre", "public_communication"];
export const KINDS = ["photo", "video"];

export const $ = (id) => document.getElementById(id);


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
