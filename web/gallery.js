// Pellicule family gallery (docs/web.md). French first, English on request.
//
// Everything comes from the family API (/api/family/...), which applies the publication gate on
// every request: this page shows what it is given, nothing else. Media URLs are signed for a
// few minutes (the policy in each URL says until when): the album's pages are fetched again
// before the viewer shows an item whose URLs have expired or are about to, when the page comes
// back to the foreground, and when an image fails; the viewer stays on the same item.

import { rememberDevice, resumeDevice } from "/lib/device.js";
import { createViewer } from "/gallery/viewer.js";
import { albumShown, languageChanged as archiveLanguage } from "/gallery/archive.js";

const CSRF = { "x-pellicule-csrf": "1" };
const PAGE = 60;
const REFRESH_MARGIN_MS = 30 * 1000; // URLs that expire within this are fetched again first
const ERROR_REFRESH_MS = 15 * 1000; // at most one refresh per image failure burst

const EN = {
  skip: "Skip to content",
  account: "Account",
  signOut: "Sign out",
  accountMenu: "My account",
  consentsLink: "My consents",
  downloadsLink: "My downloads",
  devicesLink: "My devices",
  zoomHint: "Pinch or double-tap the photo to zoom in; + and - keys on a keyboard.",
  albumsTitle: "Albums",
  albumsEmpty: "No photos to see yet. You will get an e-mail when there are some.",
  back: "← All albums",
  more: "Show more",
  prev: "← Previous",
  next: "Next →",
  close: "Close",
  download: "Download",
  filterLabel: "Filter the photos",
  footer: "Private photos: do not share them without the agreement of the families concerned.",
};
const MESSAGES = {
  fr: {
    items: (n) => (n > 1 ? `${n} éléments` : `${n} élément`),
    // "Nouveau" marks: what was published since the family's previous visit.
    newCount: (n) => (n > 1 ? `${n} nouveaux` : `${n} nouveau`),
    newBadge: "Nouveau",
    newLabel: "nouveau",
    // How many items show the family's child (children: how many children the family has).
    mineCount: (n, children) => (children > 1 ? `${n} avec vos enfants` : `${n} avec votre enfant`),
    filterAll: (n) => `Tout (${n})`,
    filterMine: (n, children) => (children > 1 ? `Mes enfants (${n})` : `Mon enfant (${n})`),
    mineEmpty: (children) => (children > 1
      ? "Aucune photo de vos enfants dans cet album pour l'instant."
      : "Aucune photo de votre enfant dans cet album pour l'instant."),
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
    newCount: (n) => `${n} new`,
    newBadge: "New",
    newLabel: "new",
    mineCount: (n, children) => (children > 1 ? `${n} with your children` : `${n} with your child`),
    filterAll: (n) => `All (${n})`,
    filterMine: (n, children) => (children > 1 ? `My children (${n})` : `My child (${n})`),
    mineEmpty: (children) => (children > 1
      ? "No photo of your children in this album yet."
      : "No photo of your child in this album yet."),
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
  filter: "all", // "all" or "mine" (the items showing the family's children)
  counts: { all: 0, mine: 0, new: 0 }, children: 0, album: null,
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

// The status line is kept as its key in MESSAGES, so a language switch shows it again in the
// new language: showStatus("failed"), or a text of the current language (its key is found).
let statusKey = "";

function showStatus(keyOrText) {
  const texts = m();
  statusKey = !keyOrText || keyOrText in texts
    ? keyOrText
    : Object.keys(texts).find((key) => texts[key] === keyOrText) || "failed";
  renderStatus();
}

function renderStatus() {
  const status = $("status");
  status.textContent = statusKey ? m()[statusKey] : "";
  status.hidden = !statusKey;
}

async function api(path, options = {}, again = true) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...options });
  } catch {
    showStatus(m().network);
    throw new Error("network");
  }
  if (response.status === 401) {
    // The session is over: a trusted device signs in again once (lib/device.js)
    if (again && (await resumeDevice())) return api(path, options, false);
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

// An item in words: kind and date, "(floutée)", and its caption as staff wrote it (text only).
function itemLabel(item) {
  const date = formatDate(item.capture_date);
  const base = item.kind === "video" ? m().video(date) : m().photo(date);
  const label = item.blurred ? `${base} (${m().blurred})` : base;
  return item.caption ? `${label} — ${item.caption}` : label;
}

// The grid's label of an item: its words, and "nouveau" when it is new since the last visit.
function gridLabel(item) {
  return item.new ? `${itemLabel(item)}, ${m().newLabel}` : itemLabel(item);
}

// --- Albums ------------------------------------------------------------------------------

async function showAlbums() {
  $("album-view").hidden = true;
  const response = await api("/api/family/albums");
  if (!response.ok) return showStatus(m().failed);
  const { albums, children: family } = await response.json();
  const list = $("albums");
  list.replaceChildren();
  for (const album of albums) {
    const marks = [];
    if (album.new) marks.push(element("span", { class: "mark mark-new", text: m().newCount(album.new) }));
    if (album.mine) marks.push(element("span", { class: "mark mark-mine", text: m().mineCount(album.mine, family) }));
    const label = element("span", { class: "label" }, [
      element("span", { class: "title", text: album.title }),
      ...(album.caption ? [element("span", { class: "caption-text", text: album.caption })] : []),
      element("span", { class: "muted", text: `${formatDate(album.date)} · ${m().items(album.items)}` }),
      ...(marks.length ? [element("span", { class: "marks" }, marks)] : []),
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
  if (state.filter === "mine") query.set("filter", "mine");
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
        if (dialog.open) viewer.render();
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
      src: source.url, alt: gridLabel(item), loading: "lazy",
      width: String(source.width), height: String(source.height),
    });
    image.addEventListener("error", onMediaError);
    children.push(image);
  }
  if (item.kind === "video") children.push(element("span", { class: "badge", text: m().videoBadge }));
  else if (item.blurred) children.push(element("span", { class: "badge", text: m().blurred }));
  if (item.new) children.push(element("span", { class: "badge-new", "aria-hidden": "true", text: m().newBadge }));
  const button = element("button", {
    type: "button", "aria-label": gridLabel(item), "data-index": String(index), "data-media-id": item.media_id,
  }, children);
  button.addEventListener("click", () => viewer.open(index));
  return element("li", {}, [button]);
}

function renderGrid(fromIndex) {
  const grid = $("grid");
  if (fromIndex === 0) grid.replaceChildren();
  state.items.slice(fromIndex).forEach((item, offset) => grid.append(thumbnail(item, fromIndex + offset)));
  $("more").hidden = !state.cursor;
  const empty = $("grid-empty");
  empty.hidden = state.items.length > 0 || state.filter !== "mine";
  empty.textContent = m().mineEmpty(state.children);
}

// The album's header: title, caption (as text), date and how many items are new; the filter.
function renderHeader() {
  const { album, counts } = state;
  if (!album) return;
  $("album-title").textContent = album.title;
  $("album-caption").textContent = album.caption || "";
  $("album-caption").hidden = !album.caption;
  const parts = [formatDate(album.date)];
  if (counts.new) parts.push(m().newCount(counts.new));
  $("album-date").textContent = parts.join(" · ");
  $("filter").hidden = state.children < 1;
  $("filter-all").textContent = m().filterAll(counts.all);
  $("filter-mine").textContent = m().filterMine(counts.mine, state.children);
  $("filter-all").setAttribute("aria-pressed", String(state.filter === "all"));
  $("filter-mine").setAttribute("aria-pressed", String(state.filter === "mine"));
}

function takePage(page) {
  state.album = page.album;
  state.counts = page.counts;
  state.children = page.children;
  state.downloads = page.downloads;
}

async function showAlbum(albumId, filter = "all") {
  $("albums-view").hidden = true;
  state.filter = filter;
  const fetched = await fetchPage(albumId, null);
  if (!fetched) return;
  const { page } = fetched;
  state.albumId = albumId;
  state.expiresAt = fetched.expires;
  state.items = page.items;
  state.cursor = page.next_cursor;
  takePage(page);
  state.albumDate = page.album.date;
  renderHeader();
  renderGrid(0);
  albumShown(albumId, page.downloads); // the zip download bar (web/gallery/archive.js)
  $("album-view").hidden = false;
}

// "Tout" / "Mon enfant": the first page of the album under the other filter.
async function chooseFilter(filter) {
  if (!state.albumId || filter === state.filter) return;
  await showAlbum(state.albumId, filter);
  $(filter === "mine" ? "filter-mine" : "filter-all").focus();
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

// --- Viewer (web/gallery/viewer.js) -------------------------------------------------------

// The index of item ``mediaId`` once the URLs are fresh (fetched again if they expire soon);
// -1 if it is no longer shown.
async function freshIndex(mediaId) {
  if (stale()) await refreshUrls();
  return state.items.findIndex((item) => item.media_id === mediaId);
}

const viewer = createViewer({
  state,
  messages: () => m(),
  label: itemLabel,
  freshIndex,
  onMediaError,
  api,
  origin: (index) => $("grid").querySelector(`[data-index="${index}"]`),
});

// --- Start -------------------------------------------------------------------------------

async function route() {
  showStatus("");
  const match = window.location.hash.match(/^#\/album\/([A-Za-z0-9_-]{1,64})$/);
  // The same album again (a language switch): the filter stays; another album starts on "Tout".
  if (match) await showAlbum(match[1], match[1] === state.albumId ? state.filter : "all");
  else await showAlbums();
}

let guardian = false; // a signed-in family member (staff get the status line only)

// After a language switch: every visible string again (the status line kept), the grid from
// the items already read, the album list read again (its counts and dates).
function rerender() {
  renderStatus();
  if (viewer.isOpen) viewer.renderText();
  if (!guardian) return;
  if (!$("album-view").hidden) {
    renderGrid(0);
    renderHeader(); // the date, the new count and the filter's words
    archiveLanguage(); // the zip bar
  } else if (!$("albums-view").hidden) {
    showAlbums();
  }
}

async function start() {
  applyLanguage();
  $("lang-switch").addEventListener("click", () => {
    lang = lang === "en" ? "fr" : "en";
    localStorage.setItem("pellicule-lang", lang);
    applyLanguage();
    rerender();
  });
  $("sign-out").addEventListener("click", async () => {
    rememberDevice(false); // signing out ends this browser's trusted device too
    await api("/api/auth/logout", { method: "POST", headers: CSRF }, false);
    window.location.assign("/login.html");
  });
  $("more").addEventListener("click", showMore);
  $("filter-all").addEventListener("click", () => chooseFilter("all"));
  $("filter-mine").addEventListener("click", () => chooseFilter("mine"));
  const response = await api("/api/auth/me");
  if (!response.ok) return showStatus(m().failed);
  const me = await response.json();
  $("centre-name").textContent = me.tenant_name || "";
  // A guardian, or a relative they invited (issue 17: family-header.js adapts the header).
  if (me.kind !== "guardian" && me.kind !== "relative") return showStatus(m().staffOnly);
  guardian = true;
  window.addEventListener("hashchange", () => route());
  // A phone put away for a while: fresh URLs when the page comes back.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !$("album-view").hidden && state.albumId && stale()) refreshUrls();
  });
  await route();
}

start();
