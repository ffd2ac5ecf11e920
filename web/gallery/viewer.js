// The family gallery's full-screen viewer (docs/web.md): one item at a time over a dark
// background, the photo contained in the screen, pinch / double tap / + and - to zoom
// (web/gallery/zoom.js), pan while zoomed, swipe or arrows to the previous / next item while
// not, Escape or "Fermer" to close (focus back on the item shown), download when the centre
// allows it, videos with their own controls.
//
// The gallery (web/gallery.js) owns the album's items and their signed URLs: it gives this
// module its state and how to get an item's fresh index (URLs fetched again when they expire).

import { Zoom } from "/gallery/zoom.js";

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// deps: {state ({items, index, downloads}), messages() (the page's texts now), label(item),
// freshIndex(mediaId) (a promise: the item's index once its URLs are fresh, -1 if gone),
// onMediaError(), api(path), origin(index) (the grid button of an item)}.
export function createViewer(deps) {
  const { state } = deps;
  const dialog = $("lightbox");
  const stage = $("stage");
  const zoom = new Zoom(stage, (delta) => step(delta));
  let problem = ""; // the viewer's own status line, as a key of the page's messages

  function render() {
    const item = state.items[state.index];
    if (!item) return;
    stage.replaceChildren();
    if (item.kind === "video" && item.renditions.video) {
      const video = element("video", { controls: "", preload: "metadata", playsinline: "" });
      if (item.renditions.poster) video.poster = item.renditions.poster.url;
      const source = element("source", { src: item.renditions.video.url, type: item.renditions.video.type });
      source.addEventListener("error", deps.onMediaError);
      video.append(source);
      stage.append(video);
    } else {
      const web = item.renditions.web || item.renditions.thumb;
      const image = element("img", { src: web.url, alt: deps.label(item), draggable: "false" });
      image.addEventListener("error", deps.onMediaError);
      stage.append(image);
    }
    zoom.reset();
    problem = "";
    renderText();
    $("prev").disabled = state.index === 0;
    $("next").disabled = state.index === state.items.length - 1;
    $("download").hidden = !state.downloads;
  }

  // The words of the item shown (after a language switch too).
  function renderText() {
    const item = state.items[state.index];
    if (!item) return;
    const label = deps.label(item);
    $("lightbox-title").textContent = label;
    $("lightbox-caption").textContent = `${label} — ${deps.messages().position(state.index + 1, state.items.length)}`;
    const image = stage.querySelector("img");
    if (image) image.alt = label;
    const status = $("viewer-status");
    status.textContent = problem ? deps.messages()[problem] : "";
    status.hidden = !problem;
  }

  async function open(index) {
    const at = await deps.freshIndex(state.items[index].media_id);
    if (at < 0) return;
    state.index = at;
    render();
    if (!dialog.open) dialog.showModal();
    $("close").focus();
  }

  async function step(delta) {
    const target = state.items[state.index + delta];
    if (!target) return;
    const at = await deps.freshIndex(target.media_id);
    if (at < 0) return;
    state.index = at;
    render();
  }

  async function download() {
    const item = state.items[state.index];
    const response = await deps.api(`/api/family/media/${encodeURIComponent(item.media_id)}/download`);
    if (!response.ok) {
      problem = "failed"; // shown in the viewer, over which the page's status line is hidden
      return renderText();
    }
    const { url } = await response.json();
    const link = element("a", { href: url, download: "" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // Close and give focus back to the item shown at once: the browser would first restore it to
  // the thumbnail that opened the viewer, and only the close event (a task later) would move it on.
  function close() {
    if (dialog.open) dialog.close();
    const origin = deps.origin(state.index);
    if (origin) origin.focus();
  }

  $("prev").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
  $("close").addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(); });
  $("download").addEventListener("click", download);
  dialog.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLVideoElement) return; // its own keys (seek, volume)
    if (zoom.key(event)) event.preventDefault();
    else if (event.key === "ArrowLeft") step(-1);
    else if (event.key === "ArrowRight") step(1);
  });
  dialog.addEventListener("close", () => {
    zoom.reset();
    stage.replaceChildren();
    const origin = deps.origin(state.index);
    if (origin) origin.focus();
  });

  return {
    open,
    close,
    render,
    renderText,
    get isOpen() { return dialog.open; },
  };
}
