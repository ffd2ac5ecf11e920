// One child's consent (directors, docs/consent.md): the consent in force and its history, a
// signed paper form recorded with its scan, a withdrawal recorded on a guardian's behalf, and
// a short-lived link to the scan.
//
// Recording a paper form: POST .../consent/scan {type, size} gives a presigned POST; the
// browser sends the file there (FormData: the grant's fields, then the file), then
// POST .../consent {audiences, media_kinds, valid_from?, valid_until?, signed_by, scan_id}.

import { call } from "/lib/api.js";
import { t } from "/lib/i18n.js";
import {
  $, AUDIENCES, KINDS, UserError, checkboxes, checked, childName, element, firstDay,
  formatMoment, showError, termsText,
} from "/people/dom.js";

const SCAN_TYPES = new Set(["application/pdf", "image/jpeg", "image/png"]);
const MAX_SCAN_BYTES = 15 * 1024 * 1024;

const UPLOAD_FAILED = () => t(
  "L'envoi du scan a échoué : vérifiez votre connexion puis réessayez.",
  "The scan could not be sent: check your connection and try again.",
);

// The scan's type for the grant: PDF, JPEG or PNG, from the browser's type or else the file
// name's extension; "" when it is none of them.
export function scanType(file) {
  const declared = (file.type || "").toLowerCase();
  if (SCAN_TYPES.has(declared)) return declared;
  if (declared === "image/jpg") return "image/jpeg";
  const name = file.name.toLowerCase();
  if (name.endsWith(".pdf")) return "application/pdf";
  if (name.endsWith(".jpg") || name.endsWith(".jpeg")) return "image/jpeg";
  if (name.endsWith(".png")) return "image/png";
  return "";
}

export function actionName(action) {
  switch (action) {
    case "given": return t("Consentement donné", "Consent given");
    case "widened": return t("Consentement élargi", "Consent widened");
    case "narrowed": return t("Consentement restreint", "Consent narrowed");
    case "changed": return t("Consentement modifié", "Consent changed");
    case "withdrawn": return t("Consentement retiré", "Consent withdrawn");
    case "proposed": return t("Élargissement proposé, en attente de l'autre responsable",
      "Widening proposed, awaiting the other guardian");
    case "unchanged": return t("Rien n'a changé", "Nothing changed");
    default: return action;
  }
}

export class ConsentView {
  // lookup: {child(id), guardian(id)}; onChanged(): reload the roster after a change;
  // say(text): the page's status line (aria-live).
  constructor({ lookup, onChanged, say }) {
    this.lookup = lookup;
    this.onChanged = onChanged;
    this.say = say;
    this.childId = null;
    this.data = null; // GET children/<id>/consent
    $("paper-form").addEventListener("submit", (event) => this.recordPaper(event));
    $("withdraw-form").addEventListener("submit", (event) => this.withdraw(event));
    $("evidence-button").addEventListener("click", () => this.evidence());
  }

  guardianLabel(id) {
    const guardian = this.lookup.guardian(id);
    return guardian ? guardian.email : t("responsable archivé", "archived guardian");
  }

  async open(childId) {
    this.childId = childId;
    this.data = await call("GET", `/api/admin/children/${encodeURIComponent(childId)}/consent`);
    this.reset();
    this.render();
  }

  // A fresh form for another child (or after a recording).
  reset() {
    for (const form of [$("paper-form"), $("withdraw-form")]) {
      form.reset();
      showError(form.querySelector(".form-error"), null);
    }
    $("evidence-link").hidden = true;
    $("evidence-link").removeAttribute("href");
    const guardians = this.guardianIds().map((id) => ({ value: id, label: this.guardianLabel(id) }));
    checkboxes($("paper-signed"), "paper-signed", guardians.map((g) => ({ ...g, checked: guardians.length === 1 })));
    checkboxes($("withdraw-by"), "withdraw-by", guardians.map((g) => ({ ...g, checked: guardians.length === 1 })));
  }

  guardianIds() {
    const child = (this.data && this.data.child) || this.lookup.child(this.childId) || {};
    return child.guardian_ids || [];
  }

  render() {
    if (!this.data) return;
    const child = this.lookup.child(this.childId) || this.data.child;
    $("consent-title").textContent = t(`Consentement de ${childName(child)}`, `Consent of ${childName(child)}`);
    document.title = `${$("consent-title").textContent} — Pellicule`;
    this.renderCurrent();
    this.renderHistory();
    const none = !this.guardianIds().length;
    for (const fieldset of [$("paper-signed"), $("withdraw-by")]) {
      let note = fieldset.querySelector(".muted");
      if (none && !note) {
        note = element("p", { class: "muted" });
        fieldset.append(note);
      }
      if (note) note.textContent = none ? t("Cet enfant n'a pas encore de responsable : ajoutez-en un d'abord.",
        "This child has no guardian yet: add one first.") : "";
    }
  }

  renderCurrent() {
    const { consent } = this.data;
    const box = $("current");
    const lines = [];
    if (consent.status === "active" && consent.terms) {
      lines.push(element("p", { class: "state yes", text: t("Actif", "Active") }));
      lines.push(element("p", { text: termsText(consent.terms) }));
      lines.push(element("p", { class: "muted", text: t(`En vigueur depuis le ${firstDay(consent.terms.valid_from)}`,
        `In force since ${firstDay(consent.terms.valid_from)}`) }));
    } else if (consent.status === "withdrawn") {
      lines.push(element("p", { class: "state no", text: t("Retiré : l'enfant ne peut apparaître nulle part sans floutage.",
        "Withdrawn: the child may not appear anywhere unblurred.") }));
    } else {
      lines.push(element("p", { class: "state no", text: t("Aucun consentement : l'enfant ne peut apparaître nulle part sans floutage.",
        "No consent: the child may not appear anywhere unblurred.") }));
    }
    if (consent.evidence) lines.push(element("p", { class: "muted", text: this.evidenceText(consent.evidence) }));
    if (consent.pending) {
      const pending = consent.pending;
      const awaiting = (pending.awaiting || []).map((id) => this.guardianLabel(id)).join(", ");
      lines.push(element("p", { class: "pending", text: t(
        `En attente de l'accord de ${awaiting} : ${termsText(pending.terms)}`,
        `Awaiting the agreement of ${awaiting}: ${termsText(pending.terms)}`,
      ) }));
    }
    box.replaceChildren(...lines);
    $("evidence-row").hidden = !(consent.evidence && consent.evidence.scan_sha256);
    $("withdraw-submit").disabled = consent.status !== "active" && !consent.pending;
  }

  evidenceText(evidence) {
    const names = (ids) => (ids || []).map((id) => this.guardianLabel(id)).join(", ");
    switch (evidence.kind) {
      case "paper_form":
        return t(`Preuve : formulaire papier signé par ${names(evidence.signed_by)}, scan enregistré par l'équipe.`,
          `Evidence: paper form signed by ${names(evidence.signed_by)}, scan recorded by the staff.`);
      case "recorded_by_staff":
        return evidence.requested_by && evidence.requested_by.length
          ? t(`Enregistré par l'équipe à la demande de ${names(evidence.requested_by)}.`,
            `Recorded by the staff at the request of ${names(evidence.requested_by)}.`)
          : t("Enregistré par l'équipe.", "Recorded by the staff.");
      case "electronic":
        return t(`Preuve : accepté en ligne par ${names([evidence.guardian])}.`,
          `Evidence: accepted online by ${names([evidence.guardian])}.`);
      default:
        return "";
    }
  }

  actorText(actor) {
    const [kind, id] = String(actor || "").split(":");
    if (kind === "guardian") return this.guardianLabel(id);
    if (kind === "staff") return t("l'équipe du centre", "the centre's staff");
    return actor || "";
  }

  renderHistory() {
    const list = $("history");
    const entries = [...this.data.history].sort((a, b) => b.version - a.version);
    list.replaceChildren(...entries.map((entry) => {
      const parts = [
        element("span", { class: "when", text: formatMoment(entry.at) }),
        element("strong", { text: actionName(entry.action) }),
      ];
      if (entry.after && entry.action !== "withdrawn") parts.push(element("span", { text: termsText(entry.after) }));
      const by = [t(`par ${this.actorText(entry.actor)}`, `by ${this.actorText(entry.actor)}`)];
      if (entry.evidence) by.push(this.evidenceText(entry.evidence));
      parts.push(element("span", { class: "muted", text: by.filter(Boolean).join(" — ") }));
      return element("li", { "data-version": String(entry.version), "data-action": entry.action }, parts);
    }));
    $("history-empty").hidden = entries.length > 0;
  }

  // --- Paper form ----------------------------------------------------------------------------

  paperBody() {
    const form = $("paper-form");
    const audiences = AUDIENCES.filter((a) => $(`paper-audience-${a}`).checked);
    const kinds = KINDS.filter((k) => $(`paper-kind-${k}`).checked);
    const signedBy = checked($("paper-signed"));
    const file = $("paper-scan").files[0];
    if (!audiences.length) {
      throw new UserError(t("Cochez au moins un public.", "Tick at least one audience."),
        $(`paper-audience-${AUDIENCES[0]}`));
    }
    if (!kinds.length) throw new UserError(t("Cochez photos, vidéos ou les deux.", "Tick photos, videos or both."), $("paper-kind-photo"));
    if (!signedBy.length) {
      throw new UserError(t("Cochez qui a signé le formulaire.", "Tick who signed the form."),
        form.querySelector("#paper-signed input") || $("paper-signed"));
    }
    if (!file) throw new UserError(t("Joignez le scan du formulaire signé.", "Attach the signed form's scan."), $("paper-scan"));
    const type = scanType(file);
    if (!type) throw new UserError(t("Le scan doit être un PDF, un JPEG ou un PNG.", "The scan must be a PDF, JPEG or PNG."), $("paper-scan"));
    if (file.size > MAX_SCAN_BYTES) throw new UserError(t("Le scan dépasse 15 Mo.", "The scan is larger than 15 MB."), $("paper-scan"));
    const body = { audiences, media_kinds: kinds, signed_by: signedBy };
    if ($("paper-from").value) body.valid_from = $("paper-from").value;
    if ($("paper-until").value) body.valid_until = $("paper-until").value;
    return { body, file, type };
  }

  async sendScan(file, type) {
    const base = `/api/admin/children/${encodeURIComponent(this.childId)}/consent`;
    const grant = await call("POST", `${base}/scan`, { body: { type, size: file.size } });
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
    form.append("file", file);
    let response;
    try {
      response = await fetch(grant.url, { method: "POST", body: form, credentials: "omit" });
    } catch {
      throw new UserError(UPLOAD_FAILED());
    }
    if (!response.ok) throw new UserError(UPLOAD_FAILED());
    return grant.scan_id;
  }

  async recordPaper(event) {
    event.preventDefault();
    const form = $("paper-form");
    const error = form.querySelector(".form-error");
    showError(error, null);
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    const submit = $("paper-submit");
    submit.disabled = true;
    try {
      const { body, file, type } = this.paperBody();
      this.say(t("Envoi du scan…", "Sending the scan…"));
      body.scan_id = await this.sendScan(file, type);
      const outcome = await call("POST", `/api/admin/children/${encodeURIComponent(this.childId)}/consent`, { body });
      await this.afterChange(outcome.awaiting_other_guardian
        ? t("Formulaire enregistré : l'élargissement attend l'accord de l'autre responsable.",
          "Form recorded: the widening awaits the other guardian's agreement.")
        : t(`Formulaire enregistré. ${actionName(outcome.action)}.`, `Form recorded. ${actionName(outcome.action)}.`));
    } catch (failure) {
      this.say("");
      showError(error, failure);
      const field = failure instanceof UserError && failure.field;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    } finally {
      submit.disabled = false;
    }
  }

  // --- Withdrawal ----------------------------------------------------------------------------

  async withdraw(event) {
    event.preventDefault();
    const form = $("withdraw-form");
    const error = form.querySelector(".form-error");
    showError(error, null);
    const requestedBy = checked($("withdraw-by"));
    if (this.guardianIds().length && !requestedBy.length) {
      const first = form.querySelector("#withdraw-by input");
      showError(error, new UserError(t("Cochez qui a demandé le retrait.", "Tick who asked for the withdrawal.")));
      if (first) first.focus();
      return;
    }
    const submit = $("withdraw-submit");
    submit.disabled = true;
    try {
      await call("POST", `/api/admin/children/${encodeURIComponent(this.childId)}/consent/withdraw`, {
        body: { requested_by: requestedBy },
      });
      await this.afterChange(t("Consentement retiré : c'est effectif tout de suite.",
        "Consent withdrawn: it takes effect at once."));
    } catch (failure) {
      showError(error, failure);
      submit.disabled = false;
    }
  }

  async afterChange(message) {
    await this.onChanged();
    await this.open(this.childId);
    this.say(message);
    $("current-title").focus();
  }

  // --- Evidence ------------------------------------------------------------------------------

  async evidence() {
    const link = $("evidence-link");
    showError($("error"), null);
    try {
      const answer = await call("GET", `/api/admin/children/${encodeURIComponent(this.childId)}/consent/evidence`);
      link.href = answer.url;
      link.hidden = false;
      link.focus();
    } catch (failure) {
      showError($("error"), failure);
    }
  }
}
