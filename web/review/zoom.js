// The validation page's large preview (web/review.html): the photo fills the width of the
// screen and zooms (buttons + and −, two-finger pinch, Ctrl + wheel) inside a scrolling
// viewport, so a face box can be drawn precisely with a finger. One finger draws boxes
// (web/review/boxes.js); two fingers pinch and pan; scrollbars or the keyboard pan too (the
// viewport is focusable). The canvas (photo + box overlay) grows with the scale, so boxes stay
// in image coordinates (fractions of the photo) at any zoom.

export const MIN_SCALE = 1;
export const MAX_SCALE = 4;
export const STEP = 1.5;

// --- Pure geometry (unit-tested in tests/web/review-zoom.test.mjs) ---------------------------

export function clampScale(scale) {
  if (!Number.isFinite(scale)) return MIN_SCALE;
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

// The scroll position that keeps `point` (in viewport pixels) over the same spot of the photo
// when the scale goes from `from` to `to`; `scroll` is the current {left, top}.
export function scrollAbout(point, scroll, from, to) {
  const ratio = to / from;
  return {
    left: Math.max(0, (scroll.left + point.x) * ratio - point.x),
    top: Math.max(0, (scroll.top + point.y) * ratio - point.y),
  };
}

// "150 %"
export function percent(scale) {
  return `${Math.round(scale * 100)} %`;
}

// --- The controller --------------------------------------------------------------------------

const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const middle = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export class PreviewZoom {
  // viewport: the scrolling frame; canvas: the photo and its overlay, sized here;
  // onPinch(): a second finger came down (the box editor drops the box being drawn);
  // onChange(scale): after every change (the level shown, the buttons).
  constructor(viewport, canvas, { onPinch = () => {}, onChange = () => {} } = {}) {
    this.viewport = viewport;
    this.canvas = canvas;
    this.onPinch = onPinch;
    this.onChange = onChange;
    this.scale = 1;
    this.ratio = 4 / 3; // width / height of the photo
    this.pointers = new Map();
    this.pinch = null;
    viewport.addEventListener("pointerdown", (event) => this.down(event), true);
    viewport.addEventListener("pointermove", (event) => this.move(event), true);
    viewport.addEventListener("pointerup", (event) => this.up(event), true);
    viewport.addEventListener("pointercancel", (event) => this.up(event), true);
    viewport.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
  }

  get pinching() {
    return this.pinch !== null;
  }

  // The photo's aspect ratio (a new item): back to the whole photo.
  setRatio(ratio) {
    if (Number.isFinite(ratio) && ratio > 0) this.ratio = ratio;
    this.apply(1);
    this.viewport.scrollTo(0, 0);
  }

  // The canvas's size (CSSOM: allowed by the CSP): `scale` times the viewport's width, and at
  // scale 1 never taller than 70 % of the screen (a portrait photo on a desktop).
  apply(scale) {
    this.scale = clampScale(scale);
    this.canvas.style.width = `${this.scale * 100}%`;
    this.canvas.style.maxWidth = `calc(${this.scale} * 70vh * ${this.ratio})`;
    this.viewport.dataset.zoomed = this.scale > 1.001 ? "true" : "false";
    this.onChange(this.scale);
  }

  // Zoom about a point of the viewport (its centre by default).
  zoomTo(scale, point) {
    const to = clampScale(scale);
    const from = this.scale;
    const at = point || { x: this.viewport.clientWidth / 2, y: this.viewport.clientHeight / 2 };
    const scroll = scrollAbout(at, { left: this.viewport.scrollLeft, top: this.viewport.scrollTop }, from, to);
    this.apply(to);
    this.viewport.scrollTo(scroll.left, scroll.top);
  }

  zoomIn() {
    this.zoomTo(this.scale * STEP);
  }

  zoomOut() {
    this.zoomTo(this.scale / STEP);
  }

  point(event) {
    const rect = this.viewport.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  down(event) {
    if (event.pointerType === "mouse") return;
    this.pointers.set(event.pointerId, this.point(event));
    if (this.pointers.size === 2) {
      const [a, b] = [...this.pointers.values()];
      this.pinch = {
        distance: distance(a, b) || 1,
        middle: middle(a, b),
        scale: this.scale,
        scroll: { left: this.viewport.scrollLeft, top: this.viewport.scrollTop },
      };
      this.onPinch();
      event.stopPropagation(); // the second finger is the pinch's, not a box's
      event.preventDefault();
    }
  }

  move(event) {
    if (!this.pointers.has(event.pointerId)) return;
    this.pointers.set(event.pointerId, this.point(event));
    const pinch = this.pinch;
    if (!pinch || this.pointers.size < 2) return;
    event.stopPropagation();
    event.preventDefault();
    const [a, b] = [...this.pointers.values()];
    const to = clampScale(pinch.scale * (distance(a, b) / pinch.distance));
    const anchor = scrollAbout(pinch.middle, pinch.scroll, pinch.scale, to);
    const now = middle(a, b);
    this.apply(to);
    // The spot that was between the fingers follows them (a two-finger pan).
    this.viewport.scrollTo(anchor.left - (now.x - pinch.middle.x), anchor.top - (now.y - pinch.middle.y));
  }

  up(event) {
    if (!this.pointers.has(event.pointerId)) return;
    this.pointers.delete(event.pointerId);
    if (this.pinch && this.pointers.size < 2) {
      event.stopPropagation();
      if (this.pointers.size === 0) this.pinch = null;
    }
  }

  wheel(event) {
    if (!event.ctrlKey) return; // a plain wheel scrolls the page or the viewport
    event.preventDefault();
    this.zoomTo(this.scale * Math.exp(-event.deltaY / 200), this.point(event));
  }
}
