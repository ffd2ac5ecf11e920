// French first, English on request (remembered in localStorage), no third-party code.
//
// Static text: write the French in the HTML and mark the node with data-i18n="key"; give the
// English in the page's dictionary. data-i18n-aria / data-i18n-placeholder / data-i18n-title
// do the same for those attributes. Dynamic text: t(fr, en) picks by the current language.

const STORAGE = "pellicule-lang";
const french = new Map();

export function language() {
  return localStorage.getItem(STORAGE) === "en" ? "en" : "fr";
}

export function t(fr, en) {
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

// {fr, en} of a message for a page that shows both languages (sign-in, unsubscribe): an API
// message as it is; a plain string (not an API message) as the French, en "".
export function bilingual(message) {
  if (message && typeof message === "object") {
    return { fr: String(message.fr || ""), en: String(message.en || "") };
  }
  return { fr: message === undefined || message === null ? "" : String(message), en: "" };
}

const ATTRIBUTES = { i18nAria: "aria-label", i18nPlaceholder: "placeholder", i18nTitle: "title" };
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
    localStorage.setItem(STORAGE, language() === "en" ? "fr" : "en");
    apply(english);
    render();
    onChange();
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
