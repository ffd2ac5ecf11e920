// "Valider tout ce qui est prêt (N)" (issue 18, item 5): the items waiting for review whose
// gate preview lets their default audience see them (tagged, or explicitly "no identifiable
// child", and every child consenting or blurred), approved in one request
// (POST /api/admin/review/approve-batch), which checks each again as a single approval would.
// The panel lists what is ready and what is not, and why in words, and says how many photos
// will be published and to whom before anything is sent.

import { call } from "/lib/api.js";
import { element } from "/lib/dom.js";
import { t } from "/lib/i18n.js";
import { answerWords, attemptNear } from "/review/errors.js";
import { AUDIENCES, audienceName, describe } from "/review/gate.js";

// The API's cap on one request (functions/admin/contract.MAX_BATCH).
export const MAX_BATCH = 50;

// rows: the numbered items ({item, number, outcome}); audienceOf(item): the audience it goes
// to. -> {ready: [{item, number, audience}], waiting: [{item, number, audience, decision}]},
// the items decided already left out, at most MAX_BATCH ready.
export function plan(rows, audienceOf) {
  const ready = [];
  const waiting = [];
  for (const row of rows) {
    if (row.outcome) continue;
    const audience = audienceOf(row.item);
    const decision = row.item.gate && row.item.gate[audience];
    const entry = { item: row.item, number: row.number, audience, decision };
    if (decision && decision.visibility !== "hidden" && ready.length < MAX_BATCH) ready.push(entry);
    else waiting.push(entry);
  }
  return { ready, waiting };
}

// {audience: count} of the ready items, in the API's order of audiences.
export function byAudience(ready) {
  const counts = new Map();
  for (const audience of AUDIENCES) {
    const count = ready.filter((entry) => entry.audience === audience).length;
    if (count) counts.set(audience, count);
  }
  return counts;
}

function photos(count) {
  return count === 1 ? t("1 photo", "1 photo") : t(`${count} photos`, `${count} photos`);
}

// "3 photos seront publiées : 2 pour Familles du groupe, 1 pour Toutes les familles du centre."
export function confirmation(ready) {
  const parts = [...byAudience(ready)].map(([audience, count]) =>
    t(`${count} pour ${audienceName(audience)}`, `${count} for ${audienceName(audience)}`));
  const total = ready.length;
  return total === 1
    ? t(`1 photo sera publiée : ${parts.join(", ")}.`, `1 photo will be published: ${parts.join(", ")}.`)
    : t(`${total} photos seront publiées : ${parts.join(", ")}.`,
      `${total} photos will be published: ${parts.join(", ")}.`);
}

const $ = (id) => document.getElementById(id);

let hooks = null;

// hooks: rows(), audienceOf(item), title(item, number), childName(id), may() (may publish),
// approved(views) and refused(results) after an answer, say(text) (the page's status line).
export function wireBulk(given) {
  hooks = given;
  $("bulk-open").addEventListener("click", () => openPanel());
  $("bulk-cancel").addEventListener("click", () => closePanel(true));
  $("bulk-confirm").addEventListener("click", () => attemptNear($("bulk-error"), $("bulk-confirm"), send));
}

function current() {
  return plan(hooks.rows(), hooks.audienceOf);
}

// The button's line under the queue's title (drawn with the queue).
export function renderBulk() {
  if (!hooks) return;
  const { ready, waiting } = current();
  const shown = hooks.may() && ready.length + waiting.length > 0;
  $("bulk").hidden = !shown;
  $("bulk-open").textContent = t(`Valider tout ce qui est prêt (${ready.length})`,
    `Approve everything ready (${ready.length})`);
  if (!$("bulk-panel").hidden) fillPanel();
}

function line(entry, why) {
  const title = hooks.title(entry.item, entry.number);
  const parts = [element("strong", { text: title })];
  if (why) parts.push(element("span", { text: `${t(" : ", ": ")}${why}` }));
  return element("li", { "data-media-id": entry.item.media_id }, parts);
}

function fillPanel() {
  const { ready, waiting } = current();
  $("bulk-summary").textContent = ready.length
    ? confirmation(ready)
    : t("Aucune photo n'est prête : voyez pourquoi ci-dessous.", "No photo is ready: see why below.");
  $("bulk-ready").replaceChildren(...ready.map((entry) => line(entry, audienceName(entry.audience))));
  $("bulk-ready-title").hidden = ready.length === 0;
  $("bulk-waiting").replaceChildren(...waiting.map((entry) => line(entry, entry.decision
    ? describe(entry.decision, hooks.childName)
    : t("pas d'aperçu de publication : rechargez la page", "no publication preview: reload the page"))));
  $("bulk-waiting-title").hidden = waiting.length === 0;
  $("bulk-confirm").hidden = ready.length === 0;
  $("bulk-confirm").textContent = ready.length === 1
    ? t("Publier cette photo", "Publish this photo")
    : t(`Publier ces ${ready.length} photos`, `Publish these ${ready.length} photos`);
}

function openPanel() {
  $("bulk-outcome").replaceChildren();
  $("bulk-outcome").hidden = true;
  fillPanel();
  $("bulk-panel").hidden = false;
  $("bulk-open").setAttribute("aria-expanded", "true");
  $("bulk-title").focus();
}

function closePanel(focus) {
  $("bulk-panel").hidden = true;
  $("bulk-open").setAttribute("aria-expanded", "false");
  if (focus) $("bulk-open").focus();
}

// The API answers "review_batch_not_reached" for the items a long batch had no time left for
// (they are as they were): those are sent again, a few rounds at most.
export const NOT_REACHED = "review_batch_not_reached";
const ROUNDS = 5;

export async function approveAll(ready) {
  const found = new Map();
  let left = ready;
  for (let round = 0; round < ROUNDS && left.length; round += 1) {
    const answer = await call("POST", "/api/admin/review/approve-batch", {
      body: { items: left.map((entry) => ({ media_id: entry.item.media_id, audiences: [entry.audience] })) },
    });
    for (const result of answer.results) found.set(result.media_id, result);
    const again = new Set(answer.results.filter((r) => r.reason === NOT_REACHED).map((r) => r.media_id));
    left = left.filter((entry) => again.has(entry.item.media_id));
  }
  return ready.map((entry) => found.get(entry.item.media_id)).filter(Boolean);
}

async function send() {
  const { ready } = current();
  if (!ready.length) return;
  const results = await approveAll(ready);
  const numbers = new Map(ready.map((entry) => [entry.item.media_id, entry]));
  const done = results.filter((r) => r.outcome !== "refused" && r.item).map((r) => r.item);
  const refused = results.filter((r) => r.outcome === "refused");
  hooks.approved(done);
  closePanel(false);
  const outcome = $("bulk-outcome");
  outcome.replaceChildren(...refused.map((r) => {
    const entry = numbers.get(r.media_id);
    const title = entry ? hooks.title(entry.item, entry.number) : t("Une photo", "A photo");
    return element("li", { "data-media-id": r.media_id }, [
      element("strong", { text: title }),
      element("span", { text: `${t(" : ", ": ")}${answerWords(r.message)}` }),
    ]);
  }));
  outcome.hidden = refused.length === 0;
  let text = done.length === 1
    ? t("1 photo validée et publiée.", "1 photo approved and published.")
    : t(`${done.length} photos validées et publiées.`, `${done.length} photos approved and published.`);
  if (refused.length) {
    text += ` ${refused.length === 1
      ? t("1 photo n'a pas pu l'être : voyez pourquoi sous le bouton.", "1 photo could not be: see why under the button.")
      : t(`${photos(refused.length)} n'ont pas pu l'être : voyez pourquoi sous le bouton.`,
        `${photos(refused.length)} could not be: see why under the button.`)}`;
  }
  hooks.say(text);
  $("bulk-open").focus();
  await hooks.refused(refused);
}
