// web/audit/time.js: the audit log's dates in the centre's time zone (Europe/Paris), across
// both daylight-saving changes, in the page's language; days of items as words.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { dayLabel, formatWhen } from "/audit/time.js";

beforeEach(() => localStorage.clear());

describe("formatWhen", () => {
  test("shows Paris time in winter and in summer, whatever the offset written", () => {
    // 2026-03-29 00:59:59 UTC is 01:59:59 in Paris; one second later summer time starts (03:00).
    assert.match(formatWhen("2026-03-29T01:59:59+01:00", "Europe/Paris"), /29 mars 2026.*01:59/);
    assert.match(formatWhen("2026-03-29T03:00:00+02:00", "Europe/Paris"), /29 mars 2026.*03:00/);
    // The same instant written in UTC reads the same in the centre's zone.
    assert.match(formatWhen("2026-10-25T01:00:00Z", "Europe/Paris"), /25 oct\. 2026.*02:00/);
    assert.match(formatWhen("2026-10-25T00:59:00Z", "Europe/Paris"), /25 oct\. 2026.*02:59/);
  });

  test("follows the language switch", () => {
    setLanguage("en");
    assert.match(formatWhen("2026-07-14T10:01:00+02:00", "Europe/Paris"), /14 Jul 2026.*10:01/);
  });

  test("keeps a malformed time as text and tolerates an unknown zone", () => {
    assert.equal(formatWhen("not a time", "Europe/Paris"), "not a time");
    assert.match(formatWhen("2026-07-14T10:01:00+02:00", "Mars/Olympus"), /2026/);
  });
});

describe("dayLabel", () => {
  test("says a day in words in both languages", () => {
    assert.equal(dayLabel("2026-07-14"), "14 juillet 2026");
    setLanguage("en");
    assert.equal(dayLabel("2026-07-14"), "14 July 2026");
    assert.equal(dayLabel("<b>"), "");
  });
});
