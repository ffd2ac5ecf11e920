// web/people/: the people page's pure helpers. Consent terms in words (dom.js), the "who may
// appear where" grid (glance.js), the scan's type (consent.js), the erasure choices
// (erasure.js).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { AUDIENCES as GATE_AUDIENCES, audienceName as gateAudienceName } from "/review/gate.js";
import { actionName, scanType } from "/people/consent.js";
import {
  AUDIENCES, KINDS, audienceName, childName, firstDay, kindName, lastDay, termsText,
} from "/people/dom.js";
import { MODES, modeName } from "/people/erasure.js";
import { BLUR, NO, YES, cellValue, consentNote, covers, valueText } from "/people/glance.js";

beforeEach(() => localStorage.clear());

// Epoch seconds of a day's midnight UTC, as the API gives consent dates.
const day = (iso) => Date.parse(`${iso}T00:00:00Z`) / 1000;

// A season's consent: from 1 September 2025, its last day 31 August 2026.
const SEASON = { valid_from: day("2025-09-01"), valid_until: day("2026-09-01") };
const consent = (terms, extra = {}) => ({ status: "active", terms: { ...SEASON, ...terms }, ...extra });
const NOW = day("2026-03-15");

describe("people/dom.js", () => {
  test("the audiences are the gate's, named the same way", () => {
    assert.deepEqual(AUDIENCES, GATE_AUDIENCES);
    for (const lang of ["fr", "en"]) {
      setLanguage(lang);
      assert.deepEqual(AUDIENCES.map(audienceName), GATE_AUDIENCES.map(gateAudienceName));
    }
  });

  test("kindName and childName", () => {
    assert.deepEqual(KINDS.map(kindName), ["photos", "vidéos"]);
    assert.equal(childName({ first_name: "Léa", initial: "M." }), "Léa M.");
    assert.equal(childName(undefined), "un enfant inconnu");
    setLanguage("en");
    assert.deepEqual(KINDS.map(kindName), ["photos", "videos"]);
    assert.equal(childName(null), "an unknown child");
  });

  test("a consent's last day is the day before it ends at midnight UTC", () => {
    assert.equal(lastDay(SEASON.valid_until), "31 août 2026");
    assert.equal(firstDay(SEASON.valid_from), "1 septembre 2025");
  });

  test("termsText lists the audiences and kinds in the API's order, then the last day", () => {
    const terms = {
      ...SEASON, audiences: ["all_families_of_centre", "families_of_group"], media_kinds: ["video", "photo"],
    };
    assert.equal(termsText(terms),
      "Familles du groupe et Toutes les familles du centre ; photos et vidéos, jusqu'au 31 août 2026");
    setLanguage("en");
    assert.equal(termsText({ ...terms, media_kinds: ["photo"] }),
      "Families of the group and All families of the centre; photos, until 31 August 2026");
  });

  test("termsText is empty without terms", () => {
    assert.equal(termsText(null), "");
  });
});

describe("people/glance.js", () => {
  const groupPhotos = consent({ audiences: ["families_of_group"], media_kinds: ["photo"] });

  test("a consent covers only its audiences and kinds", () => {
    assert.equal(covers(groupPhotos, "families_of_group", "photo", NOW), true);
    assert.equal(covers(groupPhotos, "families_of_group", "video", NOW), false);
    assert.equal(covers(groupPhotos, "public_communication", "photo", NOW), false);
  });

  test("a consent covers from its first second to just before its end", () => {
    assert.equal(covers(groupPhotos, "families_of_group", "photo", SEASON.valid_from - 1), false);
    assert.equal(covers(groupPhotos, "families_of_group", "photo", SEASON.valid_from), true);
    assert.equal(covers(groupPhotos, "families_of_group", "photo", SEASON.valid_until - 1), true);
    assert.equal(covers(groupPhotos, "families_of_group", "photo", SEASON.valid_until), false);
  });

  test("a withdrawn consent, or none, covers nothing", () => {
    assert.equal(covers({ ...groupPhotos, status: "withdrawn" }, "families_of_group", "photo", NOW), false);
    assert.equal(covers({ status: "none" }, "families_of_group", "photo", NOW), false);
    assert.equal(covers(null, "families_of_group", "photo", NOW), false);
  });

  test("without consent a photo needs blurring and a video is a no", () => {
    assert.equal(cellValue(groupPhotos, "families_of_group", "photo", NOW), YES);
    assert.equal(cellValue(groupPhotos, "public_communication", "photo", NOW), BLUR);
    assert.equal(cellValue(groupPhotos, "families_of_group", "video", NOW), NO);
    assert.deepEqual([YES, BLUR, NO].map(valueText), ["oui", "floutage requis", "non"]);
    setLanguage("en");
    assert.deepEqual([YES, BLUR, NO].map(valueText), ["yes", "blurring required", "no"]);
  });

  test("the note under a child's name says until when, or why not", () => {
    assert.equal(consentNote(groupPhotos, NOW), "jusqu'au 31 août 2026");
    assert.equal(consentNote(groupPhotos, SEASON.valid_from - 1), "consentement pas encore en vigueur");
    assert.equal(consentNote(groupPhotos, SEASON.valid_until), "consentement expiré");
    assert.equal(consentNote({ status: "withdrawn" }, NOW), "consentement retiré");
    assert.equal(consentNote({ status: "none" }, NOW), "aucun consentement");
    assert.equal(consentNote(null, NOW), "aucun consentement");
    assert.equal(consentNote({ ...groupPhotos, pending: { awaiting: ["g2"] } }, NOW),
      "jusqu'au 31 août 2026 · élargissement en attente");
  });
});

describe("people/consent.js", () => {
  test("the scan's type comes from the browser when it is PDF, JPEG or PNG", () => {
    assert.equal(scanType({ name: "scan", type: "application/pdf" }), "application/pdf");
    assert.equal(scanType({ name: "scan", type: "IMAGE/PNG" }), "image/png");
    assert.equal(scanType({ name: "scan", type: "image/jpg" }), "image/jpeg");
  });

  test("else from the file name's extension", () => {
    assert.equal(scanType({ name: "Formulaire.PDF", type: "" }), "application/pdf");
    assert.equal(scanType({ name: "form.jpeg", type: "application/octet-stream" }), "image/jpeg");
    assert.equal(scanType({ name: "form.JPG" }), "image/jpeg");
    assert.equal(scanType({ name: "form.png", type: "" }), "image/png");
  });

  test("anything else is refused (empty type)", () => {
    assert.equal(scanType({ name: "form.heic", type: "image/heic" }), "");
    assert.equal(scanType({ name: "form.svg", type: "image/svg+xml" }), "");
    assert.equal(scanType({ name: "form.pdf.html", type: "text/html" }), "");
  });

  test("each history action has its words, an unknown one stays as it is", () => {
    assert.equal(actionName("given"), "Consentement donné");
    assert.equal(actionName("withdrawn"), "Consentement retiré");
    assert.equal(actionName("proposed"), "Élargissement proposé, en attente de l'autre responsable");
    assert.equal(actionName("merged"), "merged");
    setLanguage("en");
    assert.equal(actionName("narrowed"), "Consent narrowed");
  });
});

describe("people/erasure.js", () => {
  test("the two choices and 'later' have their names", () => {
    assert.deepEqual(MODES.map(modeName), ["Supprimer les photos", "Flouter l'enfant quand c'est possible"]);
    assert.equal(modeName(""), "Choisir plus tard");
    setLanguage("en");
    assert.deepEqual(MODES.map(modeName), ["Remove the items", "Blur the child where possible"]);
  });
});
