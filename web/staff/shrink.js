// Photos shrunk in the browser before they are sent (docs/media-pipeline.md, "Uploads from a
// phone"). A 12 MP phone photo is ~4-6 MB; at the download rendition's size and quality it is
// ~1 MB, which is all Pellicule ever keeps of it. The server checks everything again (size,
// magic bytes, decoding): this only saves the animator's data plan and time.
//
// Only JPEG, PNG and WebP are redrawn. Anything the browser cannot decode (HEIC outside Safari),
// videos, photos already within the long side, and a redraw that comes out larger than the
// original go as they are. Transparency is flattened on white, as the processor does for the
// JPEG renditions (functions/process/imaging.py).

// Kept in step with functions/process/imaging.py (RENDITIONS["download"], JPEG_QUALITY["download"]);
// tests/unit/test_phone_upload_sizes.py reads both.
export const LONG_SIDE = 2560;
export const QUALITY = 88;

const REDRAWN = new Set(["image/jpeg", "image/png", "image/webp"]);

// The size a width x height picture is drawn at: its long side brought to `longSide`, the
// ratio kept, each side at least 1 px; null when it is already small enough (or not a size).
export function targetSize(width, height, longSide = LONG_SIDE) {
  if (!(width > 0 && height > 0)) return null;
  const long = Math.max(width, height);
  if (long <= longSide) return null;
  const scale = longSide / long;
  return {
    width: width >= height ? longSide : Math.max(1, Math.round(width * scale)),
    height: height > width ? longSide : Math.max(1, Math.round(height * scale)),
  };
}

// Whether a file of this (API) content type is worth decoding at all.
export function redrawable(type) {
  return REDRAWN.has(type);
}

// The shrunk version when it is really smaller, else the original.
export function smaller(original, shrunk) {
  return shrunk && shrunk.size > 0 && shrunk.size < original.size ? shrunk : original;
}

// "IMG_0001.png" -> "IMG_0001.jpg" (the redrawn file is a JPEG).
export function jpegName(name) {
  const dot = name.lastIndexOf(".");
  return `${dot > 0 ? name.slice(0, dot) : name}.jpg`;
}

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // fall through to <img>
    }
  }
  if (typeof Image !== "function") return null;
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } catch {
    return null; // not decodable here (HEIC in Chromium, a broken file): sent as it is
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function encode(source, size) {
  let canvas;
  if (typeof OffscreenCanvas === "function") canvas = new OffscreenCanvas(size.width, size.height);
  else {
    canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
  }
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; // transparency on white, like the processor
  context.fillRect(0, 0, size.width, size.height);
  context.imageSmoothingQuality = "high";
  context.drawImage(source, 0, 0, size.width, size.height);
  const options = { type: "image/jpeg", quality: QUALITY / 100 };
  if (canvas.convertToBlob) return canvas.convertToBlob(options);
  return new Promise((resolve) => canvas.toBlob(resolve, options.type, options.quality));
}

// The file to send for `file` of API type `type`: {blob, name, type, shrunk}.
export async function shrink(file, type) {
  const original = { blob: file, name: file.name, type, shrunk: false };
  if (!redrawable(type)) return original;
  const picture = await decode(file);
  if (!picture) return original;
  try {
    const size = targetSize(picture.naturalWidth || picture.width, picture.naturalHeight || picture.height);
    if (!size) return original;
    const blob = await encode(picture, size).catch(() => null);
    if (smaller(file, blob) === file) return original;
    return { blob, name: jpegName(file.name || "photo"), type: "image/jpeg", shrunk: true };
  } finally {
    if (picture.close) picture.close();
  }
}
