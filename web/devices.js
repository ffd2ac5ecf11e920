// Pellicule: "Mes appareils", the browsers a family member keeps signed in (docs/authentication.md).
//
// GET /api/auth/devices lists them (the one asking marked current); POST
// /api/auth/devices/<id>/revoke ends one and the sessions it opened, in one tap (the current
// one asks once more: it signs this browser out); "Se déconnecter partout" ends every device and
// session. Names come as codes (browser, system) and are said in the page's language.

import { call, me, signOut } from "/lib/api.js";
import { rememberDevice } from "/lib/device.js";
import { language, t, wireSwitch } from "/lib/i18n.js";

const EN = {
  title: "My devices — Pellicule",
  skip: "Skip to content",
  account: "Account",
  galleryLink: "My gallery",
  signOut: "Sign out",
  heading: "My devices",
  intro:
    "On these devices you stay signed in without a new link, until 90 days after their last use. " +
    "Remove those you no longer use or do not recognise: they will need a new link.",
  empty:
    "No trusted device. Next time you sign in, tick \u201cKeep me signed in on this device\u201d " +
    "on your personal phone.",
  everywhereTitle: "Sign out everywhere",
  everywhereExplain:
    "Ends all your sign-ins, on all your devices, this one included. Useful if you lost a phone " +
    "or lent a computer.",
  everywhere: "Sign out everywhere",
  footer: "Pellicule keeps only the name of your devices' browser and system, never your address or location.",
};

const BROWSERS = {
  chrome: "Chrome", safari: "Safari", firefox: "Firefox", edge: "Edge", opera: "Opera",
  samsung: "Samsung Internet",
};
const SYSTEMS = {
  iphone: "iPhone", ipad: "iPad", android: "Android", windows: "Windows", mac: "Mac",
  chromeos: "ChromeOS", linux: "Linux",
};

const $ = (id) => document.getElementById(id);
const state = { devices: [], message: null, confirming: null };

function name(device) {
  const browser = BROWSERS[device.browser] || t("Navigateur inconnu", "Unknown browser");
  const system = SYSTEMS[device.system] || t("appareil inconnu", "unknown device");
  return t(`${browser} sur ${system}`, `${browser} on ${system}`);
}

function day(epoch) {
  return new Date(epoch * 1000).toLocaleDateString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric",
  });
}

// The last message is kept as {fr, en} (or a function of nothing) and said again on a switch.
function show(message, kind = "") {
  state.message = message ? { message, kind } : null;
  renderStatus();
}

function renderStatus() {
  const status = $("status");
  const shown = state.message;
  status.hidden = !shown;
  status.className = shown && shown.kind ? `status ${shown.kind}` : "status";
  if (!shown) return;
  const { message } = shown;
  status.textContent = typeof message === "function" ? message() : t(message.fr, message.en);
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function card(device) {
  const title = element("h3", { id: `device-${device.id}` }, [name(device)]);
  if (device.current) title.append(element("span", { class: "badge", text: t("cet appareil", "this device") }));
  const used = element("p", { class: "muted", text: t(
    `Ajouté le ${day(device.created_at)} · utilisé le ${day(device.last_used_at)}`,
    `Added on ${day(device.created_at)} · used on ${day(device.last_used_at)}`,
  ) });
  const until = element("p", { class: "muted", text: t(
    `Reconnu jusqu'au ${day(device.expires_at)} s'il n'est plus utilisé d'ici là`,
    `Recognised until ${day(device.expires_at)} if not used again before`,
  ) });
  const actions = element("div", { class: "device-actions" });
  const remove = element("button", {
    type: "button", class: "danger", "data-device": device.id,
    "aria-describedby": `device-${device.id}`,
    text: device.current ? t("Retirer cet appareil", "Remove this device") : t("Retirer", "Remove"),
  });
  remove.addEventListener("click", () => revoke(device));
  actions.append(remove);
  if (state.confirming === device.id) {
    const question = element("p", { class: "confirm", id: `confirm-${device.id}`, tabindex: "-1", text: t(
      "Vous serez déconnecté·e de ce téléphone ou ordinateur. Continuer ?",
      "You will be signed out of this phone or computer. Continue?",
    ) });
    const yes = element("button", { type: "button", class: "danger", "data-confirm": device.id,
      text: t("Oui, retirer et me déconnecter", "Yes, remove and sign me out") });
    yes.addEventListener("click", () => revoke(device, true));
    const no = element("button", { type: "button", text: t("Non, le garder", "No, keep it") });
    no.addEventListener("click", () => { state.confirming = null; render(); remove.focus(); });
    actions.replaceChildren(question, yes, no);
  }
  return element("li", { class: device.current ? "device current" : "device" }, [title, used, until, actions]);
}

function render() {
  $("devices").replaceChildren(...state.devices.map(card));
  $("empty").hidden = state.devices.length > 0;
  renderStatus();
}

async function load() {
  const answer = await call("GET", "/api/auth/devices");
  state.devices = answer.devices;
  render();
}

async function revoke(device, confirmed = false) {
  if (device.current && !confirmed) {
    state.confirming = device.id;
    render();
    const question = $(`confirm-${device.id}`);
    if (question) question.focus();
    return;
  }
  try {
    const answer = await call("POST", `/api/auth/devices/${encodeURIComponent(device.id)}/revoke`);
    if (answer.signed_out) {
      rememberDevice(false);
      window.location.assign("/login.html");
      return;
    }
    const removed = name(device);
    show(() => t(`${removed} ne reste plus connecté.`, `${removed} no longer stays signed in.`), "success");
  } catch (error) {
    show({ fr: error.texts.fr, en: error.texts.en });
  }
  state.confirming = null;
  await load();
  $("devices-title").focus?.();
}

async function everywhere() {
  try {
    await call("POST", "/api/auth/logout-everywhere");
  } finally {
    rememberDevice(false);
    window.location.assign("/login.html");
  }
}

async function start() {
  wireSwitch($("lang-switch"), EN, render);
  $("sign-out").addEventListener("click", () => { rememberDevice(false); signOut(); });
  $("everywhere").addEventListener("click", everywhere);
  try {
    const who = await me();
    $("centre-name").textContent = who.tenant_name;
    await load();
  } catch (error) {
    if (error.code !== "signed_out") show({ fr: error.texts.fr, en: error.texts.en });
  }
}

start();
