// Pellicule audit log page (docs/web.md, docs/audit.md): the centre's hash-chained journal in
// plain words, newest first, with names for ids (read by the API at request time, never stored
// in the log), filtered by child, person, period and action, paginated by the API
// (GET /api/admin/audit/entries); "who saw or downloaded my child's photos"
// (GET /api/admin/audit/who-saw); export (CSV / JSON) and chain verification.
//
// Directors only: the API says so (403) and the page then explains it. Every text from the API
// (names, titles, detail values) goes in as text, never as HTML.

import { ApiError, NETWORK_MESSAGE, call, errorOf, signOut } from "/lib/api.js";
import { element, showError as showErrorIn } from "/lib/dom.js";
import { language, t, wireSwitch } from "/lib/i18n.js";
import { ACTIONS, DETAIL_KEYS, DETAIL_VALUES, GONE, KINDS, SETTINGS } from "/audit/words.js";
import { dayLabel, formatWhen } from "/audit/time.js";
import { toCsv } from "/audit/csv.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Audit log",
  intro:
    "Everything that happens in the centre is written here: sign-ins, uploads, validations, " +
    "consents, views, erasures, settings. The stored log holds identifiers only; the names shown " +
    "here are looked up in the centre's lists when you read it. Each entry is chained to the previous one: any change to the log " +
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
  filtersTitle: "Filter the log",
  childLabel: "Child",
  personLabel: "Person",
  startLabel: "From",
  endLabel: "To",
  applyFilters: "Filter",
  clearFilters: "Clear filters",
  whoTitle: "Who saw or downloaded a child's photos?",
  whoHelp:
    "Choose a child: every person who opened an album where the child appears, downloaded one " +
    "of the child's photos or an album archive holding them, with counts and the last date.",
  whoChild: "Child",
  whoGo: "Show",
  whoPerson: "Person",
  whoViews: "Albums opened",
  whoDownloads: "Photos downloaded",
  whoArchives: "Archives",
  whoLast: "Last time",
  whoCaption: "Who saw or downloaded the child's photos",
  readableHelp:
    "Or the entries shown, as you read them here, with the names: a file for you, to keep like " +
    "any personal data.",
  exportReadable: "Download the readable view (CSV)",
};


const $ = (id) => document.getElementById(id);

const state = {
  who: null, // GET /api/auth/me
  entries: [], // the rows loaded so far, newest first
  names: {}, // ref -> {kind, name, state, ...} (from the API)
  timeZone: "Europe/Paris",
  cursor: null, // next_cursor of the last page
  prefetched: null, // the next page, read ahead so that "more" is instant
  filters: {},
  children: [], // GET /api/admin/children
  people: [], // [{ref, label}] staff and guardians (GET /api/admin/staff, /guardians)
  saw: null, // the last "who saw" answer
  version: 0, // the current load (an older answer arriving late is dropped)
};

const pick = (pair) => t(pair[0], pair[1]);

// --- Messages ------------------------------------------------------------------------------

function showError(error) {
  showErrorIn($("error"), error);
}

function refuse() {
  $("loading").hidden = true;
  $("journal").hidden = true;
  $("who-saw").hidden = true;
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

// --- Words ---------------------------------------------------------------------------------

function actionName(code) {
  return code in ACTIONS ? pick(ACTIONS[code]) : code.replaceAll("_", " ");
}

function childNames(names) {
  return (names || []).join(", ");
}

// The words for a reference: "Léa M.", "responsable de Léa M.", "photo du 14 juillet 2026"...
function nameOf(ref) {
  const text = String(ref || "");
  const at = text.indexOf(":");
  const kind = at > 0 ? text.slice(0, at) : "";
  const known = state.names[text];
  if (!known) return kind in KINDS ? pick(KINDS[kind]) : text;
  if (known.state === "gone") return kind in GONE ? pick(GONE[kind]) : pick(KINDS[kind] || ["?", "?"]);
  const archived = known.state === "archived" ? t(" (archivé·e)", " (archived)") : "";
  const family = childNames(known.children);
  switch (kind) {
    case "guardian":
      return (family ? t(`responsable de ${family}`, `guardian of ${family}`) + ` — ${known.name}` : known.name) + archived;
    case "relative":
      return (family ? t(`proche de la famille de ${family}`, `relative of ${family}'s family`) + ` — ${known.name}`
        : t(`proche — ${known.name}`, `relative — ${known.name}`)) + archived;
    case "album":
      return t(`album « ${known.name} »`, `album “${known.name}”`);
    case "media": {
      const what = known.media_kind === "video" ? t("vidéo", "video") : t("photo", "photo");
      const day = dayLabel(known.date);
      const where = known.name ? t(` (album « ${known.name} »)`, ` (album “${known.name}”)`) : "";
      return (day ? t(`${what} du ${day}`, `${what} of ${day}`) : what) + where;
    }
    default:
      return `${known.name}${archived}`;
  }
}

function reference(ref) {
  const text = String(ref || "");
  const at = text.indexOf(":");
  const id = at > 0 ? text.slice(at + 1) : text;
  const parts = [element("span", { class: "name", text: nameOf(text) })];
  if (id && text !== "system:pellicule") parts.push(" ", element("code", { class: "ref muted", text: id }));
  const self = state.who && text === `staff:${state.who.principal_id}`;
  if (self) parts.push(` ${t("(vous)", "(you)")}`);
  return parts;
}

function detailValue(entry, key, value) {
  if (entry.action === "settings_changed" && key === "changed" && typeof value === "string") {
    return value.split(",").map((name) => (name in SETTINGS ? pick(SETTINGS[name]) : name)).join(", ");
  }
  if (typeof value === "string" && value in DETAIL_VALUES) return pick(DETAIL_VALUES[value]);
  if (value !== null && typeof value === "object") return Object.values(value).map(String).join(", ");
  return String(value);
}

function detailKey(key) {
  return key in DETAIL_KEYS ? pick(DETAIL_KEYS[key]) : key.replaceAll("_", " ");
}

function details(entry) {
  const pairs = Object.entries(entry.details || {});
  if (!pairs.length) return [];
  const list = element("ul", { class: "details" });
  for (const [key, value] of pairs) {
    list.append(element("li", {}, [
      element("span", { class: "key", text: `${detailKey(key)}${t(" : ", ": ")}` }),
      detailValue(entry, key, value),
    ]));
  }
  return [list];
}

// --- Rendering -----------------------------------------------------------------------------

function cell(label, children) {
  // data-label: the column's name, shown before the value when rows stack on a small screen.
  return element("td", { role: "cell", "data-label": label }, children);
}

function row(entry) {
  const tr = element("tr", { role: "row", "data-seq": String(entry.seq), "data-action": entry.action });
  tr.append(
    cell(t("Date et heure", "Date and time"), [
      element("time", { datetime: entry.time, text: formatWhen(entry.time, state.timeZone) }),
      element("span", { class: "seq muted", text: ` n° ${entry.seq}` }),
    ]),
    cell(t("Action", "Action"), [element("span", { class: "action", text: actionName(entry.action) })]),
    cell(t("Par", "By"), reference(entry.actor)),
    cell(t("Sur", "On"), reference(entry.subject)),
    cell(t("Détails", "Details"), details(entry)),
  );
  return tr;
}

function option(value, text, selected) {
  return element("option", { value, text, selected: selected || undefined });
}

function renderSelects() {
  const f = state.filters;
  const actions = Object.keys(ACTIONS).sort((a, b) => actionName(a).localeCompare(actionName(b), language()));
  $("action-filter").replaceChildren(option("", t("Toutes les actions", "All actions")),
    ...actions.map((code) => option(code, actionName(code), f.action === code)));
  const kids = state.children.map((c) => option(c.child_id, `${c.first_name} ${c.initial.replace(/\.$/, "")}.`));
  $("child-filter").replaceChildren(option("", t("Tous les enfants", "Every child")),
    ...kids.map((o) => { o.selected = o.value === f.child; return o; }));
  const wsValue = $("ws-child").value;
  $("ws-child").replaceChildren(option("", t("Choisir un enfant", "Choose a child")),
    ...state.children.map((c) => option(c.child_id, `${c.first_name} ${c.initial.replace(/\.$/, "")}.`, c.child_id === wsValue)));
  const relatives = Object.keys(state.names).filter((ref) => ref.startsWith("relative:") && state.names[ref].state !== "gone");
  const people = [...state.people.map((p) => [p.ref, p.label()]), ...relatives.map((ref) => [ref, nameOf(ref)])];
  if (f.person && !people.some(([ref]) => ref === f.person)) people.push([f.person, nameOf(f.person)]);
  $("person-filter").replaceChildren(option("", t("Tout le monde", "Everyone")),
    ...people.map(([ref, label]) => option(ref, label, ref === f.person)));
}

function renderRows({ focusFrom } = {}) {
  const shown = state.entries;
  $("rows").replaceChildren(...shown.map(row));
  $("entries").hidden = shown.length === 0;
  $("empty").hidden = shown.length !== 0;
  $("count").textContent = shown.length
    ? t(`${shown.length} entrée(s) affichée(s), les plus récentes d'abord.`, `${shown.length} entries shown, newest first.`)
    : "";
  $("more").hidden = state.cursor === null;
  $("more").textContent = t("Afficher les entrées plus anciennes", "Show older entries");
  if (focusFrom !== undefined) {
    const first = $("rows").children[focusFrom];
    if (first) {
      const target = first.firstElementChild;
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }
}

function renderWhoSaw() {
  const answer = state.saw;
  const box = $("ws-result");
  if (!answer) {
    box.replaceChildren();
    return;
  }
  const child = nameOf(answer.child);
  if (!answer.people.length) {
    box.replaceChildren(element("p", { class: "muted", text: t(
      `Personne n'a vu ni téléchargé les photos de ${child} (${answer.items} photo(s) où l'enfant figure).`,
      `No one has viewed or downloaded ${child}'s photos (${answer.items} item(s) showing the child).`) }));
    return;
  }
  const head = element("tr", { role: "row" }, [
    [t("Personne", "Person")], [t("Albums ouverts", "Albums opened")], [t("Photos téléchargées", "Photos downloaded")],
    [t("Archives", "Archives")], [t("Dernière fois", "Last time")],
  ].map(([text]) => element("th", { scope: "col", role: "columnheader", text })));
  const rows = answer.people.map((p) => element("tr", { role: "row", "data-person": p.person }, [
    cell(t("Personne", "Person"), reference(p.person)),
    cell(t("Albums ouverts", "Albums opened"), [String(p.views)]),
    cell(t("Photos téléchargées", "Photos downloaded"), [String(p.downloads)]),
    cell(t("Archives", "Archives"), [String(p.archives)]),
    cell(t("Dernière fois", "Last time"), [element("time", { datetime: p.last_time, text: formatWhen(p.last_time, answer.time_zone) })]),
  ]));
  const summary = t(
    `${answer.people.length} personne(s) ont vu ou téléchargé les photos de ${child} (${answer.items} photo(s) où l'enfant figure).`,
    `${answer.people.length} person(s) viewed or downloaded ${child}'s photos (${answer.items} item(s) showing the child).`);
  const partial = answer.complete ? null : element("p", { class: "muted", text: t(
    `Seules les ${answer.read} entrées les plus récentes du journal ont été lues.`,
    `Only the ${answer.read} most recent log entries were read.`) });
  box.replaceChildren(
    element("p", { class: "summary", text: summary }),
    element("table", { class: "entries who", role: "table" }, [
      element("caption", { class: "visually-hidden", text: t("Qui a vu ou téléchargé les photos de l'enfant", "Who saw or downloaded the child's photos") }),
      element("thead", { role: "rowgroup" }, [head]),
      element("tbody", { role: "rowgroup" }, rows),
    ]),
    partial,
  );
}

function render() {
  renderSelects();
  renderRows();
  renderWhoSaw();
}

// --- Actions -------------------------------------------------------------------------------

function entriesPath(cursor) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) if (value) query.set(key, value);
  if (cursor) query.set("cursor", String(cursor));
  const text = query.toString();
  return `/api/admin/audit/entries${text ? `?${text}` : ""}`;
}

function absorb(answer) {
  state.names = { ...state.names, ...answer.names };
  state.timeZone = answer.time_zone || state.timeZone;
}

async function prefetch(version) {
  if (state.cursor === null) return;
  const cursor = state.cursor;
  try {
    const answer = await call("GET", entriesPath(cursor));
    if (version === state.version && cursor === state.cursor) state.prefetched = answer;
  } catch { /* "more" asks again and shows the error */ }
}

async function load() {
  state.version += 1;
  const version = state.version;
  state.prefetched = null;
  const answer = await call("GET", entriesPath(null));
  if (version !== state.version) return;
  absorb(answer);
  state.entries = answer.entries;
  state.cursor = answer.next_cursor;
  $("loading").hidden = true;
  $("journal").hidden = false;
  $("who-saw").hidden = false;
  render();
  prefetch(version);
}

function more() {
  const from = state.entries.length;
  const take = (answer) => {
    absorb(answer);
    state.entries = [...state.entries, ...answer.entries];
    state.cursor = answer.next_cursor;
    state.prefetched = null;
    renderRows({ focusFrom: from });
    prefetch(state.version);
  };
  if (state.prefetched) {
    take(state.prefetched);
    return Promise.resolve();
  }
  return call("GET", entriesPath(state.cursor)).then(take);
}

// The action filter narrows what is shown at once, then the API answers for the whole log.
function quickFilter() {
  const code = state.filters.action;
  if (!code) return;
  state.entries = state.entries.filter((entry) => entry.action === code);
  renderRows();
}

function readFilters() {
  state.filters = {
    action: $("action-filter").value,
    child: $("child-filter").value,
    person: $("person-filter").value,
    start: $("start-filter").value,
    end: $("end-filter").value,
  };
}

async function whoSaw() {
  const child = $("ws-child").value;
  if (!child) {
    $("ws-child").focus();
    return;
  }
  const answer = await call("GET", `/api/admin/audit/who-saw?child=${encodeURIComponent(child)}`);
  state.names = { ...state.names, ...answer.names };
  state.saw = answer;
  renderWhoSaw();
}

async function loadLists() {
  const [kids, staff, guardians] = await Promise.all([
    call("GET", "/api/admin/children").catch(() => ({ children: [] })),
    call("GET", "/api/admin/staff").catch(() => ({ staff: [] })),
    call("GET", "/api/admin/guardians").catch(() => ({ guardians: [] })),
  ]);
  state.children = (kids.children || []).filter((c) => !c.archived)
    .sort((a, b) => a.first_name.localeCompare(b.first_name, "fr"));
  const named = new Map(state.children.map((c) => [c.child_id, `${c.first_name} ${c.initial.replace(/\.$/, "")}.`]));
  state.people = [
    ...(staff.staff || []).map((s) => ({ ref: `staff:${s.staff_id}`, label: () => s.display_name })),
    ...(guardians.guardians || []).filter((g) => !g.archived).map((g) => {
      const family = g.child_ids.map((id) => named.get(id)).filter(Boolean).join(", ");
      return {
        ref: `guardian:${g.guardian_id}`,
        label: () => (family ? `${t(`responsable de ${family}`, `guardian of ${family}`)} — ${g.email}` : g.email),
      };
    }),
  ];
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

function detailsText(entry) {
  return Object.entries(entry.details || {})
    .map(([key, value]) => `${detailKey(key)}${t(" : ", ": ")}${detailValue(entry, key, value)}`).join(" · ");
}

// The rows on screen as a CSV file (web/audit/csv.js: formula-safe cells), saved by the browser.
function downloadReadable() {
  const header = [t("Date et heure", "Date and time"), t("N°", "No."), t("Action", "Action"),
    t("Par", "By"), t("Sur", "On"), t("Détails", "Details")];
  const lines = state.entries.map((entry) => [formatWhen(entry.time, state.timeZone), String(entry.seq),
    actionName(entry.action), nameOf(entry.actor), nameOf(entry.subject), detailsText(entry)]);
  const blob = new Blob([toCsv([header, ...lines])], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const day = new Date().toISOString().slice(0, 10);
  const link = element("a", { href: url, download: `journal-lisible-${day}.csv`, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  $("export-status").textContent = t(`${lines.length} entrée(s) enregistrée(s) dans le fichier.`,
    `${lines.length} entries saved in the file.`);
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
    readFilters();
    quickFilter();
    attempt(load);
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    readFilters();
    attempt(load);
  });
  $("clear-filters").addEventListener("click", () => {
    state.filters = {};
    for (const id of ["start-filter", "end-filter"]) $(id).value = "";
    renderSelects();
    attempt(load);
  });
  $("more").addEventListener("click", busy($("more"), more));
  $("ws-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("ws-go"), whoSaw)();
  });
  $("verify").addEventListener("click", busy($("verify"), verify));
  $("export-csv").addEventListener("click", busy($("export-csv"), () => download("csv")));
  $("export-json").addEventListener("click", busy($("export-json"), () => download("json")));
  $("export-readable").addEventListener("click", downloadReadable);
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
    await loadLists();
    renderSelects();
  });
  $("loading").hidden = true;
}

start();
