// The validation page's tagging on a phone (issue 18): the chips' consent state per audience
// (web/review/chips.js), the single save's plan (web/review/save.js), the "no identifiable
// child" dialog's words (web/review/nochild.js) and the preview's zoom (web/review/zoom.js).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import {
  BLOCKED, BLURRED, VISIBLE, audiencesInPlay, consentState, covers, groupChildren, stateLine, withGroup,
} from "/review/chips.js";
import { audienceSplit, noChildTexts, whoSees } from "/review/nochild.js";
import { facesSignature, hiddenChildren, plan, savedMessage, tagsChanged } from "/review/save.js";
import { MAX_SCALE, clampScale, percent, scrollAbout } from "/review/zoom.js";

beforeEach(() => localStorage.clear());

const NOW = 1_780_000_000;
const terms = (audiences, extra = {}) => ({
  status: "active",
  terms: { audiences, media_kinds: ["photo"], valid_from: NOW - 10, valid_until: NOW + 10, ...extra },
  pending: false,
});
const LEA = { child_id: "lea", first_name: "Léa", initial: "M.", group_id: "g1", archived: false, consent: { status: "none", terms: null } };
const NOAH = { child_id: "noah", first_name: "Noah", initial: "B.", group_id: "g1", archived: false, consent: terms(["families_of_group"]) };
const ZOE = { child_id: "zoe", first_name: "Zoé", initial: "K.", group_id: "g2", archived: false, consent: terms(["families_of_group"]) };
const OLD = { child_id: "old", first_name: "Tom", initial: "R.", group_id: "g1", archived: true, consent: terms(["families_of_group"]) };

describe("covers", () => {
  test("an active consent covers its audiences and kinds inside its window (half-open)", () => {
    const consent = terms(["families_of_group"]);
    assert.equal(covers(consent, "families_of_group", "photo", NOW), true);
    assert.equal(covers(consent, "all_families_of_centre", "photo", NOW), false);
    assert.equal(covers(consent, "families_of_group", "video", NOW), false);
    assert.equal(covers(consent, "families_of_group", "photo", NOW - 10), true);
    assert.equal(covers(consent, "families_of_group", "photo", NOW + 10), false);
  });

  test("no consent, a withdrawn one or no terms cover nothing", () => {
    assert.equal(covers({ status: "none", terms: null }, "families_of_group", "photo", NOW), false);
    assert.equal(covers({ ...terms(["families_of_group"]), status: "withdrawn" }, "families_of_group", "photo", NOW), false);
    assert.equal(covers(undefined, "families_of_group", "photo", NOW), false);
  });
});

describe("consentState", () => {
  test("visible when covered, blurred when a box hides the child, blocked otherwise", () => {
    assert.equal(consentState(NOAH, "families_of_group", "photo", NOW, new Set()), VISIBLE);
    assert.equal(consentState(NOAH, "public_communication", "photo", NOW, new Set()), BLOCKED);
    assert.equal(consentState(LEA, "families_of_group", "photo", NOW, new Set()), BLOCKED);
    assert.equal(consentState(LEA, "families_of_group", "photo", NOW, new Set(["lea"])), BLURRED);
    // a covered child stays visible even under a box (the gate serves the clean photo then)
    assert.equal(consentState(NOAH, "families_of_group", "photo", NOW, new Set(["noah"])), VISIBLE);
  });

  test("the audiences in play are the album's default and the chosen ones, in the API's order", () => {
    assert.deepEqual(audiencesInPlay("families_of_group", null), ["families_of_group"]);
    assert.deepEqual(audiencesInPlay("families_of_group", new Set(["public_communication"])),
      ["families_of_group", "public_communication"]);
  });

  test("the chip's name says each state in words, French or English", () => {
    const states = [
      { audience: "families_of_group", state: BLURRED },
      { audience: "public_communication", state: BLOCKED },
    ];
    assert.deepEqual(stateLine(states), ["Groupe : flouté", "Public : bloqué"]);
    setLanguage("en");
    assert.deepEqual(stateLine(states), ["Group: blurred", "Public: blocked"]);
  });
});

describe("Tout le groupe", () => {
  test("presses every child of the album's group still on the roster, keeps the others pressed", () => {
    const children = [LEA, NOAH, ZOE, OLD];
    assert.deepEqual(groupChildren(children, "g1"), ["lea", "noah"]);
    assert.deepEqual(groupChildren(children, null), []);
    assert.deepEqual([...withGroup(new Set(["zoe"]), children, "g1")].sort(), ["lea", "noah", "zoe"]);
  });
});

describe("the single save", () => {
  test("saves the tags first, then the faces, only what changed", () => {
    assert.deepEqual(plan({ tags: true, faces: true }), ["tags", "faces"]);
    assert.deepEqual(plan({ tags: false, faces: true }), ["faces"]);
    assert.deepEqual(plan({ tags: false, faces: false }), []);
  });

  test("tells changed tags from saved ones (children or the flag)", () => {
    const saved = { tagged_child_ids: ["lea", "noah"], no_identifiable_child: false };
    assert.equal(tagsChanged(saved, new Set(["noah", "lea"]), false), false);
    assert.equal(tagsChanged(saved, new Set(["noah"]), false), true);
    assert.equal(tagsChanged({ tagged_child_ids: [], no_identifiable_child: false }, new Set(), true), true);
  });

  test("tells changed faces by their rounded boxes and hidden children", () => {
    const a = facesSignature([[0.1, 0.2, 0.3, 0.4]], ["lea"]);
    assert.equal(a, facesSignature([[0.100001, 0.2, 0.3, 0.4]], new Set(["lea"])));
    assert.notEqual(a, facesSignature([[0.1, 0.2, 0.3, 0.4]], []));
    assert.notEqual(a, facesSignature([[0.2, 0.2, 0.3, 0.4]], ["lea"]));
  });

  test("a box hides a tagged child only", () => {
    const boxes = [{ child: "lea" }, { child: "" }, { child: "zoe" }];
    assert.deepEqual([...hiddenChildren(boxes, ["noah", "tom"], new Set(["lea", "noah"]))].sort(), ["lea", "noah"]);
  });

  test("says what was saved", () => {
    assert.match(savedMessage(["tags", "faces"], 1), /version floutée se prépare/);
    assert.equal(savedMessage(["tags"], 0), "Enregistré.");
    assert.match(savedMessage([], 0), /Rien à enregistrer/);
  });
});

describe("the 'no identifiable child' dialog", () => {
  test("says who will see the photo, and who else could", () => {
    const [first, second, third] = noChildTexts({
      planned: ["families_of_group"], groupName: "Lions", tagged: ["Léa M.", "Noah B."],
    });
    assert.match(first, /les familles du groupe « Lions » la verront/);
    assert.match(second, /toutes les familles du centre et la communication publique/);
    assert.match(third, /Léa M\. et Noah B\. seront retiré/);
  });

  test("with every audience chosen, nobody else is left to name", () => {
    const texts = noChildTexts({
      planned: ["public_communication", "all_families_of_centre", "families_of_group"], groupName: "", tagged: [],
    });
    assert.equal(texts.length, 1);
    assert.match(texts[0], /les familles du groupe, toutes les familles du centre et la communication publique/);
    assert.deepEqual(audienceSplit(["public_communication"]).possible, ["families_of_group", "all_families_of_centre"]);
  });

  test("in English too", () => {
    setLanguage("en");
    assert.equal(whoSees("all_families_of_centre", ""), "all the families of the centre");
  });
});

describe("the preview's zoom", () => {
  test("keeps the scale between the whole photo and the maximum", () => {
    assert.equal(clampScale(0.5), 1);
    assert.equal(clampScale(2), 2);
    assert.equal(clampScale(99), MAX_SCALE);
    assert.equal(clampScale(Number.NaN), 1);
    assert.equal(percent(1.5), "150 %");
  });

  test("zooming keeps the point under the finger over the same spot of the photo", () => {
    // the viewport's centre (195, 130) over a photo at 1x, not scrolled: at 2x, scroll to (195, 130)
    assert.deepEqual(scrollAbout({ x: 195, y: 130 }, { left: 0, top: 0 }, 1, 2), { left: 195, top: 130 });
    // back to 1x from there: the start again
    assert.deepEqual(scrollAbout({ x: 195, y: 130 }, { left: 195, top: 130 }, 2, 1), { left: 0, top: 0 });
    // never a negative scroll
    assert.deepEqual(scrollAbout({ x: 10, y: 10 }, { left: 0, top: 0 }, 2, 1), { left: 0, top: 0 });
  });
});
