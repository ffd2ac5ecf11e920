// web/lib/api.js and the error line of web/lib/dom.js, with fetch and window.location stubbed:
// the anti-CSRF header on state-changing calls only, errors as ApiError with the API's
// message, a 401 that sends the page to the sign-in page.
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

  test("an error answer throws ApiError with the API's message and code", async () => {
    answer(409, { error: "album_locked", message: "L'album est verrouillé. / The album is locked." });
    const error = await call("POST", "/api/x").catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 409);
    assert.equal(error.code, "album_locked");
    assert.equal(error.message, "L'album est verrouillé. / The album is locked.");
  });

  test("an error answer that is not JSON still gives its status", async () => {
    answer(502, "<html>Bad gateway</html>");
    const error = await call("GET", "/api/x").catch((e) => e);
    assert.equal(error.status, 502);
    assert.equal(error.message, "HTTP 502");
  });

  test("no answer at all is a network error in both languages", async () => {
    globalThis.fetch = async () => {
      throw new TypeError("Failed to fetch");
    };
    const error = await call("GET", "/api/x").catch((e) => e);
    assert.equal(error.status, 0);
    assert.equal(error.code, "network");
    assert.equal(error.message, NETWORK_MESSAGE);
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

  test("the API's message and the page's own are shown as they are", () => {
    const node = line();
    showError(node, new ApiError(400, "Titre manquant. / Title missing.", "invalid"));
    assert.deepEqual(node, { textContent: "Titre manquant. / Title missing.", hidden: false });
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
