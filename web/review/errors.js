// Errors beside the button that met them, in plain words (issue 18, item 5): the API's
// message in the page's language (lib/api.js), never a code. An answer without words (a
// proxy's page, an unknown error) gets a sentence chosen by its HTTP status.

import { ApiError } from "/lib/api.js";
import { UserError } from "/lib/dom.js";
import { pick, t } from "/lib/i18n.js";

// A catalogue code ("untagged_without_flag", "media_not_found"), or "HTTP 502".
const CODE = /^([a-z0-9]+(_[a-z0-9]+)*:[A-Za-z0-9_-]+|[a-z0-9]+(_[a-z0-9]+)+|HTTP \d+)$/;

export function looksLikeCode(text) {
  return CODE.test(String(text || "").trim());
}

function byStatus(status) {
  switch (status) {
    case 0:
      return t("Le service ne répond pas : vérifiez votre connexion puis réessayez.",
        "The service does not answer: check your connection and try again.");
    case 403:
      return t("Vous n'avez pas le droit de faire cela ici.", "You are not allowed to do this here.");
    case 404:
      return t("Cette photo n'existe plus : rechargez la page.", "This photo no longer exists: reload the page.");
    case 409:
      return t("La photo a changé entre-temps : rechargez la page puis réessayez.",
        "The photo changed meanwhile: reload the page and try again.");
    default:
      return t("Une erreur est survenue. Réessayez dans un instant.", "Something went wrong. Try again in a moment.");
  }
}

// An error (ApiError, UserError or anything thrown) in words, in the page's language.
export function plainWords(error) {
  if (error instanceof UserError) return error.message;
  if (error instanceof ApiError) {
    const text = error.message;
    return text && !looksLikeCode(text) ? text : byStatus(error.status);
  }
  return byStatus(-1);
}

// A per-item answer's message ({fr, en}) in words; ``status`` picks the sentence if none.
export function answerWords(message, status = 409) {
  const text = pick(message);
  return text && !looksLikeCode(text) ? text : byStatus(status);
}

// Show ``error`` in ``line`` (an element with role="alert" right beside ``button``), which the
// button then names with aria-describedby; null clears it.
export function showNear(line, button, error) {
  if (!line) return;
  if (!error || (error instanceof ApiError && error.code === "signed_out")) {
    line.textContent = "";
    line.hidden = true;
    if (button) button.removeAttribute("aria-describedby");
    return;
  }
  line.textContent = plainWords(error);
  line.hidden = false;
  if (button && line.id) button.setAttribute("aria-describedby", line.id);
}

// Run ``action`` for ``button``: its previous error cleared, a new one shown beside it.
export async function attemptNear(line, button, action) {
  showNear(line, button, null);
  try {
    return await action();
  } catch (error) {
    showNear(line, button, error);
    return undefined;
  }
}
