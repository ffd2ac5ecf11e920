// Pellicule landing page. French first; English on request, remembered (lib/i18n.js).
// A browser that is already signed in goes straight to its home: a guardian to their
// gallery, staff to the console (GET /api/auth/status answers 200 either way).
import { wireSwitch } from "/lib/i18n.js";

const EN = {
  tagline: "Photos and videos of your child's activities, shared privately with families, respecting image rights.",
  familiesTitle: "Families",
  families: "The centre e-mails you a link: open it, press the button, and you see your children's photos. No account, no app.",
  staffTitle: "Centre staff",
  staff: "Get a sign-in link at your work e-mail address.",
  signIn: "Get a sign-in link",
  footer: "No trackers, no ads, no third-party resources.",
};

wireSwitch(document.getElementById("lang-switch"), EN);

async function goHome() {
  try {
    const response = await fetch("/api/auth/status", { credentials: "same-origin" });
    if (!response.ok) return;
    const status = await response.json();
    const home = typeof status.home === "string" ? status.home : "";
    if (status.signed_in && home.startsWith("/") && !home.startsWith("//") && home !== "/") {
      window.location.replace(home);
    }
  } catch {
    // Offline or the API is down: the landing page stays usable.
  }
}

goHome();
