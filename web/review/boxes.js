// Face boxes drawn on the displayed (upright) photo, normalised to 0..1: [x, y, w, h].
//
// Mouse, pen or finger (pointer events): drag on the photo draws a box, drag a box moves it,
// drag its corner resizes it. Keyboard: each box is a button; arrows move it, Shift + arrows
// resize it, Delete or Backspace removes it. Positions are set through the CSSOM (allowed by
// the CSP, unlike style attributes).

import { t } from "/lib/i18n.js";

export const MIN = 0.02; // the smallest side of a box (a smaller drag is a click)
export const STEP = 0.02; // one arrow key press
export const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
// Each side of a box grows by this fraction of its size when blurred (the processor's
// pellicule.domain.faces.HEAD_PADDING): the dashed outline drawn around each box shows it.
export const HEAD_PADDING = 0.35;
const percent = (value) => `${Math.round(value * 100)} %`;

// --- Geometry (pure: plain {x, y, w, h} in, new values out) ----------------------------------

// The box dragged from start to here (either direction).
export function drawn(start, here) {
  return {
    x: Math.min(start.x, here.x),
    y: Math.min(start.y, here.y),
    w: Math.abs(here.x - start.x),
    h: Math.abs(here.y - start.y),
  };
}

// The position of box moved by (dx, dy), kept inside the photo.
export function moved(box, dx, dy) {
  return { x: clamp(box.x + dx, 0, 1 - box.w), y: clamp(box.y + dy, 0, 1 - box.h) };
}

// The size of box grown by (dw, dh), at least MIN and kept inside the photo.
export function resized(box, dw, dh) {
  return { w: clamp(box.w + dw, MIN, 1 - box.x), h: clamp(box.h + dh, MIN, 1 - box.y) };
}

// What the API receives: [x, y, w, h] per box, rounded to 5 decimals.
export function rounded(boxes) {
  return boxes.map(({ x, y, w, h }) => [x, y, w, h].map((v) => Math.round(v * 1e5) / 1e5));
}

// The box's accessible name: its number and where it is, in words.
export function boxLabel(box, index) {
  return t(
    `Cadre ${index + 1} : à ${percent(box.x)} du bord gauche, ${percent(box.y)} du haut, ` +
      `${percent(box.w)} de large, ${percent(box.h)} de haut`,
    `Box ${index + 1}: ${percent(box.x)} from the left, ${percent(box.y)} from the top, ` +
      `${percent(box.w)} wide, ${percent(box.h)} high`,
  );
}

export class BoxEditor {
  // overlay: the element laid exactly over the image; live: a polite live region;
  // onChange(boxes): after any change (the list, the hidden children...).
  constructor(overlay, live, onChange) {
    this.overlay = overlay;
    this.live = live;
    this.onChange = onChange;
    this.boxes = [];
    this.enabled = true;
    this.drag = null;
    overlay.addEventListener("pointerdown", (event) => this.pointerDown(event));
    overlay.addEventListener("pointermove", (event) => this.pointerMove(event));
    overlay.addEventListener("pointerup", (event) => this.pointerUp(event));
    overlay.addEventListener("pointercancel", (event) => this.pointerUp(event));
    overlay.addEventListener("keydown", (event) => this.keyDown(event));
  }

  // boxes: [{x, y, w, h, child}] (child: the tagged child the box hides, or "").
  set(boxes, enabled) {
    this.boxes = boxes.map((box) => ({ ...box }));
    this.enabled = enabled;
    this.overlay.classList.toggle("locked", !enabled);
    this.render();
  }

  values() {
    return rounded(this.boxes);
  }

  label(index) {
    return boxLabel(this.boxes[index], index);
  }

  render() {
    const active = document.activeElement;
    const focused = active && active.classList && active.classList.contains("box")
      ? Number(active.dataset.index) : -1;
    this.overlay.replaceChildren();
    this.boxes.forEach((box, index) => {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "box";
      node.dataset.index = String(index);
      node.disabled = !this.enabled;
      node.setAttribute("aria-label", this.label(index));
      node.setAttribute("aria-describedby", "canvas-help");
      const number = document.createElement("span");
      number.className = "box-number";
      number.textContent = String(index + 1);
      const handle = document.createElement("span");
      handle.className = "handle";
      // The area actually blurred: the box grown to cover the whole head (the processor pads
      // each side by HEAD_PADDING, pellicule.domain.faces.head_region).
      const head = document.createElement("span");
      head.className = "head";
      head.setAttribute("aria-hidden", "true");
      node.append(head, number, handle);
      this.place(node, box);
      this.overlay.append(node);
    });
    if (focused >= 0 && focused < this.boxes.length) this.focus(focused);
  }

  place(node, box) {
    node.style.left = `${box.x * 100}%`;
    node.style.top = `${box.y * 100}%`;
    node.style.width = `${box.w * 100}%`;
    node.style.height = `${box.h * 100}%`;
  }

  update(index, announce = false) {
    const node = this.overlay.querySelector(`.box[data-index="${index}"]`);
    if (node) {
      this.place(node, this.boxes[index]);
      node.setAttribute("aria-label", this.label(index));
    }
    if (announce) this.live.textContent = this.label(index);
  }

  focus(index) {
    const node = this.overlay.querySelector(`.box[data-index="${index}"]`);
    if (node) node.focus();
  }

  // A centred box, for the keyboard (and anyone who prefers a button).
  add() {
    this.boxes.push({ x: 0.4, y: 0.35, w: 0.2, h: 0.3, child: "" });
    this.render();
    this.focus(this.boxes.length - 1);
    this.live.textContent = t(
      `${this.label(this.boxes.length - 1)}. Flèches : déplacer ; Maj + flèches : redimensionner.`,
      `${this.label(this.boxes.length - 1)}. Arrows: move; Shift + arrows: resize.`,
    );
    this.onChange(this.boxes);
  }

  remove(index) {
    this.boxes.splice(index, 1);
    this.render();
    this.live.textContent = t(`Cadre ${index + 1} retiré.`, `Box ${index + 1} removed.`);
    if (this.boxes.length) this.focus(Math.min(index, this.boxes.length - 1));
    this.onChange(this.boxes);
  }

  point(event) {
    const rect = this.overlay.getBoundingClientRect();
    return {
      x: clamp((event.clientX - rect.left) / rect.width, 0, 1),
      y: clamp((event.clientY - rect.top) / rect.height, 0, 1),
    };
  }

  pointerDown(event) {
    if (!this.enabled || event.button > 0) return;
    const start = this.point(event);
    const target = event.target.closest(".box");
    if (target) {
      const index = Number(target.dataset.index);
      const box = this.boxes[index];
      const mode = event.target.classList.contains("handle") ? "resize" : "move";
      this.drag = { mode, index, start, origin: { ...box }, moved: false };
    } else {
      this.boxes.push({ x: start.x, y: start.y, w: 0, h: 0, child: "" });
      this.render();
      this.drag = { mode: "draw", index: this.boxes.length - 1, start, moved: false };
    }
    this.overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  // A pinch began (web/review/zoom.js): the box being drawn is dropped, a box being moved or
  // resized goes back where it was.
  cancel() {
    const drag = this.drag;
    if (!drag) return;
    this.drag = null;
    if (drag.mode === "draw") this.boxes.splice(drag.index, 1);
    else Object.assign(this.boxes[drag.index], drag.origin);
    this.render();
  }

  pointerMove(event) {
    const drag = this.drag;
    if (!drag) return;
    const here = this.point(event);
    const box = this.boxes[drag.index];
    drag.moved = true;
    const dx = here.x - drag.start.x;
    const dy = here.y - drag.start.y;
    if (drag.mode === "draw") Object.assign(box, drawn(drag.start, here));
    else if (drag.mode === "move") Object.assign(box, moved(drag.origin, dx, dy));
    else Object.assign(box, resized(drag.origin, dx, dy));
    this.update(drag.index);
  }

  pointerUp(event) {
    const drag = this.drag;
    if (!drag) return;
    this.drag = null;
    if (this.overlay.hasPointerCapture(event.pointerId)) {
      this.overlay.releasePointerCapture(event.pointerId);
    }
    const box = this.boxes[drag.index];
    if (drag.mode === "draw" && (box.w < MIN || box.h < MIN)) {
      this.boxes.splice(drag.index, 1); // a click, not a drag: no box
      this.render();
      return;
    }
    this.focus(drag.index);
    if (drag.moved) {
      this.live.textContent = this.label(drag.index);
      this.onChange(this.boxes);
    }
  }

  keyDown(event) {
    const target = event.target.closest(".box");
    if (!target || !this.enabled) return;
    const index = Number(target.dataset.index);
    const box = this.boxes[index];
    if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      this.remove(index);
      return;
    }
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const [dx, dy] = moves[event.key];
    const change = event.shiftKey ? resized(box, dx * STEP, dy * STEP) : moved(box, dx * STEP, dy * STEP);
    Object.assign(box, change);
    this.update(index, true);
    this.onChange(this.boxes);
  }
}
