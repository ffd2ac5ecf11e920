// web/review/boxes.js: the face boxes' geometry (normalised to the photo, 0..1): drawing,
// moving and resizing keep every box inside the photo and at least MIN wide and high.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { MIN, boxLabel, clamp, drawn, moved, resized, rounded } from "/review/boxes.js";

beforeEach(() => localStorage.clear());

// Compare coordinates to the nearest 1e-9 (0.1 + 0.2 is not 0.3).
function near(actual, expected) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key] - value) < 1e-9, `${key}: ${actual[key]} instead of ${value}`);
  }
}

test("clamp keeps a value within its bounds", () => {
  assert.equal(clamp(-0.5, 0, 1), 0);
  assert.equal(clamp(0.25, 0, 1), 0.25);
  assert.equal(clamp(1.5, 0, 1), 1);
});

describe("drawn", () => {
  test("is the box between the two corners, whichever way the drag went", () => {
    near(drawn({ x: 0.1, y: 0.2 }, { x: 0.4, y: 0.6 }), { x: 0.1, y: 0.2, w: 0.3, h: 0.4 });
    near(drawn({ x: 0.4, y: 0.6 }, { x: 0.1, y: 0.2 }), { x: 0.1, y: 0.2, w: 0.3, h: 0.4 });
    near(drawn({ x: 0.4, y: 0.2 }, { x: 0.1, y: 0.6 }), { x: 0.1, y: 0.2, w: 0.3, h: 0.4 });
  });

  test("is empty for a click", () => {
    near(drawn({ x: 0.3, y: 0.3 }, { x: 0.3, y: 0.3 }), { x: 0.3, y: 0.3, w: 0, h: 0 });
  });
});

describe("moved", () => {
  const box = { x: 0.4, y: 0.35, w: 0.2, h: 0.3 };

  test("moves by the offset inside the photo", () => {
    near(moved(box, 0.1, -0.05), { x: 0.5, y: 0.3 });
  });

  test("stops at the left and top edges", () => {
    near(moved(box, -1, -1), { x: 0, y: 0 });
  });

  test("stops where the box touches the right and bottom edges", () => {
    near(moved(box, 1, 1), { x: 0.8, y: 0.7 });
  });

  test("leaves the box it was given as it was", () => {
    moved(box, 0.1, 0.1);
    assert.deepEqual(box, { x: 0.4, y: 0.35, w: 0.2, h: 0.3 });
  });
});

describe("resized", () => {
  const box = { x: 0.4, y: 0.35, w: 0.2, h: 0.3 };

  test("grows and shrinks by the offset", () => {
    near(resized(box, 0.1, -0.1), { w: 0.3, h: 0.2 });
  });

  test("never goes past the right and bottom edges", () => {
    near(resized(box, 1, 1), { w: 0.6, h: 0.65 });
  });

  test("never gets smaller than MIN", () => {
    near(resized(box, -1, -1), { w: MIN, h: MIN });
  });
});

test("rounded gives [x, y, w, h] per box to 5 decimals, for the API", () => {
  const boxes = [
    { x: 0.123456789, y: 0.5, w: 0.1 + 0.2, h: 1 / 3, child: "c1" },
    { x: 0, y: 0, w: 1, h: 1, child: "" },
  ];
  assert.deepEqual(rounded(boxes), [[0.12346, 0.5, 0.3, 0.33333], [0, 0, 1, 1]]);
});

test("boxLabel says where the box is, in percent, in the page's language", () => {
  const box = { x: 0.4, y: 0.354, w: 0.2, h: 0.3 };
  assert.equal(boxLabel(box, 0),
    "Cadre 1 : à 40 % du bord gauche, 35 % du haut, 20 % de large, 30 % de haut");
  setLanguage("en");
  assert.equal(boxLabel(box, 2), "Box 3: 40 % from the left, 35 % from the top, 20 % wide, 30 % high");
});
