// Same-origin JSON calls to Pellicule's API (docs/web.md).
//
// The session is an HttpOnly cookie the browser sends by itself; every state-changing call
// carries the anti-CSRF header the API requires. A 401 means the session ended: the page goes
// to the sign-in page (unless the caller handles it).

import { rememberDevice, resumeDevice } from "/lib/device.js";
import { pick } from "/lib/i18n.js";

export const CSRF_HEADER = "x-pellicule-csrf";

// An API error: ``message`` in the page's current language (read when shown, so it follows a
// language switch); ``code``: the error's family (``not_found``...) or the page's own code;
// ``reason``: the catalogue code saying what exactly (tests and pages compare it, never the
// words); ``params``: that code's parameters; ``texts``: {fr, en}.
export class ApiError extends Error {
  #text;

  // message: {fr, en} (the API's) or a string (the page's own, already in its language).
  constructor(status, message, code, { reason, params } = {}) {
    super();
    this.#text = message;
    this.status = status;
    this.code = code;
    this.reason = reason || code;
    this.params = params || {};
  }

  get message() {
    return pick(this.#text);
  }

  get texts() {
    const text = this.#text;
    if (text && typeof text === "object") return { fr: text.fr || "", en: text.en || text.fr || "" };
    const same = pick(text);
    return { fr: same, en: same };
  }
}

export const NETWORK_MESSAGE = {
  fr: "Le service ne répond pas : vérifiez votre connexion puis réessayez.",
  en: "The service does not answer: check your connection and try again.",
};

// The ApiError of an error answer {error, reason, params, message: {fr, en}} (parsed JSON, or
// null when the answer was not JSON).
export function errorOf(status, data) {
  const answer = data && typeof data === "object" ? data : {};
  const message = answer.message || answer.error || `HTTP ${status}`;
  return new ApiError(status, message, answer.error, { reason: answer.reason, params: answer.params });
}

// call("GET", "/api/admin/albums") -> parsed JSON; throws ApiError with the API's message on a
// 4xx/5xx. Options: body (JSON), signIn (false: do not redirect on 401). On a 401, a trusted
// device signs in again once (lib/device.js) and the call is made again.
export async function call(method, path, { body, signIn = true, again = true } = {}) {
  const headers = {};
  if (method !== "GET" && method !== "HEAD") headers[CSRF_HEADER] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, NETWORK_MESSAGE, "network");
  }
  if (response.status === 401 && signIn) {
    if (again && (await resumeDevice())) return call(method, path, { body, signIn, again: false });
    window.location.assign("/login.html");
    throw new ApiError(401, "", "signed_out");
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw errorOf(response.status, data);
  return data;
}

// The signed-in person (GET /api/auth/me): {kind, role, tenant_id, tenant_name, principal_id}.
export function me() {
  return call("GET", "/api/auth/me");
}

export async function signOut() {
  rememberDevice(false); // signing out ends this browser's trusted device too
  // ...and clears the staff upload queue (staff/queue.js): a shared phone keeps nobody's photos.
  await import("/staff/queue.js").then((queue) => queue.clearQueue()).catch(() => {});
  try {
    await call("POST", "/api/auth/logout", { signIn: false });
  } finally {
    window.location.assign("/login.html");
  }
}
