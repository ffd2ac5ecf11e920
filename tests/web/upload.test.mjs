// web/staff/upload.js: the staff console's upload helpers. The content type a grant asks for,
// sizes in words, the API's bilingual messages, multipart part lengths, and the remembered
// unfinished uploads (localStorage).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { contentType, humanSize, partBytes, remember, remembered } from "/staff/upload.js";

beforeEach(() => localStorage.clear());
afterEach(() => mock.restoreAll());

describe("contentType", () => {
  test("keeps the browser's type when the API accepts it", () => {
    assert.equal(contentType({ name: "a.bin", type: "image/webp" }), "image/webp");
    assert.equal(contentType({ name: "clip", type: "VIDEO/QUICKTIME" }), "video/quicktime");
    assert.equal(contentType({ name: "a.png", type: "image/jpg" }), "image/jpeg");
  });

  test("uses the extension when the browser gives no type (HEIC on many phones)", () => {
    assert.equal(contentType({ name: "IMG_0001.HEIC", type: "" }), "image/heic");
    assert.equal(contentType({ name: "clip.m4v", type: "" }), "video/mp4");
    assert.equal(contentType({ name: "clip.MOV", type: "application/octet-stream" }), "video/quicktime");
  });

  test("gives an unknown type as it is, for the page to refuse", () => {
    assert.equal(contentType({ name: "logo.svg", type: "image/svg+xml" }), "image/svg+xml");
    assert.equal(contentType({ name: "notes", type: "" }), "");
  });
});

describe("humanSize", () => {
  test("kilobytes under a megabyte, at least 1", () => {
    assert.equal(humanSize(10), "1 Ko");
    assert.equal(humanSize(300 * 1024), "300 Ko");
    setLanguage("en");
    assert.equal(humanSize(300 * 1024), "300 KB");
  });

  test("megabytes with one decimal under 10 MB (a comma in French), none above", () => {
    assert.equal(humanSize(2.5 * 1024 * 1024), "2,5 Mo");
    assert.equal(humanSize(123 * 1024 * 1024), "123 Mo");
    setLanguage("en");
    assert.equal(humanSize(2.5 * 1024 * 1024), "2.5 MB");
  });
});

test("partBytes: every part is full but the last", () => {
  const size = 25 * 1024 * 1024;
  const part = 8 * 1024 * 1024;
  assert.deepEqual([1, 2, 3, 4].map((n) => partBytes(size, part, n)), [part, part, part, 1024 * 1024]);
  assert.equal(partBytes(2 * part, part, 2), part);
});

describe("remembered uploads", () => {
  const record = { media_id: "m1", album_id: "a1", name: "clip.mov", size: 10, part_count: 2, parts: {} };

  test("a remembered upload is found again, with the time it was saved", () => {
    mock.method(Date, "now", () => 1_000_000);
    remember({ ...record, parts: { 1: "etag-1" } });
    assert.deepEqual(remembered(), [{ ...record, parts: { 1: "etag-1" }, saved_at: 1_000_000 }]);
  });

  test("a day-old record is forgotten (the bucket aborted its upload)", () => {
    const now = mock.method(Date, "now", () => 1_000_000);
    remember(record);
    now.mock.mockImplementation(() => 1_000_000 + 24 * 3600 * 1000 + 1);
    assert.deepEqual(remembered(), []);
    assert.equal(localStorage.length, 0);
  });

  test("an unreadable record is dropped and the others kept", () => {
    localStorage.setItem("pellicule-upload:broken", "{not json");
    localStorage.setItem("pellicule-lang", "en");
    remember(record);
    assert.deepEqual(remembered().map((r) => r.media_id), ["m1"]);
    assert.equal(localStorage.getItem("pellicule-upload:broken"), null);
    assert.equal(localStorage.getItem("pellicule-lang"), "en", "other keys are left alone");
  });
});
