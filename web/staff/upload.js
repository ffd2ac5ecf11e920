// Uploads of the staff console (docs/media-pipeline.md, "Upload API").
//
// One grant per file from POST /api/upload/grants. Photos and small videos: a presigned POST
// of a form (the grant's fields, then the file) to the ingest bucket, sent with
// XMLHttpRequest for its upload progress events. Large videos (a grant with "multipart"):
// presigned PUTs of each part, then /complete. Those are resumable: every part that arrives
// is remembered in localStorage under the media id, and a retry (or choosing the same file
// again after a reload) first asks the server which parts it holds and sends only the rest.
//
// From a phone (docs/media-pipeline.md, "Uploads from a phone"): photos are shrunk first
// (staff/shrink.js), and every photo or small video is kept in the durable queue
// (staff/queue.js, IndexedDB) until the ingest bucket acknowledged it. A failed try is made
// again by itself (backoff), at most MAX_ATTEMPTS times, then "Réessayer" is offered; offline,
// the queue pauses and resumes with the connection; a reload (or the next opening) resumes it.
// A grant (presigned POST, 15 minutes) is reused while it has a minute left, else asked anew.

import { ApiError, call } from "/lib/api.js";
import { t } from "/lib/i18n.js";
import { MAX_ATTEMPTS, backoffMs, drop, entriesOf, keep, retriesLeft } from "/staff/queue.js";
import { shrink } from "/staff/shrink.js";

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
const DURABLE_MAX = 64 * 1024 * 1024; // larger videos go by resumable multipart instead
const GRANT_MARGIN_MS = 60000; // a grant with less than this left is asked again
const SYNC_TAG = "pellicule-upload"; // the Background Sync tag of web/upload-sw.js
const LOCK = "pellicule-upload-queue"; // held by the tab that sends the kept queue

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
  form.append("file", entry.blob);
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
    last_modified: entry.lastModified, type: entry.type, part_size: partSize, part_count: count, parts: {},
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
      const blob = entry.blob.slice((n - 1) * partSize, (n - 1) * partSize + expected(n));
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

// Whether a grant can be used for a try starting `now`: a presigned POST needs a minute left
// (it lasts 15 minutes); a multipart grant asks for fresh part URLs as it goes.
export function grantUsable(grant, now = Date.now()) {
  if (!grant) return false;
  if (grant.multipart) return true;
  return grant.expires_at * 1000 > now + GRANT_MARGIN_MS;
}

function online() {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

export class Uploader {
  constructor({ list, live, resumeHint, summary, onChange = () => {}, onSent = () => {} }) {
    this.list = list;
    this.live = live;
    this.resumeHint = resumeHint;
    this.summary = summary;
    this.onChange = onChange;
    this.onSent = onSent;
    this.entries = [];
    this.albumId = null;
    this.owner = null;
    window.addEventListener("beforeunload", (event) => {
      // What is in the durable queue resumes at the next opening; the rest would be lost.
      if (this.entries.some((e) => this.pending(e) && !e.durable)) event.preventDefault();
    });
    window.addEventListener("online", () => {
      this.render();
      this.pump();
    });
    window.addEventListener("offline", () => this.render());
  }

  pending(entry) {
    return entry.state === "waiting" || entry.state === "sending";
  }

  active() {
    return this.entries.some((e) => this.pending(e));
  }

  open(albumId) {
    this.albumId = albumId;
    this.list.replaceChildren(...this.entries.filter((e) => e.albumId === albumId).map((e) => e.row));
    this.renderHint();
    this.renderSummary();
  }

  // The signed-in staff member's queue kept by this browser (a reload, a closed tab, the
  // next opening): shown in its album, sent again. Called once the person is known. One tab
  // at a time takes the kept queue over (Web Locks): a second tab would send it twice; it
  // takes over what is left when the first one closes.
  restore(owner) {
    this.owner = owner;
    registerWorker(this);
    if (typeof navigator !== "undefined" && navigator.locks) {
      navigator.locks.request(LOCK, () => this.resume().then(() => new Promise(() => {}))).catch(() => {});
    } else this.resume();
  }

  async resume() {
    const kept = [];
    for (const record of await entriesOf(this.owner)) {
      if (this.entries.some((e) => e.id === record.id)) continue;
      if (await this.arrived(record)) await drop(record.id);
      else kept.push(record);
    }
    for (const record of kept) {
      this.entry({
        id: record.id, albumId: record.album_id, blob: record.blob, name: record.name, type: record.type,
        size: record.size, originalSize: record.original_size, grant: record.grant || null,
        createdAt: record.created_at, durable: true,
      });
    }
    if (this.albumId) this.open(this.albumId);
    if (kept.length) {
      this.say(t(`Reprise de ${kept.length} envoi(s) en attente…`, `Resuming ${kept.length} pending upload(s)…`));
    }
    this.pump();
  }

  // Whether a kept entry's last try did reach the bucket before the page went away (its item
  // is past "uploading"): then it is not sent again.
  async arrived(record) {
    if (!record.grant) return false;
    const item = await call("GET", `/api/gallery/media/${encodeURIComponent(record.grant.media_id)}`).catch(() => null);
    return Boolean(item && item.state !== "uploading");
  }

  // Files chosen, taken or dropped: refuse what the API would refuse, shrink, keep and send
  // the rest.
  add(files) {
    if (!this.albumId || !files.length) return;
    const added = files.map((file) => this.entry({
      albumId: this.albumId, blob: file, name: file.name || t("sans nom", "unnamed"),
      type: contentType(file), size: file.size, lastModified: file.lastModified, preparing: true,
    }));
    const stored = remembered();
    const accepted = [];
    for (const entry of added) {
      if (!TYPES.has(entry.type)) {
        entry.preparing = false;
        entry.fail(t("format non accepté (JPEG, PNG, WebP, HEIC, MP4, MOV)", "format not accepted (JPEG, PNG, WebP, HEIC, MP4, MOV)"), false);
        continue;
      }
      const previous = stored.find((r) => r.album_id === entry.albumId && r.name === entry.name
        && r.size === entry.size && r.last_modified === entry.lastModified);
      if (previous) {
        entry.grant = { media_id: previous.media_id, kind: "video", multipart: { part_size: previous.part_size, part_count: previous.part_count } };
        entry.resume = true;
      }
      accepted.push(entry);
    }
    if (accepted.length) {
      this.say(t(`Envoi de ${accepted.length} fichier(s)…`, `Uploading ${accepted.length} file(s)…`));
    }
    this.prepare(accepted);
    this.renderHint();
    this.onChange();
  }

  // One file after the other (decoding several 12 MP photos at once is too much for a phone):
  // shrink it, keep it in the durable queue, let the pump send it.
  async prepare(entries) {
    for (const entry of entries) {
      if (!entry.grant) {
        const ready = await shrink(entry.blob, entry.type).catch(() => null);
        if (ready && ready.shrunk) {
          Object.assign(entry, { originalSize: entry.size, blob: ready.blob, name: ready.name, type: ready.type, size: ready.blob.size });
        }
        if (this.owner && entry.size <= DURABLE_MAX) entry.durable = await keep(this.record(entry));
      }
      entry.preparing = false;
      this.renderEntry(entry);
      this.pump();
    }
    this.renderSummary();
    requestSync();
  }

  record(entry) {
    return {
      id: entry.id, owner: this.owner, album_id: entry.albumId, name: entry.name, type: entry.type,
      size: entry.size, original_size: entry.originalSize, blob: entry.blob, created_at: entry.createdAt,
      grant: entry.grant && !entry.grant.multipart ? entry.grant : null,
    };
  }

  entry(fields) {
    counter += 1;
    const entry = {
      id: `upload-${Date.now().toString(36)}-${counter}`, createdAt: Date.now(), grant: null,
      resume: false, state: "waiting", loaded: 0, error: "", retryable: true, request: null,
      attempts: 0, notBefore: 0, timer: null, durable: false, preparing: false, originalSize: null,
      ...fields,
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
      if (!retryable && entry.durable) {
        entry.durable = false;
        drop(entry.id); // refused for good: nothing to keep
      }
      this.renderEntry(entry);
      this.renderSummary();
    };
    this.entries.push(entry);
    if (entry.albumId === this.albumId) this.list.append(row);
    this.renderEntry(entry);
    return entry;
  }

  // One request for the files starting together; a refused batch is asked again file by
  // file, so that one bad file (too large for the centre's limits) does not hold the others.
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
              this.setback(entry, single.message, !(single instanceof ApiError) || single.status === 0 || single.status >= 500);
            }
          }
        } else {
          const retryable = !(error instanceof ApiError) || error.status === 0 || error.status >= 500;
          for (const entry of batch) this.setback(entry, error.message, retryable);
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
      const entry = batch[index];
      entry.grant = grant;
      entry.resume = false;
      if (grant.multipart && entry.durable) {
        // A large video: resumable by its parts (localStorage), not kept whole.
        entry.durable = false;
        drop(entry.id);
      } else if (entry.durable) keep(this.record(entry));
    });
  }

  // The browser says the network is back (Background Sync, web/upload-sw.js): what waits
  // between automatic tries is tried now.
  networkBack() {
    for (const entry of this.entries) {
      if (entry.state === "waiting" && entry.notBefore > Date.now()) entry.notBefore = 0;
    }
    this.pump();
  }

  // Start what may start: PARALLEL tries at once, none while offline or before its backoff.
  pump() {
    if (!online()) {
      this.render();
      this.onChange();
      return;
    }
    const now = Date.now();
    let running = this.entries.filter((e) => e.state === "sending").length;
    const starting = [];
    for (const entry of this.entries) {
      if (running >= PARALLEL) break;
      if (entry.state !== "waiting" || entry.preparing || entry.notBefore > now) continue;
      running += 1;
      entry.state = "sending";
      entry.attempts += 1;
      entry.loaded = 0;
      this.renderEntry(entry);
      starting.push(entry);
    }
    if (starting.length) this.start(starting);
    this.renderSummary();
    this.onChange();
  }

  async start(entries) {
    // One grant request per album (a restored queue may hold several albums' photos).
    const needing = entries.filter((e) => !grantUsable(e.grant));
    for (const albumId of new Set(needing.map((e) => e.albumId))) {
      await this.grant(needing.filter((e) => e.albumId === albumId));
    }
    for (const entry of entries) if (entry.state === "sending") this.transfer(entry);
  }

  async transfer(entry) {
    try {
      if (entry.grant.multipart) await sendParts(entry);
      else await postForm(entry);
      entry.state = "sent";
      entry.loaded = entry.size;
      if (entry.durable) {
        entry.durable = false;
        await drop(entry.id); // the ingest bucket has it: the queue lets it go
      }
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
    this.setback(entry, error.message || NETWORK(), true); // an ApiError's is in the page's language already
  }

  // A try that did not succeed: offline, it does not count and the queue waits for the
  // network; else another try after a growing wait, and after MAX_ATTEMPTS, "Réessayer".
  // Large videos (multipart) are not tried again by themselves: "Réessayer" resumes them.
  setback(entry, reason, retryable) {
    entry.error = reason;
    const automatic = retryable && !(entry.grant && entry.grant.multipart);
    if (automatic && !online()) {
      entry.attempts = Math.max(0, entry.attempts - 1);
      entry.state = "waiting";
      this.renderEntry(entry);
      requestSync();
      return;
    }
    if (automatic && retriesLeft(entry.attempts)) {
      const wait = backoffMs(entry.attempts);
      entry.state = "waiting";
      entry.notBefore = Date.now() + wait;
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => this.pump(), wait);
      this.renderEntry(entry);
      return;
    }
    entry.fail(reason, retryable);
    this.say(t(`Échec de l'envoi de « ${entry.name} ».`, `Upload of "${entry.name}" failed.`));
  }

  retry(entry) {
    entry.state = "waiting";
    entry.error = "";
    entry.attempts = 0;
    entry.notBefore = 0;
    if (!grantUsable(entry.grant)) entry.grant = null;
    this.renderEntry(entry);
    entry.textNode.focus();
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

  waitingText(entry) {
    if (entry.preparing) return t("Préparation…", "Preparing…");
    if (!online()) return t("En pause : pas de connexion", "Paused: no connection");
    if (entry.notBefore > Date.now()) {
      return t(`Nouvel essai dans un instant (${entry.attempts}/${MAX_ATTEMPTS} essais) : ${entry.error}`, `Trying again shortly (${entry.attempts}/${MAX_ATTEMPTS} tries): ${entry.error}`);
    }
    return t("En attente", "Waiting");
  }

  renderEntry(entry) {
    const percent = entry.size ? Math.round((100 * entry.loaded) / entry.size) : 0;
    const size = entry.originalSize ? `${humanSize(entry.originalSize)} → ${humanSize(entry.size)}` : humanSize(entry.size);
    entry.nameNode.textContent = `${entry.name} (${size})`;
    entry.progressNode.value = entry.state === "sent" ? 100 : percent;
    entry.progressNode.setAttribute("aria-label", t(`Envoi de ${entry.name}`, `Upload of ${entry.name}`));
    const texts = {
      waiting: this.waitingText(entry),
      sending: t(`Envoi… ${percent} %`, `Uploading… ${percent}%`),
      sent: t("Envoyé", "Sent"),
      failed: t(`Échec : ${entry.error}`, `Failed: ${entry.error}`),
    };
    entry.textNode.textContent = texts[entry.state];
    entry.row.dataset.state = entry.state;
    entry.row.dataset.attempts = String(entry.attempts);
    entry.row.dataset.paused = String(entry.state === "waiting" && !entry.preparing && !online());
    entry.retryNode.hidden = !(entry.state === "failed" && entry.retryable);
    entry.retryNode.textContent = t("Réessayer", "Retry");
    entry.retryNode.setAttribute("aria-label", t(`Réessayer l'envoi de ${entry.name}`, `Retry the upload of ${entry.name}`));
    if (entry.state === "failed" && entry.retryable === false) entry.progressNode.hidden = true;
  }

  // The queue in one sentence: how many files are still on their way (every album), and
  // what happens if the page is closed (exactly: the queue resumes at the next opening).
  renderSummary() {
    if (!this.summary) return;
    const pending = this.entries.filter((e) => this.pending(e));
    const durable = pending.filter((e) => e.durable).length;
    this.summary.hidden = pending.length === 0;
    this.summary.dataset.pending = String(pending.length);
    if (!pending.length) return;
    const parts = [t(`${pending.length} fichier(s) en attente d'envoi.`, `${pending.length} file(s) waiting to be sent.`)];
    if (!online()) parts.push(t("Pas de connexion : l'envoi reprendra avec le réseau.", "No connection: the upload resumes with the network."));
    if (durable === pending.length) {
      parts.push(t(
        "Vous pouvez fermer la page : l'envoi reprendra à la prochaine ouverture de Pellicule sur cet appareil.",
        "You can close the page: the upload resumes the next time Pellicule is opened on this device.",
      ));
    } else {
      parts.push(t("Gardez la page ouverte jusqu'à la fin de l'envoi.", "Keep the page open until the upload ends."));
    }
    this.summary.textContent = parts.join(" ");
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
    this.renderSummary();
  }
}

// --- The service worker (web/upload-sw.js) -------------------------------------------------

// It caches nothing and sends nothing itself: where Background Sync exists (Chromium), it is
// woken when the network returns and asks the open Pellicule pages to resume their queue
// (what waited between automatic tries is tried at once).
function registerWorker(uploader) {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/upload-sw.js").catch(() => {});
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === SYNC_TAG) uploader.networkBack();
  });
}

function requestSync() {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register(SYNC_TAG))
    .catch(() => {});
}
