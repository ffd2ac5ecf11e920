// French first, English on request (remembered in localStorage), no third-party code. Every
// page shows ONE language at a time, and a switch changes every string shown.
//
// Static text: write the French in the HTML and mark the node with data-i18n="key"; give the
// English in the page's dictionary. data-i18n-aria / -placeholder / -title / -alt do the same
// for those attributes. Dynamic text: t(fr, en) picks by the current language; the page's
// onChange (wireSwitch) draws its dynamic parts again. Whatever a page wrote once and does not
// draw again (a status line, a confirmation) still follows: every pair given to t() and every
// API message given to pick() is remembered, and a switch swaps the shown texts (whole text
// nodes, aria-label, placeholder, title, alt) that are one side of a remembered pair.

const STORAGE = "pellicule-lang";
const french = new Map();

export function language() {
  return localStorage.getItem(STORAGE) === "en" ? "en" : "fr";
}

// Texts shown in one language -> the same text in the other (see above).
const memory = { fr: new Map(), en: new Map() };

function remember(fr, en) {
  if (typeof fr !== "string" || typeof en !== "string" || !fr || !en || fr === en) return;
  memory.fr.set(fr.trim(), en.trim());
  memory.en.set(en.trim(), fr.trim());
}

export function t(fr, en) {
  remember(fr, en);
  return language() === "en" ? en : fr;
}

// A message from the API, {fr, en} (error answers, catalogue texts, a failed item's reason), in
// the current language. A plain string (the page's own text) is given as it is.
export function pick(message) {
  if (message && typeof message === "object") {
    const fr = typeof message.fr === "string" ? message.fr : "";
    const en = typeof message.en === "string" ? message.en : fr;
    return t(fr, en || fr);
  }
  return message === undefined || message === null ? "" : String(message);
}

const ATTRIBUTES = {
  i18nAria: "aria-label", i18nPlaceholder: "placeholder", i18nTitle: "title", i18nAlt: "alt",
};
const SWAPPED_ATTRIBUTES = ["aria-label", "placeholder", "title", "alt"];

// Swap every shown text of language ``from`` that t() or pick() gave (see the top of the file)
// for its other side, under ``root``: text nodes whose whole text is one (outside the marked
// nodes, which apply() handles) and the attributes above.
export function swapShown(from, root = document.body) {
  const known = memory[from];
  if (!known.size || !root) return;
  if (known.has(document.title.trim())) document.title = known.get(document.title.trim());
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data.trim();
    if (!text || !known.has(text) || node.parentElement?.closest("[data-i18n], script, style")) continue;
    node.data = node.data.replace(text, known.get(text));
  }
  for (const element of [root, ...root.querySelectorAll("[aria-label], [placeholder], [title], [alt]")]) {
    for (const attribute of SWAPPED_ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (value && known.has(value.trim())) element.setAttribute(attribute, known.get(value.trim()));
    }
  }
}
const frenchAttributes = new Map(); // node -> {attribute: French value}

// Apply the current language to every marked node under root, from the English dictionary.
export function apply(english, root = document) {
  const lang = language();
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll("[data-i18n]")) {
    const key = node.dataset.i18n;
    if (!french.has(node)) french.set(node, node.textContent);
    node.textContent = lang === "en" && key in english ? english[key] : french.get(node);
  }
  for (const [data, attribute] of Object.entries(ATTRIBUTES)) {
    const selector = `[data-${data.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const node of root.querySelectorAll(selector)) {
      const key = node.dataset[data];
      if (!frenchAttributes.has(node)) frenchAttributes.set(node, {});
      const saved = frenchAttributes.get(node);
      if (!(attribute in saved)) saved[attribute] = node.getAttribute(attribute);
      node.setAttribute(attribute, lang === "en" && key in english ? english[key] : saved[attribute]);
    }
  }
}

// A language switch button: shows the other language; onChange() re-renders dynamic text.
export function wireSwitch(button, english, onChange = () => {}) {
  const render = () => {
    const lang = language();
    button.textContent = lang === "en" ? "Français" : "English";
    button.lang = lang === "en" ? "fr" : "en";
    button.setAttribute("aria-label", lang === "en" ? "Passer en français" : "Switch to English");
  };
  button.addEventListener("click", () => {
    const from = language();
    localStorage.setItem(STORAGE, from === "en" ? "fr" : "en");
    apply(english);
    swapShown(from);
    render();
    onChange();
    document.dispatchEvent(new CustomEvent("pellicule:language"));
  });
  apply(english);
  render();
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(`${iso}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  });
}
