// Pellicule consent campaign page (docs/consent-campaign.md, docs/web.md): the director asks
// every family (or chosen groups) for the season's consent by e-mail, then follows the board
// per group: answered, waiting, refused, bounced (no address, or an address refused: give a
// paper form). GET/POST /api/admin/campaign, .../send (what the start could not send in its
// time), .../reminders, .../close. Directors only (a 403 and the page explains it). The board
// refreshes on load, on "Mettre à jour" and every minute while the page is shown.

import { ApiError, call, signOut } from "/lib/api.js";
import { element, showError as showErrorIn, UserError } from "/lib/dom.js";
import { language, t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Consent campaign",
  intro:
    "Ask each family for their consent for the season: an e-mail with a personal link to the " +
    '"My consents" page, reminders after a few days to those who have not answered, and the ' +
    "board of who answered. A paper form recorded on the People page counts as an answer.",
  loading: "Loading…",
  refusedTitle: "Directors only",
  refusedText: "The consent campaign is for the centre's directors only.",
  totalsLabel: "Totals",
  refresh: "Update",
  remind: "Send the reminders now",
  close: "Close the campaign",
  closeQuestion: "Close the campaign? No more reminders will go; the answers already given stay.",
  closeYes: "Yes, close it",
  closeNo: "No, keep it open",
  startTitle: "Start a campaign",
  seasonLabel: "Season",
  seasonHint: "For example 2026-2027; it is in the e-mail.",
  audienceLegend: "Families to ask",
  audienceAll: "The whole centre",
  audienceGroups: "The chosen groups:",
  reminderDaysLabel: "Reminder after (days without an answer)",
  maxRemindersLabel: "Number of reminders at most",
  startSubmit: "Start the campaign and send the e-mails",
};

const STATES = {
  answered: ["A répondu", "Answered"],
  waiting: ["En attente", "Waiting"],
  refused: ["A refusé", "Refused"],
  bounced: ["Injoignable", "Unreachable"],
};
const TOTALS = {
  answered: ["ont répondu", "answered"],
  waiting: ["en attente", "waiting"],
  refused: ["ont refusé", "refused"],
  bounced: ["injoignables : formulaire papier", "unreachable: paper form"],
};
const POLL_MS = 60_000;
const $ = (id) => document.getElementById(id);
const state = { board: null, groups: [], busy: false };

function showError(error, node = $("error")) {
  showErrorIn(node, error);
}

function say(fr, en) {
  $("status").textContent = t(fr, en);
}

function day(seconds) {
  if (!seconds) return "";
  return new Date(seconds * 1000).toLocaleDateString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric",
  });
}

function defaultSeason() {
  const now = new Date();
  const first = now.getMonth() >= 6 ? now.getFullYear() : now.getFullYear() - 1;
  return `${first}-${first + 1}`;
}

// --- The board ----------------------------------------------------------------------------

function guardianLine(guardian) {
  const reminders = guardian.reminders
    ? t(`, ${guardian.reminders} rappel(s)`, `, ${guardian.reminders} reminder(s)`)
    : "";
  const words = {
    sent: t(`e-mail envoyé le ${day(guardian.last_sent_at)}${reminders}`,
      `e-mail sent on ${day(guardian.last_sent_at)}${reminders}`),
    sending: t("e-mail en cours d'envoi", "e-mail being sent"),
    unsent: t("e-mail pas encore envoyé", "e-mail not sent yet"),
    no_email: t("pas d'adresse : donner un formulaire papier", "no address: give a paper form"),
    rejected: t("adresse refusée : donner un formulaire papier", "address refused: give a paper form"),
  }[guardian.state] || guardian.state;
  const who = guardian.email || t("responsable sans adresse", "guardian without an address");
  return element("li", {}, [`${who} — ${words}`]);
}

function childLine(child) {
  const [fr, en] = STATES[child.state] || [child.state, child.state];
  const when = child.answered_at ? ` (${day(child.answered_at)})` : "";
  const families = child.guardians.length
    ? child.guardians.map(guardianLine)
    : [element("li", {}, [t("aucun responsable avec une adresse : donner un formulaire papier",
      "no guardian with an address: give a paper form")])];
  return element("li", { "data-child": child.child_id, "data-state": child.state }, [
    element("div", { class: "child-head" }, [
      element("span", { class: "child-name" }, [child.name]),
      element("span", { class: `state state-${child.state}` }, [t(fr, en) + when]),
    ]),
    element("ul", { class: "families" }, families),
  ]);
}

function countsText(counts) {
  return Object.keys(STATES)
    .map((key) => `${counts[key]} ${t(TOTALS[key][0], TOTALS[key][1])}`)
    .join(" · ");
}

function renderBoard() {
  const board = state.board;
  const campaign = board?.campaign;
  $("board").hidden = !campaign;
  $("start").hidden = Boolean(campaign?.open);
  if (!campaign) return;
  $("board-title").textContent = campaign.open
    ? t(`Saison ${campaign.season} : campagne en cours`, `Season ${campaign.season}: campaign running`)
    : t(`Saison ${campaign.season} : campagne clôturée`, `Season ${campaign.season}: campaign closed`);
  const audience = campaign.group_ids.length
    ? t(`${campaign.group_ids.length} groupe(s)`, `${campaign.group_ids.length} group(s)`)
    : t("tout le centre", "the whole centre");
  const closed = campaign.closed_at ? t(`, clôturée le ${day(campaign.closed_at)}`, `, closed on ${day(campaign.closed_at)}`) : "";
  $("board-meta").textContent = t(
    `Lancée le ${day(campaign.started_at)} pour ${audience}${closed} ; rappel après ${campaign.reminder_days} jour(s) sans réponse, ${campaign.max_reminders} au plus.`,
    `Started on ${day(campaign.started_at)} for ${audience}${closed}; reminder after ${campaign.reminder_days} day(s) without an answer, ${campaign.max_reminders} at most.`,
  );
  $("totals").replaceChildren(
    ...Object.keys(STATES).map((key) =>
      element("li", { "data-total": key }, [
        element("strong", {}, [String(board.total[key])]),
        t(TOTALS[key][0], TOTALS[key][1]),
      ]),
    ),
  );
  $("remind").hidden = !campaign.open;
  $("close").hidden = !campaign.open;
  if (!campaign.open) $("close-confirm").hidden = true;
  const groups = $("groups");
  groups.replaceChildren();
  for (const group of board.groups) {
    const children = board.children.filter((child) => child.group_id === group.group_id);
    groups.append(
      element("section", { class: "campaign-group", "data-group": group.group_id || "" }, [
        element("h4", {}, [group.name || t("Sans groupe", "No group")]),
        element("p", { class: "group-counts" }, [countsText(group.counts)]),
        element("ul", { class: "children" }, children.map(childLine)),
      ]),
    );
  }
}

// --- The start form -------------------------------------------------------------------------

function renderGroupChoices() {
  const box = $("group-choices");
  const checked = new Set([...box.querySelectorAll("input:checked")].map((input) => input.value));
  box.replaceChildren(
    ...state.groups.map((group) =>
      element("p", { class: "choice" }, [
        element("input", {
          type: "checkbox", id: `group-${group.group_id}`, value: group.group_id,
          checked: checked.has(group.group_id),
        }),
        element("label", { for: `group-${group.group_id}` }, [group.name]),
      ]),
    ),
  );
  for (const input of box.querySelectorAll("input")) {
    input.addEventListener("change", () => { $("audience-groups").checked = true; });
  }
}

function startBody() {
  const season = $("season").value.trim();
  if (!season) throw new UserError(t("Indiquez la saison.", "Give the season."), "season");
  const body = {
    season,
    reminder_days: Number.parseInt($("reminder-days").value, 10),
    max_reminders: Number.parseInt($("max-reminders").value, 10),
  };
  if (!(body.reminder_days >= 1 && body.reminder_days <= 30)) {
    throw new UserError(t("Le délai avant un rappel va de 1 à 30 jours.", "The delay before a reminder is 1 to 30 days."), "reminder-days");
  }
  if (!(body.max_reminders >= 0 && body.max_reminders <= 5)) {
    throw new UserError(t("De 0 à 5 rappels au plus.", "From 0 to 5 reminders at most."), "max-reminders");
  }
  if ($("audience-groups").checked) {
    body.group_ids = [...$("group-choices").querySelectorAll("input:checked")].map((input) => input.value);
    if (!body.group_ids.length) {
      throw new UserError(t("Cochez au moins un groupe.", "Tick at least one group."), "group-choices");
    }
  }
  return body;
}

// --- Calls ----------------------------------------------------------------------------------

function sentSummary(sending) {
  if (!sending) return;
  const parts = [];
  if (sending.sent) parts.push([`${sending.sent} demande(s) envoyée(s)`, `${sending.sent} request(s) sent`]);
  if (sending.reminded) parts.push([`${sending.reminded} rappel(s) envoyé(s)`, `${sending.reminded} reminder(s) sent`]);
  if (sending.rejected) parts.push([`${sending.rejected} adresse(s) refusée(s)`, `${sending.rejected} address(es) refused`]);
  if (sending.failed) parts.push([`${sending.failed} envoi(s) à refaire`, `${sending.failed} to send again`]);
  if (!parts.length) parts.push(["Aucun e-mail à envoyer maintenant", "No e-mail to send now"]);
  // One whole sentence per language: the language switch swaps it as it is.
  say(`${parts.map(([fr]) => fr).join(" ; ")}.`, `${parts.map(([, en]) => en).join("; ")}.`);
}

// Sends what the start could not send within its request, a batch per call, while progress.
async function sendTheRest() {
  let left = state.board?.unsent || 0;
  while (left > 0 && state.board?.campaign?.open) {
    say(`Envoi en cours : ${left} e-mail(s) restant(s)…`, `Sending: ${left} e-mail(s) left…`);
    state.board = await call("POST", "/api/admin/campaign/send");
    renderBoard();
    if (state.board.unsent >= left) break; // no progress (SES down): the daily run goes on
    left = state.board.unsent;
  }
}

async function act(button, work) {
  if (state.busy) return;
  state.busy = true;
  button.disabled = true;
  showError(null);
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return refuse();
    showError(error);
  } finally {
    button.disabled = false;
    state.busy = false;
  }
}

async function load() {
  state.board = await call("GET", "/api/admin/campaign");
  renderBoard();
}

function refuse() {
  $("refused").hidden = false;
  $("board").hidden = true;
  $("start").hidden = true;
}

function wire() {
  const title = () => {
    document.title = t("Campagne de consentements — Pellicule", "Consent campaign — Pellicule");
  };
  wireSwitch($("lang-switch"), EN, () => {
    title();
    renderBoard();
  });
  title();
  $("sign-out").addEventListener("click", () => signOut());
  $("refresh").addEventListener("click", () =>
    act($("refresh"), async () => {
      await load();
      say("Tableau mis à jour.", "Board updated.");
    }));
  $("remind").addEventListener("click", () =>
    act($("remind"), async () => {
      state.board = await call("POST", "/api/admin/campaign/reminders");
      renderBoard();
      sentSummary(state.board.sending);
    }));
  $("close").addEventListener("click", () => {
    $("close-confirm").hidden = false;
    $("close-yes").focus();
  });
  $("close-no").addEventListener("click", () => {
    $("close-confirm").hidden = true;
    $("close").focus();
  });
  $("close-yes").addEventListener("click", () =>
    act($("close-yes"), async () => {
      state.board = await call("POST", "/api/admin/campaign/close");
      $("close-confirm").hidden = true;
      renderBoard();
      say("Campagne clôturée : plus aucun rappel ne partira.", "Campaign closed: no more reminders will go.");
      $("board-title").focus();
    }));
  $("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act($("start-submit"), async () => {
      let body;
      try {
        body = startBody();
      } catch (error) {
        showError(error, $("start-error"));
        const field = error.field ? $(error.field) : null;
        (field?.matches("input") ? field : field?.querySelector("input"))?.focus();
        return;
      }
      showError(null, $("start-error"));
      try {
        state.board = await call("POST", "/api/admin/campaign", { body });
      } catch (error) {
        showError(error, $("start-error"));
        return;
      }
      renderBoard();
      sentSummary(state.board.sending);
      $("board-title").focus();
      await sendTheRest();
      if (state.board.sending) sentSummary(state.board.sending);
    });
  });
  setInterval(() => {
    if (document.visibilityState === "visible" && state.board?.campaign?.open && !state.busy) {
      load().catch(() => {});
    }
  }, POLL_MS);
}

async function start() {
  wire();
  $("season").value = defaultSeason();
  try {
    const who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = who.tenant_name || "";
  } catch (error) {
    showError(error);
  }
  try {
    await load();
    const found = await call("GET", "/api/admin/groups");
    state.groups = found.groups.filter((group) => !group.archived);
    renderGroupChoices();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) refuse();
    else showError(error);
  }
  $("loading").hidden = true;
  document.body.dataset.ready = "true";
}

start();
