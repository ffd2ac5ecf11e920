// Pellicule sign-in page (docs/authentication.md). French first, English on request (one
// language at a time; the status line is kept as its message {fr, en} and shown again in the
// other language on a switch).
//
// A magic link lands here as /login.html#token=...: the token rides in the fragment, which the
// browser never sends to a server. Loading the page (a person, a mail scanner, a link previewer
// running this script) changes nothing: only a click on the button POSTs the token. The
// fragment is wiped from the address bar and history as soon as it is read.

import { NETWORK_MESSAGE as NETWORK_ERROR } from "/lib/api.js";
import { endedDevice, isTrustedDevice, rememberDevice, resumeDevice } from "/lib/device.js";
import { pick, wireSwitch } from "/lib/i18n.js";

const JSON_HEADERS = { "content-type": "application/json", "x-pellicule-csrf": "1" };
const SIGNED_IN = { fr: "Vous êtes connecté·e, ouverture…", en: "You are signed in, opening…" };
const LABELS = {
  guardian: { fr: "Ouvrir ma galerie", en: "Open my gallery" },
  staff: { fr: "Ouvrir l'espace équipe", en: "Open the staff space" },
};
const EN = {
  title: "Sign in — Pellicule",
  openTitle: "Sign in",
  openText: "To sign in, press the button. The link works once.",
  enrolTitle: "Authenticator app",
  enrolText: "Scan this code with your authenticator app, or type the key below.",
  qrAlt: "Authenticator app QR code",
  key: "Key:",
  renewalNote: "The old app and your old recovery codes stop working as soon as you confirm.",
  confirmCode: "6-digit code from the app",
  confirm: "Confirm",
  codesTitle: "Recovery codes",
  codesText: "Write these codes down and keep them safe: each replaces the app once if you lose your phone. They will not be shown again.",
  codesSaved: "I saved them",
  verifyTitle: "Authenticator code",
  sixDigits: "6-digit code",
  verify: "Verify",
  useRecovery: "Use a recovery code",
  recoveryCode: "Recovery code",
  renewalTitle: "Lost your phone?",
  renewalLeft: "You signed in with a recovery code. Recovery codes left:",
  renewalFew: "Only a few are left: enrol a new authenticator app now.",
  renewalNone: "Without a new app, another director will have to reset your access at your next sign-in.",
  renewalText: "A new app replaces the old one and gives you new recovery codes.",
  renewalStart: "Enrol a new authenticator",
  later: "Later",
  askTitle: "Get a sign-in link",
  askText: "Enter the e-mail address your centre knows: you will receive a link and a code.",
  email: "E-mail address",
  sendLink: "Send the link",
  codeTitle: "I have a code",
  signIn: "Sign in",
  keep: "Keep me signed in on this device (90 days)",
  keepFamily: "Keep me signed in on this device (90 days, families)",
  keepHint: "Only on your own phone or computer. You can remove it in \u201cMy devices\u201d.",
  footer: "No trackers, no ads.",
};
const shown = { status: null, kind: "", open: null }; // what is drawn again on a switch

const $ = (id) => document.getElementById(id);

function readFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get("token");
  if (window.location.hash) {
    // Keep the token out of the address bar, the history and any bookmark.
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return { token, staff: params.get("for") === "staff" };
}

// The status line: a message {fr, en} (the API's, or the page's own), in the current language.
function show(message, kind) {
  shown.status = message;
  shown.kind = kind;
  renderStatus();
}

function renderStatus() {
  const status = $("status");
  if (!shown.status) return;
  status.textContent = pick(shown.status);
  status.className = `status ${shown.kind}`;
  status.hidden = false;
}

function hideStatus() {
  shown.status = null;
  $("status").hidden = true;
}

function render() {
  renderStatus();
  if (shown.open) $("open-button").textContent = pick(shown.open);
}

async function post(path, body) {
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch {
      payload = {};
    }
    return { ok: response.ok, status: response.status, payload };
  } catch {
    return { ok: false, status: 0, payload: { message: NETWORK_ERROR } };
  }
}

function safeNext(next) {
  // Same-origin paths only (never "//host" or a full URL).
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function signedIn(payload) {
  if (payload.trusted_device) rememberDevice(true); // this browser may sign in again by itself
  if (payload.second_factor === "enrol" || payload.second_factor === "verify") {
    secondFactor(payload);
    return;
  }
  show(SIGNED_IN, "success");
  window.location.assign(safeNext(payload.next));
}

// --- Staff second factor (docs/second-factor.md) ---------------------------------------------

function hideSignInForms() {
  for (const id of ["open-link", "ask-link", "enter-code"]) $(id).hidden = true;
}

function failed(result) {
  show(result.payload.message || NETWORK_ERROR, "error");
  if (result.status === 401) {
    // The pending session ended (too many codes, expired): start again with a new link.
    for (const id of ["totp-enrol", "totp-verify", "totp-recovery-codes", "totp-renewal"]) {
      $(id).hidden = true;
    }
    offerAlternatives();
  }
}

async function secondFactor(payload) {
  hideSignInForms();
  hideStatus();
  if (payload.second_factor === "enrol") {
    await enrol(payload);
  } else {
    verify(payload);
  }
}

async function enrol(payload) {
  const result = await post("/api/auth/totp/enrol", {});
  if (!result.ok) {
    failed(result);
    return;
  }
  showEnrolment(result.payload, "/api/auth/totp/confirm", payload.next);
}

// The QR code and the key of a new secret, then its first code: a first enrolment
// (/totp/confirm) or a new app replacing the old one (/totp/renew/confirm).
function showEnrolment(enrolment, confirmPath, next) {
  const section = $("totp-enrol");
  $("totp-qr").src = enrolment.qr; // a data:image/svg+xml URI (an <img> runs no script)
  $("totp-secret").textContent = enrolment.secret.replace(/(.{4})(?=.)/g, "$1 ");
  $("totp-renewal-note").hidden = confirmPath !== "/api/auth/totp/renew/confirm";
  section.hidden = false;
  const form = $("totp-confirm-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    setBusy(button, true);
    const confirmed = await post(confirmPath, { code: $("totp-confirm-code").value.trim() });
    setBusy(button, false);
    if (!confirmed.ok) {
      failed(confirmed);
      return;
    }
    section.hidden = true;
    $("totp-secret").textContent = "";
    $("totp-qr").removeAttribute("src");
    hideStatus();
    recoveryCodes(confirmed.payload.recovery_codes || [], confirmed.payload.next || next);
  });
  $("totp-confirm-code").focus();
}

function recoveryCodes(codes, next) {
  const list = $("totp-codes-list");
  list.replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = code;
      item.append(text);
      return item;
    }),
  );
  $("totp-recovery-codes").hidden = false;
  const button = $("totp-codes-saved");
  button.addEventListener("click", () => {
    list.replaceChildren();
    show(SIGNED_IN, "success");
    window.location.assign(safeNext(next));
  });
  button.focus();
}

function verify(payload) {
  $("totp-verify").hidden = false;
  const submit = (form, body) =>
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      setBusy(button, true);
      const result = await post("/api/auth/totp/verify", body());
      setBusy(button, false);
      if (!result.ok) {
        failed(result);
        return;
      }
      $("totp-verify").hidden = true;
      const next = result.payload.next || payload.next;
      if (result.payload.renewal) {
        offerRenewal(result.payload, next); // signed in with a recovery code: the phone is lost?
        return;
      }
      show(SIGNED_IN, "success");
      window.location.assign(safeNext(next));
    });
  submit($("totp-verify-form"), () => ({ code: $("totp-verify-code").value.trim() }));
  submit($("totp-recovery-form"), () => ({ recovery_code: $("totp-recovery-code").value.trim() }));
  $("totp-use-recovery").addEventListener("click", () => {
    $("totp-use-recovery").hidden = true;
    $("totp-recovery-form").hidden = false;
    $("totp-recovery-code").focus();
  });
  $("totp-verify-code").focus();
}

// After a sign-in with a recovery code: how many are left, and a new authenticator app
// (which comes with new recovery codes). Not forced: a director without a phone at hand must
// still be able to act (e.g. record a consent withdrawal) today.
function offerRenewal(verified, next) {
  const left = Number(verified.recovery_codes_left) || 0;
  $("renewal-left").textContent = String(left);
  $("renewal-few").hidden = verified.renewal !== "recommended" || left === 0;
  $("renewal-none").hidden = left !== 0;
  const section = $("totp-renewal");
  section.classList.toggle("warning", verified.renewal === "recommended");
  section.hidden = false;
  const start = $("renewal-start");
  start.addEventListener("click", async () => {
    setBusy(start, true);
    const result = await post("/api/auth/totp/renew", {});
    setBusy(start, false);
    if (!result.ok) {
      failed(result);
      return;
    }
    section.hidden = true;
    hideStatus();
    showEnrolment(result.payload, "/api/auth/totp/renew/confirm", next);
  });
  $("renewal-later").addEventListener("click", () => {
    section.hidden = true;
    show(SIGNED_IN, "success");
    window.location.assign(safeNext(next));
  });
  start.focus();
}

function offerAlternatives() {
  $("ask-link").hidden = false;
  $("enter-code").hidden = false;
}

function setBusy(element, busy) {
  element.disabled = busy;
  element.setAttribute("aria-busy", busy ? "true" : "false");
}

function landing(token, staff) {
  shown.open = staff ? LABELS.staff : LABELS.guardian;
  render();
  // Staff sessions keep their own rules: no trusted device for them
  $("keep-row").hidden = staff;
  $("keep-hint").hidden = staff;
  $("open-link").hidden = false;
  $("ask-link").hidden = true;
  $("enter-code").hidden = true;
  const button = $("open-button");
  button.addEventListener("click", async () => {
    setBusy(button, true);
    const trust = !staff && $("trust-device").checked;
    const result = await post("/api/auth/session", { token, trust_device: trust });
    if (result.ok) {
      signedIn(result.payload);
      return;
    }
    $("open-link").hidden = true;
    show(result.payload.message || NETWORK_ERROR, "error");
    offerAlternatives();
  });
  button.focus();
}

function forms() {
  const linkForm = $("link-form");
  linkForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = linkForm.querySelector("button");
    setBusy(button, true);
    const email = $("link-email").value.trim();
    const result = await post("/api/auth/link", { email });
    setBusy(button, false);
    show(result.payload.message || NETWORK_ERROR, result.ok ? "success" : "error");
    if (result.ok) $("code-email").value = email;
  });
  const codeForm = $("code-form");
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = codeForm.querySelector("button");
    setBusy(button, true);
    const result = await post("/api/auth/session", {
      email: $("code-email").value.trim(),
      code: $("code").value.trim(),
      trust_device: $("trust-device-code").checked,
    });
    setBusy(button, false);
    if (result.ok) {
      signedIn(result.payload);
      return;
    }
    show(result.payload.message || NETWORK_ERROR, "error");
  });
}

// A browser kept signed in (a trusted device) goes in without a click, a digest's link too (its
// token is then left unused); a device that was just refused says why.
async function start() {
  const { token, staff } = readFragment();
  wireSwitch($("lang-switch"), EN, render);
  forms();
  const ended = endedDevice();
  if (ended) show(ended, "error");
  if (!staff && isTrustedDevice()) {
    const resumed = await resumeDevice();
    if (resumed) {
      show(SIGNED_IN, "success");
      window.location.assign(safeNext(resumed.next));
      return;
    }
    const refused = endedDevice();
    if (refused) show(refused, "error");
  }
  if (token) landing(token, staff);
}

start();
