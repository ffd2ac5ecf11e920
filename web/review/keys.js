// Keyboard shortcuts of the validation page (issue 18, item 5), documented on the page
// ("Raccourcis clavier"): J next photo, K previous photo, A approve, R the refusal's reason.
// They never fire while typing (a text field, a list, an editable area), with Ctrl, Alt or
// Meta held, or on the face-box editor (whose keys move boxes). Single-key shortcuts can be
// turned off (WCAG 2.1.4): the choice is remembered in this browser.

const STORAGE = "pellicule-review-shortcuts";

const KEYS = { j: "next", k: "previous", a: "approve", r: "reject" };

// Where a key is text being typed, or belongs to a control of its own.
function busy(target) {
  if (!target || typeof target.closest !== "function") return false;
  if (target.isContentEditable) return true;
  return Boolean(target.closest("input, textarea, select, [contenteditable], .overlay, dialog"));
}

// The shortcut's name for a keydown event, or null.
export function shortcutFor(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return null;
  if (busy(event.target)) return null;
  const key = typeof event.key === "string" ? event.key.toLowerCase() : "";
  return KEYS[key] || null;
}

export function shortcutsOn() {
  return localStorage.getItem(STORAGE) !== "off";
}

export function setShortcuts(on) {
  localStorage.setItem(STORAGE, on ? "on" : "off");
}

// actions: {next, previous, approve, reject} -> called on their key (the event's default is
// then prevented). ``toggle``: the checkbox that turns them on and off.
export function wireKeys(actions, toggle) {
  if (toggle) {
    toggle.checked = shortcutsOn();
    toggle.addEventListener("change", () => setShortcuts(toggle.checked));
  }
  document.addEventListener("keydown", (event) => {
    if (!shortcutsOn()) return;
    const name = shortcutFor(event);
    const action = name && actions[name];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
