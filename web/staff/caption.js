// A caption field of the staff pages (an album's on staff.html, an item's on review.html):
// save, and the full-name warning. The API refuses a caption that seems to hold a child's
// full name (409, reason ``caption_full_name``) unless it is sent again with
// ``confirm_names: true``: the warning is shown beside the field with a button that does so.
// Limits and control characters are the API's (its message is shown under the field).

import { ApiError, call } from "/lib/api.js";
import { showError } from "/lib/dom.js";
import { t } from "/lib/i18n.js";

export const FULL_NAME = "caption_full_name";

// nodes: {form, input, warning, confirm, error, status}; path(): the PUT path, or null when
// nothing is open; onSaved(answer): the API's answer once saved.
export function wireCaption(nodes, path, onSaved = () => {}) {
  const { form, input, warning, confirm, error, status } = nodes;
  let warned = null; // the text the warning was given for

  function clear() {
    warning.hidden = true;
    warning.textContent = "";
    confirm.hidden = true;
    input.removeAttribute("aria-invalid");
    showError(error, null);
  }

  async function save(confirmNames) {
    const target = path();
    if (!target) return;
    clear();
    status.textContent = "";
    const caption = input.value;
    try {
      const answer = await call("PUT", target, { body: { caption, confirm_names: confirmNames } });
      warned = null;
      input.value = answer.caption || "";
      status.textContent = answer.caption
        ? t("Légende enregistrée.", "Caption saved.")
        : t("Légende retirée.", "Caption removed.");
      onSaved(answer);
    } catch (failure) {
      if (failure instanceof ApiError && failure.reason === FULL_NAME) {
        warned = caption;
        warning.textContent = failure.message;
        warning.hidden = false;
        confirm.hidden = false;
        input.setAttribute("aria-invalid", "true");
        confirm.focus();
        return;
      }
      input.setAttribute("aria-invalid", "true");
      showError(error, failure);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(false);
  });
  confirm.addEventListener("click", () => save(true));
  // Typing again withdraws the warning: it was about the text that was sent.
  input.addEventListener("input", () => {
    if (warned !== null && input.value !== warned) {
      warned = null;
      clear();
    }
  });

  return {
    // Show ``caption`` (the stored one), editable or not.
    set(caption, editable = true) {
      warned = null;
      clear();
      status.textContent = "";
      input.value = caption || "";
      input.disabled = !editable;
      form.querySelector("button[type=submit]").disabled = !editable;
    },
  };
}
