// "Mes téléchargements" (docs/web.md): what this family member downloaded, newest first, from
// GET /api/family/downloads (their own entries only). A thumbnail only while the publication
// gate still lets them see the item (the API gives none otherwise); archives by their name.
// French first, English on request: every line is drawn again on a switch.

import { ApiError, call, me, signOut } from "/lib/api.js";
import { element, showError } from "/lib/dom.js";
import { formatDate, language, t, wireSwitch } from "/lib/i18n.js";

const EN = {
  title: "My downloads — Pellicule",
  skip: "Skip to content",
  account: "Account",
  galleryLink: "My gallery",
  signOut: "Sign out",
  heading: "My downloads",
  intro: "What you downloaded from the gallery in the last 12 months, newest first. A photo you can no longer see stays in the list, without its image.",
  empty: "You have not downloaded anything yet.",
  more: "Show more",
  footer: "Private photos: do not share them without the agreement of the families concerned.",
};

const PAGE = 20;
const $ = (id) => document.getElementById(id);
const state = { entries: [], cursor: null, guardian: false, error: null };

// What an entry is, in the current language.
function entryName(entry) {
  if (entry.kind === "archive") return entry.name || t("Archive de l'album", "Album archive");
  const date = formatDate(entry.capture_date);
  const video = entry.media_kind === "video";
  const base = video ? t(date ? `Vidéo du ${date}` : "Vidéo", date ? `Video of ${date}` : "Video")
    : t(date ? `Photo du ${date}` : "Photo", date ? `Photo of ${date}` : "Photo");
  return entry.blurred ? `${base} (${t("floutée", "blurred")})` : base;
}

// When it was downloaded (the browser's time zone), in the current language.
function downloadedAt(seconds) {
  const when = new Date(seconds * 1000);
  const text = when.toLocaleString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  return t(`Téléchargé le ${text}`, `Downloaded on ${text}`);
}

function row(entry) {
  const label = entryName(entry);
  const picture = entry.thumbnail
    ? element("img", {
      src: entry.thumbnail.url, alt: "", loading: "lazy",
      width: String(entry.thumbnail.width), height: String(entry.thumbnail.height),
    })
    : element("span", {
      class: "no-image", "aria-hidden": "true",
      text: entry.kind === "archive" ? "ZIP" : t("Plus visible", "No longer shown"),
    });
  return element("li", { "data-kind": entry.kind, "data-id": entry.download_id }, [
    picture,
    element("span", {}, [
      element("span", { class: "what", text: label }),
      element("span", { class: "album", text: entry.album_title || "" }),
      element("span", { class: "when", text: downloadedAt(entry.at) }),
    ]),
  ]);
}

function render() {
  showError($("status"), state.error);
  if (!state.guardian) return;
  $("downloads").replaceChildren(...state.entries.map(row));
  $("empty").hidden = state.entries.length > 0;
  $("more").hidden = !state.cursor;
}

async function load() {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (state.cursor) query.set("cursor", state.cursor);
  const from = state.entries.length;
  try {
    const page = await call("GET", `/api/family/downloads?${query}`);
    state.entries = state.entries.concat(page.downloads);
    state.cursor = page.next_cursor;
    state.error = null;
  } catch (error) {
    state.error = error;
  }
  render();
  return from;
}

async function start() {
  wireSwitch($("lang-switch"), EN, render);
  $("sign-out").addEventListener("click", signOut);
  $("more").addEventListener("click", async () => {
    const from = await load();
    const first = $("downloads").children[from];
    if (first) first.setAttribute("tabindex", "-1");
    if (first) first.focus();
  });
  try {
    const person = await me();
    $("centre-name").textContent = person.tenant_name || "";
    if (person.kind !== "guardian") {
      state.error = new ApiError(403, {
        fr: "Cette page est celle des familles. L'espace de l'équipe est sur la page d'accueil.",
        en: "This page is the families' one. The staff space is on the home page.",
      }, "staff_only");
      render();
      return;
    }
  } catch (error) {
    state.error = error;
    render();
    return;
  }
  state.guardian = true;
  await load();
  document.body.dataset.ready = "true";
}

start();
