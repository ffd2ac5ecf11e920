// Uploads of the staff console (docs/media-pipeline.md, "Upload API").
//
// One grant per file from POST /api/upload/grants. Photos and small videos: a presigned POST
// of a form (the grant's fields, then the file) to the ingest bucket, sent with
// XMLHttpRequest for its upload progress events. Large videos (a grant with "multipart"):
// presigned PUTs of each part, then /complete. Those are resumable: every part that arrives
// is remembered in localStorage under the media id, and a retry (or choosing the same file
// again after a reload) first asks the server which parts it holds and sends only the rest.

import { ApiError, call } from "/lib/api.js";
import { t } from "/lib/i18n.js";

// What the API accepts (functions/upload/logic.py); the browser's type is sometimes empty
// (HEIC on many systems), so the extension decides then.
const TYPES = new Set([
  "image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "video/mp4", "video/quicktime",
]);
const BY_EXTENSION = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", heic: "image/heic",
  heif: "image/heif", mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime",
};
const MAX_FILES_PER_GRANT = 50;
const PARALLEL = 3; // files sent at once
const URLS_PER_REQUEST = 4; // part URLs asked at a time (they expire in 15 minutes)
const STORE = "pellicule-upload:";
const KEEP_MS = 24 * 3600 * 1000; // the ingest bucket aborts multipart uploads after a day

// The type the grant asks for: the browser's when the API accepts it, else the extension's.
export function contentType(file) {
  const declared = (file.type || "").toLowerCase();
  if (TYPES.has(declared)) return declared;
  if (declared === "image/jpg") return "image/jpeg";
  const extension = (file.name.split(".").pop() || "").toLowerCase();
  return BY_EXTENSION[extension] || declared;
}

export function humanSize(size) {
  if (size < 1024 * 1024) return t(`${Math.max(1, Math.round(size / 1024))} Ko`, `${Math.max(1, Math.round(size / 1024))} KB`);
  const megabytes = (size / (1024 * 1024)).toFixed(size < 10 * 1024 * 1024 ? 1 : 0);
  return t(`${megabytes.replace(".", ",")} Mo`, `${megabytes} MB`);
}

// The length of part n (1-based) of a file of size bytes cut into parts of partSize bytes.
export function partBytes(size, partSize, n) {
  return Math.min(partSize, size - (n - 1) * partSize);
}

// --- Remembered multipart uploads ------------------------------------------------------------

// The records of this browser's unfinished multipart uploads; a day-old or unreadable one is
// dropped on the way.
export function remembered() {
  const found = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (!key || !key.startsWith(STORE)) continue;
    try {
      const record = JSON.parse(localStorage.getItem(key));
      if (Date.now() - record.saved_at > KEEP_MS) localStorage.removeItem(key);
      else found.push(record);
    } catch {
      localStorage.removeItem(key);
    }
  }
  return found;
}

export function remember(record) {
  record.saved_at = Date.now();
  try {
    localStorage.setItem(STORE + record.media_id, JSON.stringify(record));
  } catch {
    // Storage full or disabled: resuming still works within this page (the server lists parts).
  }
}

function forget(mediaId) {
  localStorage.removeItem(STORE + mediaId);
}

// --- Transfers -----------------------------------------------------------------------------

class TransferError extends Error {
  constructor(message, { expired = false } = {}) {
    super(message);
    this.expired = expired;
  }
}

const NETWORK = () => t("la connexion a été interrompue", "the connection was interrupted");

// Send with XMLHttpRequest (fetch has no upload progress); resolves with the request.
function send(method, url, body, onProgress, entry) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    entry.request = request;
    request.open(method, url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded);
    });
    request.addEventListener("load", () => {
      entry.request = null;
      if (request.status >= 200 && request.status < 300) return resolve(request);
      const code = (request.responseText.match(/<Code>([^<]+)<\/Code>/) || [])[1] || "";
      const expired = request.status === 403 && /expired|AccessDenied|RequestTimeTooSkewed/i.test(code + request.responseText);
      reject(new TransferError(t(`le stockage a refusé l'envoi (${request.status})`, `storage refused the upload (${request.status})`), { expired }));
    });
    request.addEventListener("error", () => {
      entry.request = null;
      reject(new TransferError(NETWORK()));
    });
    request.addEventListener("abort", () => {
      entry.request = null;
      reject(new TransferError(t("envoi interrompu", "upload interrupted")));
    });
    request.send(body);
  });
}

async function postForm(entry) {
  const form = new FormData();
  for (const [name, value] of Object.entries(entry.grant.fields)) form.append(name, value);
  form.append("file", entry.file);
  await send("POST", entry.grant.url, form, (loaded) => entry.progress(Math.min(loaded, entry.size)), entry);
}

async function sendParts(entry) {
  const { media_id: mediaId, multipart } = entry.grant;
  const base = `/api/upload/multipart/${encodeURIComponent(mediaId)}`;
  const partSize = multipart.part_size;
  const count = multipart.part_count;
  const expected = (n) => partBytes(entry.size, partSize, n);
  const record = {
    media_id: mediaId, album_id: entry.albumId, name: entry.name, size: entry.size,
    last_modified: entry.file.lastModified, type: entry.type, part_size: partSize, part_count: count, parts: {},
  };
  let held = new Map();
  if (entry.resume) {
    // Ask the server what it already holds: only the rest is sent again.
    const listed = await call("GET", base);
    held = new Map(listed.parts.filter((p) => p.size === expected(p.part_number)).map((p) => [p.part_number, p.etag]));
  }
  for (const [number, etag] of held) record.parts[number] = etag;
  remember(record);
  entry.resume = true; // from now on a retry asks the server first
  let done = [...held.keys()].reduce((sum, n) => sum + expected(n), 0);
  entry.progress(done);
  const missing = [];
  for (let n = 1; n <= count; n += 1) if (!held.has(n)) missing.push(n);
  for (let i = 0; i < missing.length; i += URLS_PER_REQUEST) {
    const numbers = missing.slice(i, i + URLS_PER_REQUEST);
    const { urls } = await call("POST", `${base}/parts`, { body: { part_numbers: numbers } });
    for (const n of numbers) {
      const blob = entry.file.slice((n - 1) * partSize, (n - 1) * partSize + expected(n));
      const request = await send("PUT", urls[String(n)], blob, (loaded) => entry.progress(done + loaded), entry);
      done += expected(n);
      record.parts[n] = request.getResponseHeader("ETag") || "";
      remember(record);
      entry.progress(done);
    }
  }
  await call("POST", `${base}/complete`);
  forget(mediaId);
}

// --- The queue and its rows ----------------------------------------------------------------

let counter = 0;

export class Uploader {
  constructor({ list, live, resumeHint, onChange = () => {}, onSent = () => {} }) {
    this.list = list;
    this.live = live;
    this.resumeHint = resumeHint;
    this.onChange = onChange;
    this.onSent = onSent;
    this.entries = [];
    this.albumId = null;
    window.addEventListener("beforeunload", (event) => {
      if (this.active()) event.preventDefault();
    });
  }

  active() {
    return this.entries.some((e) => e.state === "waiting" || e.state === "sending");
  }

  open(albumId) {
    this.albumId = albumId;
    this.list.replaceChildren(...this.entries.filter((e) => e.albumId === albumId).map((e) => e.row));
    this.renderHint();
  }

  // Files chosen, taken or dropped: refuse what the API would refuse, grant and send the rest.
  add(files) {
    if (!this.albumId || !files.length) return;
    const added = files.map((file) => this.entry(file));
    const stored = remembered();
    const fresh = [];
    for (const entry of added) {
      if (!TYPES.has(entry.type)) {
        entry.fail(t("format non accepté (JPEG, PNG, WebP, HEIC, MP4, MOV)", "format not accepted (JPEG, PNG, WebP, HEIC, MP4, MOV)"), false);
        continue;
      }
      const previous = stored.find((r) => r.album_id === entry.albumId && r.name === entry.name
        && r.size === entry.size && r.last_modified === entry.file.lastModified);
      if (previous) {
        entry.grant = { media_id: previous.media_id, kind: "video", multipart: { part_size: previous.part_size, part_count: previous.part_count } };
        entry.resume = true;
      } else fresh.push(entry);
    }
    const sendable = added.filter((e) => e.state === "waiting");
    if (sendable.length) {
      this.say(t(`Envoi de ${sendable.length} fichier(s)…`, `Uploading ${sendable.length} file(s)…`));
    }
    this.grant(fresh).finally(() => this.pump());
    this.renderHint();
    this.onChange();
  }

  entry(file) {
    counter += 1;
    const entry = {
      id: `upload-${counter}`, albumId: this.albumId, file, name: file.name || t("sans nom", "unnamed"),
      type: contentType(file), size: file.size, grant: null, resume: false, state: "waiting",
      loaded: 0, error: "", retryable: true, request: null,
    };
    const name = document.createElement("span");
    name.className = "name";
    name.id = `${entry.id}-name`;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    const text = document.createElement("span");
    text.className = "state";
    text.id = `${entry.id}-state`;
    text.tabIndex = -1; // focus lands here when "Retry" (which then hides) is pressed
    progress.setAttribute("aria-describedby", text.id);
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.hidden = true;
    retry.addEventListener("click", () => this.retry(entry));
    const row = document.createElement("li");
    row.id = entry.id;
    row.append(name, progress, text, retry);
    Object.assign(entry, { row, nameNode: name, progressNode: progress, textNode: text, retryNode: retry });
    entry.progress = (loaded) => {
      entry.loaded = loaded;
      this.renderEntry(entry);
    };
    entry.fail = (reason, retryable = true) => {
      entry.state = "failed";
      entry.error = reason;
      entry.retryable = retryable;
      this.renderEntry(entry);
    };
    this.entries.push(entry);
    this.list.append(row);
    this.renderEntry(entry);
    return entry;
  }

  // One request per 50 files; a refused batch is asked again file by file, so that one bad
  // file (too large for the centre's limits) does not hold the others back.
  async grant(entries) {
    for (let i = 0; i < entries.length; i += MAX_FILES_PER_GRANT) {
      const batch = entries.slice(i, i + MAX_FILES_PER_GRANT);
      try {
        await this.grantBatch(batch);
      } catch (error) {
        if (batch.length > 1 && error instanceof ApiError && error.status >= 400 && error.status < 500) {
          for (const entry of batch) {
            try {
              await this.grantBatch([entry]);
            } catch (single) {
              entry.fail(single.message, !(single instanceof ApiError) || single.status >= 500);
            }
          }
        } else {
          for (const entry of batch) entry.fail(error.message);
        }
      }
    }
  }

  async grantBatch(batch) {
    const answer = await call("POST", "/api/upload/grants", {
      body: {
        album_id: batch[0].albumId,
        files: batch.map((e) => ({ name: e.name, type: e.type, size: e.size })),
      },
    });
    answer.grants.forEach((grant, index) => {
      batch[index].grant = grant;
      batch[index].resume = false;
    });
  }

  pump() {
    let running = this.entries.filter((e) => e.state === "sending").length;
    for (const entry of this.entries) {
      if (running >= PARALLEL) break;
      if (entry.state !== "waiting" || !entry.grant) continue;
      running += 1;
      this.transfer(entry);
    }
    this.onChange();
  }

  async transfer(entry) {
    entry.state = "sending";
    this.renderEntry(entry);
    try {
      if (entry.grant.multipart) await sendParts(entry);
      else await postForm(entry);
      entry.state = "sent";
      entry.loaded = entry.size;
      this.renderEntry(entry);
      this.onSent(entry);
    } catch (error) {
      await this.failed(entry, error);
    }
    this.announceWhenDone();
    this.renderHint();
    this.pump();
  }

  async failed(entry, error) {
    if (entry.grant.multipart && error instanceof ApiError && (error.status === 404 || error.status === 409)) {
      // The upload is already finished (or gone): see what became of the item.
      const item = await call("GET", `/api/gallery/media/${encodeURIComponent(entry.grant.media_id)}`).catch(() => null);
      if (item && item.state !== "uploading" && item.state !== "failed") {
        forget(entry.grant.media_id);
        entry.state = "sent";
        entry.loaded = entry.size;
        this.renderEntry(entry);
        this.onSent(entry);
        return;
      }
      if (!item || item.state === "failed" || error.status === 404) {
        forget(entry.grant.media_id);
        entry.grant = null; // a retry asks for a new grant
      }
    }
    if (error instanceof TransferError && error.expired && entry.grant && !entry.grant.multipart) entry.grant = null;
    const reason = error.message; // an ApiError's is in the page's language already
    entry.fail(reason || NETWORK());
    this.say(t(`Échec de l'envoi de « ${entry.name} ».`, `Upload of "${entry.name}" failed.`));
  }

  async retry(entry) {
    entry.state = "waiting";
    entry.error = "";
    // A presigned POST lasts 15 minutes: ask for a new one when it is (nearly) over.
    if (entry.grant && !entry.grant.multipart && entry.grant.expires_at * 1000 < Date.now() + 60000) entry.grant = null;
    this.renderEntry(entry);
    entry.textNode.focus();
    if (!entry.grant) await this.grant([entry]);
    this.say(t(`Nouvel essai pour « ${entry.name} ».`, `Retrying "${entry.name}".`));
    this.pump();
  }

  announceWhenDone() {
    if (this.active()) return;
    const mine = this.entries.filter((e) => e.albumId === this.albumId);
    const sent = mine.filter((e) => e.state === "sent").length;
    const failed = mine.filter((e) => e.state === "failed").length;
    if (!failed) this.say(t(`${sent} fichier(s) envoyé(s) ; le traitement suit.`, `${sent} file(s) sent; processing follows.`));
    else if (!sent) this.say(t(`${failed} envoi(s) en échec : utilisez « Réessayer ».`, `${failed} upload(s) failed: use "Retry".`));
    else this.say(t(`${sent} fichier(s) envoyé(s), ${failed} en échec : utilisez « Réessayer ».`, `${sent} file(s) sent, ${failed} failed: use "Retry".`));
  }

  say(text) {
    this.live.textContent = text;
  }

  renderEntry(entry) {
    const percent = entry.size ? Math.round((100 * entry.loaded) / entry.size) : 0;
    entry.nameNode.textContent = `${entry.name} (${humanSize(entry.size)})`;
    entry.progressNode.value = entry.state === "sent" ? 100 : percent;
    entry.progressNode.setAttribute("aria-label", t(`Envoi de ${entry.name}`, `Upload of ${entry.name}`));
    const texts = {
      waiting: t("En attente", "Waiting"),
      sending: t(`Envoi… ${percent} %`, `Uploading… ${percent}%`),
      sent: t("Envoyé", "Sent"),
      failed: t(`Échec : ${entry.error}`, `Failed: ${entry.error}`),
    };
    entry.textNode.textContent = texts[entry.state];
    entry.row.dataset.state = entry.state;
    entry.retryNode.hidden = !(entry.state === "failed" && entry.retryable);
    entry.retryNode.textContent = t("Réessayer", "Retry");
    entry.retryNode.setAttribute("aria-label", t(`Réessayer l'envoi de ${entry.name}`, `Retry the upload of ${entry.name}`));
    if (entry.state === "failed" && entry.retryable === false) entry.progressNode.hidden = true;
  }

  renderHint() {
    const pending = remembered().filter((r) => r.album_id === this.albumId
      && !this.entries.some((e) => e.grant && e.grant.media_id === r.media_id && e.state !== "failed"));
    this.resumeHint.hidden = pending.length === 0;
    this.resumeHint.textContent = pending.map((r) => t(
      `Envoi interrompu de « ${r.name} » (${Object.keys(r.parts).length}/${r.part_count} parties) : choisissez à nouveau ce fichier pour le reprendre là où il s'est arrêté.`,
      `Interrupted upload of "${r.name}" (${Object.keys(r.parts).length}/${r.part_count} parts): choose this file again to resume where it stopped.`,
    )).join(" ");
  }

  render() {
    for (const entry of this.entries) this.renderEntry(entry);
    this.renderHint();
  }
}
