// Dates of the audit log in the centre's time zone (the API says which: Europe/Paris by
// default), in the page's language. An entry's "time" is the centre's local ISO time with its
// offset (layers/core/pellicule/domain/audit_reading.py); the browser formats the instant.

import { language } from "/lib/i18n.js";

const locale = () => (language() === "en" ? "en-GB" : "fr-FR");

function zoned(options, timeZone) {
  try {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(locale(), options); // an unknown zone: the browser's own
  }
}

// "14 juil. 2026, 10:01" / "14 Jul 2026, 10:01".
export function formatWhen(iso, timeZone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return zoned({ day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }, timeZone)
    .format(date);
}

// A calendar day "2026-07-14" as "14 juillet 2026" / "14 July 2026" (no time zone: a day).
export function dayLabel(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day || ""));
  if (!match) return "";
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
    .format(date);
}
