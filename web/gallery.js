// Pellicule family gallery (docs/web.md). French first, English on request.
//
// Everything comes from the family API (/api/family/...), which applies the publication gate on
// every request: this page shows what it is given, nothing else. Media URLs are signed for a
// few minutes; when one has expired (an image fails), the view is fetched again once.

const CSRF = { "x-pellicule-csrf": "1" };
const PAGE = 60;

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

const state = { albumId: null, items: [], cursor: null, downloads: false, index: -1, retried: false };

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
      children.push(element("img", {
        src: album.cover.url, alt: "", loading: "lazy",
        width: String(album.cover.width), height: String(album.cover.height),
      }));
    }
    children.push(label);
    list.append(element("li", {}, [element("a", { href: `#/album/${album.album_id}` }, children)]));
  }
  $("albums-empty").hidden = albums.length > 0;
  $("albums-view").hidden = false;
}

// --- One album ---------------------------------------------------------------------------

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
  return response.json();
}

function thumbnail(item, index) {
  const source = item.renditions.thumb || item.renditions.poster || item.renditions.web;
  const children = [];
  if (source) {
    const image = element("img", {
      src: source.url, alt: itemLabel(item), loading: "lazy",
      width: String(source.width), height: String(source.height),
    });
    image.addEventListener("error", refreshOnce);
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
  const page = await fetchPage(albumId, null);
  if (!page) return;
  state.albumId = albumId;
  state.items = page.items;
  state.cursor = page.next_cursor;
  state.downloads = page.downloads;
  $("album-title").textContent = page.album.title;
  $("album-date").textContent = formatDate(page.album.date);
  renderGrid(0);
  $("album-view").hidden = false;
}

async function showMore() {
  if (!state.cursor) return;
  const page = await fetchPage(state.albumId, state.cursor);
  if (!page) return;
  const from = state.items.length;
  state.items = state.items.concat(page.items);
  state.cursor = page.next_cursor;
  renderGrid(from);
  const first = $("grid").querySelector(`[data-index="${from}"]`);
  if (first) first.focus();
}

// Signed URLs last a few minutes: an image that fails is most likely an expired one.
function refreshOnce() {
  if (state.retried) return;
  state.retried = true;
  route();
}

// --- Lightbox ----------------------------------------------------------------------------

function renderLightbox() {
  const item = state.items[state.index];
  const stage = $("stage");
  stage.replaceChildren();
  if (item.kind === "video" && item.renditions.video) {
    const video = element("video", { controls: "", preload: "metadata", playsinline: "" });
    if (item.renditions.poster) video.poster = item.renditions.poster.url;
    video.append(element("source", { src: item.renditions.video.url, type: item.renditions.video.type }));
    stage.append(video);
  } else {
    const web = item.renditions.web || item.renditions.thumb;
    const image = element("img", { src: web.url, alt: itemLabel(item) });
    image.addEventListener("error", refreshOnce);
    stage.append(image);
  }
  $("lightbox-title").textContent = itemLabel(item);
  $("lightbox-caption").textContent =
    `${itemLabel(item)} — ${m().position(state.index + 1, state.items.length)}`;
  $("prev").disabled = state.index === 0;
  $("next").disabled = state.index === state.items.length - 1;
  $("download").hidden = !state.downloads;
}

function openLightbox(index) {
  state.index = index;
  renderLightbox();
  const dialog = $("lightbox");
  if (!dialog.open) dialog.showModal();
  $("close").focus();
}

function step(delta) {
  const target = state.index + delta;
  if (target < 0 || target >= state.items.length) return;
  state.index = target;
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
  $("close").addEventListener("click", () => dialog.close());
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
  window.addEventListener("hashchange", () => { state.retried = false; route(); });
  await route();
}

start();
