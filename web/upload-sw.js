// Pellicule's service worker (docs/media-pipeline.md, "Uploads from a phone").
//
// Deliberately minimal: no fetch handler (it caches no page, no API answer, no photo) and it
// sends nothing itself. The upload queue lives in IndexedDB and is sent by the page
// (web/staff/upload.js). Where Background Sync exists (Chromium), the page registers the
// "pellicule-upload" sync; when the network returns the browser wakes this worker, which asks
// the open Pellicule pages to resume their queue. With no page open, the queue resumes the
// next time one is opened.

const SYNC_TAG = "pellicule-upload";

globalThis.addEventListener("install", () => globalThis.skipWaiting());
globalThis.addEventListener("activate", (event) => event.waitUntil(globalThis.clients.claim()));

globalThis.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    globalThis.clients.matchAll({ type: "window" }).then((pages) => {
      for (const page of pages) page.postMessage({ type: SYNC_TAG });
    }),
  );
});
