// Trusted devices (docs/authentication.md, "Staying signed in on a trusted device").
//
// A browser kept signed in holds an HttpOnly device cookie this script cannot see. When the
// session is over (a 401), the page presents it ONCE to POST /api/auth/device and gets a new
// session: the device's secret rotates at that moment, and an old secret presented again ends
// the device, so two tabs must never present it together. One attempt at a time across the
// browser's tabs (Web Locks; a tab that waited first asks whether another one already signed
// in). The page only tries where this browser was made a trusted device (a hint in
// localStorage, not a secret: the server decides).

const HINT = "pellicule-trusted-device";
const ENDED = "pellicule-device-ended"; // why the device was refused, for the sign-in page
const LOCK = "pellicule-device-sign-in";
let running = null;

export function rememberDevice(trusted) {
  try {
    if (trusted) localStorage.setItem(HINT, "1");
    else localStorage.removeItem(HINT);
  } catch {
    // storage refused (private mode): the device still works from the sign-in page
  }
}

export function isTrustedDevice() {
  try {
    return localStorage.getItem(HINT) === "1";
  } catch {
    return false;
  }
}

async function signedInAlready() {
  try {
    const response = await fetch("/api/auth/status", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return null;
    const status = await response.json();
    return status.signed_in ? { kind: status.kind, role: status.role, next: status.home } : null;
  } catch {
    return null;
  }
}

async function attempt() {
  const already = await signedInAlready();
  if (already) return already;
  let response;
  try {
    response = await fetch("/api/auth/device", {
      method: "POST",
      headers: { "x-pellicule-csrf": "1" },
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return null; // offline: the device stays, the page says the service does not answer
  }
  if (response.ok) return response.json();
  if (response.status === 401) {
    rememberDevice(false); // ended, reused or closed: forget it
    const answer = await response.json().catch(() => null);
    if (answer && answer.reason !== "device_unknown" && answer.message) {
      try {
        sessionStorage.setItem(ENDED, JSON.stringify(answer.message));
      } catch {
        // storage refused: the sign-in page says nothing more
      }
    }
  }
  return null;
}

// A new session from this browser's trusted device: the sign-in answer ({kind, next, ...}), or
// null (not a trusted device, refused, offline).
export function resumeDevice() {
  if (!isTrustedDevice()) return Promise.resolve(null);
  if (!running) {
    const locked = navigator.locks ? navigator.locks.request(LOCK, attempt) : attempt();
    running = locked.finally(() => {
      running = null;
    });
  }
  return running;
}

// Why this browser's device was just refused ({fr, en}: reused, access closed), once; or null.
export function endedDevice() {
  try {
    const saved = sessionStorage.getItem(ENDED);
    sessionStorage.removeItem(ENDED);
    const message = saved ? JSON.parse(saved) : null;
    return message && typeof message.fr === "string" ? message : null;
  } catch {
    return null;
  }
}
