// Pellicule: the family gallery's header for guardians and their relatives (issue 17;
// docs/relatives.md). A guardian gets the "Mes proches" link; a relative sees who invited
// them, and no consent action nor "Mes appareils" (the "Mes consentements" link is hidden; the API refuses them
// anyway). gallery.js keeps the rest of the page; this module follows its language switch.

import { call, me } from "/lib/api.js";
import { t } from "/lib/i18n.js";

const $ = (id) => document.getElementById(id);
const state = { kind: null, invitedBy: "" };

function render() {
  const link = $("relatives-link");
  link.textContent = t("Mes proches", "My relatives");
  link.hidden = state.kind !== "guardian";
  $("consents-link").hidden = state.kind === "relative";
  $("devices-link").hidden = state.kind !== "guardian"; // only guardians keep a device
  const line = $("invited-by");
  line.hidden = state.kind !== "relative" || !state.invitedBy;
  line.textContent = t(
    `Invité·e par ${state.invitedBy} : vous voyez les photos que sa famille voit.`,
    `Invited by ${state.invitedBy}: you see the photos their family sees.`,
  );
}

// The "Mon compte" menu closes with Escape (focus back on its button) and a tap elsewhere.
function wireMenu() {
  const menu = $("account-menu");
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
}

async function start() {
  wireMenu();
  // After gallery.js's own handler has switched the language.
  $("lang-switch").addEventListener("click", () => setTimeout(render, 0));
  try {
    const person = await me();
    state.kind = person.kind;
    if (person.kind === "relative") {
      state.invitedBy = (await call("GET", "/api/family/invitation")).invited_by;
    }
  } catch {
    return; // gallery.js says what went wrong
  }
  render();
}

start();
