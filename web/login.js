// Pellicule sign-in page (docs/authentication.md). French first, English second.
//
// A magic link lands here as /login.html#token=...: the token rides in the fragment, which the
// browser never sends to a server. Loading the page (a person, a mail scanner, a link previewer
// running this script) changes nothing: only a click on the button POSTs the token. The
// fragment is wiped from the address bar and history as soon as it is read.

const JSON_HEADERS = { "content-type": "application/json", "x-pellicule-csrf": "1" };
const NETWORK_ERROR =
  "Le service ne répond pas : vérifiez votre connexion puis réessayez. / " +
  "The service does not answer: check your connection and try again.";
const LABELS = {
  guardian: ["Ouvrir ma galerie", "Open my gallery"],
  staff: ["Ouvrir l'espace équipe", "Open the staff space"],
};

const $ = (id) => document.getElementById(id);

function readFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get("token");
  if (window.location.hash) {
    // Keep the token out of the address bar, the history and any bookmark.
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return { token, staff: params.get("for") === "staff" };
}

function show(message, kind) {
  const status = $("status");
  status.textContent = message;
  status.className = `status ${kind}`;
  status.hidden = false;
}

async function post(path, body) {
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch {
      payload = {};
    }
    return { ok: response.ok, status: response.status, payload };
  } catch {
    return { ok: false, status: 0, payload: { message: NETWORK_ERROR } };
  }
}

function safeNext(next) {
  // Same-origin paths only (never "//host" or a full URL).
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function signedIn(payload) {
  show("Vous êtes connecté·e, ouverture… / You are signed in, opening…", "success");
  window.location.assign(safeNext(payload.next));
}

function offerAlternatives() {
  $("ask-link").hidden = false;
  $("enter-code").hidden = false;
}

function setBusy(element, busy) {
  element.disabled = busy;
  element.setAttribute("aria-busy", busy ? "true" : "false");
}

function landing(token, staff) {
  const [fr, en] = staff ? LABELS.staff : LABELS.guardian;
  $("open-label-fr").textContent = fr;
  $("open-label-en").textContent = en;
  $("open-link").hidden = false;
  $("ask-link").hidden = true;
  $("enter-code").hidden = true;
  const button = $("open-button");
  button.addEventListener("click", async () => {
    setBusy(button, true);
    const result = await post("/api/auth/session", { token });
    if (result.ok) {
      signedIn(result.payload);
      return;
    }
    $("open-link").hidden = true;
    show(result.payload.message || NETWORK_ERROR, "error");
    offerAlternatives();
  });
  button.focus();
}

function forms() {
  const linkForm = $("link-form");
  linkForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = linkForm.querySelector("button");
    setBusy(button, true);
    const email = $("link-email").value.trim();
    const result = await post("/api/auth/link", { email });
    setBusy(button, false);
    show(result.payload.message || NETWORK_ERROR, result.ok ? "success" : "error");
    if (result.ok) $("code-email").value = email;
  });
  const codeForm = $("code-form");
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = codeForm.querySelector("button");
    setBusy(button, true);
    const result = await post("/api/auth/session", {
      email: $("code-email").value.trim(),
      code: $("code").value.trim(),
    });
    setBusy(button, false);
    if (result.ok) {
      signedIn(result.payload);
      return;
    }
    show(result.payload.message || NETWORK_ERROR, "error");
  });
}

const { token, staff } = readFragment();
forms();
if (token) landing(token, staff);
