// Pellicule: a guardian's consents for their children (docs/web.md, docs/consent.md).
//
// Everything comes from the family API: GET me (children and their current consent),
// GET consent-text (the versioned text, its SHA-256 sent back when accepting, and the names
// of the audiences and media kinds it offers), and per child GET/POST children/<id>/consent
// and POST .../withdraw. Withdrawing an active consent is one button and one confirmation that
// says what it hides (as easy as giving it, never by a stray tap); giving it again brings the
// photos back. Each child's card is built once and updated in place, so its status line (an
// aria-live region) announces every outcome.

import { ApiError, call, me, signOut } from "/lib/api.js";
import { apply, formatDate, language, t, wireSwitch } from "/lib/i18n.js";

const EN = {
  erasureTitle: "Ask for the erasure of the images and data",
  erasureExplain:
    "Every photo and video showing your child will be deleted — or, if the centre's management " +
    "chooses, kept with your child irreversibly blurred where their face is already hidden — and " +
    "their data erased, within 24 hours. You will receive an erasure certificate by e-mail. " +
    "Withdrawing your consent, above, is enough for nobody to see these photos from now on.",
  erasureConfirm: "I ask for the erasure of my child's images and data.",
  erasureSubmit: "Send the erasure request",
  title: "My consents — Pellicule",
  skip: "Skip to content",
  account: "Account",
  galleryLink: "My gallery",
  signOut: "Sign out",
  heading: "My consents",
  intro:
    "For each of your children, you choose who may see the photos and videos in which they " +
    "appear, taken during activities. You can restrict or withdraw your consent at any time: " +
    "it applies at once.",
  noChildren: "No child is linked to your access. Please contact the centre.",
  twoGuardians:
    "Your child has another guardian. Restricting or withdrawing applies at once; if the " +
    "centre requires both guardians' agreement, a widening waits for the other guardian.",
  withdraw: "Withdraw my consent",
  withdrawYes: "Yes, withdraw my consent",
  withdrawNo: "No, keep my consent",
  edit: "Change my choices",
  adopt: "See the proposal and accept it",
  audiencesLegend: "Who may see your child's photos and videos?",
  audGroupHint: "Only the families with a child in the same group, in Pellicule.",
  audCentreHint: "Every family registered at the centre, all groups, in Pellicule.",
  audPublicHint: "The centre may use them on its website, its posters or in the town newsletter: they become public.",
  kindsLegend: "Which kinds of media?",
  untilLabel: "Until (included)",
  untilHint: "Leave empty: until the end of the centre's season.",
  textTitle: "Consent text",
  accept: "I have read this text and I give my consent for the choices ticked above.",
  cancel: "Cancel",
  history: "History",
  footer:
    "Your choices are recorded with the date and the version of the accepted text, so that " +
    "the centre can prove your consent.",
};

const ACTIONS = {
  given: ["Accord donné", "Consent given"],
  widened: ["Accord élargi", "Consent widened"],
  narrowed: ["Accord restreint", "Consent restricted"],
  changed: ["Accord modifié", "Consent changed"],
  withdrawn: ["Accord retiré", "Consent withdrawn"],
  proposed: [
    "Élargissement proposé, en attente de l'accord de l'autre responsable",
    "Widening proposed, awaiting the other guardian's agreement",
  ],
};
const DAY = 24 * 3600;

const $ = (id) => document.getElementById(id);
const tr = ([fr, en]) => t(fr, en);
const state = { guardianId: null, text: null, cards: new Map() }; // child_id -> card record

// --- Words -------------------------------------------------------------------------------

function isoDay(epoch) {
  return new Date(epoch * 1000).toISOString().slice(0, 10);
}

// valid_until is the first second after the last day (00:00 UTC the day after).
function lastDay(validUntil) {
  return isoDay(validUntil - 1);
}

function dateTime(epoch) {
  return new Date(epoch * 1000).toLocaleString(language() === "en" ? "en-GB" : "fr-FR", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

function list(words) {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${t("et", "and")} ${words[words.length - 1]}`;
}

// The names of audiences and media kinds are the consent text's own (GET consent-text, from
// layers/core/pellicule/consent_text.py): the words whose hash is kept as evidence.
function label(choices, id) {
  const found = state.text && (state.text[choices] || []).find((entry) => entry.id === id);
  return found ? t(found.fr, found.en) : null;
}

function audienceWords(ids) {
  return ids.map((id) => label("audiences", id)).filter(Boolean);
}

function kindWords(ids) {
  return ids.map((id) => label("media_kinds", id)).filter(Boolean);
}

function termsSentence(terms) {
  return t(
    `${list(kindWords(terms.media_kinds))}, visibles par ${list(audienceWords(terms.audiences))}, ` +
      `jusqu'au ${formatDate(lastDay(terms.valid_until))} inclus`,
    `${list(kindWords(terms.media_kinds))}, seen by ${list(audienceWords(terms.audiences))}, ` +
      `until ${formatDate(lastDay(terms.valid_until))} included`,
  );
}

function actorWords(actor) {
  if (actor === `guardian:${state.guardianId}`) return t("par vous", "by you");
  if (actor && actor.startsWith("guardian:")) return t("par l'autre responsable", "by the other guardian");
  if (actor && actor.startsWith("staff:")) return t("par le centre", "by the centre");
  return "";
}

// What is in force now: "active" with terms whose period includes now.
function effective(consent) {
  const now = Date.now() / 1000;
  const terms = consent.terms;
  if (consent.status !== "active" || !terms) return { active: false, expired: false, terms: null };
  if (terms.valid_until <= now) return { active: false, expired: true, terms };
  return { active: true, expired: false, terms, future: terms.valid_from > now };
}

// --- One child's card --------------------------------------------------------------------

function part(card, name) {
  return card.node.querySelector(`[data-part="${name}"]`);
}

function buildCard(child) {
  const fragment = $("child-template").content.cloneNode(true);
  const node = fragment.querySelector("section");
  const safe = child.child_id.replace(/[^A-Za-z0-9_-]/g, "");
  for (const element of node.querySelectorAll("*")) {
    for (const attribute of ["id", "for", "aria-describedby", "aria-controls", "aria-labelledby"]) {
      const value = element.getAttribute(attribute);
      if (value && value.includes("CHILD")) element.setAttribute(attribute, value.replaceAll("CHILD", safe));
    }
  }
  node.setAttribute("aria-labelledby", `name-${safe}`);
  node.dataset.childId = child.child_id;
  $("children").append(node);
  apply(EN, node);
  node.querySelector('input[name="valid_until"]').min = isoDay(Date.now() / 1000 + DAY);
  const card = { node, child, detail: null, editing: false, busy: false, adopting: null };
  part(card, "withdraw").addEventListener("click", () => withdraw(card));
  part(card, "withdraw-yes").addEventListener("click", () => {
    askWithdrawal(card, false);
    confirmWithdrawal(card);
  });
  part(card, "withdraw-no").addEventListener("click", () => {
    askWithdrawal(card, false);
    part(card, "withdraw").focus();
  });
  part(card, "edit").addEventListener("click", () => toggleForm(card, !card.editing));
  part(card, "cancel").addEventListener("click", () => {
    toggleForm(card, false);
    part(card, "edit").focus();
  });
  part(card, "adopt").addEventListener("click", () => adoptProposal(card));
  part(card, "erasure-submit").addEventListener("click", () => requestErasure(card));
  part(card, "form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(card);
  });
  return card;
}

function say(card, text, kind = "success") {
  const status = part(card, "status");
  status.textContent = text;
  status.className = `card-status ${text ? kind : ""}`;
}

function render(card) {
  renderErasure(card);
  const { child, detail } = card;
  const consent = detail ? detail.consent : child.consent;
  const name = childName(child);
  card.node.querySelector(".child-name").textContent = name;
  const now = effective(consent);
  const summary = part(card, "summary");
  const terms = part(card, "terms");
  terms.replaceChildren();
  summary.className = `summary ${now.active ? "active" : "inactive"}`;
  if (now.active) {
    summary.textContent = now.future
      ? t(
          `Consentement actif à partir du ${formatDate(isoDay(now.terms.valid_from))} :`,
          `Consent active from ${formatDate(isoDay(now.terms.valid_from))}:`,
        )
      : t("Consentement actif :", "Consent active:");
    const lines = [
      t(`Qui : ${list(audienceWords(now.terms.audiences))}`, `Who: ${list(audienceWords(now.terms.audiences))}`),
      t(`Quoi : ${list(kindWords(now.terms.media_kinds))}`, `What: ${list(kindWords(now.terms.media_kinds))}`),
      t(
        `Jusqu'au ${formatDate(lastDay(now.terms.valid_until))} inclus`,
        `Until ${formatDate(lastDay(now.terms.valid_until))} included`,
      ),
    ];
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      terms.append(item);
    }
  } else if (now.expired) {
    summary.textContent = t(
      `Le consentement a pris fin le ${formatDate(lastDay(now.terms.valid_until))} : les photos et vidéos de ${name} ne sont montrées à personne (ou floutées).`,
      `The consent ended on ${formatDate(lastDay(now.terms.valid_until))}: photos and videos of ${name} are shown to no one (or blurred).`,
    );
  } else if (consent.status === "withdrawn" && declined(detail)) {
    summary.textContent = t(
      `Consentement refusé : les photos et vidéos de ${name} ne sont montrées à personne (ou floutées).`,
      `Consent declined: photos and videos of ${name} are shown to no one (or blurred).`,
    );
  } else if (consent.status === "withdrawn") {
    summary.textContent = t(
      `Consentement retiré : les photos et vidéos de ${name} ne sont montrées à personne (ou floutées).`,
      `Consent withdrawn: photos and videos of ${name} are shown to no one (or blurred).`,
    );
  } else {
    summary.textContent = t(
      `Pas encore de consentement : les photos et vidéos de ${name} ne sont montrées à personne (ou floutées).`,
      `No consent yet: photos and videos of ${name} are shown to no one (or blurred).`,
    );
  }

  // A widening waiting for a guardian's agreement.
  const pending = part(card, "pending");
  const adopt = part(card, "adopt");
  pending.hidden = !consent.pending;
  adopt.hidden = true;
  if (consent.pending) {
    const mine = (consent.pending.approvals || []).includes(state.guardianId);
    const proposal = termsSentence(consent.pending.terms);
    pending.textContent = mine
      ? t(
          `Votre demande (${proposal}) est en attente de l'accord de l'autre responsable : le centre demande l'accord des deux responsables pour élargir. D'ici là, rien ne s'ajoute à ce qui est indiqué ci-dessus.`,
          `Your request (${proposal}) is awaiting the other guardian's agreement: the centre requires both guardians to agree to a widening. Until then, nothing is added to what is shown above.`,
        )
      : t(
          `L'autre responsable propose : ${proposal}. Cela ne s'appliquera qu'avec votre accord.`,
          `The other guardian proposes: ${proposal}. It only applies with your agreement.`,
        );
    adopt.hidden = mine;
  }
  part(card, "two-guardians").hidden = !(child.other_guardians > 0);

  // Buttons: withdrawing whenever something is in force or waiting; the form otherwise.
  const withdrawButton = part(card, "withdraw");
  // A child never answered for: the family may also say no (an answer the centre keeps).
  withdrawButton.hidden = !(now.active || consent.pending || neverAnswered(consent));
  if (!now.active) askWithdrawal(card, false);
  else if (!part(card, "withdraw-confirm").hidden) withdrawQuestion(card); // language switch
  const myProposal = consent.pending && (consent.pending.approvals || []).includes(state.guardianId);
  withdrawButton.textContent = now.active
    ? t("Retirer mon consentement", "Withdraw my consent")
    : neverAnswered(consent)
      ? t("Je refuse : aucune photo", "I decline: no photos")
      : myProposal
      ? t("Annuler ma demande", "Cancel my request")
      : t("Refuser la proposition", "Decline the proposal");
  const edit = part(card, "edit");
  edit.hidden = !now.active;
  if (!now.active) card.editing = true;
  edit.setAttribute("aria-expanded", String(card.editing));
  part(card, "form").hidden = !card.editing;
  part(card, "cancel").hidden = !now.active;
  part(card, "form-title").textContent = now.active
    ? t("Modifier mes choix", "Change my choices")
    : t(`Donner mon accord pour ${name}`, `Give my consent for ${name}`);
  part(card, "submit").textContent = now.active
    ? t("Enregistrer mes nouveaux choix", "Save my new choices")
    : t("Donner mon accord", "Give my consent");
  renderText(card);
  renderHistory(card);
}

function renderText(card) {
  const text = state.text;
  if (!text) return;
  for (const box of part(card, "form").querySelectorAll('input[name="audiences"], input[name="media_kinds"]')) {
    card.node.querySelector(`label[for="${box.id}"]`).textContent = label(box.name, box.value) || box.value;
  }
  const block = part(card, "text");
  block.textContent = tr([text.fr, text.en]);
  block.lang = language();
  part(card, "text-version").textContent = t(`(version ${text.version})`, `(version ${text.version})`);
}

function renderHistory(card) {
  const entries = card.detail ? card.detail.history : [];
  const box = part(card, "history-box");
  box.hidden = entries.length === 0;
  part(card, "history-count").textContent = `(${entries.length})`;
  const list_ = part(card, "history");
  list_.replaceChildren();
  for (const entry of [...entries].reverse()) {
    const item = document.createElement("li");
    const when = document.createElement("time");
    when.dateTime = new Date(entry.at * 1000).toISOString();
    when.textContent = dateTime(entry.at);
    const what = ACTIONS[entry.action] ? tr(ACTIONS[entry.action]) : entry.action;
    const who = actorWords(entry.actor);
    item.append(when, document.createTextNode(` · ${what}${who ? ` ${who}` : ""}`));
    const after = entry.after && (entry.after.audiences ? entry.after : entry.after.pending);
    if (after && after.audiences) {
      const detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = ` — ${termsSentence(after)}`;
      item.append(detail);
    }
    list_.append(item);
  }
}

// Fill the form with terms (the consent in force, or a proposal to accept).
function fillForm(card, terms) {
  const form = part(card, "form");
  for (const box of form.querySelectorAll('input[name="audiences"]')) {
    box.checked = Boolean(terms && terms.audiences.includes(box.value));
  }
  for (const box of form.querySelectorAll('input[name="media_kinds"]')) {
    box.checked = Boolean(terms && terms.media_kinds.includes(box.value));
  }
  const until = form.querySelector('input[name="valid_until"]');
  until.value = terms ? lastDay(terms.valid_until) : "";
  until.dataset.epoch = terms ? String(terms.valid_until) : "";
  until.min = isoDay(Date.now() / 1000 + DAY);
  form.querySelector('input[name="accept"]').checked = false;
}

function toggleForm(card, open) {
  card.editing = open;
  const consent = (card.detail || card.child).consent;
  const now = effective(consent);
  if (open) fillForm(card, now.active ? now.terms : null);
  render(card);
  if (open) part(card, "form").querySelector("input").focus();
}

function adoptProposal(card) {
  const consent = (card.detail || card.child).consent;
  if (!consent.pending) return;
  card.editing = true;
  render(card);
  fillForm(card, consent.pending.terms);
  say(
    card,
    t(
      "Les choix proposés sont cochés ci-dessous. Lisez le texte, cochez la case d'accord puis validez.",
      "The proposed choices are ticked below. Read the text, tick the agreement box, then confirm.",
    ),
    "info",
  );
  part(card, "form").querySelector("input").focus();
}

// --- Talking to the API ------------------------------------------------------------------

async function refresh(card) {
  const child = encodeURIComponent(card.child.child_id);
  const [detail, erasure] = await Promise.all([
    call("GET", `/api/family/children/${child}/consent`),
    call("GET", `/api/family/children/${child}/erasure-request`),
  ]);
  card.detail = detail;
  card.erasure = erasure.request;
  card.child.consent = card.detail.consent;
  if (card.detail.text) state.text = card.detail.text;
}

// --- Erasure request ---------------------------------------------------------------------

function renderErasure(card) {
  const request = card.erasure;
  const stateNode = part(card, "erasure-state");
  part(card, "erasure-form").hidden = Boolean(request);
  stateNode.hidden = !request;
  if (!request) return;
  const asked = formatDate(isoDay(request.requested_at));
  const due = formatDate(isoDay(request.due_by));
  stateNode.textContent = t(
    `Demande d'effacement envoyée le ${asked} : la direction doit y donner suite au plus tard le ${due}.`,
    `Erasure request sent on ${asked}: the management must act on it by ${due} at the latest.`,
  );
  part(card, "erasure-box").open = true;
}

async function requestErasure(card) {
  const confirm = part(card, "erasure-confirm");
  if (!confirm.checked) {
    say(card, t(
      "Cochez la case pour confirmer la demande d'effacement.",
      "Tick the box to confirm the erasure request.",
    ), "error");
    confirm.focus();
    return;
  }
  const path = `/api/family/children/${encodeURIComponent(card.child.child_id)}/erasure-request`;
  const button = part(card, "erasure-submit");
  button.disabled = true;
  try {
    const answer = await call("POST", path, { body: { confirm: true } });
    card.erasure = answer.request;
    say(card, "");
    renderErasure(card);
    part(card, "erasure-state").focus();
  } catch (error) {
    if (error instanceof ApiError && error.code === "signed_out") return;
    say(card, error instanceof ApiError ? error.message : t("Une erreur est survenue.", "Something went wrong."), "error");
  } finally {
    button.disabled = false;
  }
}

function outcomeMessage(outcome, name, wasActive, refusing = false) {
  if (outcome.awaiting_other_guardian) {
    return outcome.action === "narrowed"
      ? t(
          `C'est enregistré. Ce qui restreint s'applique dès maintenant ; ce qui élargit est en attente de l'accord de l'autre responsable de ${name}.`,
          `Saved. What restricts applies at once; what widens is awaiting the agreement of ${name}'s other guardian.`,
        )
      : t(
          `C'est enregistré, mais pas encore appliqué : en attente de l'accord de l'autre responsable de ${name}. Le centre demande l'accord des deux responsables pour élargir.`,
          `Saved, but not applied yet: awaiting the agreement of ${name}'s other guardian. The centre requires both guardians to agree to a widening.`,
        );
  }
  switch (outcome.action) {
    case "given":
      return t(`C'est enregistré : votre accord pour ${name} est actif.`, `Saved: your consent for ${name} is active.`);
    case "widened":
    case "changed":
      return t(`C'est enregistré : vos nouveaux choix pour ${name} s'appliquent.`, `Saved: your new choices for ${name} apply.`);
    case "narrowed":
      return t(
        `C'est enregistré : votre accord pour ${name} est restreint, dès maintenant.`,
        `Saved: your consent for ${name} is restricted, as of now.`,
      );
    case "withdrawn":
      if (refusing) {
        return t(
          `Votre refus est enregistré : aucune photo ni vidéo de ${name} n'est montrée (ou seulement floutée). Vous pourrez donner votre accord plus tard.`,
          `Your refusal is recorded: no photo or video of ${name} is shown (or only blurred). You can give your consent later.`,
        );
      }
      if (!wasActive) {
        return t(
          `La demande en attente est annulée. Rien n'est montré de ${name}.`,
          `The pending request is cancelled. Nothing of ${name} is shown.`,
        );
      }
      return t(
        `Consentement retiré pour ${name}, dès maintenant : ses photos et vidéos ne sont plus montrées.`,
        `Consent withdrawn for ${name}, as of now: their photos and videos are no longer shown.`,
      );
    default:
      return t("Rien n'a changé : c'est déjà votre choix actuel.", "Nothing changed: this is already your current choice.");
  }
}

// "Léa D." (the API keeps the initial with its dot).
function childName(child) {
  const initial = (child.initial || "").replace(/\.$/, "");
  return initial ? `${child.first_name} ${initial}.` : child.first_name;
}

function nameOf(card) {
  return childName(card.child);
}

async function act(card, button, work) {
  if (card.busy) return;
  card.busy = true;
  button.disabled = true;
  say(card, t("Enregistrement…", "Saving…"), "info");
  const before = (card.detail || card.child).consent;
  const wasActive = effective(before).active;
  const refusing = neverAnswered(before);
  try {
    const outcome = await work();
    card.editing = false;
    fillForm(card, null); // a new choice starts from nothing ticked
    await refresh(card);
    render(card);
    say(card, outcomeMessage(outcome, nameOf(card), wasActive, refusing), outcome.awaiting_other_guardian ? "pending" : "success");
    card.node.querySelector(".child-name").focus();
  } catch (error) {
    if (error instanceof ApiError && error.code === "signed_out") return;
    if (error instanceof ApiError && error.status === 409) {
      // The text or the consent changed meanwhile: show the current ones, keep the choices
      // (the agreement box is ticked again only after reading the text again).
      await reload(card);
    }
    say(card, error instanceof ApiError ? error.message : t("Une erreur est survenue.", "Something went wrong."), "error");
  } finally {
    card.busy = false;
    button.disabled = false;
  }
}

async function reload(card) {
  try {
    const chosen = readChoices(card);
    await refresh(card);
    render(card);
    if (card.editing) {
      fillForm(card, null);
      restoreChoices(card, chosen);
    }
  } catch {
    /* the error is already shown */
  }
}

function readChoices(card) {
  const form = part(card, "form");
  const checked = (name) =>
    [...form.querySelectorAll(`input[name="${name}"]`)].filter((box) => box.checked).map((box) => box.value);
  const until = form.querySelector('input[name="valid_until"]');
  return { audiences: checked("audiences"), media_kinds: checked("media_kinds"), until: until.value, epoch: until.dataset.epoch };
}

function restoreChoices(card, chosen) {
  const form = part(card, "form");
  for (const box of form.querySelectorAll('input[name="audiences"], input[name="media_kinds"]')) {
    box.checked = chosen[box.name].includes(box.value);
  }
  const until = form.querySelector('input[name="valid_until"]');
  until.value = chosen.until;
  until.dataset.epoch = chosen.epoch || "";
}

function submit(card) {
  const form = part(card, "form");
  const chosen = readChoices(card);
  const problems = [];
  if (!chosen.audiences.length) {
    problems.push(t("cochez au moins un public (ou retirez votre consentement)", "tick at least one audience (or withdraw your consent)"));
  }
  if (!chosen.media_kinds.length) problems.push(t("cochez les photos, les vidéos ou les deux", "tick photos, videos or both"));
  const accept = form.querySelector('input[name="accept"]');
  if (!accept.checked) problems.push(t("cochez la case d'accord après avoir lu le texte", "tick the agreement box after reading the text"));
  if (problems.length) {
    say(card, `${t("Pour enregistrer", "To save")} : ${problems.join(" ; ")}.`, "error");
    const first = !chosen.audiences.length
      ? form.querySelector('input[name="audiences"]')
      : !chosen.media_kinds.length
        ? form.querySelector('input[name="media_kinds"]')
        : accept;
    first.focus();
    return;
  }
  const body = { audiences: chosen.audiences, media_kinds: chosen.media_kinds, text_sha256: state.text.sha256 };
  if (chosen.until) {
    // Unchanged from the terms it was filled with: the exact end, so a proposal matches.
    const epoch = Number(chosen.epoch);
    body.valid_until = epoch && lastDay(epoch) === chosen.until ? epoch : chosen.until;
  }
  const path = `/api/family/children/${encodeURIComponent(card.child.child_id)}/consent`;
  return act(card, part(card, "submit"), () => call("POST", path, { body }));
}

// An active consent: ask first, saying what withdrawing hides. A pending request (cancel or
// decline) hides nothing: no question.
function withdraw(card) {
  if (card.busy) return undefined;
  if (effective((card.detail || card.child).consent).active) {
    askWithdrawal(card, true);
    return undefined;
  }
  return confirmWithdrawal(card);
}

// A "no" recorded for a child never consented for: the history holds withdrawals only.
function declined(detail) {
  const history = detail ? detail.history || [] : [];
  return history.length > 0 && history.every((entry) => entry.action === "withdrawn");
}

// No consent ever recorded and none waiting: "Je refuse" records the family's "no".
function neverAnswered(consent) {
  return Boolean(consent) && consent.status === "none" && !consent.pending;
}

function askWithdrawal(card, open) {
  const panel = part(card, "withdraw-confirm");
  panel.hidden = !open;
  part(card, "withdraw").setAttribute("aria-expanded", String(open));
  if (!open) return;
  withdrawQuestion(card);
  part(card, "withdraw-question").focus();
}

function withdrawQuestion(card) {
  const name = nameOf(card);
  part(card, "withdraw-question").textContent = t(
    `Retirer votre consentement pour ${name} ? Dès maintenant, les photos et vidéos où ${name} apparaît ne seront plus montrées aux familles (ou seulement avec son visage flouté) et disparaîtront des galeries. Si vous redonnez votre consentement plus tard, elles reviendront.`,
    `Withdraw your consent for ${name}? From now on, the photos and videos in which ${name} appears will no longer be shown to families (or only with their face blurred) and will disappear from the galleries. If you give your consent again later, they will come back.`,
  );
}

function confirmWithdrawal(card) {
  const path = `/api/family/children/${encodeURIComponent(card.child.child_id)}/consent/withdraw`;
  return act(card, part(card, "withdraw"), () => call("POST", path));
}

// --- Start -------------------------------------------------------------------------------

function showStatus(text) {
  const status = $("status");
  status.textContent = text;
  status.hidden = !text;
}

function renderAll() {
  for (const card of state.cards.values()) render(card);
}

async function start() {
  wireSwitch($("lang-switch"), EN, renderAll);
  $("sign-out").addEventListener("click", signOut);
  try {
    const person = await me();
    $("centre-name").textContent = person.tenant_name || "";
    if (person.kind === "relative") {
      // Issue 17: a relative never acts on consents (the API refuses them): no action shown.
      document.querySelector('main [data-i18n="intro"]').hidden = true;
      showStatus(t(
        "Les consentements sont gérés par les parents. En tant que proche invité·e, vous voyez les photos que la famille qui vous a invité·e peut voir.",
        "Consents are managed by the parents. As an invited relative, you see the photos the family that invited you may see.",
      ));
      document.body.dataset.ready = "true";
      return;
    }
    if (person.kind !== "guardian") {
      showStatus(t(
        "Cette page est celle des familles. L'espace de l'équipe est sur la page d'accueil.",
        "This page is the families' one. The staff space is on the home page.",
      ));
      return;
    }
    const [family, text] = await Promise.all([
      call("GET", "/api/family/me"),
      call("GET", "/api/family/consent-text"),
    ]);
    state.guardianId = family.guardian_id;
    state.text = text;
    $("no-children").hidden = family.children.length > 0;
    for (const child of family.children) {
      const card = buildCard(child);
      state.cards.set(child.child_id, card);
      render(card);
    }
    await Promise.all([...state.cards.values()].map(async (card) => {
      await refresh(card);
      render(card);
    }));
    document.body.dataset.ready = "true";
  } catch (error) {
    if (error instanceof ApiError && error.code === "signed_out") return;
    showStatus(error instanceof ApiError ? error.message : t("Une erreur est survenue.", "Something went wrong."));
  }
}

start();
