// Erasure requests (directors, docs/erasure.md): the open requests at the top of the list, each
// with the director's choice of what happens to the photos, and, in a child's panel, a request
// recorded on a family's behalf (a letter, a visit).
//
// GET /api/admin/erasure-requests lists the open ones, the most urgent first; PATCH
// .../children/<id>/erasure-request {mode} saves a choice; POST the same path {confirm, mode?}
// records a request. The purge carries a request out on its next hourly run once a choice is
// made, and 3 hours before the deadline with "remove" when none is.

import { ApiError, call } from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { $, UserError, childName, element, formatMoment, showError } from "/people/dom.js";

export const MODES = ["remove", "blur"];

export function modeName(mode) {
  switch (mode) {
    case "remove": return t("Supprimer les photos", "Remove the items");
    case "blur": return t("Flouter l'enfant quand c'est possible", "Blur the child where possible");
    default: return t("Choisir plus tard", "Choose later");
  }
}

function modeHelp(mode) {
  switch (mode) {
    case "remove": return t("Toutes les photos et vidéos où l'enfant apparaît sont supprimées définitivement.",
      "Every photo and video showing the child is deleted for good.");
    case "blur": return t("Les photos où un cadre de floutage cache déjà l'enfant restent, floutées (l'original est détruit) ; les autres photos et toutes les vidéos sont supprimées.",
      "Photos where a face box already hides the child stay, blurred (the original is destroyed); the other photos and every video are removed.");
    default: return t("Sans choix, les photos sont supprimées 3 heures avant l'échéance.",
      "Without a choice, the items are removed 3 hours before the deadline.");
  }
}

function dueText(request) {
  return t(`À exécuter avant le ${formatMoment(request.due_by)}`, `To be carried out before ${formatMoment(request.due_by)}`);
}

// Radio buttons, each with its one-sentence explanation, in a fieldset (after its legend).
function modeChoices(fieldset, prefix, { chosen = null, later = false } = {}) {
  for (const node of [...fieldset.children]) if (node.tagName !== "LEGEND") node.remove();
  for (const mode of later ? ["", ...MODES] : MODES) {
    const id = `${prefix}-${mode || "later"}`;
    fieldset.append(element("p", { class: "option" }, [
      element("input", { type: "radio", id, name: prefix, value: mode, "aria-describedby": `${id}-help`,
        checked: (chosen || "") === mode || undefined }),
      element("label", { for: id, text: modeName(mode) }),
      element("span", { id: `${id}-help`, class: "hint", text: modeHelp(mode) }),
    ]));
  }
}

function pickedMode(fieldset) {
  const radio = fieldset.querySelector("input[type=radio]:checked");
  return radio ? radio.value : null;
}

export class Erasures {
  // lookup: {child(id)} (active or archived); say(text): the page's status line (aria-live).
  constructor({ lookup, say }) {
    this.lookup = lookup;
    this.say = say;
    this.requests = [];
    this.childId = null; // the child whose panel is open
    $("erasure-form").addEventListener("submit", (event) => this.record(event));
  }

  async load() {
    this.requests = (await call("GET", "/api/admin/erasure-requests")).requests;
  }

  name(childId) {
    return childName(this.lookup.child(childId));
  }

  openRequest(childId) {
    return this.requests.find((r) => r.child_id === childId);
  }

  // --- The list of open requests -----------------------------------------------------------

  render() {
    $("erasure-section").hidden = this.requests.length === 0;
    $("erasure-count").textContent = `(${this.requests.length})`;
    $("erasure-list").replaceChildren(...this.requests.map((r) => this.row(r)));
    if (this.childId) this.renderPanel();
  }

  row(request) {
    const name = this.name(request.child_id);
    const prefix = `erasure-mode-${request.child_id}`;
    const fieldset = element("fieldset", { class: "choices" }, [
      element("legend", { text: t(`Que faire des photos et vidéos de ${name} ?`, `What to do with the photos and videos of ${name}?`) }),
    ]);
    modeChoices(fieldset, prefix, { chosen: request.mode });
    const form = element("form", { class: "erasure-choice", novalidate: true }, [
      fieldset,
      element("button", { type: "submit", class: "primary", "data-action": "save-mode" }, [
        t("Enregistrer ce choix", "Save this choice"), element("span", { class: "visually-hidden", text: ` ${name}` }),
      ]),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.choose(request, fieldset);
    });
    const asker = request.requested_by === "staff"
      ? t("Demande enregistrée par le centre", "Request recorded by the centre")
      : t("Demande faite par un responsable", "Request made by a guardian");
    const current = request.mode
      ? t(`Choix actuel : ${modeName(request.mode)}. Il sera appliqué lors de la prochaine vérification (dans l'heure).`,
        `Current choice: ${modeName(request.mode)}. It will be applied at the next check (within the hour).`)
      : t("Choix actuel : aucun. Sans choix, les photos seront supprimées 3 heures avant l'échéance.",
        "Current choice: none. Without a choice, the items will be removed 3 hours before the deadline.");
    return element("li", { class: "erasure-request", "data-child-id": request.child_id }, [
      element("span", { class: "row-title", text: name }),
      element("span", { class: "muted", text: t(`${asker}, le ${formatMoment(request.requested_at)}.`,
        `${asker}, on ${formatMoment(request.requested_at)}.`) }),
      element("strong", { class: "due", text: dueText(request) }),
      element("span", { "data-part": "mode", text: current }),
      form,
    ]);
  }

  async choose(request, fieldset) {
    const name = this.name(request.child_id);
    const mode = pickedMode(fieldset);
    showError($("erasure-error"), null);
    if (!mode) {
      showError($("erasure-error"), new UserError(t(`${name} : choisissez une des deux options.`, `${name}: pick one of the two options.`)));
      fieldset.querySelector("input").focus();
      return;
    }
    const path = `/api/admin/children/${encodeURIComponent(request.child_id)}/erasure-request`;
    try {
      await call("PATCH", path, { body: { mode } });
      await this.load();
      this.render();
      this.say(t(`${name} : choix enregistré, « ${modeName(mode)} ». Il sera appliqué dans l'heure.`,
        `${name}: choice saved, "${modeName(mode)}". It will be applied within the hour.`));
      const button = document.querySelector(`#erasure-list li[data-child-id="${request.child_id}"] [data-action=save-mode]`);
      if (button) button.focus();
    } catch (error) {
      const gone = error instanceof ApiError && (error.status === 404 || error.status === 409);
      if (gone) await this.load().then(() => this.render(), () => {}); // carried out meanwhile
      const named = error instanceof ApiError && error.code !== "signed_out";
      // The section hides when nothing is open any more: the page's error line then.
      showError(this.requests.length ? $("erasure-error") : $("error"),
        named ? new UserError(`${name} : ${error.message}`) : error);
      if (gone && this.requests.length) $("erasure-title").focus();
    }
  }

  // --- A child's panel: record a request received by letter --------------------------------

  open(childId) {
    this.childId = childId;
    const form = $("erasure-form");
    form.reset();
    showError(form.querySelector(".form-error"), null);
    this.renderPanel();
  }

  close() {
    this.childId = null;
  }

  renderPanel() {
    const request = this.openRequest(this.childId);
    const note = $("erasure-open");
    note.hidden = !request;
    $("erasure-fields").hidden = Boolean(request);
    if (request) {
      note.textContent = t(
        `Une demande d'effacement est en cours pour ${this.name(this.childId)}. ${dueText(request)}. Le choix pour ses photos se fait dans « Demandes d'effacement », en haut de la liste des enfants.`,
        `An erasure request is open for ${this.name(this.childId)}. ${dueText(request)}. The choice for their photos is made under "Erasure requests", at the top of the children's list.`,
      );
      return;
    }
    const fieldset = $("erasure-record-mode");
    modeChoices(fieldset, "erasure-record-mode", { chosen: pickedMode(fieldset) || "", later: true });
  }

  async record(event) {
    event.preventDefault();
    const form = $("erasure-form");
    const error = form.querySelector(".form-error");
    showError(error, null);
    $("erasure-confirm").removeAttribute("aria-invalid");
    if (!$("erasure-confirm").checked) {
      showError(error, new UserError(t("Cochez la case pour confirmer que la famille a fait cette demande.",
        "Tick the box to confirm that the family made this request.")));
      $("erasure-confirm").setAttribute("aria-invalid", "true");
      $("erasure-confirm").focus();
      return;
    }
    const mode = pickedMode($("erasure-record-mode"));
    const submit = $("erasure-submit");
    submit.disabled = true;
    try {
      const path = `/api/admin/children/${encodeURIComponent(this.childId)}/erasure-request`;
      const answer = await call("POST", path, { body: mode ? { confirm: true, mode } : { confirm: true } });
      await this.load();
      this.render();
      const name = this.name(this.childId);
      this.say(answer.created
        ? t(`Demande d'effacement enregistrée pour ${name}. ${dueText(answer.request)}.`,
          `Erasure request recorded for ${name}. ${dueText(answer.request)}.`)
        : t(`Une demande était déjà en cours pour ${name} : rien de plus n'est enregistré.`,
          `A request was already open for ${name}: nothing more is recorded.`));
      $("erasure-open").focus();
    } catch (failure) {
      showError(error, failure);
    } finally {
      submit.disabled = false;
    }
  }
}
