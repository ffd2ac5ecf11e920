// Pellicule web app (placeholder until the parent gallery and staff console land).
// French first; English on request, remembered in localStorage. No third-party code.
const messages = {
  en: {
    tagline: "Photos and videos of your child's activities, shared privately with families, respecting image rights.",
    status: "The web app (family gallery, staff console) is coming soon. This page confirms the service is up.",
    footer: "No trackers, no ads, no third-party resources.",
    switchLabel: "Français",
    switchAria: "Passer en français",
  },
};
const french = {};

function apply(lang) {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const key = node.dataset.i18n;
    if (!(key in french)) french[key] = node.textContent;
    node.textContent = lang === "en" ? messages.en[key] : french[key];
  }
  const button = document.getElementById("lang-switch");
  button.textContent = lang === "en" ? messages.en.switchLabel : "English";
  button.lang = lang === "en" ? "fr" : "en";
  button.setAttribute("aria-label", lang === "en" ? messages.en.switchAria : "Switch to English");
}

let current = localStorage.getItem("pellicule-lang") === "en" ? "en" : "fr";
apply(current);
document.getElementById("lang-switch").addEventListener("click", () => {
  current = current === "en" ? "fr" : "en";
  localStorage.setItem("pellicule-lang", current);
  apply(current);
});
