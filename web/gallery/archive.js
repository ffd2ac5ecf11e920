// Album archives in the family gallery (docs/delivery.md, "Album archives"): download the whole
// album, or a selection of it, as one zip. The server builds the zip in the background with
// what the publication gate allows (blurred items as the family sees them); this module asks
// for it, shows its progress while polling, then starts the download. Hidden where the centre
// does not allow downloads. gallery.js calls albumShown() each time it shows an album.

const CSRF = { "x-pellicule-csrf": "1", "content-type": "application/json" };
const POLL_FIRST_MS = 800;
const POLL_MAX_MS = 3000;
const POLL_GIVE_UP_MS = 15 * 60 * 1000;

const TEXT = {
  fr: {
    album: "Télécharger l'album (zip)",
    select: "Sélectionner",
    selection: (n) => `Télécharger la sélection (${n})`,
    cancel: "Annuler",
    choose: (label) => `Choisir : ${label}`,
    hint: "Touchez les photos à télécharger.",
    preparing: (n) => `Préparation de l'archive (${n} élément${n > 1 ? "s" : ""})…`,
    progress_n: (done, n) => `Préparation de l'archive : ${done} sur ${n}…`,
    ready: (name) => `Archive prête : ${name}. Le téléchargement commence.`,
    again: "Télécharger l'archive",
    dropped: (n) => `${n} élément${n > 1 ? "s n'étaient" : " n'était"} plus visible${n > 1 ? "s" : ""} : il${n > 1 ? "s ne sont" : " n'est"} pas dans l'archive.`,
    failed: "L'archive n'a pas pu être préparée. Réessayez plus tard.",
    slow: "L'archive prend du temps : réessayez plus tard.",
    network: "Le service ne répond pas : vérifiez votre connexion puis réessayez.",
    progress: "Préparation de l'archive",
  },
  en: {
    album: "Download the album (zip)",
    select: "Select",
    selection: (n) => `Download the selection (${n})`,
    cancel: "Cancel",
    choose: (label) => `Choose: ${label}`,
    hint: "Tap the photos to download.",
    preparing: (n) => `Preparing the archive (${n} item${n > 1 ? "s" : ""})…`,
    progress_n: (done, n) => `Preparing the archive: ${done} of ${n}…`,
    ready: (name) => `Archive ready: ${name}. The download starts.`,
    again: "Download the archive",
    dropped: (n) => `${n} item${n > 1 ? "s were" : " was"} no longer visible: not in the archive.`,
    failed: "The archive could not be prepared. Try again later.",
    slow: "The archive is taking a while: try again later.",
    network: "The service does not answer: check your connection and try again.",
    progress: "Preparing the archive",
  },
};

const state = {
  albumId: null, downloads: false, selecting: false, selected: new Set(),
  job: null, // the archive being prepared or last prepared: {archive_id, album_id, ...}
  run: 0, // bumped to stop a poll loop (another album, a new archive)
  message: "", // the last status line (kept across language switches)
};
let bar = null;
let observer = null;

const t = () => TEXT[document.documentElement.lang === "en" ? "en" : "fr"];
const $ = (id) => document.getElementById(id);

function node(tag, attributes = {}, text = "") {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text) element.textContent = text;
  return element;
}

function pick(message) {
  if (!message) return "";
  return document.documentElement.lang === "en" ? message.en : message.fr;
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method, credentials: "same-origin",
      headers: method === "GET" ? {} : CSRF,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: t().network };
  }
  if (response.status === 401) {
    window.location.assign("/login.html");
    return { ok: false, error: "" };
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) return { ok: false, error: pick(answer.message) || t().failed };
  return { ok: true, answer };
}

// --- The bar above the grid ---------------------------------------------------------------

function build() {
  bar = node("div", { id: "archive", class: "archive" });
  const actions = node("div", { class: "archive-actions" });
  actions.append(
    node("button", { type: "button", id: "archive-album" }),
    node("button", { type: "button", id: "archive-select", "aria-pressed": "false" }),
    node("button", { type: "button", id: "archive-selection", hidden: "" }),
    node("button", { type: "button", id: "archive-cancel", hidden: "" }),
  );
  const progress = node("progress", { id: "archive-progress", hidden: "" });
  const line = node("p", { id: "archive-status", class: "archive-status", role: "status", "aria-live": "polite" });
  const again = node("a", { id: "archive-link", class: "button", hidden: "" });
  bar.append(actions, node("p", { id: "archive-hint", class: "muted", hidden: "" }), progress, line, again);
  const grid = $("grid");
  grid.before(bar);
  $("archive-album").addEventListener("click", () => ask(null));
  $("archive-select").addEventListener("click", () => setSelecting(!state.selecting));
  $("archive-cancel").addEventListener("click", () => setSelecting(false));
  $("archive-selection").addEventListener("click", () => ask([...state.selected]));
  again.addEventListener("click", (click) => { click.preventDefault(); fetchAndDownload(); });
  // In selection mode a tap on a thumbnail chooses it instead of opening the viewer.
  grid.addEventListener("click", (click) => {
    if (!state.selecting) return;
    const item = click.target.closest("li");
    if (!item || click.target.matches("input.archive-choose")) return;
    click.preventDefault();
    click.stopPropagation();
    const box = item.querySelector("input.archive-choose");
    if (box) { box.checked = !box.checked; choose(box); }
  }, true);
  observer = new MutationObserver(() => { if (state.selecting) addBoxes(); });
  observer.observe(grid, { childList: true });
}

function render() {
  const words = t();
  $("archive-album").textContent = words.album;
  $("archive-select").textContent = words.select;
  $("archive-select").setAttribute("aria-pressed", String(state.selecting));
  $("archive-selection").textContent = words.selection(state.selected.size);
  $("archive-selection").hidden = !state.selecting;
  $("archive-selection").disabled = state.selected.size === 0;
  $("archive-cancel").textContent = words.cancel;
  $("archive-cancel").hidden = !state.selecting;
  $("archive-hint").textContent = words.hint;
  $("archive-hint").hidden = !state.selecting;
  $("archive-progress").setAttribute("aria-label", words.progress);
  $("archive-link").textContent = words.again;
  $("archive-status").textContent = typeof state.message === "function" ? state.message(words) : state.message;
  for (const box of document.querySelectorAll("#grid input.archive-choose")) {
    box.setAttribute("aria-label", words.choose(box.dataset.label || ""));
  }
  bar.hidden = !state.downloads;
}

function say(message) {
  state.message = message;
  render();
}

// --- Selection ------------------------------------------------------------------------------

function addBoxes() {
  for (const item of $("grid").querySelectorAll("li")) {
    const button = item.querySelector("button[data-media-id]");
    if (!button || item.querySelector("input.archive-choose")) continue;
    const id = button.dataset.mediaId;
    const box = node("input", {
      type: "checkbox", class: "archive-choose", "data-media-id": id,
      "data-label": button.getAttribute("aria-label") || "",
    });
    box.checked = state.selected.has(id);
    box.addEventListener("change", () => choose(box));
    item.classList.add("archive-item");
    item.prepend(box);
  }
  render();
}

function choose(box) {
  if (box.checked) state.selected.add(box.dataset.mediaId);
  else state.selected.delete(box.dataset.mediaId);
  render();
}

function setSelecting(on) {
  if (on && !state.selecting && state.job && state.job.status !== "queued" && state.job.status !== "building") {
    state.message = ""; // a new choice: the last archive's line goes
    $("archive-link").hidden = true;
  }
  state.selecting = on;
  $("grid").classList.toggle("selecting", on);
  if (on) addBoxes();
  else {
    state.selected.clear();
    for (const box of document.querySelectorAll("#grid input.archive-choose")) box.remove();
    for (const item of document.querySelectorAll("#grid li.archive-item")) item.classList.remove("archive-item");
  }
  render();
}

// --- Asking, polling, downloading ------------------------------------------------------------

async function ask(mediaIds) {
  const run = ++state.run;
  const albumId = state.albumId;
  $("archive-link").hidden = true;
  const asked = await call(
    "POST", `/api/family/albums/${encodeURIComponent(albumId)}/archive`,
    mediaIds ? { media_ids: mediaIds } : {},
  );
  if (run !== state.run) return;
  if (!asked.ok) return say(asked.error);
  if (mediaIds) setSelecting(false);
  state.job = asked.answer;
  await poll(run, asked.answer);
}

async function poll(run, first) {
  const started = Date.now();
  let job = first;
  let wait = POLL_FIRST_MS;
  $("archive-progress").hidden = false;
  $("archive-album").disabled = true;
  try {
    while (job.status === "queued" || job.status === "building") {
      const { items, written } = job;
      const meter = $("archive-progress");
      if (written) {
        meter.max = items;
        meter.value = written;
        say((words) => words.progress_n(written, items));
      } else {
        meter.removeAttribute("value"); // indeterminate until the first items are in
        say((words) => words.preparing(items));
      }
      if (Date.now() - started > POLL_GIVE_UP_MS) return say((words) => words.slow);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(POLL_MAX_MS, wait * 1.5);
      if (run !== state.run) return;
      const read = await call("GET", `/api/family/archives/${encodeURIComponent(job.archive_id)}`);
      if (run !== state.run) return;
      if (!read.ok) return say(read.error);
      job = read.answer;
      state.job = job;
    }
  } finally {
    if (run === state.run) {
      $("archive-progress").hidden = true;
      $("archive-album").disabled = false;
    }
  }
  if (job.status !== "ready") return say(pick(job.failure_message) || t().failed);
  const dropped = job.dropped || 0;
  say((words) => `${words.ready(job.file_name)}${dropped ? ` ${words.dropped(dropped)}` : ""}`);
  $("archive-link").hidden = false;
  start(job);
}

function start(job) {
  const link = node("a", { href: job.url, download: job.file_name });
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

// The signed link lasts minutes: a later tap fetches a fresh one.
async function fetchAndDownload() {
  if (!state.job) return;
  const read = await call("GET", `/api/family/archives/${encodeURIComponent(state.job.archive_id)}`);
  if (!read.ok) return say(read.error);
  if (read.answer.status === "ready") start(read.answer);
}

// --- Called by gallery.js --------------------------------------------------------------------

export function albumShown(albumId, downloads) {
  if (!bar) build();
  if (albumId !== state.albumId) {
    state.run += 1;
    state.albumId = albumId;
    state.job = null;
    state.message = "";
    $("archive-link").hidden = true;
    $("archive-progress").hidden = true;
    $("archive-album").disabled = false;
    setSelecting(false);
  }
  state.downloads = Boolean(downloads);
  if (!state.downloads && state.selecting) setSelecting(false);
  render();
}

// The page's language changed: every word of the bar again (the status line kept).
export function languageChanged() {
  if (bar) render();
}
