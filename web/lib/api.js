// Same-origin JSON calls to Pellicule's API (docs/web.md).
//
// The session is an HttpOnly cookie the browser sends by itself; every state-changing call
// carries the anti-CSRF header the API requires. A 401 means the session ended: the page goes
// to the sign-in page (unless the caller handles it).

export const CSRF_HEADER = "x-pellicule-csrf";

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const NETWORK_MESSAGE =
  "Le service ne répond pas : vérifiez votre connexion puis réessayez. / " +
  "The service does not answer: check your connection and try again.";

// call("GET", "/api/admin/albums") -> parsed JSON; throws ApiError with the API's bilingual
// message on a 4xx/5xx. Options: body (JSON), signIn (false: do not redirect on 401).
export async function call(method, path, { body, signIn = true } = {}) {
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
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || `HTTP ${response.status}`;
    throw new ApiError(response.status, message, data && data.error);
  }
  return data;
}

// The signed-in person (GET /api/auth/me): {kind, role, tenant_id, tenant_name, principal_id}.
export function me() {
  return call("GET", "/api/auth/me");
}

export async function signOut() {
  try {
    await call("POST", "/api/auth/logout", { signIn: false });
  } finally {
    window.location.assign("/login.html");
  }
}
