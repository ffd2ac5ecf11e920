// Validation at speed (issue 18, item 5): stable numbering, the bulk approval's selection,
// previous / next, the keyboard shortcuts' guard and errors in words (web/review/*.js).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { ApiError } from "/lib/api.js";
import { confirmation, MAX_BATCH, plan } from "/review/bulk.js";
import { answerWords, looksLikeCode, plainWords } from "/review/errors.js";
import { neighbour, nextUndecided } from "/review/flow.js";
import { shortcutFor } from "/review/keys.js";
import { APPROVED, ELSEWHERE, Numbering, REJECTED } from "/review/numbering.js";

beforeEach(() => localStorage.clear());

const GROUP = "families_of_group";
const CENTRE = "all_families_of_centre";

function item(id, visibility = "clean", reasons = []) {
  return { media_id: id, album_id: "a", gate: { [GROUP]: { visibility, reasons, uncovered_child_ids: [] } } };
}

describe("Numbering", () => {
  test("keeps every item's number after decisions and as new items arrive", () => {
    const numbers = new Numbering();
    numbers.note([item("m1"), item("m2"), item("m3")]);
    numbers.decide(item("m2"), APPROVED);
    // the queue answered again without m2 (published) nor m3 (someone else rejected it), and a new one
    numbers.note([item("m1"), item("m4")]);
    const rows = numbers.rows([item("m1"), item("m4")]);
    assert.deepEqual(rows.map((r) => [r.item.media_id, r.number, r.outcome]), [
      ["m1", 1, null], ["m2", 2, APPROVED], ["m3", 3, ELSEWHERE], ["m4", 4, null],
    ]);
    assert.equal(numbers.total, 4);
  });

  test("ignores a decision on an item it never listed", () => {
    const numbers = new Numbering();
    numbers.decide(item("x"), REJECTED);
    assert.deepEqual(numbers.rows([]), []);
  });
});

describe("plan", () => {
  const audienceOf = () => GROUP;

  test("splits the waiting items into ready and not ready, leaving out the decided ones", () => {
    const rows = [
      { item: item("ok"), number: 1, outcome: null },
      { item: item("blurred", "blurred"), number: 2, outcome: null },
      { item: item("untagged", "hidden", ["untagged_without_flag"]), number: 3, outcome: null },
      { item: item("done"), number: 4, outcome: APPROVED },
    ];
    const { ready, waiting } = plan(rows, audienceOf);
    assert.deepEqual(ready.map((e) => e.item.media_id), ["ok", "blurred"]);
    assert.deepEqual(waiting.map((e) => e.item.media_id), ["untagged"]);
  });

  test("an item without a preview for its audience is not ready", () => {
    const { ready, waiting } = plan([{ item: item("x"), number: 1, outcome: null }], () => CENTRE);
    assert.equal(ready.length, 0);
    assert.equal(waiting[0].decision, undefined);
  });

  test("sends no more than the API takes at once", () => {
    const rows = Array.from({ length: MAX_BATCH + 3 }, (_, i) => ({ item: item(`m${i}`), number: i + 1, outcome: null }));
    const { ready, waiting } = plan(rows, audienceOf);
    assert.equal(ready.length, MAX_BATCH);
    assert.equal(waiting.length, 3);
  });

  test("the confirmation says how many photos and to whom", () => {
    const ready = [{ audience: GROUP }, { audience: CENTRE }, { audience: GROUP }];
    assert.equal(confirmation(ready),
      "3 photos seront publiées : 2 pour Familles du groupe, 1 pour Toutes les familles du centre.");
    setLanguage("en");
    assert.equal(confirmation([{ audience: GROUP }]), "1 photo will be published: 1 for Families of the group.");
  });
});

describe("previous / next", () => {
  test("neighbour moves one step without wrapping", () => {
    assert.equal(neighbour(["a", "b", "c"], "b", 1), "c");
    assert.equal(neighbour(["a", "b", "c"], "b", -1), "a");
    assert.equal(neighbour(["a", "b", "c"], "c", 1), null);
    assert.equal(neighbour(["a", "b", "c"], null, 1), "a");
    assert.equal(neighbour([], "a", 1), null);
  });

  test("after a decision, the next item still waiting, wrapping round", () => {
    const rows = ["a", "b", "c", "d"].map((id, i) => ({ item: { media_id: id }, outcome: i === 2 ? APPROVED : null }));
    assert.equal(nextUndecided(rows, "b"), "d");
    rows[3].outcome = REJECTED;
    assert.equal(nextUndecided(rows, "b"), "a");
    rows[0].outcome = APPROVED;
    rows[1].outcome = APPROVED;
    assert.equal(nextUndecided(rows, "b"), null);
  });
});

describe("shortcutFor", () => {
  const target = (selector) => ({ closest: (s) => (selector && s.includes(selector) ? {} : null) });
  const key = (k, extra = {}) => ({ key: k, target: target(null), ...extra });

  test("J, K, A and R name their action", () => {
    assert.deepEqual(["j", "K", "a", "r", "x"].map((k) => shortcutFor(key(k))),
      ["next", "previous", "approve", "reject", null]);
  });

  test("never while typing, with a modifier, or on the face boxes", () => {
    for (const place of ["textarea", "input", "select", ".overlay"]) {
      assert.equal(shortcutFor({ key: "a", target: target(place) }), null, place);
    }
    assert.equal(shortcutFor({ key: "a", target: { isContentEditable: true, closest: () => null } }), null);
    assert.equal(shortcutFor(key("a", { ctrlKey: true })), null);
    assert.equal(shortcutFor(key("j", { metaKey: true })), null);
    assert.equal(shortcutFor(key("j", { repeat: true })), null);
  });
});

describe("errors in words", () => {
  test("a code is never shown: the words of the HTTP status instead", () => {
    assert.ok(looksLikeCode("untagged_without_flag"));
    assert.ok(looksLikeCode("no_consent:c1"));
    assert.ok(looksLikeCode("HTTP 502"));
    assert.ok(!looksLikeCode("Publication impossible : aucun enfant identifié."));
    const bare = new ApiError(409, "publication_refused", "conflict");
    assert.equal(plainWords(bare), "La photo a changé entre-temps : rechargez la page puis réessayez.");
    assert.equal(plainWords(new ApiError(502, "HTTP 502", undefined)),
      "Une erreur est survenue. Réessayez dans un instant.");
  });

  test("the API's words are shown as they are, in the page's language", () => {
    const error = new ApiError(409, { fr: "Publication impossible.", en: "Cannot publish." }, "conflict");
    assert.equal(plainWords(error), "Publication impossible.");
    setLanguage("en");
    assert.equal(plainWords(error), "Cannot publish.");
    assert.equal(answerWords({ fr: "x_y", en: "x_y" }), "The photo changed meanwhile: reload the page and try again.");
  });

  test("anything else thrown is a plain sentence", () => {
    assert.equal(plainWords(new TypeError("x is undefined")), "Une erreur est survenue. Réessayez dans un instant.");
  });
});

describe("approveAll", () => {
  test("sends again what a long batch had no time for, and answers once per item", async () => {
    const { approveAll, NOT_REACHED } = await import("/review/bulk.js");
    const sent = [];
    globalThis.fetch = async (_path, options) => {
      const body = JSON.parse(options.body);
      sent.push(body.items.map((i) => i.media_id));
      const results = body.items.map((i, index) => (index === 0
        ? { media_id: i.media_id, outcome: "approved", reason: null, item: { media_id: i.media_id } }
        : { media_id: i.media_id, outcome: "refused", reason: NOT_REACHED, message: { fr: "x", en: "x" } }));
      return new Response(JSON.stringify({ results }), { status: 200 });
    };
    try {
      const ready = ["m1", "m2", "m3"].map((id) => ({ item: { media_id: id }, audience: GROUP }));
      const results = await approveAll(ready);
      assert.deepEqual(sent, [["m1", "m2", "m3"], ["m2", "m3"], ["m3"]]);
      assert.deepEqual(results.map((r) => r.outcome), ["approved", "approved", "approved"]);
    } finally {
      delete globalThis.fetch;
    }
  });
});
