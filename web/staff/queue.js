// The durable upload queue (docs/media-pipeline.md, "Uploads from a phone"): every photo
// chosen is kept in this browser's IndexedDB (the file, its album, its tries) until the
// ingest bucket has acknowledged it, so a reload, a closed tab or a lost network does not lose
// it. Entries belong to the signed-in staff member: another person's are dropped when the
// queue is opened, and signing out clears it (a shared phone keeps nobody's photos).
//
// Without IndexedDB (disabled, private mode of some browsers) the queue lives in memory only.

export const DATABASE = "pellicule-uploads";
const STORE = "queue";

// Automatic tries of one file before the animator is asked ("Échec… Réessayer"); the waits
// between them grow (attempt 1 failed -> 2 s, 2 -> 6 s...), capped at a minute.
export const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_CAP_MS = 60000;

// How long to wait after the `failed`-th failed try before the next one.
export function backoffMs(failed) {
  if (failed < 1) return 0;
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 3 ** (failed - 1));
}

// Whether another automatic try is due after `attempts` failed tries.
export function retriesLeft(attempts) {
  return attempts < MAX_ATTEMPTS;
}

function request(operation) {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error);
  });
}

let opened = null;
let cleared = false; // signing out: nothing is kept any more by this page

function database() {
  if (typeof indexedDB === "undefined") return Promise.resolve(null);
  if (!opened) {
    const open = indexedDB.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "id" });
    opened = request(open).catch(() => null);
  }
  return opened;
}

async function run(mode, work, { keeping = false } = {}) {
  const db = await database();
  if (!db || (keeping && cleared)) return null;
  const transaction = db.transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  const result = await request(work(transaction.objectStore(STORE)));
  await done;
  return result;
}

// Keep (or update) one entry: {id, owner, album_id, name, type, size, blob, attempts, ...}.
// False when it could not be kept (no IndexedDB, storage full): it is then sent from memory.
export async function keep(entry) {
  try {
    return (await run("readwrite", (store) => store.put(entry), { keeping: true })) !== null;
  } catch {
    return false;
  }
}

export async function drop(id) {
  try {
    await run("readwrite", (store) => store.delete(id));
  } catch {
    // nothing to drop
  }
}

// The signed-in person's entries, oldest first; everybody else's are deleted on the way.
export async function entriesOf(owner) {
  let all;
  try {
    all = (await run("readonly", (store) => store.getAll())) || [];
  } catch {
    return [];
  }
  const others = all.filter((entry) => entry.owner !== owner);
  for (const entry of others) await drop(entry.id);
  return all.filter((entry) => entry.owner === owner).sort((a, b) => a.created_at - b.created_at);
}

// Everything, everybody's (signing out).
export async function clearQueue() {
  cleared = true; // an upload still under way must not write its entry back
  try {
    await run("readwrite", (store) => store.clear());
  } catch {
    // nothing kept
  }
}
