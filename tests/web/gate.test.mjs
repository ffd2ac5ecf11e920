// web/review/gate.js: the publication gate's preview in words, per audience and visibility,
// in French and in English.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { AUDIENCES, audienceName, describe as describeDecision, summary, visibilityName } from "/review/gate.js";

const NAMES = { c1: "Léa M.", c2: "Tom B.", c3: "Inès K." };
const childName = (id) => NAMES[id] ?? `?${id}`;

beforeEach(() => localStorage.clear());

describe("audienceName", () => {
  test("names each audience of the API in French", () => {
    assert.deepEqual(AUDIENCES.map(audienceName), [
      "Familles du groupe", "Toutes les familles du centre", "Communication publique",
    ]);
  });

  test("names each audience in English when English was chosen", () => {
    setLanguage("en");
    assert.deepEqual(AUDIENCES.map(audienceName), [
      "Families of the group", "All families of the centre", "Public communication",
    ]);
  });

  test("gives an unknown audience's code as it is", () => {
    assert.equal(audienceName("staff_only"), "staff_only");
  });
});

describe("visibilityName", () => {
  test("says visible, blurred or blocked", () => {
    assert.equal(visibilityName("clean"), "visible");
    assert.equal(visibilityName("blurred"), "visible en version floutée");
    assert.equal(visibilityName("blocked"), "bloquée");
    setLanguage("en");
    assert.equal(visibilityName("blurred"), "visible, blurred version");
    assert.equal(visibilityName("blocked"), "blocked");
  });

  test("treats anything it does not know as blocked", () => {
    assert.equal(visibilityName(undefined), "bloquée");
    assert.equal(visibilityName("published"), "bloquée");
  });
});

describe("describe", () => {
  test("a clean decision is just 'visible'", () => {
    assert.equal(describeDecision({ visibility: "clean", reasons: [] }, childName), "visible");
  });

  test("a blurred decision names the children whose face is blurred", () => {
    assert.equal(describeDecision({ visibility: "blurred", uncovered_child_ids: [] }, childName),
      "visible en version floutée");
    assert.equal(describeDecision({ visibility: "blurred", uncovered_child_ids: ["c1"] }, childName),
      "visible en version floutée : visage de Léa M. flouté (pas de consentement)");
    assert.equal(describeDecision({ visibility: "blurred", uncovered_child_ids: ["c1", "c2", "c3"] }, childName),
      "visible en version floutée : visages de Léa M., Tom B. et Inès K. floutés (pas de consentement)");
    setLanguage("en");
    assert.equal(describeDecision({ visibility: "blurred", uncovered_child_ids: ["c1", "c2"] }, childName),
      "visible, blurred version: faces of Léa M. and Tom B. blurred (no consent)");
  });

  test("a blocked decision gives the children without consent first, together", () => {
    const decision = {
      visibility: "blocked",
      reasons: ["not_blurred:c3", "no_consent:c1", "not_validated", "no_consent:c2"],
    };
    assert.equal(describeDecision(decision, childName),
      "bloquée : Léa M. et Tom B. n'ont pas de consentement pour ce public ; "
      + "le visage de Inès K. n'est pas flouté");
    setLanguage("en");
    assert.equal(describeDecision(decision, childName),
      "blocked: Léa M. and Tom B. have no consent for this audience; Inès K.'s face is not blurred");
  });

  test("the children without consent come before the other reasons", () => {
    const decision = { visibility: "blocked", reasons: ["blurred_variant_missing", "no_consent:c1"] };
    assert.equal(describeDecision(decision, childName),
      "bloquée : Léa M. n'a pas de consentement pour ce public ; il n'y a pas de version floutée");
  });

  test("one child without consent reads in the singular", () => {
    const decision = { visibility: "blocked", reasons: ["no_consent:c2"] };
    assert.equal(describeDecision(decision, childName),
      "bloquée : Tom B. n'a pas de consentement pour ce public");
  });

  test("each tagging problem has its own sentence", () => {
    const cases = {
      untagged_without_flag: "aucun enfant identifié : choisissez les enfants ou cochez « aucun enfant identifiable »",
      flag_conflicts_with_tags: "« aucun enfant identifiable » est coché alors que des enfants sont identifiés",
      blurred_variant_missing: "il n'y a pas de version floutée",
      unknown_audience: "public inconnu",
      unknown_kind: "type d'élément inconnu",
    };
    for (const [code, text] of Object.entries(cases)) {
      assert.equal(describeDecision({ visibility: "blocked", reasons: [code] }, childName), `bloquée : ${text}`);
    }
  });

  test("a code it does not know is shown as it is rather than hidden", () => {
    assert.equal(describeDecision({ visibility: "blocked", reasons: ["over_quota"] }, childName),
      "bloquée : over_quota");
  });

  test("'not validated' alone adds nothing: the preview is the outcome once validated", () => {
    assert.equal(describeDecision({ visibility: "blocked", reasons: ["not_validated"] }, childName), "bloquée");
  });
});

describe("summary", () => {
  const gate = {
    families_of_group: { visibility: "clean", reasons: [] },
    public_communication: { visibility: "blocked", reasons: ["no_consent:c1"] },
  };

  test("names the audience, then the decision", () => {
    assert.equal(summary(gate, "families_of_group", childName), "Familles du groupe — visible");
    assert.equal(summary(gate, "public_communication", childName),
      "Communication publique — bloquée : Léa M. n'a pas de consentement pour ce public");
  });

  test("is empty without a decision for that audience", () => {
    assert.equal(summary(gate, "all_families_of_centre", childName), "");
    assert.equal(summary(null, "families_of_group", childName), "");
  });
});
