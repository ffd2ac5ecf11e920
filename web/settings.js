// Pellicule centre settings page (docs/web.md; layers/core/pellicule/tenant_settings.py): the
// director edits retention, validation, second factor, consent widening, season end, downloads
// and upload caps; everyone else on the staff reads them. Also the staff list with the
// director's "reset the second factor" action (docs/second-factor.md) and a link to the team
// page (/team.html: invite, roles, trust, suspend, remove).
//
// The API validates (ranges, formats) and its message is shown in the page's language: the form
// sends what was typed (novalidate), only the settings that changed.

import { ApiError, call, signOut } from "/lib/api.js";
import { element } from "/lib/dom.js";
import { t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Centre settings",
  loading: "Loading…",
  settingsTitle: "Photos, validation and security",
  retentionLabel: "How long photos and videos are kept (months)",
  retentionHelp:
    "Between 1 and 36 months. After that, Pellicule deletes the album's photos and videos, " +
    "every copy included; families no longer see them.",
  validationLegend: "Who may publish photos to families",
  validationHelp: "Animators always propose; nothing is shown to families before a validation.",
  validationDirector: "Directors only: they validate everything that is uploaded",
  validationTrusted: "Directors and trusted animators (chosen on the staff page)",
  factorLegend: "Who must use the second factor",
  factorHelp:
    "On top of the link received by e-mail, a 6-digit code from an authenticator app on the " +
    "phone. Directors always use it.",
  factorDirectors: "Directors only",
  factorAll: "All the staff, animators included",
  wideningLabel: "Widening a consent needs the agreement of both of the child's guardians",
  wideningHelp:
    "For instance, going from “families of the group” to “all families of the centre”. " +
    "Restricting or withdrawing a consent stays possible for each guardian, alone and at once.",
  seasonLabel: "End of the season (MM-DD)",
  seasonHelp:
    "Month then day, e.g. 08-31 for 31 August. A consent given without an end date stops " +
    "on that day.",
  souvenirLabel: "Tell families before an album is deleted (days)",
  souvenirHelp:
    "This many days before an album's retention ends, each family gets an e-mail to download " +
    "its souvenirs (where downloads are allowed). 0: no e-mail. Between 0 and 90.",
  downloadsLabel: "Families may download photos and videos",
  downloadsHelp:
    "The full-quality file, only for what they may see. Without downloads, they look at the " +
    "photos in their gallery.",
  capsSummary: "Upload limits (photos and videos)",
  capsHelp:
    "Beyond them, an upload is refused with a clear message. The platform's limits cannot be " +
    "exceeded.",
  photoMbLabel: "Largest photo (MB)",
  photoMbHelp: "Between 1 and 100 MB.",
  videoMbLabel: "Largest video (MB)",
  videoMbHelp: "Between 10 and 5,120 MB (5 GB).",
  videoSecondsLabel: "Longest video (seconds)",
  videoSecondsHelp: "10 seconds at least; you may lower it, not raise it above the platform's limit.",
  videoEdgeLabel: "Highest video resolution (pixels, long side)",
  videoEdgeHelp: "640 pixels at least; you may lower it, not raise it above the platform's limit.",
  save: "Save the settings",
  staffTitle: "The staff and the second factor",
  staffHelp:
    "If someone lost their phone and their recovery codes, reset their second factor: they are " +
    "signed out everywhere and register a new app at their next sign-in. Inviting, changing a " +
    "role, choosing trusted animators, suspending or removing someone: on the staff page.",
  teamLink: "Manage the staff",
  staffRefused: "The staff list is for directors only.",
  footer: "Every change of the settings is written to the audit log.",
};

const MB = 1024 * 1024;

// The settings the form holds: name -> how to read and show it.
const NUMBERS = ["media_retention_months", "max_video_seconds", "max_video_edge", "souvenir_days"];
const MEGABYTES = { max_photo_bytes: "max_photo_mb", max_video_bytes: "max_video_mb" };
const RADIOS = ["validation_mode", "staff_second_factor"];
const CHECKBOXES = ["two_guardian_widening", "allow_downloads"];
const TEXTS = ["season_end"];

// A setting the API names (the ``field`` of a problem's params) -> the field to mark invalid.
const FIELDS = {
  media_retention_months: "media_retention_months",
  max_photo_bytes: "max_photo_mb",
  max_video_bytes: "max_video_mb",
  max_video_seconds: "max_video_seconds",
  max_video_edge: "max_video_edge",
  validation_mode: "validation-director",
  staff_second_factor: "factor-directors",
  two_guardian_widening: "two_guardian_widening",
  allow_downloads: "allow_downloads",
  souvenir_days: "souvenir_days",
  season_end: "season_end",
};

// The settings an error names: every problem of ``settings_invalid`` (params.problems, each
// {reason, params: {field}}), or the one field the request's parser refused (params.field).
function settingsNamed(error) {
  const params = (error && error.params) || {};
  const problems = Array.isArray(params.problems) ? params.problems : [params];
  return problems
    .map((problem) => (problem && problem.params ? problem.params.field : problem && problem.field))
    .filter((name) => typeof name === "string" && Object.hasOwn(FIELDS, name));
}

const $ = (id) => document.getElementById(id);

const state = {
  who: null, // GET /api/auth/me
  me: null, // GET /api/admin/me: role, settings
  settings: null,
  staff: null, // GET /api/admin/staff (directors)
  confirming: null, // staff_id whose reset awaits confirmation
};

const isDirector = () => Boolean(state.me && state.me.role === "director");

// --- Messages ------------------------------------------------------------------------------

function show(node, error) {
  if (!error) {
    node.textContent = "";
    node.hidden = true;
    return;
  }
  if (error instanceof ApiError && error.code === "signed_out") return;
  node.textContent = error instanceof ApiError ? error.message
    : t("Une erreur est survenue. Réessayez dans un instant.", "Something went wrong. Try again in a moment.");
  node.hidden = false;
}

// --- The settings form ---------------------------------------------------------------------

function fill(settings) {
  for (const name of NUMBERS) $(name).value = String(settings[name]);
  for (const [name, id] of Object.entries(MEGABYTES)) {
    $(id).value = String(Math.round((settings[name] / MB) * 100) / 100);
  }
  for (const name of RADIOS) {
    for (const radio of document.getElementsByName(name)) radio.checked = radio.value === settings[name];
  }
  for (const name of CHECKBOXES) $(name).checked = Boolean(settings[name]);
  for (const name of TEXTS) $(name).value = settings[name];
  renderEffect();
}

function number(raw, scale = 1) {
  const text = raw.trim();
  if (text === "") return null; // the API answers "an integer is expected"
  const value = Number(text);
  return Number.isFinite(value) ? Math.round(value * scale) : text;
}

// What the form says, as the API's settings names and types.
function read() {
  const values = {};
  for (const name of NUMBERS) values[name] = number($(name).value);
  for (const [name, id] of Object.entries(MEGABYTES)) values[name] = number($(id).value, MB);
  for (const name of RADIOS) {
    const checked = [...document.getElementsByName(name)].find((radio) => radio.checked);
    values[name] = checked ? checked.value : null;
  }
  for (const name of CHECKBOXES) values[name] = $(name).checked;
  for (const name of TEXTS) values[name] = $(name).value.trim();
  return values;
}

function renderEffect() {
  const months = Number($("media_retention_months").value);
  $("retention-effect").textContent = Number.isInteger(months) && months >= 1 && months <= 36
    ? t(`Avec ce réglage, les photos et vidéos sont effacées ${months} mois après la date de l'album.`,
      `With this setting, photos and videos are deleted ${months} months after the album's date.`)
    : t("Indiquez un nombre entier de mois, entre 1 et 36.", "Give a whole number of months, between 1 and 36.");
}

function clearInvalid() {
  for (const node of document.querySelectorAll("#settings-form [aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
}

// Mark the fields the API's error names, and focus the first one.
function markInvalid(error) {
  const ids = [...new Set(settingsNamed(error).map((name) => FIELDS[name]))];
  for (const id of ids) $(id).setAttribute("aria-invalid", "true");
  const first = ids.map((id) => $(id)).find(Boolean);
  if (first) {
    if (first.closest("details")) first.closest("details").open = true;
    first.focus();
  }
}

async function save(event) {
  event.preventDefault();
  if (!isDirector()) return;
  const status = $("settings-status");
  status.textContent = "";
  show($("settings-error"), null);
  clearInvalid();
  const values = read();
  const changes = Object.fromEntries(
    Object.entries(values).filter(([name, value]) => value !== state.settings[name]),
  );
  if (!Object.keys(changes).length) {
    status.textContent = t("Aucun changement à enregistrer.", "Nothing to save.");
    return;
  }
  const button = $("save");
  button.disabled = true;
  try {
    state.settings = await call("PUT", "/api/admin/settings", { body: changes });
    fill(state.settings);
    status.textContent = t("Réglages enregistrés.", "Settings saved.");
  } catch (error) {
    show($("settings-error"), error);
    if (error instanceof ApiError && error.status === 400) markInvalid(error);
  } finally {
    button.disabled = false;
  }
}

function renderRole() {
  const note = $("role-note");
  note.hidden = isDirector();
  note.textContent = isDirector() ? "" : t(
    "Seule la direction du centre peut modifier ces réglages : vous les voyez en lecture seule.",
    "Only the centre's directors may change these settings: you see them read-only.",
  );
  $("settings-fields").disabled = !isDirector();
  $("save").hidden = !isDirector();
}

// --- The staff list --------------------------------------------------------------------------

function roleName(person) {
  if (person.role === "director") return t("Direction", "Director");
  return person.trusted ? t("Animation (de confiance : peut publier)", "Animator (trusted: may publish)")
    : t("Animation", "Animator");
}

function resetButton(person) {
  const button = element("button", { type: "button", class: "reset", "data-staff-id": person.staff_id }, [
    t("Réinitialiser la double authentification", "Reset the second factor"),
    element("span", { class: "visually-hidden", text: t(` de ${person.display_name}`, ` of ${person.display_name}`) }),
  ]);
  button.addEventListener("click", () => {
    state.confirming = person.staff_id;
    renderStaff();
    const cancel = document.querySelector(`.confirm[data-staff-id="${person.staff_id}"] .cancel`);
    if (cancel) cancel.focus();
  });
  return button;
}

function confirmation(person) {
  const questionId = `confirm-${person.staff_id}`;
  const box = element("div", {
    class: "confirm", role: "group", "aria-labelledby": questionId, "data-staff-id": person.staff_id,
  });
  const yes = element("button", {
    type: "button", class: "danger confirm-reset",
    text: t("Oui, réinitialiser", "Yes, reset"),
  });
  const cancel = element("button", { type: "button", class: "cancel", text: t("Annuler", "Cancel") });
  yes.addEventListener("click", () => reset(person, yes));
  cancel.addEventListener("click", () => {
    state.confirming = null;
    renderStaff();
    focusReset(person.staff_id);
  });
  box.append(
    element("p", {
      id: questionId,
      text: t(
        `Réinitialiser la double authentification de ${person.display_name} ? Cette personne sera ` +
        "déconnectée partout et devra enregistrer une nouvelle application à sa prochaine connexion.",
        `Reset ${person.display_name}'s second factor? They will be signed out everywhere and will ` +
        "register a new app at their next sign-in.",
      ),
    }),
    element("div", { class: "buttons" }, [yes, cancel]),
  );
  return box;
}

function focusReset(staffId) {
  const button = document.querySelector(`button.reset[data-staff-id="${staffId}"]`);
  if (button) button.focus();
}

function renderStaff() {
  if (!state.staff) return;
  const me = state.who && state.who.principal_id;
  const people = state.staff
    .filter((person) => !person.archived)
    .sort((a, b) => (a.role === b.role ? a.display_name.localeCompare(b.display_name) : a.role === "director" ? -1 : 1));
  $("staff").replaceChildren(...people.map((person) => {
    const self = person.staff_id === me;
    const item = element("li", { class: "person", "data-staff-id": person.staff_id }, [
      element("p", { class: "who" }, [
        element("strong", { text: person.display_name }),
        self ? ` ${t("(vous)", "(you)")}` : "",
      ]),
      element("p", { class: "role muted", text: roleName(person) }),
    ]);
    if (self) {
      item.append(element("p", {
        class: "muted small",
        text: t("Pour réinitialiser la vôtre, demandez-le à une autre personne de la direction.",
          "To reset yours, ask another director."),
      }));
    } else if (state.confirming === person.staff_id) {
      item.append(confirmation(person));
    } else {
      item.append(resetButton(person));
    }
    return item;
  }));
}

async function reset(person, button) {
  button.disabled = true;
  $("staff-status").textContent = "";
  show($("staff-error"), null);
  try {
    const answer = await call(
      "POST", `/api/admin/staff/${encodeURIComponent(person.staff_id)}/second-factor/reset`,
    );
    state.confirming = null;
    renderStaff();
    focusReset(person.staff_id);
    const ended = answer.sessions_ended || 0;
    $("staff-status").textContent = t(
      `Double authentification de ${person.display_name} réinitialisée ; ${ended} session(s) fermée(s).`,
      `${person.display_name}'s second factor reset; ${ended} session(s) ended.`,
    );
  } catch (error) {
    button.disabled = false;
    show($("staff-error"), error);
  }
}

// --- Start -----------------------------------------------------------------------------------

function rerender() {
  document.title = t("Réglages — Pellicule", "Settings — Pellicule");
  if (state.me) renderRole();
  renderEffect();
  renderStaff();
}

function wire() {
  wireSwitch($("lang-switch"), EN, rerender);
  document.title = t("Réglages — Pellicule", "Settings — Pellicule");
  $("sign-out").addEventListener("click", () => signOut());
  $("settings-form").addEventListener("submit", save);
  $("media_retention_months").addEventListener("input", renderEffect);
}

async function start() {
  wire();
  try {
    state.who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = state.who.tenant_name || "";
    if (state.who.kind !== "staff") {
      show($("error"), new ApiError(403, t("Cette page est celle de l'équipe du centre.",
        "This page is for the centre's staff."), "forbidden"));
      return;
    }
    state.me = await call("GET", "/api/admin/me");
    state.settings = state.me.settings;
    fill(state.settings);
    renderRole();
    $("settings-form").hidden = false;
    $("staff-section").hidden = false;
    if (isDirector()) {
      state.staff = (await call("GET", "/api/admin/staff")).staff;
      renderStaff();
    } else {
      $("staff-refused").hidden = false;
      $("staff-help").hidden = true;
      $("team-link-line").hidden = true;
    }
  } catch (error) {
    show($("error"), error);
  } finally {
    $("loading").hidden = true;
  }
}

start();
