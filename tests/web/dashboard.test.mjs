// web/dashboard/rules.js: an erasure request's time left, from the server's clock, and when it
// turns red (less than 6 hours).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { leftLabel, secondsLeft, urgent, waitedLabel } from "/dashboard/rules.js";

beforeEach(() => localStorage.clear());

const NOW = 1_796_205_600;
const DAY = 86400;

describe("secondsLeft", () => {
  test("counts from the server's now, moved on by the time since the answer came", () => {
    assert.equal(secondsLeft(NOW + DAY, NOW, 5_000, 5_000), DAY);
    assert.equal(secondsLeft(NOW + DAY, NOW, 5_000, 65_000), DAY - 60);
  });
  test("ignores the device's own date: only the elapsed time counts", () => {
    // A device whose clock is a year off reads the same time left.
    const offYear = 365 * DAY * 1000;
    assert.equal(secondsLeft(NOW + DAY, NOW, offYear, offYear + 1000), DAY - 1);
  });
  test("never goes below zero, nor above the deadline if the clock goes back", () => {
    assert.equal(secondsLeft(NOW + 10, NOW, 0, 60_000), 0);
    assert.equal(secondsLeft(NOW + 10, NOW, 60_000, 0), 10);
  });
});

describe("urgent", () => {
  test("red under 6 hours, not at 6 hours", () => {
    assert.equal(urgent(6 * 3600), false);
    assert.equal(urgent(6 * 3600 - 1), true);
    assert.equal(urgent(0), true);
  });
});

describe("labels", () => {
  test("French first, English through the switch", () => {
    assert.equal(leftLabel(23 * 3600 + 5 * 60), "Reste 23 h 05 min");
    assert.equal(leftLabel(59 * 60), "Reste 59 min");
    assert.equal(leftLabel(0), "Échéance dépassée");
    setLanguage("en");
    assert.equal(leftLabel(23 * 3600 + 5 * 60), "23 h 05 min left");
    assert.equal(leftLabel(0), "Deadline passed");
  });
  test("how long the oldest item waited", () => {
    assert.equal(waitedLabel(null, NOW), "");
    assert.equal(waitedLabel(NOW - 3 * DAY, NOW), "la plus ancienne attend depuis 3 jour(s)");
    assert.equal(waitedLabel(NOW - 5 * 3600, NOW), "la plus ancienne attend depuis 5 h");
    assert.equal(waitedLabel(NOW - 59 * 60, NOW), "la plus ancienne attend depuis moins d'une heure");
  });
});
