// Pellicule director's home (docs/web.md): what needs the director now, from
// GET /api/admin/home (directors only; the API says so with a 403 and the page explains it):
// items waiting for a decision, erasure requests with the time left (red under 6 hours, counted
// from the server's clock), consents ending within 30 days, the last purge run; shortcuts.

import { ApiError, call, signOut } from "/lib/api.js";
import { element, showError as showErrorIn } from "/lib/dom.js";
import { formatDate, language, t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";
import { leftLabel, secondsLeft, urgent, waitedLabel } from "/dashboard/rules.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Director's home",
  refusedTitle: "Directors only",
  refusedText: "This home is the centre's directors'.",
  refusedLink: "Go to the albums",
  loading: "Loading…",
  waitingTitle: "To validate",
  waitingLink: "Open validation",
  erasuresTitle: "Erasure requests",
  erasuresNone: "No open request.",
  erasuresNote: "To carry out within 24 hours: in the child's record, choose to delete their photos or to blur them.",
  consentsTitle: "Consents ending",
  purgeTitle: "Last purge",
  purgeNone: "No purge yet.",
  shortcutsTitle: "Shortcuts",
  shortcutTeam: "Team",
  shortcutCampaign: "Consent campaign",
  shortcutCoverage: "Children with few photos",
};

const AUDIENCES = {
  families_of_group: ["familles du groupe", "families of the group"],
  all_families_of_centre: ["familles du centre", "families of the centre"],
  public_communication: ["communication publique", "public communication"],
};

// What a purge run counts, in words; anything else is added up as "other".
const COUNTS = {
  audit_entries: ["entrées du journal arrivées au terme de leur conservation", "log entries past their retention"],
  expired_albums: ["albums arrivés au terme de leur conservation", "albums past their retention"],
  object_versions: ["fichiers supprimés du stockage", "files deleted from storage"],
  uploads_abandoned: ["envois abandonnés", "abandoned uploads"],
  erasures_done: ["demandes d'effacement exécutées", "erasure requests carried out"],
  erasure_items_removed: ["éléments supprimés (effacement)", "items deleted (erasure)"],
  erasure_items_blurred: ["éléments floutés (effacement)", "items blurred (erasure)"],
  certificates_mailed: ["certificats envoyés", "certificates sent"],
  items_hidden: ["éléments masqués (consentement retiré ou terminé)", "items hidden (consent withdrawn or over)"],
  items_restored: ["éléments republiés", "items published again"],
};

const $ = (id) => document.getElementById(id);
const state = { home: null, receivedAt: 0, timer: null };

function showError(error) {
  showErrorIn($("error"), error);
}

function when(epoch) {
  return new Intl.DateTimeFormat(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Europe/Paris",
  }).format(new Date(epoch * 1000));
}

function childLink(childId, name) {
  return element("a", { href: `/people.html#/enfant/${encodeURIComponent(childId)}` }, [
    name || t("Enfant", "Child"),
  ]);
}

function renderWaiting(home) {
  const waiting = home.waiting;
  $("waiting-count").textContent = waiting.complete ? String(waiting.count) : `${waiting.count}+`;
  $("waiting-unit").textContent = t(
    waiting.count > 1 ? "éléments en attente" : "élément en attente",
    waiting.count > 1 ? "items waiting" : "item waiting",
  );
  $("waiting-age").textContent = waitedLabel(waiting.oldest_at, home.now);
}

function renderErasures(home) {
  const list = $("erasures");
  list.replaceChildren();
  $("erasures-none").hidden = home.erasures.length > 0;
  $("erasures-note").hidden = home.erasures.length === 0;
  for (const request of home.erasures) {
    const left = secondsLeft(request.due_by, home.now, state.receivedAt, performance.now());
    const red = urgent(left);
    list.append(
      element("li", { class: red ? "erasure urgent" : "erasure", "data-child": request.child_id }, [
        childLink(request.child_id, request.child_name),
        element("span", { class: red ? "left urgent" : "left" }, [leftLabel(left)]),
        element("span", { class: "muted" }, [t(`échéance : ${when(request.due_by)}`, `due: ${when(request.due_by)}`)]),
      ]),
    );
  }
}

function renderConsents(home) {
  const ending = home.consents_ending;
  $("consents-summary").textContent =
    ending.count === 0
      ? t(`Aucun dans les ${ending.within_days} jours.`, `None within ${ending.within_days} days.`)
      : t(
          `${ending.count} dans les ${ending.within_days} jours.`,
          `${ending.count} within ${ending.within_days} days.`,
        );
  const list = $("consents");
  list.replaceChildren();
  for (const consent of ending.first) {
    const audiences = consent.audiences.map((a) => t(...(AUDIENCES[a] || [a, a]))).join(", ");
    list.append(
      element("li", {}, [
        childLink(consent.child_id, consent.child_name),
        element("span", {}, [t(`jusqu'au ${formatDate(consent.last_day)}`, `until ${formatDate(consent.last_day)}`)]),
        element("span", { class: "muted" }, [audiences]),
      ]),
    );
  }
}

function renderPurge(home) {
  const run = home.last_purge;
  $("purge-none").hidden = run !== null;
  $("purge-when").hidden = run === null;
  const list = $("purge-counts");
  list.replaceChildren();
  if (!run) return;
  $("purge-when").textContent =
    run.status === "done"
      ? t(`Terminée le ${when(run.updated_at)}.`, `Finished on ${when(run.updated_at)}.`)
      : t(`En cours depuis le ${when(run.started_at)}.`, `Running since ${when(run.started_at)}.`);
  let other = 0;
  for (const [name, count] of Object.entries(run.counts)) {
    if (!COUNTS[name]) {
      other += count;
      continue;
    }
    const [fr, en] = COUNTS[name];
    list.append(element("li", {}, [t(`${fr} : ${count}`, `${en}: ${count}`)]));
  }
  if (other) list.append(element("li", {}, [t(`autres éléments supprimés : ${other}`, `other deletions: ${other}`)]));
  if (!list.children.length) list.append(element("li", { class: "muted" }, [t("Rien à supprimer.", "Nothing to delete.")]));
}

function render() {
  const home = state.home;
  if (!home) return;
  renderWaiting(home);
  renderErasures(home);
  renderConsents(home);
  renderPurge(home);
}

async function load() {
  $("error").hidden = true;
  try {
    state.home = await call("GET", "/api/admin/home");
    state.receivedAt = performance.now();
    $("cards").hidden = false;
    render();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      $("refused").hidden = false;
      return;
    }
    showError(error);
  }
}

function wire() {
  const title = () => {
    document.title = t("Accueil — Pellicule", "Home — Pellicule");
  };
  wireSwitch($("lang-switch"), EN, () => {
    title();
    render();
  });
  title();
  $("sign-out").addEventListener("click", () => signOut());
}

async function start() {
  wire();
  try {
    const who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = who.tenant_name || "";
  } catch (error) {
    showError(error);
  }
  await load();
  $("loading").hidden = true;
  // The time left moves on by itself; the counts are read again when the page is shown again.
  state.timer = window.setInterval(() => state.home && renderErasures(state.home), 30_000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") load();
  });
}

start();
