// Pellicule: a child's souvenir pack, from the e-mail sent when the child left the centre
// (docs/notifications.md, "When a child leaves: a souvenir pack"). No session: the family's
// access to the child has ended; the e-mail's token proves whose pack it is.
// French first, English on request (one language at a time; the status line is kept as its
// message {fr, en} and shown again in the other language on a switch).
//
// The link is /souvenir.html#token=<token>: the token rides in the fragment, which the browser
// never sends to a server. Loading the page (a person, a mail scanner, a previewer running
// this script) asks for nothing: only a tap on the button POSTs the token, and the answer's
// short-lived link (signed for that one zip) starts the download. The fragment is wiped from
// the address bar and history as soon as it is read.

import { NETWORK_MESSAGE as NETWORK_ERROR } from "/lib/api.js";
import { pick, wireSwitch } from "/lib/i18n.js";

const EN = {
  title: "Souvenir — Pellicule",
  packTitle: "A souvenir of your photos",
  packText: "An archive (zip) of the photos and videos of your child you could see on Pellicule was prepared for you. Press the button to download it.",
  download: "Download the souvenir (zip)",
  footer: "No trackers, no ads.",
};

const NO_TOKEN = {
  fr: "Ce lien est incomplet : ouvrez le lien « Télécharger le souvenir » de l'e-mail.",
  en: "This link is incomplete: open the \"Download the souvenir\" link of the e-mail.",
};
const PREPARING = {
  fr: "Votre archive est en préparation. Réessayez dans quelques minutes.",
  en: "Your archive is being prepared. Try again in a few minutes.",
};
const STARTED = {
  fr: "Le téléchargement commence ({items}).",
  en: "The download is starting ({items}).",
};

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

function itemsText(count) {
  return {
    fr: `${count} ${count > 1 ? "fichiers" : "fichier"}`,
    en: `${count} ${count > 1 ? "files" : "file"}`,
  };
}

function started(count) {
  const items = itemsText(count);
  return {
    fr: STARTED.fr.replace("{items}", items.fr),
    en: STARTED.en.replace("{items}", items.en),
  };
}

async function ask(token) {
  try {
    const response = await fetch("/api/family/souvenir", {
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
    return { ok: response.ok, payload };
  } catch {
    return { ok: false, payload: { message: NETWORK_ERROR } };
  }
}

async function download(token, button) {
  button.disabled = true;
  const { ok, payload } = await ask(token);
  if (ok && payload.status === "ready" && payload.url) {
    show(started(payload.written ?? payload.items), "success");
    // The zip answers with Content-Disposition: attachment (its readable name): the page stays.
    window.location.assign(payload.url);
    button.disabled = false;
    return;
  }
  if (ok && payload.status === "failed") {
    show(payload.failure_message || NETWORK_ERROR, "error");
    return;
  }
  if (ok) {
    show(PREPARING, "");
  } else {
    show(payload.message || NETWORK_ERROR, "error");
  }
  button.disabled = false;
}

function start() {
  wireSwitch($("lang-switch"), EN, render);
  const token = readToken();
  const button = $("download-button");
  if (!token) {
    show(NO_TOKEN, "error");
    return;
  }
  button.disabled = false;
  button.addEventListener("click", () => download(token, button));
}

start();
