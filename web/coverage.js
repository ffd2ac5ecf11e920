// Pellicule weekly coverage page (docs/web.md, docs/notifications.md): for one ISO week, per
// group, the enrolled children tagged on no or few published items (the directors' weekly
// e-mail, on screen). GET /api/admin/reports/weekly-coverage?week=YYYY-Www; directors only
// (the API says so with a 403 and the page then explains it). The week is in the address
// (?week=), so the e-mail's link opens the week it reports.

import { ApiError, call, signOut } from "/lib/api.js";
import { element, showError as showErrorIn } from "/lib/dom.js";
import { formatDate, t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Children with few or no photos",
  intro:
    "For one week, per group, the enrolled children who appear on no published item or on " +
    "one only, going by the tags the team added (never by faces). Directors receive this " +
    "report by e-mail every Monday.",
  refusedTitle: "Directors only",
  refusedText: "This report is for the centre's directors only.",
  loading: "Loading…",
  weeksNav: "Weeks",
  previous: "Previous week",
  next: "Next week",
};

const WEEK = /^[0-9]{4}-W[0-9]{2}$/;
const $ = (id) => document.getElementById(id);
const state = { report: null };

function showError(error) {
  showErrorIn($("error"), error);
}

function requestedWeek() {
  const week = new URLSearchParams(window.location.search).get("week");
  return week && WEEK.test(week) ? week : null;
}

function childLine(child) {
  const count =
    child.items === 0
      ? t("aucun élément", "no item")
      : t(`${child.items} élément`, `${child.items} item`);
  return element("li", {}, [`${child.name} — ${count}`]);
}

function render() {
  const report = state.report;
  if (!report) return;
  $("week-title").textContent = t(
    `Semaine ${report.week} : du ${formatDate(report.first_day)} au ${formatDate(report.last_day)}`,
    `Week ${report.week}: ${formatDate(report.first_day)} to ${formatDate(report.last_day)}`,
  );
  const listed = report.groups.reduce((sum, group) => sum + group.children.length, 0);
  $("summary").textContent =
    report.items === 0
      ? t("Aucun élément publié cette semaine.", "No item published this week.")
      : t(
          `${report.items} élément(s) publié(s) ; ${listed} enfant(s) sur ${report.few} élément au plus.`,
          `${report.items} item(s) published; ${listed} child(ren) on ${report.few} item at most.`,
        );
  const groups = $("groups");
  groups.replaceChildren();
  if (report.items > 0 && listed === 0) {
    groups.append(
      element("p", {}, [t("Chaque enfant apparaît sur plusieurs éléments.", "Every child appears on several items.")]),
    );
  }
  for (const group of report.groups) {
    const title = group.name || t("Sans groupe", "No group");
    groups.append(
      element("section", { class: "coverage-group" }, [
        element("h4", {}, [title]),
        element("ul", {}, group.children.map(childLine)),
      ]),
    );
  }
  $("next").disabled = !report.next_week;
}

async function load(week) {
  $("error").hidden = true;
  try {
    const query = week ? `?week=${encodeURIComponent(week)}` : "";
    state.report = await call("GET", `/api/admin/reports/weekly-coverage${query}`);
    $("report").hidden = false;
    render();
    const address = `${window.location.pathname}?week=${state.report.week}`;
    window.history.replaceState(null, "", address);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      $("refused").hidden = false;
      $("report").hidden = true;
      return;
    }
    showError(error);
  }
}

function wire() {
  const title = () => {
    document.title = t(
      "Enfants peu photographiés — Pellicule",
      "Children with few photos — Pellicule",
    );
  };
  wireSwitch($("lang-switch"), EN, () => {
    title();
    render();
  });
  title();
  $("sign-out").addEventListener("click", () => signOut());
  $("previous").addEventListener("click", () => state.report && load(state.report.previous_week));
  $("next").addEventListener("click", () => state.report?.next_week && load(state.report.next_week));
}

async function start() {
  wire();
  try {
    const who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = who.tenant_name || "";
  } catch (error) {
    showError(error);
  }
  await load(requestedWeek());
  $("loading").hidden = true;
}

start();
