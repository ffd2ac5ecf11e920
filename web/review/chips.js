// The roster chips of the validation page (web/review.html): one toggle button per child, whose
// text (its accessible name) says, for each audience in play, whether the child would be visible, blurred
// or blocking the photo; "Tout le groupe" presses every chip of the album's group in one tap.
//
// The consent read is the one the page already loads (GET /api/admin/children: each child's
// consent in force, its audiences, media kinds and window); the gate (docs/publication-gate.md)
// stays the judge on the server: these states are a guide for tagging, never a decision.

import { element } from "/lib/dom.js";
import { t } from "/lib/i18n.js";
import { AUDIENCES } from "/review/gate.js";

export const VISIBLE = "visible";
export const BLURRED = "blurred";
export const BLOCKED = "blocked";

// --- Pure logic (unit-tested in tests/web/chips.test.mjs) ------------------------------------

// Whether the child's consent in force covers this audience and media kind at `now` (epoch
// seconds): the gate's rule for one grant, half-open window.
export function covers(consent, audience, kind, now) {
  if (!consent || consent.status !== "active" || !consent.terms) return false;
  const terms = consent.terms;
  return (terms.audiences || []).includes(audience)
    && (terms.media_kinds || []).includes(kind)
    && terms.valid_from <= now && now < terms.valid_until;
}

// visible / blurred / blocked for one child and one audience: covered, or hidden under a face
// box (`hidden`: the set of children the boxes hide), or neither.
export function consentState(child, audience, kind, now, hidden) {
  if (covers(child.consent, audience, kind, now)) return VISIBLE;
  return hidden.has(child.child_id) ? BLURRED : BLOCKED;
}

// The audiences the chips speak of: the album's default one and any chosen for publication,
// in the API's order.
export function audiencesInPlay(defaultAudience, chosen) {
  const wanted = new Set([defaultAudience, ...(chosen || [])]);
  return AUDIENCES.filter((audience) => wanted.has(audience));
}

// The children "Tout le groupe" presses: the group's children still on the roster.
export function groupChildren(children, groupId) {
  if (!groupId) return [];
  return children.filter((c) => c.group_id === groupId && !c.archived).map((c) => c.child_id);
}

// The selection after "Tout le groupe": the group added to what is already pressed.
export function withGroup(selected, children, groupId) {
  return new Set([...selected, ...groupChildren(children, groupId)]);
}

// --- Words -----------------------------------------------------------------------------------

export function shortAudience(audience) {
  switch (audience) {
    case "families_of_group": return t("Groupe", "Group");
    case "all_families_of_centre": return t("Centre", "Centre");
    case "public_communication": return t("Public", "Public");
    default: return audience;
  }
}

export function stateName(state) {
  switch (state) {
    case VISIBLE: return t("visible", "visible");
    case BLURRED: return t("flouté", "blurred");
    default: return t("bloqué", "blocked");
  }
}

// "Groupe : visible" — one per audience in play.
export function stateLine(states) {
  const colon = t(" : ", ": ");
  return states.map(({ audience, state }) => `${shortAudience(audience)}${colon}${stateName(state)}`);
}

// --- The chip --------------------------------------------------------------------------------

// child: {child_id, first_name, initial, consent}; options: {pressed, audiences, kind, now,
// hidden, onToggle(childId, button)}.
export function chip(child, { pressed, audiences, kind, now, hidden, onToggle }) {
  const states = audiences.map((audience) => ({
    audience, state: consentState(child, audience, kind, now, hidden),
  }));
  const name = `${child.first_name} ${child.initial}`;
  // The words are the state (the class only colours them); a hidden comma ends each line but
  // the last, so the button's accessible name reads "Léa M., Groupe : bloqué".
  const lines = [name, ...stateLine(states)];
  const parts = lines.map((line, index) => element("span", {
    class: index === 0 ? "chip-name" : `chip-state ${states[index - 1].state}`,
  }, [
    line,
    index < lines.length - 1 ? element("span", { class: "visually-hidden", text: ", " }) : null,
  ]));
  const button = element("button", {
    type: "button",
    class: "chip",
    "aria-pressed": pressed ? "true" : "false",
    "data-child-id": child.child_id,
    "data-states": states.map(({ audience, state }) => `${audience}=${state}`).join(" "),
  }, parts);
  button.addEventListener("click", () => onToggle(child.child_id, button));
  return button;
}
