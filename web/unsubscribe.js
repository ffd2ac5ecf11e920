// Pellicule: unsubscribe from the daily digest without signing in (docs/notifications.md).
// French first, English second.
//
// The link is /unsubscribe.html#<token>: the token rides in the fragment, which the browser
// never sends to a server. Loading the page (a person, a mail scanner, a previewer running
// this script) changes nothing: only a click on the button POSTs the token. The fragment is
// wiped from the address bar and history as soon as it is read.

import { NETWORK_MESSAGE as NETWORK_ERROR } from "/lib/api.js";
import { showBilingual } from "/lib/dom.js";

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

function show(message, kind) {
  showBilingual($("status"), message, kind);
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
