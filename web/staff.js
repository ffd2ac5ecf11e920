// Pellicule staff console, part 1: albums, upload, processing status (docs/web.md).
//
// French text lives in staff.html; English comes from EN below and t(fr, en). The upload
// machinery (presigned POST, resumable multipart) is in staff/upload.js; this module routes
// between the album list (#/) and one album (#/album/<id>) and polls the album's items while
// something is still being sent or processed.

import { ApiError, call, me, signOut } from "/lib/api.js";
import { element } from "/lib/dom.js";
import { formatDate, pick, t, wireSwitch } from "/lib/i18n.js";
import { wireCaption } from "/staff/caption.js";
import { Uploader } from "/staff/upload.js";

const EN = {
  skip: "Skip to content",
  nav: "Staff space",
  navAlbums: "Albums",
  navReview: "Review",
  navPeople: "People",
  navAudit: "Log",
  navSettings: "Settings",
  signOut: "Sign out",
  guardianTitle: "Staff only",
  guardianText: "This page is for the centre's animators and management. Your photos are in your gallery.",
  guardianLink: "Open my gallery",
  albumsTitle: "Albums",
  createTitle: "New album",
  titleLabel: "Title",
  dateLabel: "Date",
  groupLabel: "Group (optional)",
  groupNone: "Whole centre",
  createButton: "Create the album",
  albumsEmpty: "No album yet: create the first one above.",
  back: "← All albums",
  uploadTitle: "Add photos and videos",
  dropMain: "Choose photos or videos",
  dropHelp: "Several files at once; on a computer you can also drag them here.",
  camera: "Take a photo",
  uploadsLabel: "Uploads",
  itemsTitle: "In this album",
  itemsEmpty: "Nothing in this album yet.",
  captionLabel: "Album caption",
  captionHelp: "Families see it under the title; 300 characters at most, no child's surname.",
  captionSave: "Save the caption",
  captionConfirm: "Save anyway",
  footer: "Photos of children: families see them only after review, according to the consents.",
};

// Item states in plain words (docs/media-pipeline.md).
const STATES = {
  uploading: ["En cours d'envoi", "Uploading"],
  processing: ["En traitement", "Processing"],
  ready: ["Prête, à valider", "Ready, awaiting review"],
  published: ["Publiée", "Published"],
  hidden: ["Masquée", "Hidden"],
  rejected: ["Refusée", "Rejected"],
  failed: ["Échec", "Failed"],
};
const BUSY = new Set(["uploading", "processing"]);
const REVIEWABLE = new Set(["ready", "published", "hidden"]);
const POLL_MS = 3000;

const $ = (id) => document.getElementById(id);
const view = { albums: [], groups: [], album: null, items: [], timer: null, generation: 0, imageRefresh: 0 };

function showStatus(text) {
  $("status").textContent = text || "";
}

function errorText(error) {
  if (error instanceof ApiError) return error.message;
  return t("Une erreur est survenue. Réessayez dans un instant.", "Something went wrong. Try again in a moment.");
}

function setTitle() {
  const name = view.album && !$("album-view").hidden ? view.album.title : t("Albums", "Albums");
  document.title = `${name} — Pellicule`;
}

// --- Album list and creation ---------------------------------------------------------------

function groupName(groupId) {
  const group = view.groups.find((g) => g.group_id === groupId);
  return group ? group.name : "";
}

function renderAlbums() {
  const list = $("albums");
  list.replaceChildren();
  for (const album of view.albums) {
    const meta = [formatDate(album.date), groupName(album.group_id) || t("Tout le centre", "Whole centre")];
    list.append(element("li", {}, [
      element("a", { href: `#/album/${album.album_id}`, "data-album-id": album.album_id }, [
        element("span", { class: "title", text: album.title }),
        element("span", { class: "muted", text: meta.join(" · ") }),
      ]),
    ]));
  }
  $("albums-empty").hidden = view.albums.length > 0;
}

function renderGroups() {
  const select = $("album-group-input");
  const chosen = select.value;
  for (const option of [...select.options].slice(1)) option.remove();
  for (const group of view.groups) {
    select.append(element("option", { value: group.group_id, text: group.name }));
  }
  select.value = chosen;
}

async function loadAlbums() {
  const [albums, groups] = await Promise.all([
    call("GET", "/api/admin/albums"),
    call("GET", "/api/admin/groups").catch(() => ({ groups: [] })),
  ]);
  view.albums = albums.albums.filter((a) => !a.archived);
  view.groups = (groups.groups || []).filter((g) => !g.archived)
    .sort((a, b) => a.name.localeCompare(b.name, "fr"));
  renderGroups();
  renderAlbums();
}

async function showAlbums() {
  stopPolling();
  $("album-view").hidden = true;
  $("albums-view").hidden = false;
  setTitle();
  await loadAlbums();
}

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

async function createAlbum(event) {
  event.preventDefault();
  const title = $("album-title-input");
  const date = $("album-date-input");
  const error = $("create-error");
  error.textContent = "";
  for (const input of [title, date]) input.removeAttribute("aria-invalid");
  if (!title.value.trim()) {
    title.setAttribute("aria-invalid", "true");
    error.textContent = t("Indiquez un titre.", "Enter a title.");
    return title.focus();
  }
  if (!date.value) {
    date.setAttribute("aria-invalid", "true");
    error.textContent = t("Indiquez la date de l'album.", "Enter the album's date.");
    return date.focus();
  }
  const body = { title: title.value.trim(), date: date.value };
  if ($("album-group-input").value) body.group_id = $("album-group-input").value;
  const submit = event.target.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const album = await call("POST", "/api/admin/albums", { body });
    title.value = "";
    view.albums = [album, ...view.albums.filter((a) => a.album_id !== album.album_id)];
    renderAlbums();
    window.location.hash = `#/album/${album.album_id}`;
  } catch (failure) {
    error.textContent = errorText(failure);
  } finally {
    submit.disabled = false;
  }
}

// --- One album: items and their processing state -------------------------------------------

function stateLabel(item) {
  const [fr, en] = STATES[item.state] || [item.state, item.state];
  return t(fr, en);
}

function itemCard(item) {
  const kind = item.kind === "video" ? t("Vidéo", "Video") : t("Photo", "Photo");
  const children = [];
  const source = item.renditions && (item.renditions.thumb || item.renditions.poster);
  if (source) {
    const image = element("img", {
      src: source.url, alt: "", loading: "lazy", width: String(source.width), height: String(source.height),
    });
    image.addEventListener("error", expiredImage, { once: true });
    children.push(image);
  } else {
    children.push(element("span", { class: "placeholder", "aria-hidden": "true", text: kind }));
  }
  const caption = [element("span", { class: "kind", text: kind }), element("span", { class: "state", text: stateLabel(item) })];
  if (item.state === "failed") {
    caption.push(element("span", {
      class: "reason",
      text: item.failure_reason ? pick(item.failure_reason.message) : t("Raison inconnue.", "Unknown reason."),
    }));
  } else if (item.state === "rejected" && item.rejection_reason) {
    caption.push(element("span", { class: "reason", text: item.rejection_reason })); // as the director wrote it
  }
  if (REVIEWABLE.has(item.state)) {
    // Tagging, blurring and the decision (publishing a hidden item again) are on the review page.
    caption.push(element("a", {
      class: "open",
      href: `/review.html#/media/${encodeURIComponent(item.media_id)}`,
      text: item.state === "hidden" ? t("Ouvrir pour republier", "Open to publish again") : t("Ouvrir", "Open"),
    }));
  }
  return element("li", { "data-media-id": item.media_id, "data-state": item.state, class: `item state-${item.state}` }, [
    element("figure", {}, [...children, element("figcaption", {}, caption)]),
  ]);
}

// Signed URLs change at every read: an item whose state did not change keeps its card (and
// its loaded thumbnail) instead of downloading it again at every poll.
// An image that fails most likely carries an expired signature: read the album again, with
// fresh URLs, at most once every half minute.
function expiredImage() {
  if (Date.now() - view.imageRefresh < 30000) return;
  view.imageRefresh = Date.now();
  refreshItems({ all: true });
}

function renderItems({ all = false } = {}) {
  const list = $("items");
  const kept = new Map();
  if (!all) for (const node of list.children) kept.set(`${node.dataset.mediaId}:${node.dataset.state}`, node);
  list.replaceChildren(...view.items.map((item) => kept.get(`${item.media_id}:${item.state}`) || itemCard(item)));
  $("items-empty").hidden = view.items.length > 0;
  const count = (state) => view.items.filter((i) => i.state === state).length;
  const busy = view.items.filter((i) => BUSY.has(i.state)).length;
  const parts = [];
  if (view.items.length) parts.push(t(`${view.items.length} élément(s)`, `${view.items.length} item(s)`));
  if (busy) parts.push(t(`${busy} en cours de traitement`, `${busy} being processed`));
  if (count("failed")) parts.push(t(`${count("failed")} en échec`, `${count("failed")} failed`));
  $("items-summary").textContent = parts.join(" · ");
}

async function refreshItems({ all = false } = {}) {
  if (!view.album) return;
  const generation = view.generation;
  try {
    const page = await call("GET", `/api/gallery/albums/${encodeURIComponent(view.album.album_id)}`);
    if (generation !== view.generation) return;
    view.items = page.items;
    renderItems({ all });
  } catch (failure) {
    if (generation === view.generation) showStatus(errorText(failure));
  }
  schedulePoll();
}

function stopPolling() {
  clearTimeout(view.timer);
  view.timer = null;
}

// Poll while something is still on its way: an upload in flight or an item not yet settled.
function schedulePoll() {
  stopPolling();
  if (!view.album || $("album-view").hidden) return;
  if (uploader.active() || view.items.some((i) => BUSY.has(i.state))) {
    view.timer = setTimeout(() => refreshItems(), POLL_MS);
  }
}

async function showAlbum(albumId) {
  stopPolling();
  view.generation += 1;
  const generation = view.generation;
  let page;
  try {
    page = await call("GET", `/api/gallery/albums/${encodeURIComponent(albumId)}`);
  } catch (failure) {
    showStatus(failure instanceof ApiError && failure.status === 404
      ? t("Cet album n'existe pas ou plus.", "This album does not exist (any more).")
      : errorText(failure));
    return showAlbums();
  }
  if (generation !== view.generation) return;
  if (!view.albums.length) await loadAlbums().catch(() => {});
  const known = view.albums.find((a) => a.album_id === albumId) || {};
  view.album = { ...page.album, group_id: known.group_id, caption: known.caption || null };
  view.items = page.items;
  $("albums-view").hidden = true;
  $("album-title").textContent = view.album.title;
  albumCaption.set(view.album.caption);
  renderAlbumMeta();
  renderItems({ all: true });
  uploader.open(albumId);
  $("album-view").hidden = false;
  setTitle();
  $("album-title").focus();
  schedulePoll();
}

function renderAlbumMeta() {
  if (!view.album) return;
  const group = groupName(view.album.group_id) || t("Tout le centre", "Whole centre");
  $("album-meta").textContent = `${formatDate(view.album.date)} · ${group}`;
}

// --- Start ---------------------------------------------------------------------------------

// The album's caption (PUT /api/admin/albums/<id>/caption), with the full-name warning.
const albumCaption = wireCaption(
  {
    form: $("caption-form"),
    input: $("caption-input"),
    warning: $("caption-warning"),
    confirm: $("caption-confirm"),
    error: $("caption-error"),
    status: $("caption-status"),
  },
  () => (view.album ? `/api/admin/albums/${encodeURIComponent(view.album.album_id)}/caption` : null),
  (album) => {
    view.album.caption = album.caption;
    const known = view.albums.find((a) => a.album_id === album.album_id);
    if (known) known.caption = album.caption;
  },
);

const uploader = new Uploader({
  list: $("uploads"),
  live: $("upload-status"),
  resumeHint: $("resume-hint"),
  summary: $("upload-queue"),
  onChange: () => schedulePoll(),
  onSent: () => refreshItems(),
});

function wireUpload() {
  const picker = $("file-input");
  const camera = $("camera-input");
  const zone = $("drop-zone");
  zone.addEventListener("click", () => picker.click());
  $("camera-button").addEventListener("click", () => camera.click());
  for (const input of [picker, camera]) {
    input.addEventListener("change", () => {
      uploader.add([...input.files]);
      input.value = "";
    });
  }
  const over = (event) => {
    if (!event.dataTransfer || ![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) uploader.add([...event.dataTransfer.files]);
  });
  // A file dropped beside the zone must not replace the page.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
}

async function route() {
  showStatus("");
  const match = window.location.hash.match(/^#\/album\/([A-Za-z0-9_-]{1,64})$/);
  try {
    if (match) await showAlbum(match[1]);
    else {
      view.album = null;
      await showAlbums();
    }
  } catch (failure) {
    showStatus(errorText(failure));
  }
}

function rerender() {
  setTitle();
  renderAlbums();
  renderItems({ all: true });
  renderAlbumMeta();
  uploader.render();
}

async function start() {
  wireSwitch($("lang-switch"), EN, rerender);
  $("sign-out").addEventListener("click", () => signOut());
  $("create-album").addEventListener("submit", createAlbum);
  $("album-date-input").value = today();
  wireUpload();
  let who;
  try {
    who = await me();
  } catch (failure) {
    return showStatus(errorText(failure));
  }
  $("centre-name").textContent = who.tenant_name || "";
  if (who.kind !== "staff") {
    $("guardian-view").hidden = false;
    for (const id of ["nav-home", "nav-albums", "nav-review", "nav-people", "nav-audit", "nav-settings"]) {
      $(id).hidden = true;
    }
    return;
  }
  // The director's home is the directors' (the API refuses anyone else).
  $("nav-home").hidden = who.role !== "director";
  uploader.restore(who.principal_id);
  window.addEventListener("hashchange", route);
  await route();
}

start();
