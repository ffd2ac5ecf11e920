// Zoom and pan of the gallery viewer's photo (web/gallery/viewer.js), by Pointer Events.
//
// Two pointers pinch (the point between the fingers stays under them); one pointer pans while
// zoomed and swipes to the previous/next item while not; a double tap (touch) or double click
// (mouse) zooms in on that point, or back out; Ctrl + wheel (a trackpad's pinch) zooms. The
// photo keeps its laid-out (contained) size and moves with a CSS transform,
// translate(x, y) scale(s) about its centre, so the geometry below is in stage pixels,
// relative to the stage's centre.

export const MAX_SCALE = 4;
export const DOUBLE_TAP_SCALE = 2.5;
export const STEP_SCALE = 1.5;
const DOUBLE_TAP_MS = 350;
const TAP_SLOP_PX = 12;
const SWIPE_PX = 50;
const KEY_PAN_PX = 60;

// --- Pure geometry (unit-tested in tests/web/zoom.test.mjs) ----------------------------------

export function clampScale(scale) {
  return Math.min(MAX_SCALE, Math.max(1, scale));
}

// The offset that keeps a zoomed image over the stage: an image larger than the stage may move
// until its edge meets the stage's; a smaller one stays centred.
export function clampOffset(offset, scale, image, stage) {
  const limitX = Math.max(0, (image.width * scale - stage.width) / 2);
  const limitY = Math.max(0, (image.height * scale - stage.height) / 2);
  const clamp = (value, limit) => Math.min(limit, Math.max(-limit, value)) || 0;
  return { x: clamp(offset.x, limitX), y: clamp(offset.y, limitY) };
}

// The offset that keeps ``point`` (relative to the stage's centre) over the same spot of the
// image when the scale goes from ``from.scale`` to ``scale``.
export function zoomAbout(point, from, scale) {
  const u = (point.x - from.x) / from.scale;
  const v = (point.y - from.y) / from.scale;
  return { x: point.x - scale * u, y: point.y - scale * v };
}

// --- The controller --------------------------------------------------------------------------

const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const middle = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export class Zoom {
  // stage: the element the photo is centred in; onSwipe(delta): previous (-1) / next (+1).
  constructor(stage, onSwipe) {
    this.stage = stage;
    this.onSwipe = onSwipe;
    this.pointers = new Map(); // pointerId -> {x, y} relative to the stage's centre
    this.gesture = null;
    this.lastTap = null;
    this.touchTapAt = 0;
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    stage.addEventListener("pointerdown", (event) => this.down(event));
    stage.addEventListener("pointermove", (event) => this.move(event));
    stage.addEventListener("pointerup", (event) => this.up(event, false));
    stage.addEventListener("pointercancel", (event) => this.up(event, true));
    stage.addEventListener("dblclick", (event) => this.doubleClick(event));
    stage.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
  }

  get zoomed() {
    return this.scale > 1.001;
  }

  image() {
    return this.stage.querySelector("img");
  }

  point(event) {
    const box = this.stage.getBoundingClientRect();
    return { x: event.clientX - (box.left + box.width / 2), y: event.clientY - (box.top + box.height / 2) };
  }

  // Back to the whole photo (a new item is shown, the viewer closes).
  reset() {
    this.pointers.clear();
    this.gesture = null;
    this.lastTap = null;
    this.set(1, { x: 0, y: 0 });
  }

  set(scale, offset) {
    const image = this.image();
    this.scale = image ? clampScale(scale) : 1;
    const size = image
      ? { width: image.offsetWidth, height: image.offsetHeight }
      : { width: 0, height: 0 };
    const stage = { width: this.stage.clientWidth, height: this.stage.clientHeight };
    const { x, y } = clampOffset(offset, this.scale, size, stage);
    this.x = x;
    this.y = y;
    this.stage.dataset.zoomed = this.zoomed ? "true" : "false";
    if (image) image.style.transform = this.zoomed ? `translate(${x}px, ${y}px) scale(${this.scale})` : "";
  }

  zoomTo(scale, point = { x: 0, y: 0 }) {
    const next = clampScale(scale);
    this.set(next, zoomAbout(point, this, next));
  }

  // Keyboard: "+" / "-" zoom about the centre; arrows pan while zoomed (true: handled).
  key(event) {
    if (!this.image()) return false;
    if (event.key === "+" || event.key === "=") this.zoomTo(this.scale * STEP_SCALE);
    else if (event.key === "-" || event.key === "_") this.zoomTo(this.scale / STEP_SCALE);
    else if (this.zoomed && event.key.startsWith("Arrow")) {
      const pan = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
      if (!pan) return false;
      this.set(this.scale, { x: this.x + pan[0] * KEY_PAN_PX, y: this.y + pan[1] * KEY_PAN_PX });
    } else return false;
    return true;
  }

  down(event) {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    const onImage = event.target === this.image();
    // A pointer on the photo is captured (a drag may leave the stage); never on a video, whose
    // own controls must get their clicks.
    if (onImage) {
      try { this.stage.setPointerCapture(event.pointerId); } catch { /* already released */ }
    }
    this.pointers.set(event.pointerId, this.point(event));
    if (this.pointers.size === 2 && this.image()) {
      const [a, b] = [...this.pointers.values()];
      this.gesture = {
        kind: "pinch", distance: distance(a, b) || 1, middle: middle(a, b),
        from: { scale: this.scale, x: this.x, y: this.y },
      };
    } else if (this.pointers.size === 1) {
      this.startOne(event.pointerId, false, event.pointerType);
    }
  }

  // One pointer down: a pan if zoomed, a swipe or a tap otherwise. ``afterPinch``: the other
  // finger of a pinch lifted (it pans, never swipes nor taps).
  startOne(pointerId, afterPinch, pointerType) {
    const start = this.pointers.get(pointerId);
    this.gesture = {
      kind: "one", start, from: { x: this.x, y: this.y }, afterPinch, pointerType, moved: 0,
    };
  }

  move(event) {
    if (!this.pointers.has(event.pointerId)) return;
    const now = this.point(event);
    this.pointers.set(event.pointerId, now);
    const gesture = this.gesture;
    if (!gesture) return;
    if (gesture.kind === "pinch" && this.pointers.size >= 2) {
      event.preventDefault();
      const [a, b] = [...this.pointers.values()];
      const scale = clampScale(gesture.from.scale * (distance(a, b) / gesture.distance));
      const anchor = zoomAbout(gesture.middle, gesture.from, scale);
      const mid = middle(a, b);
      // The spot that was between the fingers follows them.
      this.set(scale, { x: anchor.x + (mid.x - gesture.middle.x), y: anchor.y + (mid.y - gesture.middle.y) });
    } else if (gesture.kind === "one") {
      const dx = now.x - gesture.start.x;
      const dy = now.y - gesture.start.y;
      gesture.moved = Math.max(gesture.moved, Math.hypot(dx, dy));
      if (this.zoomed) {
        event.preventDefault();
        this.set(this.scale, { x: gesture.from.x + dx, y: gesture.from.y + dy });
      }
    }
  }

  up(event, cancelled) {
    if (!this.pointers.has(event.pointerId)) return;
    const end = this.pointers.get(event.pointerId);
    this.pointers.delete(event.pointerId);
    const gesture = this.gesture;
    if (gesture && gesture.kind === "pinch") {
      if (this.scale < 1.05) this.set(1, { x: 0, y: 0 });
      const [left] = this.pointers.keys();
      if (left === undefined) this.gesture = null;
      else this.startOne(left, true, event.pointerType);
      return;
    }
    this.gesture = null;
    if (!gesture || cancelled || gesture.afterPinch) return;
    const dx = end.x - gesture.start.x;
    const dy = end.y - gesture.start.y;
    if (!this.zoomed && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) {
      this.onSwipe(dx < 0 ? 1 : -1);
    } else if (gesture.moved < TAP_SLOP_PX && gesture.pointerType !== "mouse") {
      this.tap(end);
    }
  }

  // Two taps close in time and place: zoom in on that spot, or back to the whole photo.
  tap(point) {
    const now = Date.now();
    const last = this.lastTap;
    if (last && now - last.at < DOUBLE_TAP_MS && distance(last.point, point) < 40) {
      this.lastTap = null;
      this.touchTapAt = now;
      this.toggle(point);
    } else {
      this.lastTap = { at: now, point };
    }
  }

  toggle(point) {
    if (!this.image()) return;
    if (this.zoomed) this.set(1, { x: 0, y: 0 });
    else this.zoomTo(DOUBLE_TAP_SCALE, point);
  }

  doubleClick(event) {
    if (Date.now() - this.touchTapAt < 800) return; // the browser's own double tap, done already
    // (the photo captures the pointer: the double click may land on the stage itself)
    if (event.target !== this.image() && event.target !== this.stage) return;
    event.preventDefault();
    this.toggle(this.point(event));
  }

  wheel(event) {
    if (!event.ctrlKey || !this.image()) return;
    event.preventDefault();
    this.zoomTo(this.scale * Math.exp(-event.deltaY / 200), this.point(event));
  }
}
