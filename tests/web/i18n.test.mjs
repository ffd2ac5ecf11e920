// web/lib/i18n.js: the language choice (French unless English was chosen), t(), formatDate(),
// and the API's messages {fr, en} picked in the current language (pick).
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { formatDate, language, pick, t } from "/lib/i18n.js";

beforeEach(() => localStorage.clear());

describe("language", () => {
  test("is French when nothing was chosen", () => {
    assert.equal(language(), "fr");
    assert.equal(t("Bonjour", "Hello"), "Bonjour");
  });

  test("is English once English was chosen", () => {
    setLanguage("en");
    assert.equal(language(), "en");
    assert.equal(t("Bonjour", "Hello"), "Hello");
  });

  test("goes back to French when French is chosen again", () => {
    setLanguage("en");
    setLanguage("fr");
    assert.equal(t("Bonjour", "Hello"), "Bonjour");
  });

  test("falls back to French for anything else stored", () => {
    for (const stored of ["EN", "de", "english", ""]) {
      setLanguage(stored);
      assert.equal(language(), "fr", stored);
    }
  });
});

describe("formatDate", () => {
  test("writes a day in French words", () => {
    assert.equal(formatDate("2026-08-31"), "31 août 2026");
    assert.equal(formatDate("2026-01-01"), "1 janvier 2026");
  });

  test("writes a day in English words when English was chosen", () => {
    setLanguage("en");
    assert.equal(formatDate("2026-08-31"), "31 August 2026");
  });

  test("keeps the calendar day whatever the machine's time zone", (context) => {
    // Noon UTC is already the next day at UTC+14 (Kiritimati): the day must not move.
    const zone = process.env.TZ;
    context.after(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    process.env.TZ = "Pacific/Kiritimati";
    assert.equal(new Date("2026-12-31T12:00:00Z").getDate(), 1, "the time zone took effect");
    assert.equal(formatDate("2026-12-31"), "31 décembre 2026");
  });

  test("gives an empty string for no date, and the text itself for a non-date", () => {
    assert.equal(formatDate(""), "");
    assert.equal(formatDate(null), "");
    assert.equal(formatDate(undefined), "");
    assert.equal(formatDate("not a date"), "not a date");
    assert.equal(formatDate("2026-13-45"), "2026-13-45");
  });
});

describe("pick", () => {
  const message = { fr: "Le fichier est trop gros.", en: "The file is too large." };

  test("gives the API's message in the page's language", () => {
    assert.equal(pick(message), "Le fichier est trop gros.");
    setLanguage("en");
    assert.equal(pick(message), "The file is too large.");
  });

  test("falls back to the French when the English is missing", () => {
    setLanguage("en");
    assert.equal(pick({ fr: "Album introuvable." }), "Album introuvable.");
  });

  test("gives a plain text as it is, and nothing as empty", () => {
    setLanguage("en");
    assert.equal(pick("HTTP 502"), "HTTP 502");
    assert.equal(pick("Texte. / Text."), "Texte. / Text.", "no splitting of words");
    assert.equal(pick(undefined), "");
    assert.equal(pick(null), "");
  });
});
