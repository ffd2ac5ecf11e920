// Pellicule team page (docs/web.md, docs/second-factor.md; issue 18): the director's screen of
// the staff. The list (role, "de confiance", second factor, suspended), an invitation form
// (POST /api/admin/staff: the person gets an e-mail with a sign-in link), and per person: role,
// trust, suspend / reactivate, reset the second factor, remove from the team (each with the
// API's error in words beside its buttons). Animators are told the page is for directors.
//
// The API decides (never oneself, never the last active director): the page shows its message.
// Names and addresses carry ``data-data`` (the centre's data, in no language).

import { ApiError, call, signOut } from "/lib/api.js";
import { element, showError, UserError } from "/lib/dom.js";
import { t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "The staff",
  intro:
    "The people who upload, sort and publish the centre's photos: invite someone, change their " +
    "role, suspend them or remove them from the staff.",
  loading: "Loading…",
  refusedTitle: "Directors only",
  refusedText:
    "Managing the staff is for the centre's directors. To change your role or your address, " +
    "ask them.",
  membersTitle: "Staff members",
  inviteTitle: "Invite someone",
  inviteHelp:
    "They receive an e-mail with a sign-in link, valid for 24 hours and usable once. After " +
    "that, they ask for a link on the sign-in page with the same address.",
  nameLabel: "Name shown to the staff",
  emailLabel: "E-mail address",
  roleLegend: "Role",
  roleAnimator: "Animator: uploads and tags photos",
  roleDirector: "Director: validates, publishes and runs the centre",
  trustedLabel: "Trusted animator",
  inviteButton: "Send the invitation",
  aboutTitle: "Good to know",
  aboutSuspend:
    "Suspend: the person can no longer sign in and their open sessions close at once. " +
    "Reactivate them when they are back; nothing is lost.",
  aboutArchive: "Remove from the staff: for good. Their name stays in the audit log.",
  aboutFactor:
    "Second factor: on top of the link received by e-mail, a code from an app on the phone. " +
    "If someone lost their phone and their recovery codes, reset it: they are signed out " +
    "everywhere and register a new app at their next sign-in.",
  aboutLast:
    "The centre always keeps one active director: nobody can suspend or remove themselves, or " +
    "step down from directing themselves.",
  footer: "Every change to the staff is written to the audit log.",
};

const $ = (id) => document.getElementById(id);

const state = {
  who: null, // GET /api/auth/me
  me: null, // GET /api/admin/me: role, settings
  staff: null, // GET /api/admin/staff
  confirming: null, // {staffId, action} awaiting confirmation
  errors: new Map(), // staff_id -> the error of their last action
};

const isDirector = () => Boolean(state.me && state.me.role === "director");
const trustedMode = () => Boolean(state.me && state.me.settings.validation_mode === "trusted_animators");

// --- Words ----------------------------------------------------------------------------------

function trustedExplanation() {
  const what = t(
    "Un·e animateur·rice de confiance publie ses photos sans attendre la validation de la " +
      "direction, quand le centre l'autorise (Réglages : « La direction et les animateurs de " +
      "confiance ») ; la porte des consentements s'applique toujours. Il ou elle utilise alors " +
      "la double authentification.",
    "A trusted animator publishes their photos without waiting for a director's validation, " +
      "when the centre allows it (Settings: “Directors and trusted animators”); the consent " +
      "gate always applies. They then use the second factor.",
  );
  const now = trustedMode()
    ? t("C'est le cas actuellement.", "This is currently the case.")
    : t(
        "Actuellement, seule la direction publie : ce choix n'a d'effet que si vous changez ce réglage.",
        "Currently only directors publish: this choice only matters if you change that setting.",
      );
  return `${what} ${now}`;
}

function roleName(person) {
  return person.role === "director" ? t("Direction", "Director") : t("Animateur·rice", "Animator");
}

function factorName(person) {
  if (person.second_factor === "active") {
    return t("Double authentification : activée", "Second factor: on");
  }
  if (person.second_factor === "enrolling") {
    return t("Double authentification : enregistrement en cours", "Second factor: being set up");
  }
  const asked = person.role === "director" || person.trusted
    || (state.me && state.me.settings.staff_second_factor === "all_staff");
  return asked
    ? t("Double authentification : à enregistrer à la prochaine connexion",
      "Second factor: to set up at the next sign-in")
    : t("Double authentification : non utilisée", "Second factor: not used");
}

// --- Actions --------------------------------------------------------------------------------

const ACTIONS = {
  suspend: {
    path: (id) => `/api/admin/staff/${id}/suspend`,
    question: (name) => t(
      `Suspendre ${name} ? Cette personne ne pourra plus se connecter et ses sessions ouvertes se fermeront tout de suite. Vous pourrez la réactiver.`,
      `Suspend ${name}? They will no longer be able to sign in and their open sessions will close at once. You can reactivate them.`,
    ),
    yes: () => t("Oui, suspendre", "Yes, suspend"),
    done: (name, answer) => t(
      `${name} est suspendu·e ; ${answer.sessions_ended} session(s) fermée(s).`,
      `${name} is suspended; ${answer.sessions_ended} session(s) ended.`,
    ),
  },
  archive: {
    path: (id) => `/api/admin/staff/${id}/archive`,
    question: (name) => t(
      `Retirer ${name} de l'équipe ? C'est définitif : cette personne ne pourra plus se connecter. Son nom reste dans le journal d'audit.`,
      `Remove ${name} from the staff? This is for good: they will no longer be able to sign in. Their name stays in the audit log.`,
    ),
    yes: () => t("Oui, retirer de l'équipe", "Yes, remove from the staff"),
    done: (name) => t(`${name} a été retiré·e de l'équipe.`, `${name} was removed from the staff.`),
  },
  reset: {
    path: (id) => `/api/admin/staff/${id}/second-factor/reset`,
    question: (name) => t(
      `Réinitialiser la double authentification de ${name} ? Cette personne sera déconnectée partout et enregistrera une nouvelle application à sa prochaine connexion.`,
      `Reset ${name}'s second factor? They will be signed out everywhere and will register a new app at their next sign-in.`,
    ),
    yes: () => t("Oui, réinitialiser", "Yes, reset"),
    done: (name, answer) => t(
      `Double authentification de ${name} réinitialisée ; ${answer.sessions_ended} session(s) fermée(s).`,
      `${name}'s second factor reset; ${answer.sessions_ended} session(s) ended.`,
    ),
  },
};

function say(text) {
  $("status").textContent = text;
}

async function act(person, run, done, button) {
  const id = person.staff_id;
  if (button) button.disabled = true;
  state.errors.delete(id);
  say("");
  try {
    const answer = await run();
    state.confirming = null;
    await reload();
    say(done(answer));
  } catch (error) {
    if (button) button.disabled = false;
    state.errors.set(id, error);
    renderMembers();
  }
  focusOn(id);
}

function focusOn(staffId) {
  const item = document.querySelector(`.member[data-staff-id="${staffId}"]`);
  const target = item && item.querySelector("button");
  if (target) target.focus();
  else $("members-title").focus(); // the person left the list (removed from the staff)
}

function patch(person, body, done, button) {
  return act(person, () => call("PATCH", `/api/admin/staff/${person.staff_id}`, { body }), done, button);
}

function post(person, action, button) {
  const spec = ACTIONS[action];
  return act(person, () => call("POST", spec.path(person.staff_id)),
    (answer) => spec.done(person.display_name, answer), button);
}

function reactivate(person, button) {
  return act(person, () => call("POST", `/api/admin/staff/${person.staff_id}/reactivate`),
    () => t(`${person.display_name} peut de nouveau se connecter.`, `${person.display_name} can sign in again.`),
    button);
}

// --- Drawing --------------------------------------------------------------------------------

function actionButton(label, person, onClick, extra = {}) {
  const button = element("button", { type: "button", ...extra }, [
    label,
    element("span", { class: "visually-hidden", "data-data": true, text: ` — ${person.display_name}` }),
  ]);
  button.addEventListener("click", () => onClick(button));
  return button;
}

function ask(person, action) {
  state.confirming = { staffId: person.staff_id, action };
  state.errors.delete(person.staff_id);
  renderMembers();
  const cancel = document.querySelector(`.member[data-staff-id="${person.staff_id}"] .confirm .cancel`);
  if (cancel) cancel.focus();
}

function confirmation(person, action) {
  const spec = ACTIONS[action];
  const questionId = `confirm-${person.staff_id}`;
  const yes = element("button", { type: "button", class: "danger confirm-yes", text: spec.yes() });
  const cancel = element("button", { type: "button", class: "cancel", text: t("Annuler", "Cancel") });
  yes.addEventListener("click", () => post(person, action, yes));
  cancel.addEventListener("click", () => {
    state.confirming = null;
    renderMembers();
    focusOn(person.staff_id);
  });
  return element("div", { class: "confirm", role: "group", "aria-labelledby": questionId }, [
    element("p", { id: questionId, text: spec.question(person.display_name) }),
    element("div", { class: "buttons" }, [yes, cancel]),
  ]);
}

function buttons(person) {
  const name = person.display_name;
  const list = [];
  if (person.role === "animator") {
    list.push(actionButton(t("Passer à la direction", "Make director"), person, (b) =>
      patch(person, { role: "director" }, () => t(`${name} est maintenant à la direction.`, `${name} is now a director.`), b),
    { class: "role" }));
    list.push(person.trusted
      ? actionButton(t("Retirer la confiance", "Withdraw trust"), person, (b) =>
        patch(person, { trusted: false }, () => t(`${name} n'est plus de confiance.`, `${name} is no longer trusted.`), b),
      { class: "trust" })
      : actionButton(t("Marquer de confiance", "Mark as trusted"), person, (b) =>
        patch(person, { trusted: true }, () => t(`${name} est maintenant de confiance.`, `${name} is now trusted.`), b),
      { class: "trust" }));
  } else {
    list.push(actionButton(t("Passer animateur·rice", "Make animator"), person, (b) =>
      patch(person, { role: "animator" }, () => t(`${name} est maintenant animateur·rice.`, `${name} is now an animator.`), b),
    { class: "role" }));
  }
  list.push(person.suspended
    ? actionButton(t("Réactiver", "Reactivate"), person, (b) => reactivate(person, b), { class: "reactivate" })
    : actionButton(t("Suspendre", "Suspend"), person, () => ask(person, "suspend"), { class: "suspend" }));
  if (person.second_factor !== "none") {
    list.push(actionButton(t("Réinitialiser la double authentification", "Reset the second factor"), person,
      () => ask(person, "reset"), { class: "reset" }));
  }
  list.push(actionButton(t("Retirer de l'équipe", "Remove from the staff"), person,
    () => ask(person, "archive"), { class: "archive" }));
  return list;
}

function memberItem(person) {
  const self = state.who && person.staff_id === state.who.principal_id;
  const tags = [element("span", { class: "tag", text: roleName(person) })];
  if (person.role === "animator" && person.trusted) {
    tags.push(element("span", { class: "tag trusted", text: t("de confiance", "trusted") }));
  }
  tags.push(person.suspended
    ? element("span", { class: "tag suspended", text: t("suspendu·e", "suspended") })
    : element("span", { class: "tag active", text: t("actif·ve", "active") }));
  const item = element("li", { class: "member", "data-staff-id": person.staff_id }, [
    element("p", { class: "who" }, [
      element("strong", { "data-data": true, text: person.display_name }),
      self ? ` ${t("(vous)", "(you)")}` : "",
    ]),
    element("p", { class: "email muted", "data-data": true, text: person.email }),
    element("p", { class: "tags" }, tags),
    element("p", { class: "factor muted small", text: factorName(person) }),
  ]);
  if (self) {
    item.append(element("p", {
      class: "muted small",
      text: t(
        "Vos propres rôle, suspension et double authentification se gèrent par une autre personne de la direction.",
        "Your own role, suspension and second factor are managed by another director.",
      ),
    }));
    return item;
  }
  const confirming = state.confirming && state.confirming.staffId === person.staff_id;
  item.append(confirming ? confirmation(person, state.confirming.action)
    : element("div", { class: "buttons" }, buttons(person)));
  const error = element("p", { class: "error", role: "alert", hidden: true });
  showError(error, state.errors.get(person.staff_id));
  item.append(error);
  return item;
}

function order(a, b) {
  if (a.suspended !== b.suspended) return a.suspended ? 1 : -1;
  if (a.role !== b.role) return a.role === "director" ? -1 : 1;
  return a.display_name.localeCompare(b.display_name);
}

function renderMembers() {
  if (!state.staff) return;
  const current = state.staff.filter((person) => !person.archived).sort(order);
  $("members").replaceChildren(...current.map(memberItem));
  const former = state.staff.filter((person) => person.archived)
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  $("former").hidden = former.length === 0;
  $("former-summary").textContent = t(`Anciens membres (${former.length})`, `Former members (${former.length})`);
  $("former-list").replaceChildren(...former.map((person) =>
    element("li", { text: `${person.display_name} — ${roleName(person)}` })));
}

function render() {
  document.title = t("L'équipe — Pellicule", "The staff — Pellicule");
  $("trusted-help").textContent = trustedExplanation();
  renderMembers();
}

// --- Inviting -------------------------------------------------------------------------------

function invalid(field) {
  for (const id of ["invite-name", "invite-email"]) $(id).removeAttribute("aria-invalid");
  const id = { display_name: "invite-name", email: "invite-email" }[field];
  if (id) {
    $(id).setAttribute("aria-invalid", "true");
    $(id).focus();
  }
}

async function invite(event) {
  event.preventDefault();
  const button = $("invite");
  showError($("invite-error"), null);
  invalid(null);
  const role = document.querySelector('input[name="role"]:checked').value;
  const body = {
    display_name: $("invite-name").value.trim(),
    email: $("invite-email").value.trim(),
    role,
    trusted: role === "animator" && $("invite-trusted").checked,
  };
  try {
    if (!body.display_name) throw new UserError(t("Indiquez un nom.", "Give a name."), "display_name");
    if (!body.email) throw new UserError(t("Indiquez une adresse e-mail.", "Give an e-mail address."), "email");
  } catch (error) {
    showError($("invite-error"), error);
    invalid(error.field);
    return;
  }
  button.disabled = true;
  try {
    const created = await call("POST", "/api/admin/staff", { body });
    $("invite-form").reset();
    syncTrusted();
    await reload();
    say(created.invitation === "sent"
      ? t(`Invitation envoyée à ${created.email}.`, `Invitation sent to ${created.email}.`)
      : t(
        `${created.display_name} fait partie de l'équipe, mais l'e-mail n'a pas pu partir : cette personne peut demander un lien sur la page de connexion avec ${created.email}.`,
        `${created.display_name} is on the staff, but the e-mail could not be sent: they can ask for a link on the sign-in page with ${created.email}.`,
      ));
  } catch (error) {
    showError($("invite-error"), error);
    if (error instanceof ApiError && error.status === 400) invalid(error.params.field);
  } finally {
    button.disabled = false;
  }
}

function syncTrusted() {
  const director = $("invite-director").checked;
  $("invite-trusted").disabled = director;
  if (director) $("invite-trusted").checked = false;
}

// --- Start ----------------------------------------------------------------------------------

async function reload() {
  state.staff = (await call("GET", "/api/admin/staff")).staff;
  renderMembers();
}

function wire() {
  wireSwitch($("lang-switch"), EN, render);
  document.title = t("L'équipe — Pellicule", "The staff — Pellicule");
  $("sign-out").addEventListener("click", () => signOut());
  $("invite-form").addEventListener("submit", invite);
  for (const radio of document.getElementsByName("role")) radio.addEventListener("change", syncTrusted);
}

async function start() {
  wire();
  try {
    state.who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = state.who.tenant_name || "";
    if (state.who.kind !== "staff") {
      showError($("error"), new ApiError(403, t("Cette page est celle de l'équipe du centre.",
        "This page is for the centre's staff."), "forbidden"));
      return;
    }
    state.me = await call("GET", "/api/admin/me");
    if (!isDirector()) {
      $("refused").hidden = false;
      return;
    }
    await reload();
    render();
    $("team").hidden = false;
  } catch (error) {
    showError($("error"), error);
  } finally {
    $("loading").hidden = true;
  }
}

start();
