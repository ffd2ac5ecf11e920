// DOM helpers shared by the pages: building elements, and the error line of a page or form.

import { ApiError } from "/lib/api.js";
import { t } from "/lib/i18n.js";

// element("p", {class: "x", text: "…"}, [children]): attributes that are undefined, null or
// false are left out, true gives an empty attribute; null children are skipped.
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// A problem found in the page before calling the API (a missing field), in the page's language.
export class UserError extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

// The error line of a form (or of the page): the API's message in the page's language.
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
