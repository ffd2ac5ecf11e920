// web/lib/api.js and the error line of web/lib/dom.js, with fetch and window.location stubbed:
// the anti-CSRF header on state-changing calls only, errors as ApiError with the API's reason
// and message in the page's language, a 401 that sends the page to the sign-in page.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { setLanguage } from "./fake-browser.mjs";
import { ApiError, CSRF_HEADER, NETWORK_MESSAGE, call } from "/lib/api.js";
import { UserError, showError } from "/lib/dom.js";

let requests;
let assigned;

// The next fetch answers status with body (a string, or a value sent as JSON).
function answer(status, body = "") {
  globalThis.fetch = mock.fn(async (path, init) => {
    requests.push({ path, ...init });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return { status, ok: status >= 200 && status < 300, text: async () => text };
  });
}

beforeEach(() => {
  localStorage.clear();
  requests = [];
  assigned = [];
  globalThis.window = { location: { assign: (url) => assigned.push(url) } };
});

afterEach(() => {
  delete globalThis.fetch;
  delete globalThis.window;
});

describe("call", () => {
  test("a GET sends no anti-CSRF header and no body, and gives the parsed JSON", async () => {
    answer(200, { albums: [] });
    assert.deepEqual(await call("GET", "/api/admin/albums"), { albums: [] });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].path, "/api/admin/albums");
    assert.equal(requests[0].method, "GET");
    assert.deepEqual(requests[0].headers, {});
    assert.equal(requests[0].body, undefined);
    assert.equal(requests[0].credentials, "same-origin");
  });

  test("a POST carries the anti-CSRF header, and a body as JSON", async () => {
    answer(200, { ok: true });
    await call("POST", "/api/admin/albums", { body: { title: "Été" } });
    assert.deepEqual(requests[0].headers, { [CSRF_HEADER]: "1", "content-type": "application/json" });
    assert.equal(requests[0].body, '{"title":"Été"}');
  });

  test("every state-changing method carries the header, even without a body", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      answer(204);
      assert.equal(await call(method, "/api/x"), null, "an empty answer is null");
      assert.deepEqual(requests.at(-1).headers, { [CSRF_HEADER]: "1" }, method);
    }
  });

  test("an error answer throws ApiError with its family, reason, params and message", async () => {
    answer(413, {
      error: "too_large",
      reason: "upload_too_large",
      params: { name: "IMG_1.HEIC", megabytes: 20 },
      message: { fr: "« IMG_1.HEIC » dépasse 20 Mo.", en: "'IMG_1.HEIC' is larger than 20 MB." },
    });
    const error = await call("POST", "/api/x").catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 413);
    assert.equal(error.code, "too_large");
    assert.equal(error.reason, "upload_too_large");
    assert.deepEqual(error.params, { name: "IMG_1.HEIC", megabytes: 20 });
    assert.deepEqual(error.texts, { fr: "« IMG_1.HEIC » dépasse 20 Mo.", en: "'IMG_1.HEIC' is larger than 20 MB." });
  });

  test("the message is the one of the page's language, and follows a switch", async () => {
    answer(404, { error: "not_found", reason: "album_not_found", params: {},
      message: { fr: "Album introuvable.", en: "Album not found." } });
    const error = await call("GET", "/api/x").catch((e) => e);
    assert.equal(error.message, "Album introuvable.");
    setLanguage("en");
    assert.equal(error.message, "Album not found.");
    assert.ok(!error.message.includes(" / "), "never both languages in one text");
  });

  test("an error answer that is not JSON still gives its status", async () => {
    answer(502, "<html>Bad gateway</html>");
    const error = await call("GET", "/api/x").catch((e) => e);
    assert.equal(error.status, 502);
    assert.equal(error.message, "HTTP 502");
    assert.equal(error.reason, undefined);
  });

  test("no answer at all is a network error in both languages", async () => {
    globalThis.fetch = async () => {
      throw new TypeError("Failed to fetch");
    };
    const error = await call("GET", "/api/x").catch((e) => e);
    assert.equal(error.status, 0);
    assert.equal(error.code, "network");
    assert.equal(error.message, NETWORK_MESSAGE.fr);
    setLanguage("en");
    assert.equal(error.message, NETWORK_MESSAGE.en);
  });

  test("a 401 goes to the sign-in page", async () => {
    answer(401, { error: "unauthorized", message: "…" });
    const error = await call("GET", "/api/auth/me").catch((e) => e);
    assert.deepEqual(assigned, ["/login.html"]);
    assert.equal(error.code, "signed_out");
  });

  test("a 401 stays on the page when the caller handles it (signIn: false)", async () => {
    answer(401, { error: "unauthorized", message: "Session terminée. / Session ended." });
    const error = await call("POST", "/api/auth/logout", { signIn: false }).catch((e) => e);
    assert.deepEqual(assigned, []);
    assert.equal(error.status, 401);
    assert.equal(error.code, "unauthorized");
  });
});

describe("showError", () => {
  const line = () => ({ textContent: "old", hidden: false });

  test("no error empties and hides the line", () => {
    const node = line();
    showError(node, null);
    assert.deepEqual(node, { textContent: "", hidden: true });
  });

  test("the API's message in the page's language, the page's own as it is", () => {
    const node = line();
    const missing = new ApiError(400, { fr: "Titre manquant.", en: "Title missing." }, "bad_request");
    showError(node, missing);
    assert.deepEqual(node, { textContent: "Titre manquant.", hidden: false });
    setLanguage("en");
    showError(node, missing);
    assert.equal(node.textContent, "Title missing.");
    showError(node, new ApiError(400, "Choose at least one audience.", "audiences"));
    assert.equal(node.textContent, "Choose at least one audience.");
    setLanguage("fr");
    showError(node, new UserError("Cochez au moins un public."));
    assert.equal(node.textContent, "Cochez au moins un public.");
  });

  test("any other failure gets a general message in the page's language", () => {
    const node = line();
    showError(node, new TypeError("x is undefined"));
    assert.equal(node.textContent, "Une erreur est survenue. Réessayez dans un instant.");
    setLanguage("en");
    showError(node, new TypeError("x is undefined"));
    assert.equal(node.textContent, "Something went wrong. Try again in a moment.");
  });

  test("a signed-out session shows nothing: the page is leaving", () => {
    const node = line();
    showError(node, new ApiError(401, "", "signed_out"));
    assert.deepEqual(node, { textContent: "old", hidden: false });
  });
});
