// Pellicule family gallery (docs/web.md). French first, English on request.
//
// Everything comes from the family API (/api/family/...), which applies the publication gate on
// every request: this page shows what it is given, nothing else. Media URLs are signed for a
// few minutes (the policy in each URL says until when): the album's pages are fetched again
// before the viewer shows an item whose URLs have expired or are about to, when the page comes
// back to the foreground, and when an image fails; the viewer stays on the same item.

import { albumShown } from "/gallery/archive.js";

const CSRF = { "x-pellicule-csrf": "1" };
const PAGE = 60;
const REFRESH_MARGIN_MS = 30 * 1000; // URLs that expire within this are fetched again first
const ERROR_REFRESH_MS = 15 * 1000; // at most one refresh per image failure burst

const EN = {
  skip: "Skip to content",
  account: "Account",
  signOut: "Sign out",
  consentsLink: "My consents",
  albumsTitle: "Albums",
  albumsEmpty: "No photos to see yet. You will get an e-mail when there are some.",
  back: "← All albums",
  more: "Show more",
  prev: "← Previous",
  next: "Next →",
  close: "Close",
  download: "Download",
  footer: "Private photos: do not share them without the agreement of the families concerned.",
};
const MESSAGES = {
  fr: {
    items: (n) => (n > 1 ? `${n} éléments` : `${n} élément`),
    photo: (date) => (date ? `Photo du ${date}` : "Photo"),
    video: (date) => (date ? `Vidéo du ${date}` : "Vidéo"),
    blurred: "floutée",
    videoBadge: "Vidéo",
    position: (i, n) => `${i} sur ${n}`,
    network: "Le service ne répond pas : vérifiez votre connexion puis réessayez.",
    notFound: "Cet album n'est plus disponible.",
    staffOnly: "Cette page est celle des familles. L'espace de l'équipe est sur la page d'accueil.",
    failed: "Une erreur est survenue. Réessayez dans un instant.",
    title: "Ma galerie — Pellicule",
  },
  en: {
    items: (n) => (n > 1 ? `${n} items` : `${n} item`),
    photo: (date) => (date ? `Photo of ${date}` : "Photo"),
    video: (date) => (date ? `Video of ${date}` : "Video"),
    blurred: "blurred",
    videoBadge: "Video",
    position: (i, n) => `${i} of ${n}`,
    network: "The service does not answer: check your connection and try again.",
    notFound: "This album is no longer available.",
    staffOnly: "This page is the families' one. The staff space is on the home page.",
    failed: "Something went wrong. Try again in a moment.",
    title: "My gallery — Pellicule",
  },
};

const $ = (id) => document.getElementById(id);
const french = {};
let lang = localStorage.getItem("pellicule-lang") === "en" ? "en" : "fr";
const m = () => MESSAGES[lang];

const state = {
  albumId: null, items: [], cursor: null, downloads: false, index: -1,
  expiresAt: Infinity, // browser time (ms) when the first of the album's signed URLs expires
  refreshing: null, // the refresh under way (a promise), if any
  lastErrorRefresh: 0,
};

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = m().title;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const key = node.dataset.i18n;
    if (!(key in french)) french[key] = node.textContent;
    node.textContent = lang === "en" ? EN[key] : french[key];
  }
  for (const node of document.querySelectorAll("[data-i18n-aria]")) {
    const key = node.dataset.i18nAria;
    if (!(`aria:${key}` in french)) french[`aria:${key}`] = node.getAttribute("aria-label");
    node.setAttribute("aria-label", lang === "en" ? EN[key] : french[`aria:${key}`]);
  }
  const button = $("lang-switch");
  button.textContent = lang === "en" ? "Français" : "English";
  button.lang = lang === "en" ? "fr" : "en";
  button.setAttribute("aria-label", lang === "en" ? "Passer en français" : "Switch to English");
}

function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(`${iso}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(lang === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  });
}

function showStatus(text) {
  const status = $("status");
  status.textContent = text;
  status.hidden = !text;
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...options });
  } catch {
    showStatus(m().network);
    throw new Error("network");
  }
  if (response.status === 401) {
    window.location.assign("/login.html");
    throw new Error("signed out");
  }
  return response;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function itemLabel(item) {
  const date = formatDate(item.capture_date);
  const base = item.kind === "video" ? m().video(date) : m().photo(date);
  return item.blurred ? `${base} (${m().blurred})` : base;
}

// --- Albums ------------------------------------------------------------------------------

async function showAlbums() {
  $("album-view").hidden = true;
  const response = await api("/api/family/albums");
  if (!response.ok) return showStatus(m().failed);
  const { albums } = await response.json();
  const list = $("albums");
  list.replaceChildren();
  for (const album of albums) {
    const label = element("span", { class: "label" }, [
      element("span", { class: "title", text: album.title }),
      element("span", { class: "muted", text: `${formatDate(album.date)} · ${m().items(album.items)}` }),
    ]);
    const children = [];
    if (album.cover) {
      const cover = element("img", {
        src: album.cover.url, alt: "", loading: "lazy",
        width: String(album.cover.width), height: String(album.cover.height),
      });
      cover.addEventListener("error", () => { if (errorRefreshAllowed()) showAlbums(); });
      children.push(cover);
    }
    children.push(label);
    list.append(element("li", {}, [element("a", { href: `#/album/${album.album_id}` }, children)]));
  }
  $("albums-empty").hidden = albums.length > 0;
  $("albums-view").hidden = false;
}

// --- One album ---------------------------------------------------------------------------

// One page of the album and when its signed URLs expire (browser time, ms), or null.
async function fetchPage(albumId, cursor) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (cursor) query.set("cursor", cursor);
  const response = await api(`/api/family/albums/${encodeURIComponent(albumId)}?${query}`);
  if (response.status === 404) {
    showStatus(m().notFound);
    return null;
  }
  if (!response.ok) {
    showStatus(m().failed);
    return null;
  }
  const page = await response.json();
  return { page, expires: expiresAt(page.items, response.headers.get("Date")) };
}

// --- Signed URLs -------------------------------------------------------------------------

// The DateLessThan of a signed URL's policy (CloudFront's URL-safe base64), in seconds.
function policyExpiry(url) {
  try {
    const params = new URL(url, window.location.href).searchParams;
    if (params.has("Expires")) return Number(params.get("Expires"));
    const policy = params.get("Policy");
    if (!policy) return Infinity;
    const json = JSON.parse(atob(policy.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/")));
    return Number(json.Statement[0].Condition.DateLessThan["AWS:EpochTime"]) || Infinity;
  } catch {
    return Infinity;
  }
}

// When the first URL of ``items`` expires, in browser time: the server's clock (its Date
// header) may differ from the phone's.
function expiresAt(items, serverDate) {
  let earliest = Infinity;
  for (const item of items) {
    for (const rendition of Object.values(item.renditions || {})) {
      if (rendition && rendition.url) earliest = Math.min(earliest, policyExpiry(rendition.url));
    }
  }
  if (!Number.isFinite(earliest)) return Infinity;
  const server = Date.parse(serverDate || "");
  const skew = Number.isNaN(server) ? 0 : Date.now() - server;
  return earliest * 1000 + skew;
}

function stale() {
  return Date.now() > state.expiresAt - REFRESH_MARGIN_MS;
}

function errorRefreshAllowed() {
  if (Date.now() - state.lastErrorRefresh < ERROR_REFRESH_MS) return false;
  state.lastErrorRefresh = Date.now();
  return true;
}

// Fetch again every page of the album shown so far (fresh signed URLs), redraw the grid and,
// if the viewer is open, show the same item again. Resolves to false if the album is gone.
function refreshUrls() {
  if (state.refreshing) return state.refreshing;
  state.refreshing = (async () => {
    const albumId = state.albumId;
    const wanted = state.items.length;
    let items = [];
    let cursor = null;
    let expires = Infinity;
    do {
      const fetched = await fetchPage(albumId, cursor);
      if (!fetched) return false;
      items = items.concat(fetched.page.items);
      cursor = fetched.page.next_cursor;
      expires = Math.min(expires, fetched.expires);
    } while (cursor && items.length < wanted);
    if (albumId !== state.albumId) return false;
    const shown = state.items[state.index];
    const focused = document.activeElement && document.activeElement.closest("#grid button");
    const focusedId = focused ? focused.dataset.mediaId : null;
    state.items = items;
    state.cursor = cursor;
    state.expiresAt = expires;
    renderGrid(0);
    if (focusedId) {
      const again = $("grid").querySelector(`button[data-media-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
    if (shown) {
      const at = items.findIndex((item) => item.media_id === shown.media_id);
      const dialog = $("lightbox");
      if (at >= 0) {
        state.index = at;
        if (dialog.open) renderLightbox();
      } else if (dialog.open) {
        dialog.close(); // no longer shown to this family (a consent changed meanwhile)
      }
    }
    return true;
  })().finally(() => { state.refreshing = null; });
  return state.refreshing;
}

function onMediaError() {
  if (state.albumId && errorRefreshAllowed()) refreshUrls();
}

function thumbnail(item, index) {
  const source = item.renditions.thumb || item.renditions.poster || item.renditions.web;
  const children = [];
  if (source) {
    const image = element("img", {
      src: source.url, alt: itemLabel(item), loading: "lazy",
      width: String(source.width), height: String(source.height),
    });
    image.addEventListener("error", onMediaError);
    children.push(image);
  }
  if (item.kind === "video") children.push(element("span", { class: "badge", text: m().videoBadge }));
  else if (item.blurred) children.push(element("span", { class: "badge", text: m().blurred }));
  const button = element("button", {
    type: "button", "aria-label": itemLabel(item), "data-index": String(index), "data-media-id": item.media_id,
  }, children);
  button.addEventListener("click", () => openLightbox(index));
  return element("li", {}, [button]);
}

function renderGrid(fromIndex) {
  const grid = $("grid");
  if (fromIndex === 0) grid.replaceChildren();
  state.items.slice(fromIndex).forEach((item, offset) => grid.append(thumbnail(item, fromIndex + offset)));
  $("more").hidden = !state.cursor;
}

async function showAlbum(albumId) {
  $("albums-view").hidden = true;
  const fetched = await fetchPage(albumId, null);
  if (!fetched) return;
  const { page } = fetched;
  state.albumId = albumId;
  state.expiresAt = fetched.expires;
  state.items = page.items;
  state.cursor = page.next_cursor;
  state.downloads = page.downloads;
  $("album-title").textContent = page.album.title;
  $("album-date").textContent = formatDate(page.album.date);
  renderGrid(0);
  albumShown(albumId, page.downloads); // the zip download bar (web/gallery/archive.js)
  $("album-view").hidden = false;
}

async function showMore() {
  if (!state.cursor) return;
  if (stale() && !(await refreshUrls())) return;
  if (!state.cursor) return;
  const fetched = await fetchPage(state.albumId, state.cursor);
  if (!fetched) return;
  const { page } = fetched;
  state.expiresAt = Math.min(state.expiresAt, fetched.expires);
  const from = state.items.length;
  state.items = state.items.concat(page.items);
  state.cursor = page.next_cursor;
  renderGrid(from);
  const first = $("grid").querySelector(`[data-index="${from}"]`);
  if (first) first.focus();
}

// --- Lightbox ----------------------------------------------------------------------------

function renderLightbox() {
  const item = state.items[state.index];
  const stage = $("stage");
  stage.replaceChildren();
  if (item.kind === "video" && item.renditions.video) {
    const video = element("video", { controls: "", preload: "metadata", playsinline: "" });
    if (item.renditions.poster) video.poster = item.renditions.poster.url;
    const source = element("source", { src: item.renditions.video.url, type: item.renditions.video.type });
    source.addEventListener("error", onMediaError);
    video.append(source);
    stage.append(video);
  } else {
    const web = item.renditions.web || item.renditions.thumb;
    const image = element("img", { src: web.url, alt: itemLabel(item) });
    image.addEventListener("error", onMediaError);
    stage.append(image);
  }
  $("lightbox-title").textContent = itemLabel(item);
  $("lightbox-caption").textContent =
    `${itemLabel(item)} — ${m().position(state.index + 1, state.items.length)}`;
  $("prev").disabled = state.index === 0;
  $("next").disabled = state.index === state.items.length - 1;
  $("download").hidden = !state.downloads;
}

// The index of item ``mediaId`` once the URLs are fresh (fetched again if they expire soon);
// -1 if it is no longer shown.
async function freshIndex(mediaId) {
  if (stale()) await refreshUrls();
  return state.items.findIndex((item) => item.media_id === mediaId);
}

async function openLightbox(index) {
  const at = await freshIndex(state.items[index].media_id);
  if (at < 0) return;
  state.index = at;
  renderLightbox();
  const dialog = $("lightbox");
  if (!dialog.open) dialog.showModal();
  $("close").focus();
}

async function step(delta) {
  const target = state.items[state.index + delta];
  if (!target) return;
  const at = await freshIndex(target.media_id);
  if (at < 0) return;
  state.index = at;
  renderLightbox();
}

async function download() {
  const item = state.items[state.index];
  const response = await api(`/api/family/media/${encodeURIComponent(item.media_id)}/download`);
  if (!response.ok) return showStatus(m().failed);
  const { url } = await response.json();
  const link = element("a", { href: url, download: "" });
  document.body.append(link);
  link.click();
  link.remove();
}

function wireLightbox() {
  const dialog = $("lightbox");
  $("prev").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
  // Close and give focus back to the item shown at once: the browser would first restore it to the
  // thumbnail that opened the viewer, and only the close event (a task later) would move it on.
  const closeViewer = () => {
    dialog.close();
    const origin = $("grid").querySelector(`[data-index="${state.index}"]`);
    if (origin) origin.focus();
  };
  $("close").addEventListener("click", closeViewer);
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); closeViewer(); });
  $("download").addEventListener("click", download);
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") step(-1);
    else if (event.key === "ArrowRight") step(1);
  });
  dialog.addEventListener("close", () => {
    $("stage").replaceChildren();
    const origin = $("grid").querySelector(`[data-index="${state.index}"]`);
    if (origin) origin.focus();
  });
  let startX = null;
  $("stage").addEventListener("pointerdown", (event) => { startX = event.clientX; });
  $("stage").addEventListener("pointerup", (event) => {
    if (startX === null) return;
    const dx = event.clientX - startX;
    startX = null;
    if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);
  });
}

// --- Start -------------------------------------------------------------------------------

async function route() {
  showStatus("");
  const match = window.location.hash.match(/^#\/album\/([A-Za-z0-9_-]{1,64})$/);
  if (match) await showAlbum(match[1]);
  else await showAlbums();
}

async function start() {
  applyLanguage();
  $("lang-switch").addEventListener("click", () => {
    lang = lang === "en" ? "fr" : "en";
    localStorage.setItem("pellicule-lang", lang);
    applyLanguage();
    route();
  });
  $("sign-out").addEventListener("click", async () => {
    await api("/api/auth/logout", { method: "POST", headers: CSRF });
    window.location.assign("/login.html");
  });
  $("more").addEventListener("click", showMore);
  wireLightbox();
  const response = await api("/api/auth/me");
  if (!response.ok) return showStatus(m().failed);
  const me = await response.json();
  $("centre-name").textContent = me.tenant_name || "";
  if (me.kind !== "guardian") return showStatus(m().staffOnly);
  window.addEventListener("hashchange", () => route());
  // A phone put away for a while: fresh URLs when the page comes back.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !$("album-view").hidden && state.albumId && stale()) refreshUrls();
  });
  await route();
}

start();
