// web/staff/shrink.js and web/staff/queue.js: the size a phone photo is redrawn at before it
// is sent, which file goes (the smaller), and the waits between automatic tries.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { LONG_SIDE, QUALITY, jpegName, redrawable, shrink, smaller, targetSize } from "/staff/shrink.js";
import { MAX_ATTEMPTS, backoffMs, retriesLeft } from "/staff/queue.js";
import { grantUsable } from "/staff/upload.js";

describe("targetSize", () => {
  test("brings a 12 MP photo's long side to 2,560 px, ratio kept", () => {
    assert.deepEqual(targetSize(4032, 3024), { width: 2560, height: 1920 });
    assert.deepEqual(targetSize(3024, 4032), { width: 1920, height: 2560 });
    assert.deepEqual(targetSize(4000, 4000), { width: 2560, height: 2560 });
  });

  test("rounds the short side and never makes it zero", () => {
    assert.deepEqual(targetSize(8000, 3), { width: 2560, height: 1 });
    assert.deepEqual(targetSize(5001, 2000), { width: 2560, height: 1024 }); // 1023.8
  });

  test("leaves a picture within the long side alone (no upscaling)", () => {
    assert.equal(targetSize(2560, 1440), null);
    assert.equal(targetSize(1200, 800), null);
    assert.equal(targetSize(0, 800), null);
    assert.equal(targetSize(Number.NaN, 800), null);
  });

  test("follows the download rendition (functions/process/imaging.py)", () => {
    assert.equal(LONG_SIDE, 2560);
    assert.equal(QUALITY, 88);
  });
});

describe("what is redrawn and what is sent", () => {
  test("only JPEG, PNG and WebP are redrawn", () => {
    for (const type of ["image/jpeg", "image/png", "image/webp"]) assert.ok(redrawable(type));
    for (const type of ["image/heic", "image/heif", "video/mp4", "video/quicktime", ""]) assert.ok(!redrawable(type));
  });

  test("the redrawn file goes only when it is smaller", () => {
    const original = { size: 5_000_000 };
    assert.equal(smaller(original, { size: 1_200_000 }).size, 1_200_000);
    assert.equal(smaller(original, { size: 5_000_001 }), original);
    assert.equal(smaller(original, null), original);
    assert.equal(smaller(original, { size: 0 }), original);
  });

  test("a redrawn PNG or WebP is named as the JPEG it became", () => {
    assert.equal(jpegName("IMG_0001.PNG"), "IMG_0001.jpg");
    assert.equal(jpegName("sortie.plage.webp"), "sortie.plage.jpg");
    assert.equal(jpegName("photo"), "photo.jpg");
  });

  test("a video or a HEIC is sent as it is, without being decoded", async () => {
    const file = { name: "clip.mov", size: 10 };
    assert.deepEqual(await shrink(file, "video/quicktime"), { blob: file, name: "clip.mov", type: "video/quicktime", shrunk: false });
    const heic = { name: "IMG_1.HEIC", size: 10 };
    assert.equal((await shrink(heic, "image/heic")).blob, heic);
  });
});

describe("automatic tries", () => {
  test("wait longer after each failure, within a minute", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(backoffMs), [0, 2000, 6000, 18000, 54000, 60000, 60000]);
  });

  test("stop after MAX_ATTEMPTS, then the animator is asked", () => {
    assert.equal(MAX_ATTEMPTS, 3);
    assert.deepEqual([1, 2, 3, 4].map(retriesLeft), [true, true, false, false]);
  });

  test("a presigned POST is used only with a minute left; otherwise a new grant is asked", () => {
    const now = 1_000_000_000_000;
    const at = (seconds) => ({ expires_at: now / 1000 + seconds });
    assert.ok(grantUsable(at(120), now));
    assert.ok(!grantUsable(at(60), now));
    assert.ok(!grantUsable(at(-1), now));
    assert.ok(!grantUsable(null, now));
    assert.ok(grantUsable({ multipart: { part_count: 2 } }, now));
  });
});
