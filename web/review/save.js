// The validation page's single "Enregistrer" (web/review.html): the children tagged, the "no
// identifiable child" flag and the face boxes are saved together, through the existing
// endpoints in order (PUT /api/admin/media/<id>/tags, then PUT /api/upload/media/<id>/faces),
// with one status line and the error beside it in words. Leaving an item with unsaved
// changes asks first.

import { t } from "/lib/i18n.js";

// Set by whoever wires the page's navigation (e.g. "Photo suivante"): called with the item
// once a save succeeded.
export const saveHooks = { onSaved: null };

// --- Pure logic (unit-tested in tests/web/review-save.test.mjs) ------------------------------

const sameSet = (a, b) => a.size === b.size && [...a].every((v) => b.has(v));

// Whether the tags (children, flag) differ from the saved ones.
export function tagsChanged(saved, selected, noChild) {
  return !sameSet(new Set(saved.tagged_child_ids), new Set(selected))
    || Boolean(saved.no_identifiable_child) !== Boolean(noChild);
}

// A comparable signature of boxes ([x, y, w, h] each, rounded as sent) and the children hidden.
export function facesSignature(boxes, hides) {
  return JSON.stringify([boxes.map((box) => box.map((v) => Math.round(v * 1e5) / 1e5)), [...hides].sort()]);
}

// The children the boxes hide: those named on a box, plus the extra ones the saved boxes hid
// (more children than boxes), provided they are tagged.
export function hiddenChildren(boxes, extra, tagged) {
  const hides = new Set(boxes.map((box) => box.child).filter((id) => id && tagged.has(id)));
  for (const id of extra) if (tagged.has(id)) hides.add(id);
  return hides;
}

// What a save does, in order: the tags when they changed (first: the faces name tagged
// children), then the faces when they changed. Empty: nothing to save.
export function plan({ tags, faces }) {
  return [...(tags ? ["tags"] : []), ...(faces ? ["faces"] : [])];
}

// The status once saved, in words.
export function savedMessage(steps, boxCount) {
  if (!steps.length) return t("Rien à enregistrer : tout est déjà enregistré.", "Nothing to save: everything is saved already.");
  if (steps.includes("faces") && boxCount) {
    return t("Enregistré. La version floutée se prépare…", "Saved. The blurred version is being prepared…");
  }
  if (steps.includes("faces")) return t("Enregistré. Cadres retirés.", "Saved. Boxes removed.");
  return t("Enregistré.", "Saved.");
}

// --- Leaving with unsaved changes ------------------------------------------------------------

const LEAVE = () => t(
  "Les enfants ou le floutage de cette photo ne sont pas enregistrés. Partir quand même ?",
  "The children or the blurring of this photo are not saved. Leave anyway?",
);

// dirty(): whether the shown item has unsaved changes. Registered before the page's own
// hashchange listener, so that a refusal stops it (the address goes back to the item).
export function guardLeaving(dirty) {
  let current = window.location.hash;
  window.addEventListener("hashchange", (event) => {
    const leaving = current && current !== window.location.hash && current.startsWith("#/media/");
    if (leaving && dirty() && !window.confirm(LEAVE())) {
      event.stopImmediatePropagation();
      window.history.replaceState(null, "", current);
      return;
    }
    current = window.location.hash;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  return {
    // the page changed the item itself (after a decision): nothing to guard
    moved() { current = window.location.hash; },
  };
}
