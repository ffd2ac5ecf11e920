// Pellicule audit log page (docs/web.md, docs/audit.md): the centre's hash-chained journal in
// plain words, newest first, filtered by action; export (CSV / JSON) and chain verification.
//
// Directors only: the API says so (403) and the page then explains it. The API answers the
// whole surviving journal at once (no server-side paging): the page shows it PAGE rows at a time.

import { ApiError, NETWORK_MESSAGE, call, errorOf, signOut } from "/lib/api.js";
import { element, showError as showErrorIn } from "/lib/dom.js";
import { language, t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Audit log",
  intro:
    "Everything that happens in the centre is written here: sign-ins, uploads, validations, " +
    "consents, views, erasures, settings. People appear only as an identifier, never by their " +
    "name or e-mail address. Each entry is chained to the previous one: any change to the log " +
    "shows at verification.",
  refusedTitle: "Directors only",
  refusedText:
    "The audit log is for the centre's directors only. If you need something it holds, ask " +
    "your director.",
  loading: "Loading…",
  journalTitle: "Log entries",
  verifyTitle: "Integrity",
  verifyHelp:
    "Recomputes every link of the chain and reports the first entry edited, removed or moved.",
  verify: "Verify the chain",
  exportTitle: "Export",
  exportHelp:
    "The whole log, in order, with the chain's fingerprints. Keep a copy outside Pellicule: it " +
    "proves what the log held that day.",
  exportCsv: "Download as CSV (spreadsheet)",
  exportJson: "Download as JSON",
  filterLabel: "Show",
  caption: "Log entries, newest first",
  colTime: "Date and time",
  colAction: "Action",
  colActor: "By",
  colSubject: "On",
  colDetails: "Details",
  empty: "No entry to show.",
  footer: "The log is kept 12 months; consent entries are kept as long as they serve as proof.",
};

const PAGE = 50;

// audit.ACTIONS (layers/core/pellicule/audit.py) in plain words.
const ACTIONS = {
  login: ["Connexion", "Sign-in"],
  logout: ["Déconnexion", "Sign-out"],
  device_trusted: ["Appareil de confiance ajouté", "Trusted device added"],
  device_ended: ["Appareil de confiance retiré", "Trusted device removed"],
  upload: ["Envoi d'une photo ou d'une vidéo", "Photo or video upload"],
  validation: ["Validation (acceptée ou refusée)", "Review (approved or rejected)"],
  publication: ["Publication aux familles", "Published to families"],
  unpublication: ["Publication retirée", "Unpublished"],
  view: ["Consultation", "View"],
  download: ["Téléchargement", "Download"],
  purge: ["Effacement à la fin de la conservation", "Deleted at the end of retention"],
  erasure: ["Effacement sur demande", "Erasure on request"],
  settings_changed: ["Réglages du centre modifiés", "Centre settings changed"],
  faces_edited: ["Floutage des visages modifié", "Face blurring edited"],
  tagging: ["Enfants identifiés sur une photo", "Children tagged in an item"],
  roster_changed: ["Équipe, enfants ou familles modifiés", "Staff, children or families changed"],
  album_changed: ["Album créé ou redaté", "Album created or re-dated"],
  caption_changed: ["Légende modifiée", "Caption changed"],
  digest: ["Envoi du résumé quotidien", "Daily digest sent"],
  digest_subscription: ["Abonnement au résumé quotidien", "Daily digest subscription"],
  relative_invited: ["Proche invité par une famille", "Relative invited by a family"],
  relative_revoked: ["Accès d'un proche retiré", "Relative's access removed"],
  consent_given: ["Consentement donné", "Consent given"],
  consent_withdrawn: ["Consentement retiré", "Consent withdrawn"],
  consent_changed: ["Consentement modifié", "Consent changed"],
};

// The kind of a pseudonymous reference "<kind>:<id>".
const KINDS = {
  staff: ["Équipe", "Staff"],
  guardian: ["Famille", "Family"],
  relative: ["Proche invité", "Invited relative"],
  child: ["Enfant", "Child"],
  system: ["Système", "System"],
  media: ["Média", "Item"],
  album: ["Album", "Album"],
  group: ["Groupe", "Group"],
  site: ["Site", "Site"],
  tenant: ["Centre", "Centre"],
};

// Setting names, for the details of settings_changed entries (layers/core/.../tenant_settings.py).
const SETTINGS = {
  media_retention_months: ["durée de conservation", "retention"],
  validation_mode: ["mode de validation", "validation mode"],
  staff_second_factor: ["double authentification", "second factor"],
  two_guardian_widening: ["accord des deux responsables", "both guardians agree"],
  season_end: ["fin de saison", "season end"],
  allow_downloads: ["téléchargement par les familles", "family downloads"],
  max_photo_bytes: ["taille des photos", "photo size"],
  max_video_bytes: ["taille des vidéos", "video size"],
  max_video_seconds: ["durée des vidéos", "video duration"],
  max_video_edge: ["définition des vidéos", "video resolution"],
  none: ["aucun", "none"],
};

// Detail keys and values that have plain words; any other is shown as it is.
const DETAIL_KEYS = {
  change: ["changement", "change"],
  changed: ["réglages", "settings"],
  method: ["méthode", "method"],
  second_factor: ["double authentification", "second factor"],
  scope: ["portée", "scope"],
  sessions: ["sessions fermées", "sessions ended"],
};
const DETAIL_VALUES = {
  created: ["ajout", "added"],
  updated: ["modification", "updated"],
  archived: ["archivage", "archived"],
  second_factor_reset: ["double authentification réinitialisée", "second factor reset"],
  second_factor_renewed: ["nouvelle application d'authentification", "new authenticator app"],
  recovery_codes_renewed: ["nouveaux codes de secours", "new recovery codes"],
  link: ["lien par e-mail", "e-mail link"],
  code: ["code reçu par e-mail", "e-mailed code"],
  totp: ["code de l'application", "app code"],
  recovery: ["code de secours", "recovery code"],
  enrolled: ["application enregistrée", "app registered"],
};

const $ = (id) => document.getElementById(id);

const state = {
  who: null, // GET /api/auth/me
  entries: null, // the export rows, newest first
  shown: PAGE,
  filter: "",
};

const pick = (pair) => t(pair[0], pair[1]);

// --- Messages ------------------------------------------------------------------------------

function showError(error) {
  showErrorIn($("error"), error);
}

function refuse() {
  $("loading").hidden = true;
  $("journal").hidden = true;
  $("refused").hidden = false;
}

async function attempt(action) {
  showError(null);
  try {
    return await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) refuse();
    else showError(error);
    return undefined;
  }
}

// --- Rendering -----------------------------------------------------------------------------

function actionName(code) {
  return code in ACTIONS ? pick(ACTIONS[code]) : code;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

function reference(ref) {
  const text = String(ref || "");
  const at = text.indexOf(":");
  const kind = at > 0 ? text.slice(0, at) : "";
  const id = at > 0 ? text.slice(at + 1) : text;
  const parts = [];
  if (kind in KINDS) parts.push(`${pick(KINDS[kind])} `, element("code", { text: id }));
  else parts.push(element("code", { text }));
  const self = state.who && text === `staff:${state.who.principal_id}`;
  if (self) parts.push(` ${t("(vous)", "(you)")}`);
  return parts;
}

function detailValue(entry, key, value) {
  if (entry.action === "settings_changed" && key === "changed" && typeof value === "string") {
    return value.split(",").map((name) => (name in SETTINGS ? pick(SETTINGS[name]) : name)).join(", ");
  }
  return typeof value === "string" && value in DETAIL_VALUES ? pick(DETAIL_VALUES[value]) : String(value);
}

function details(entry) {
  const pairs = Object.entries(entry.details || {});
  if (!pairs.length) return [];
  const list = element("ul", { class: "details" });
  for (const [key, value] of pairs) {
    list.append(element("li", {}, [
      element("span", {
        class: "key",
        text: `${key in DETAIL_KEYS ? pick(DETAIL_KEYS[key]) : key.replaceAll("_", " ")}${t(" : ", ": ")}`,
      }),
      detailValue(entry, key, value),
    ]));
  }
  return [list];
}

function cell(label, children) {
  // data-label: the column's name, shown before the value when rows stack on a small screen.
  return element("td", { role: "cell", "data-label": label }, children);
}

function row(entry) {
  const tr = element("tr", { role: "row", "data-seq": String(entry.seq), "data-action": entry.action });
  tr.append(
    cell(t("Date et heure", "Date and time"), [
      element("time", { datetime: entry.time, text: formatTime(entry.time) }),
      element("span", { class: "seq muted", text: ` n° ${entry.seq}` }),
    ]),
    cell(t("Action", "Action"), [element("span", { class: "action", text: actionName(entry.action) })]),
    cell(t("Par", "By"), reference(entry.actor)),
    cell(t("Sur", "On"), reference(entry.subject)),
    cell(t("Détails", "Details"), details(entry)),
  );
  return tr;
}

function visible() {
  return state.filter ? state.entries.filter((e) => e.action === state.filter) : state.entries;
}

function renderFilter() {
  const select = $("action-filter");
  const counts = new Map();
  for (const entry of state.entries) counts.set(entry.action, (counts.get(entry.action) || 0) + 1);
  const options = [element("option", {
    value: "", text: t(`Toutes les actions (${state.entries.length})`, `All actions (${state.entries.length})`),
  })];
  const codes = [...counts.keys()].sort((a, b) => actionName(a).localeCompare(actionName(b), language()));
  for (const code of codes) {
    options.push(element("option", { value: code, text: `${actionName(code)} (${counts.get(code)})` }));
  }
  if (state.filter && !counts.has(state.filter)) state.filter = "";
  select.replaceChildren(...options);
  select.value = state.filter;
}

function renderRows({ focusFrom } = {}) {
  const list = visible();
  const shown = list.slice(0, state.shown);
  $("rows").replaceChildren(...shown.map(row));
  $("entries").hidden = shown.length === 0;
  $("empty").hidden = shown.length !== 0;
  $("count").textContent = list.length
    ? t(`${shown.length} entrée(s) affichée(s) sur ${list.length}, les plus récentes d'abord.`,
      `${shown.length} of ${list.length} entries shown, newest first.`)
    : "";
  const rest = list.length - shown.length;
  $("more").hidden = rest <= 0;
  $("more").textContent = t(`Afficher ${Math.min(PAGE, rest)} entrée(s) de plus`,
    `Show ${Math.min(PAGE, rest)} more entries`);
  if (focusFrom !== undefined) {
    const first = $("rows").children[focusFrom];
    if (first) {
      const target = first.firstElementChild;
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
}

function render() {
  if (!state.entries) return;
  renderFilter();
  renderRows();
}

// --- Actions -------------------------------------------------------------------------------

async function load() {
  const rows = await call("GET", "/api/admin/audit?format=json");
  state.entries = (Array.isArray(rows) ? rows : []).slice().sort((a, b) => b.seq - a.seq);
  $("loading").hidden = true;
  $("journal").hidden = false;
  render();
}

// Fetch an export with the session and save it through a Blob URL (a download is a navigation,
// which the CSP does not restrict; nothing is loaded into the page).
async function download(format) {
  let response;
  try {
    response = await fetch(`/api/admin/audit?format=${format}`, { credentials: "same-origin" });
  } catch {
    throw new ApiError(0, NETWORK_MESSAGE, "network");
  }
  if (response.status === 401) {
    window.location.assign("/login.html");
    throw new ApiError(401, "", "signed_out");
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch { /* not JSON: the status alone */ }
    throw errorOf(response.status, data);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const day = new Date().toISOString().slice(0, 10);
  const link = element("a", { href: url, download: `journal-pellicule-${day}.${format}`, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  $("export-status").textContent = t(`Fichier ${format.toUpperCase()} téléchargé.`,
    `${format.toUpperCase()} file downloaded.`);
}

async function verify() {
  const node = $("verify-result");
  node.className = "result";
  node.textContent = t("Vérification en cours…", "Verifying…");
  const report = await call("GET", "/api/admin/audit/verify");
  if (report.ok) {
    node.classList.add("ok");
    node.textContent = t(`Chaîne intègre (${report.checked} entrées vérifiées).`,
      `Chain intact (${report.checked} entries verified).`);
  } else {
    node.classList.add("broken");
    const where = report.first_broken_seq
      ? t(`Chaîne rompue à l'entrée n° ${report.first_broken_seq}`, `Chain broken at entry no. ${report.first_broken_seq}`)
      : t("Chaîne rompue", "Chain broken");
    node.textContent = `${where} (${t(`${report.checked} entrées vérifiées`, `${report.checked} entries checked`)})`
      + (report.problem ? ` : ${report.problem}` : ".");
  }
}

function busy(button, action) {
  return async () => {
    button.disabled = true;
    try {
      await attempt(action);
    } finally {
      button.disabled = false;
    }
  };
}

function wire() {
  wireSwitch($("lang-switch"), EN, () => {
    document.title = t("Journal — Pellicule", "Log — Pellicule");
    render();
  });
  document.title = t("Journal — Pellicule", "Log — Pellicule");
  $("sign-out").addEventListener("click", () => signOut());
  $("action-filter").addEventListener("change", () => {
    state.filter = $("action-filter").value;
    state.shown = PAGE;
    renderRows();
  });
  $("more").addEventListener("click", () => {
    const from = state.shown;
    state.shown += PAGE;
    renderRows({ focusFrom: from });
  });
  $("verify").addEventListener("click", busy($("verify"), verify));
  $("export-csv").addEventListener("click", busy($("export-csv"), () => download("csv")));
  $("export-json").addEventListener("click", busy($("export-json"), () => download("json")));
}

async function start() {
  wire();
  await attempt(async () => {
    state.who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = state.who.tenant_name || "";
    if (state.who.kind !== "staff") {
      refuse();
      return;
    }
    await load();
  });
  $("loading").hidden = true;
}

start();
