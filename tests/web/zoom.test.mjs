// web/gallery/zoom.js: the viewer's zoom geometry (scale limits, pan clamped to the photo,
// zooming about a point).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { MAX_SCALE, clampOffset, clampScale, zoomAbout } from "/gallery/zoom.js";

describe("clampScale", () => {
  test("keeps the scale between the whole photo and the maximum", () => {
    assert.equal(clampScale(0.3), 1);
    assert.equal(clampScale(2), 2);
    assert.equal(clampScale(40), MAX_SCALE);
  });
});

describe("clampOffset", () => {
  const stage = { width: 390, height: 700 };
  const image = { width: 390, height: 260 };

  test("a photo at its contained size cannot move", () => {
    assert.deepEqual(clampOffset({ x: 50, y: -80 }, 1, image, stage), { x: 0, y: 0 });
  });

  test("a zoomed photo moves until its edge meets the stage's", () => {
    // 3x: 1170 x 780, so 390 px of margin each side across, 40 px down and up
    assert.deepEqual(clampOffset({ x: 1000, y: -1000 }, 3, image, stage), { x: 390, y: -40 });
    assert.deepEqual(clampOffset({ x: -20, y: 10 }, 3, image, stage), { x: -20, y: 10 });
  });
});

describe("zoomAbout", () => {
  test("keeps the point under the fingers over the same spot of the photo", () => {
    const from = { scale: 1, x: 0, y: 0 };
    const point = { x: 100, y: -50 };
    const offset = zoomAbout(point, from, 2);
    assert.deepEqual(offset, { x: -100, y: 50 });
    // the photo's spot under ``point`` before (100, -50 from its centre) is still under it
    assert.equal(offset.x + 2 * 100, point.x);
    assert.equal(offset.y + 2 * -50, point.y);
  });

  test("zooming about the centre keeps a centred photo centred", () => {
    assert.deepEqual(zoomAbout({ x: 0, y: 0 }, { scale: 2, x: 0, y: 0 }, 3), { x: 0, y: 0 });
  });
});
