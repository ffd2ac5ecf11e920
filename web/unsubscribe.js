// Pellicule: unsubscribe from the daily digest without signing in (docs/notifications.md).
// French first, English on request (one language at a time; the status line is kept as its
// message {fr, en} and shown again in the other language on a switch).
//
// The link is /unsubscribe.html#<token>: the token rides in the fragment, which the browser
// never sends to a server. Loading the page (a person, a mail scanner, a previewer running
// this script) changes nothing: only a click on the button POSTs the token. The fragment is
// wiped from the address bar and history as soon as it is read.

import { NETWORK_MESSAGE as NETWORK_ERROR } from "/lib/api.js";
import { pick, wireSwitch } from "/lib/i18n.js";

const EN = {
  title: "Unsubscribe — Pellicule",
  confirmTitle: "Daily new-photos e-mail",
  confirmText: "No longer want the e-mail announcing new photos and videos of your children? Press the button. You can still see the gallery by asking for a sign-in link.",
  stop: "Stop these e-mails",
  signIn: "Get a sign-in link",
  footer: "No trackers, no ads.",
};

const NO_TOKEN = {
  fr: "Ce lien est incomplet : ouvrez le lien « Ne plus recevoir ces e-mails » d'un e-mail récent.",
  en: "This link is incomplete: open the \"Stop these e-mails\" link of a recent e-mail.",
};
const DONE = { fr: "C'est fait.", en: "Done." };

const $ = (id) => document.getElementById(id);

function readToken() {
  let value = window.location.hash.slice(1);
  if (value.startsWith("token=")) value = value.slice("token=".length);
  if (window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return value ? decodeURIComponent(value) : null;
}

const shown = { message: null, kind: "" };

function show(message, kind) {
  shown.message = message;
  shown.kind = kind;
  render();
}

function render() {
  const status = $("status");
  if (!shown.message) return;
  status.textContent = pick(shown.message);
  status.className = `status ${shown.kind}`;
  status.hidden = false;
}

async function unsubscribe(token, button) {
  button.disabled = true;
  let result;
  try {
    const response = await fetch("/api/digest/unsubscribe", {
      method: "POST",
      headers: { "content-type": "application/json", "x-pellicule-csrf": "1" },
      body: JSON.stringify({ token }),
      credentials: "omit",
      cache: "no-store",
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch {
      payload = {};
    }
    result = { ok: response.ok, payload };
  } catch {
    result = { ok: false, payload: { message: NETWORK_ERROR } };
  }
  if (result.ok) {
    $("confirm").hidden = true;
    show(result.payload.message || DONE, "success");
  } else {
    show(result.payload.message || NETWORK_ERROR, "error");
    button.disabled = false;
  }
}

function start() {
  wireSwitch($("lang-switch"), EN, render);
  const token = readToken();
  const button = $("unsubscribe-button");
  if (!token) {
    show(NO_TOKEN, "error");
    return;
  }
  button.disabled = false;
  button.addEventListener("click", () => unsubscribe(token, button));
}

start();
