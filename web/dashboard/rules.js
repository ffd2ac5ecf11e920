// The director's home, pure parts (web/dashboard.js): the time an erasure request has left,
// counted from the SERVER's clock (the answer's `now`, moved on by the time spent since it
// came, never the device's date), when it is urgent, and how it reads.

import { t } from "/lib/i18n.js";

export const URGENT_SECONDS = 6 * 3600; // less than this left: shown in red

// Seconds left before `dueBy` (epoch seconds): the server's `now` when the answer came
// (`receivedAtMs`, a monotonic or wall reading of the device), moved on by what elapsed since
// (`nowMs`, the same clock). Never below 0.
export function secondsLeft(dueBy, serverNow, receivedAtMs, nowMs) {
  const elapsed = Math.max(0, (nowMs - receivedAtMs) / 1000);
  return Math.max(0, Math.floor(dueBy - serverNow - elapsed));
}

export function urgent(seconds) {
  return seconds < URGENT_SECONDS;
}

// "23 h 05 min" / "23 h 05 min left"; "dépassé" / "overdue" at 0.
export function leftLabel(seconds) {
  if (seconds <= 0) return t("Échéance dépassée", "Deadline passed");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const text = hours > 0 ? `${hours} h ${String(minutes).padStart(2, "0")} min` : `${minutes} min`;
  return t(`Reste ${text}`, `${text} left`);
}

// How long the oldest item has waited: in days, then hours, then "less than an hour".
export function waitedLabel(oldestAt, serverNow) {
  if (oldestAt === null || oldestAt === undefined) return "";
  const seconds = Math.max(0, serverNow - oldestAt);
  const days = Math.floor(seconds / 86400);
  if (days >= 1) return t(`la plus ancienne attend depuis ${days} jour(s)`, `the oldest has waited ${days} day(s)`);
  const hours = Math.floor(seconds / 3600);
  if (hours < 1) return t("la plus ancienne attend depuis moins d'une heure", "the oldest has waited less than an hour");
  return t(`la plus ancienne attend depuis ${hours} h`, `the oldest has waited ${hours} h`);
}
