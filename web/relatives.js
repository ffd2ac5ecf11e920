// Pellicule: a guardian's relatives, "Mes proches" (issue 17; docs/relatives.md, docs/web.md).
//
// GET /api/family/relatives lists them (and the limit); POST /api/family/relatives invites one
// (address, download allowed or not); POST /api/family/relatives/<id>/revoke removes one, after
// one confirmation, and ends their sessions at once. A relative opening this page is told
// that only a parent invites (the API answers 403 relative_read_only).

import { ApiError, call, me, signOut } from "/lib/api.js";
import { element, showError, UserError } from "/lib/dom.js";
import { apply, t, wireSwitch } from "/lib/i18n.js";

const EN = {
  title: "My relatives — Pellicule",
  skip: "Skip to content",
  account: "Account",
  galleryLink: "My gallery",
  signOut: "Sign out",
  heading: "My relatives",
  intro:
    "Invite relatives, for example grandparents: they see the photos and videos your family " +
    "sees, never more, with no account or app. You can remove their access at any time, in one tap.",
  inviteTitle: "Invite a relative",
  emailLabel: "Their e-mail address",
  emailHint: "They will receive an e-mail with a link to see the photos.",
  downloadLabel: "Allow downloads",
  downloadHint: "Only if the centre allows it too. Otherwise this relative can look without downloading.",
  inviteSubmit: "Invite",
  listTitle: "Invited relatives",
  none: "You have not invited anyone yet.",
  footer:
    "Your relatives see at most what your family sees, as the consents of every child shown " +
    "allow. They can neither change a consent nor invite anyone.",
};

const $ = (id) => document.getElementById(id);
const state = { relatives: [], limit: 0, confirming: null, message: null };

function showStatus(text, kind = "info") {
  const status = $("status");
  status.textContent = text || "";
  status.className = `status ${kind}`;
  status.hidden = !text;
}

function render() {
  const { relatives, limit } = state;
  $("invite-section").hidden = false;
  $("list-section").hidden = false;
  $("count").textContent = t(
    `${relatives.length} sur ${limit} au plus`,
    `${relatives.length} of ${limit} at most`,
  );
  const full = relatives.length >= limit;
  $("invite-form").hidden = full;
  $("limit-reached").hidden = !full;
  $("limit-reached").textContent = t(
    `Vous avez invité ${limit} proches, le maximum : retirez-en un pour en inviter un autre.`,
    `You have invited ${limit} relatives, the maximum: remove one to invite another.`,
  );
  $("none").hidden = relatives.length > 0;
  const list = $("relatives");
  list.replaceChildren(...relatives.map(item));
  if (state.message) showStatus(state.message(), "success");
}

function item(relative) {
  const id = relative.relative_id;
  const meta = relative.may_download
    ? t("Peut télécharger (si le centre le permet)", "May download (where the centre allows it)")
    : t("Peut regarder, sans télécharger", "May look, not download");
  const children = [
    element("p", { class: "relative-email", id: `email-${id}`, text: relative.email }),
    element("p", { class: "relative-meta", text: meta }),
  ];
  if (state.confirming === id) {
    const question = element("p", {
      id: `question-${id}`,
      tabindex: "-1",
      text: t(
        `Retirer l'accès de ${relative.email} ? Ses connexions s'arrêtent tout de suite.`,
        `Remove ${relative.email}'s access? Their sessions end at once.`,
      ),
    });
    const yes = element("button", { type: "button", class: "revoke", text: t("Oui, retirer l'accès", "Yes, remove access") });
    const no = element("button", { type: "button", text: t("Non, garder", "No, keep") });
    yes.addEventListener("click", () => revoke(relative));
    no.addEventListener("click", () => {
      state.confirming = null;
      render();
      document.querySelector(`[data-revoke="${id}"]`)?.focus();
    });
    children.push(element("div", { class: "confirm-revoke", role: "group", "aria-labelledby": `question-${id}` }, [
      question,
      element("div", { class: "form-actions" }, [yes, no]),
    ]));
  } else {
    const button = element("button", {
      type: "button",
      class: "revoke",
      "data-revoke": id,
      "aria-describedby": `email-${id}`,
      text: t("Retirer l'accès", "Remove access"),
    });
    button.addEventListener("click", () => {
      state.confirming = id;
      state.message = null;
      showStatus("");
      render();
      $(`question-${id}`)?.focus();
    });
    children.push(button);
  }
  return element("li", { class: "relative" }, children);
}

async function load() {
  const answer = await call("GET", "/api/family/relatives");
  state.relatives = answer.relatives;
  state.limit = answer.limit;
  render();
}

async function invite(event) {
  event.preventDefault();
  const email = $("invite-email").value.trim();
  const mayDownload = $("invite-download").checked;
  showError($("invite-error"), null);
  try {
    if (!email.includes("@")) {
      throw new UserError(t("Saisissez une adresse e-mail.", "Enter an e-mail address."), "email");
    }
    $("invite-submit").disabled = true;
    await call("POST", "/api/family/relatives", { body: { email, may_download: mayDownload } });
    $("invite-email").value = "";
    $("invite-download").checked = false;
    state.message = () => t(`Invitation envoyée à ${email}.`, `Invitation sent to ${email}.`);
    await load();
  } catch (error) {
    showError($("invite-error"), error);
    $("invite-email").focus();
  } finally {
    $("invite-submit").disabled = false;
  }
}

async function revoke(relative) {
  try {
    await call("POST", `/api/family/relatives/${encodeURIComponent(relative.relative_id)}/revoke`);
    state.confirming = null;
    state.message = () => t(
      `L'accès de ${relative.email} est retiré.`,
      `${relative.email}'s access is removed.`,
    );
    await load();
    $("list-title").focus?.();
  } catch (error) {
    showStatus(error instanceof ApiError ? error.message : t("Une erreur est survenue.", "Something went wrong."), "error");
  }
}

async function start() {
  wireSwitch($("lang-switch"), EN, () => {
    apply(EN);
    if (state.limit) render();
  });
  $("sign-out").addEventListener("click", signOut);
  $("invite-form").addEventListener("submit", invite);
  try {
    const person = await me();
    $("centre-name").textContent = person.tenant_name || "";
    if (person.kind === "relative") {
      showStatus(t(
        "Seul un parent peut inviter des proches. Vous voyez les photos de la famille qui vous a invité·e dans « Ma galerie ».",
        "Only a parent can invite relatives. You see the photos of the family that invited you in \"My gallery\".",
      ));
      document.body.dataset.ready = "true";
      return;
    }
    if (person.kind !== "guardian") {
      showStatus(t(
        "Cette page est celle des familles. L'espace de l'équipe est sur la page d'accueil.",
        "This page is the families' one. The staff space is on the home page.",
      ));
      return;
    }
    await load();
    document.body.dataset.ready = "true";
  } catch (error) {
    if (error instanceof ApiError && error.code === "signed_out") return;
    showStatus(error instanceof ApiError ? error.message : t("Une erreur est survenue.", "Something went wrong."), "error");
  }
}

start();
