// Pellicule staff console, part 3: children, guardians, groups and consents (docs/web.md,
// docs/consent.md).
//
// Everyone of the staff sees "who may appear where" (the table animators read before taking
// photos), the groups and the children. Directors also add, edit and archive children,
// guardians and groups, and manage a child's consent (#/enfant/<id>: web/people/consent.js).
// The API checks roles itself; the page only hides what the person may not use. The API's
// error messages are shown in the page's language.

import { call, signOut } from "/lib/api.js";
import { t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";
import { ConsentView } from "/people/consent.js";
import {
  $, UserError, checkboxes, checked, childName, element, showError, termsText,
} from "/people/dom.js";
import { Erasures } from "/people/erasure.js";
import { renderGlance } from "/people/glance.js";
import { mountImport } from "/people/import.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Children, families and consents",
  loading: "Loading…",
  erasureTitle: "Erasure requests",
  erasureIntro: "A family asks for their child's photos and data to be erased. Pellicule does it within 24 hours of the request (it checks every hour): choose what happens to the photos.",
  erasureStepChoice: "Once you have chosen, the erasure happens at the next check. Without a choice, the items are removed 3 hours before the deadline.",
  erasureStepData: "Then the child's record, their consent in force, their tags on the photos and their links to their guardians are deleted.",
  erasureStepProof: "The proof of consent (history, signed form) is kept for 5 years, then deleted.",
  erasureStepCertificate: "The guardians receive a deletion certificate by e-mail.",
  glanceTitle: "Who may appear where, at a glance",
  campaignLink: "Consent campaign",
  glanceHelp: "Check it before taking photos: for each child, what their consent in force today allows.",
  groupFilter: "Group shown",
  allGroups: "All groups",
  glanceCaption: "Image rights by child, audience and kind of media",
  childColumn: "Child",
  audienceGroup: "Families of the group",
  audienceCentre: "All families of the centre",
  audiencePublic: "Public communication",
  kindPhoto: "Photo",
  kindVideo: "Video",
  glanceEmpty: "No child in this group.",
  valueYes: "yes",
  valueBlur: "blurring required",
  valueNo: "no",
  legendYes: "the child may appear.",
  legendBlur: "in a photo, their face must be blurred before publication.",
  legendNo: "the child must not appear (a video cannot be blurred).",
  childrenTitle: "Children",
  childrenHelp: "First name and initial of the last name only: Pellicule keeps nothing more.",
  childAddTitle: "Add a child",
  firstName: "First name",
  initial: "Initial of the last name",
  initialHelp: "One letter, for example D for Dupont.",
  group: "Group",
  childAdd: "Add the child",
  guardiansTitle: "Families (guardians)",
  guardiansHelp: "One e-mail address per guardian: Pellicule sends the sign-in links there.",
  guardianAddTitle: "Add a guardian",
  email: "E-mail address",
  guardianChildren: "Their children",
  guardianAdd: "Add the guardian",
  guardiansEmpty: "No guardian yet.",
  groupsTitle: "Groups",
  groupAddTitle: "Create a group",
  groupName: "Name of the group",
  groupAdd: "Create the group",
  back: "← All children",
  currentTitle: "Consent in force",
  evidenceButton: "See the signed form",
  evidenceLink: "Open the scan (link valid for 5 minutes)",
  paperTitle: "Record a signed paper form",
  paperHelp: "Tick what the form allows and who signed it, then attach its scan (PDF, JPEG or PNG, at most 15 MB). It replaces the consent in force.",
  audiencesLegend: "Audiences allowed",
  kindsLegend: "Kinds of media",
  kindPhotos: "Photos",
  kindVideos: "Videos",
  validFrom: "Valid from (optional)",
  validFromHelp: "Empty: from today.",
  validUntil: "Valid until (optional)",
  validUntilHelp: "Empty: until the end of the centre's season.",
  signedLegend: "Signed by",
  scanLabel: "Scan of the signed form",
  scanHelp: "PDF, JPEG or PNG, at most 15 MB.",
  paperSubmit: "Record the consent",
  withdrawTitle: "Withdraw the consent at a family's request",
  withdrawHelp: "Letter, phone call or in person: the withdrawal applies at once, for every audience and every kind of media.",
  withdrawLegend: "Asked by",
  withdrawSubmit: "Withdraw the consent",
  erasureRecordTitle: "Record an erasure request",
  erasureRecordHelp: "For a request received by letter or made at the centre: the child's photos and data will be erased within 24 hours, as if the family had asked online.",
  erasureModeLegend: "What to do with the photos and videos? (optional)",
  erasureConfirm: "The family asked for the erasure of this child's images and data.",
  erasureSubmit: "Record the erasure request",
  historyTitle: "History",
  historyEmpty: "No change recorded.",
  footer: "Children's image rights: a child appears only where their consent allows it.",
};

const state = {
  who: null, // GET /api/auth/me
  me: null, // GET /api/admin/me
  director: false,
  groups: [], // active groups, by name
  children: [], // active children, by first name
  archived: [], // archived children (a guardian may still be linked to one)
  guardians: [], // active guardians (directors only)
  editing: null, // {kind: "child" | "guardian", id}
  consentView: null,
  erasures: null, // the open erasure requests (directors)
};

const byName = (a, b) => a.localeCompare(b, "fr", { sensitivity: "base" });

function say(text) {
  $("status").textContent = text || "";
}

// Run an action, its error shown in `errorNode` (the API's words, or ours for a missing field).
async function attempt(errorNode, action) {
  showError(errorNode, null);
  try {
    return await action();
  } catch (error) {
    showError(errorNode, error);
    if (error instanceof UserError && error.field) {
      error.field.setAttribute("aria-invalid", "true");
      error.field.focus();
    }
    return undefined;
  }
}

function group(id) {
  return state.groups.find((g) => g.group_id === id);
}

function child(id) {
  return state.children.find((c) => c.child_id === id);
}

function guardian(id) {
  return state.guardians.find((g) => g.guardian_id === id);
}

// A button whose visible word is completed, for screen readers, by whom it acts on.
function actionButton(text, target, attributes = {}) {
  return element("button", { type: "button", ...attributes }, [
    text, element("span", { class: "visually-hidden", text: ` ${target}` }),
  ]);
}

// --- Loading -------------------------------------------------------------------------------

async function load() {
  const [groups, children, guardians] = await Promise.all([
    call("GET", "/api/admin/groups"),
    call("GET", "/api/admin/children"),
    state.director ? call("GET", "/api/admin/guardians") : Promise.resolve({ guardians: [] }),
    state.director ? state.erasures.load() : null,
  ]);
  state.groups = groups.groups.filter((g) => !g.archived).sort((a, b) => byName(a.name, b.name));
  const sorted = children.children.sort((a, b) => byName(childName(a), childName(b)));
  state.children = sorted.filter((c) => !c.archived);
  state.archived = sorted.filter((c) => c.archived);
  state.guardians = guardians.guardians.filter((g) => !g.archived).sort((a, b) => byName(a.email, b.email));
}

// --- Rendering -----------------------------------------------------------------------------

function renderGroupSelects() {
  const filter = $("glance-group");
  const chosen = filter.value;
  for (const option of [...filter.options].slice(1)) option.remove();
  for (const g of state.groups) filter.append(element("option", { value: g.group_id, text: g.name }));
  filter.value = state.groups.some((g) => g.group_id === chosen) ? chosen : "";

  const select = $("child-group");
  const picked = select.value;
  select.replaceChildren(...state.groups.map((g) => element("option", { value: g.group_id, text: g.name })));
  if (state.groups.some((g) => g.group_id === picked)) select.value = picked;
}

function renderTable() {
  const rows = renderGlance($("glance-table"), {
    children: state.children,
    groups: state.groups,
    groupFilter: $("glance-group").value,
    now: Date.now() / 1000,
  });
  $("glance-empty").hidden = rows > 0;
}

function consentSummary(consent) {
  if (!consent || consent.status === "none") return t("Aucun consentement", "No consent");
  if (consent.status === "withdrawn") return t("Consentement retiré", "Consent withdrawn");
  const text = consent.terms ? termsText(consent.terms) : "";
  const pending = consent.pending ? t(" (élargissement en attente)", " (widening pending)") : "";
  return `${t("Consentement", "Consent")}${t(" : ", ": ")}${text}${pending}`;
}

function childRow(c) {
  const name = childName(c);
  if (state.editing && state.editing.kind === "child" && state.editing.id === c.child_id) return childEditor(c);
  const parts = [
    element("span", { class: "row-title", text: name }),
    element("span", { class: "muted", text: consentSummary(c.consent) }),
  ];
  if (state.director) {
    const guardians = (c.guardian_ids || []).map((id) => guardian(id)).filter(Boolean).map((g) => g.email);
    parts.push(element("span", { class: "muted", text: guardians.length
      ? t(`Responsables : ${guardians.join(", ")}`, `Guardians: ${guardians.join(", ")}`)
      : t("Aucun responsable", "No guardian") }));
    const consentLink = element("a", { class: "button", href: `#/enfant/${c.child_id}`, "data-action": "consent" }, [
      t("Consentement", "Consent"), element("span", { class: "visually-hidden", text: ` ${name}` }),
    ]);
    const edit = actionButton(t("Modifier", "Edit"), name, { "data-action": "edit" });
    edit.addEventListener("click", () => startEditing("child", c.child_id));
    const archive = actionButton(t("Archiver", "Archive"), name, { "data-action": "archive" });
    archive.addEventListener("click", () => archiveChild(c));
    parts.push(element("span", { class: "row-actions" }, [consentLink, edit, archive]));
  }
  return element("li", { "data-child-id": c.child_id }, parts);
}

function childEditor(c) {
  const id = (name) => `edit-child-${name}`;
  const select = element("select", { id: id("group") },
    state.groups.map((g) => element("option", { value: g.group_id, text: g.name })));
  select.value = c.group_id;
  const error = element("p", { class: "form-error error", role: "alert", hidden: true });
  const form = element("form", { class: "edit", novalidate: true, "aria-label": t(`Modifier ${childName(c)}`, `Edit ${childName(c)}`) }, [
    element("p", { class: "field" }, [
      element("label", { for: id("first-name"), text: t("Prénom", "First name") }),
      element("input", { id: id("first-name"), type: "text", maxlength: "40", required: true, autocomplete: "off", value: c.first_name }),
    ]),
    element("p", { class: "field" }, [
      element("label", { for: id("initial"), text: t("Initiale du nom", "Initial of the last name") }),
      element("input", { id: id("initial"), type: "text", maxlength: "1", required: true, autocomplete: "off", class: "short", value: c.initial.replace(".", "") }),
    ]),
    element("p", { class: "field" }, [element("label", { for: id("group"), text: t("Groupe", "Group") }), select]),
    error,
    element("p", { class: "row-actions" }, [
      element("button", { type: "submit", class: "primary", text: t("Enregistrer", "Save") }),
      element("button", { type: "button", "data-action": "cancel", text: t("Annuler", "Cancel") }),
    ]),
  ]);
  form.querySelector("[data-action=cancel]").addEventListener("click", () => stopEditing("child", c.child_id));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await attempt(error, async () => {
      const firstName = $(id("first-name")).value.trim();
      const initial = $(id("initial")).value.trim();
      if (!firstName) throw new UserError(t("Indiquez le prénom.", "Enter the first name."), $(id("first-name")));
      if (!initial) throw new UserError(t("Indiquez l'initiale du nom.", "Enter the initial."), $(id("initial")));
      const body = {};
      if (firstName !== c.first_name) body.first_name = firstName;
      if (`${initial.toUpperCase()}.` !== c.initial) body.initial = initial;
      if (select.value !== c.group_id) body.group_id = select.value;
      if (Object.keys(body).length) await call("PATCH", `/api/admin/children/${encodeURIComponent(c.child_id)}`, { body });
      await refresh();
      say(t(`${firstName} ${initial.toUpperCase()}. : modifications enregistrées.`, `${firstName} ${initial.toUpperCase()}.: changes saved.`));
      stopEditing("child", c.child_id);
    });
  });
  return element("li", { "data-child-id": c.child_id, class: "editing" }, [form]);
}

function renderChildren() {
  const container = $("children-list");
  const blocks = [];
  for (const g of state.groups) {
    const members = state.children.filter((c) => c.group_id === g.group_id);
    const headingId = `children-of-${g.group_id}`;
    blocks.push(element("section", { class: "group-block", "aria-labelledby": headingId, "data-group-id": g.group_id }, [
      element("h4", { id: headingId, text: `${g.name} (${members.length})` }),
      members.length ? element("ul", { class: "rows" }, members.map(childRow))
        : element("p", { class: "muted", text: t("Aucun enfant dans ce groupe.", "No child in this group.") }),
    ]));
  }
  if (!state.groups.length) {
    blocks.push(element("p", { class: "muted", text: t("Créez d'abord un groupe.", "Create a group first.") }));
  }
  container.replaceChildren(...blocks);
}

// Checkboxes of the active children, and of the archived ones still linked (chosen).
function childChoices(fieldset, prefix, chosen = []) {
  const linkedArchived = state.archived.filter((c) => chosen.includes(c.child_id));
  checkboxes(fieldset, prefix, [...state.children, ...linkedArchived].map((c) => ({
    value: c.child_id,
    label: c.archived ? `${childName(c)} (${t("archivé·e", "archived")})`
      : `${childName(c)} (${group(c.group_id) ? group(c.group_id).name : ""})`,
    checked: chosen.includes(c.child_id),
  })));
}

function anyChild(id) {
  return child(id) || state.archived.find((c) => c.child_id === id);
}

function guardianRow(g) {
  if (state.editing && state.editing.kind === "guardian" && state.editing.id === g.guardian_id) return guardianEditor(g);
  const names = g.child_ids.map((id) => anyChild(id)).filter(Boolean)
    .map((c) => (c.archived ? `${childName(c)} (${t("archivé·e", "archived")})` : childName(c)));
  const edit = actionButton(t("Modifier", "Edit"), g.email, { "data-action": "edit" });
  edit.addEventListener("click", () => startEditing("guardian", g.guardian_id));
  const archive = actionButton(t("Archiver", "Archive"), g.email, { "data-action": "archive" });
  archive.addEventListener("click", () => archiveGuardian(g));
  return element("li", { "data-guardian-id": g.guardian_id }, [
    element("span", { class: "row-title", text: g.email }),
    element("span", { class: "muted", text: names.length ? t(`Enfants : ${names.join(", ")}`, `Children: ${names.join(", ")}`)
      : t("Aucun enfant", "No child") }),
    element("span", { class: "row-actions" }, [edit, archive]),
  ]);
}

function guardianEditor(g) {
  const emailId = `edit-guardian-email`;
  const fieldset = element("fieldset", { class: "choices", id: "edit-guardian-children" }, [
    element("legend", { text: t("Ses enfants", "Their children") }),
  ]);
  childChoices(fieldset, "edit-guardian-child", g.child_ids);
  const error = element("p", { class: "form-error error", role: "alert", hidden: true });
  const form = element("form", { class: "edit", novalidate: true, "aria-label": t(`Modifier ${g.email}`, `Edit ${g.email}`) }, [
    element("p", { class: "field" }, [
      element("label", { for: emailId, text: t("Adresse e-mail", "E-mail address") }),
      element("input", { id: emailId, type: "email", maxlength: "250", required: true, autocomplete: "off", value: g.email }),
    ]),
    fieldset,
    error,
    element("p", { class: "row-actions" }, [
      element("button", { type: "submit", class: "primary", text: t("Enregistrer", "Save") }),
      element("button", { type: "button", "data-action": "cancel", text: t("Annuler", "Cancel") }),
    ]),
  ]);
  form.querySelector("[data-action=cancel]").addEventListener("click", () => stopEditing("guardian", g.guardian_id));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await attempt(error, async () => {
      const email = $(emailId).value.trim();
      const children = checked(fieldset);
      if (!email) throw new UserError(t("Indiquez l'adresse e-mail.", "Enter the e-mail address."), $(emailId));
      if (!children.length) {
        throw new UserError(t("Cochez au moins un enfant.", "Tick at least one child."), fieldset.querySelector("input"));
      }
      const body = {};
      if (email.toLowerCase() !== g.email) body.email = email;
      const same = children.length === g.child_ids.length && children.every((id) => g.child_ids.includes(id));
      if (!same) body.child_ids = children;
      if (Object.keys(body).length) await call("PATCH", `/api/admin/guardians/${encodeURIComponent(g.guardian_id)}`, { body });
      await refresh();
      say(t(`${email} : modifications enregistrées.`, `${email}: changes saved.`));
      stopEditing("guardian", g.guardian_id);
    });
  });
  return element("li", { "data-guardian-id": g.guardian_id, class: "editing" }, [form]);
}

function renderGuardians() {
  $("guardians-list").replaceChildren(...state.guardians.map(guardianRow));
  $("guardians-empty").hidden = state.guardians.length > 0;
  const chosen = checked($("guardian-children"));
  childChoices($("guardian-children"), "guardian-child", chosen);
}

function renderGroups() {
  $("groups-list").replaceChildren(...state.groups.map((g) => {
    const count = state.children.filter((c) => c.group_id === g.group_id).length;
    const parts = [
      element("span", { class: "row-title", text: g.name }),
      element("span", { class: "muted", text: t(`${count} enfant(s)`, `${count} child(ren)`) }),
    ];
    if (state.director) {
      const archive = actionButton(t("Archiver", "Archive"), g.name, { "data-action": "archive" });
      archive.addEventListener("click", () => archiveGroup(g));
      parts.push(element("span", { class: "row-actions" }, [archive]));
    }
    return element("li", { "data-group-id": g.group_id }, parts);
  }));
}

function render() {
  renderGroupSelects();
  renderTable();
  renderChildren();
  renderGroups();
  if (state.director) {
    renderGuardians();
    state.erasures.render();
  }
}

async function refresh() {
  await load();
  render();
}

// --- Editing and archiving -----------------------------------------------------------------

function rowSelector(kind, id) {
  return kind === "child" ? `#children-list li[data-child-id="${id}"]` : `#guardians-list li[data-guardian-id="${id}"]`;
}

function startEditing(kind, id) {
  state.editing = { kind, id };
  render();
  const row = document.querySelector(rowSelector(kind, id));
  if (row) row.querySelector("input").focus();
}

function stopEditing(kind, id) {
  state.editing = null;
  render();
  const button = document.querySelector(`${rowSelector(kind, id)} [data-action=edit]`);
  if (button) button.focus();
}

async function archiveChild(c) {
  const name = childName(c);
  if (!window.confirm(t(`Archiver ${name} ? Il ou elle disparaît des listes ; l'historique des consentements est gardé.`,
    `Archive ${name}? They leave the lists; the consent history is kept.`))) return;
  await attempt($("error"), async () => {
    await call("POST", `/api/admin/children/${encodeURIComponent(c.child_id)}/archive`);
    await refresh();
    say(t(`${name} est archivé·e.`, `${name} is archived.`));
    $("children-title").focus();
  });
}

async function archiveGuardian(g) {
  if (!window.confirm(t(`Archiver ${g.email} ? Cette personne n'aura plus accès aux photos ; l'historique des consentements est gardé.`,
    `Archive ${g.email}? They will lose access to the photos; the consent history is kept.`))) return;
  await attempt($("error"), async () => {
    await call("POST", `/api/admin/guardians/${encodeURIComponent(g.guardian_id)}/archive`);
    await refresh();
    say(t(`${g.email} est archivé·e.`, `${g.email} is archived.`));
    $("guardians-title").focus();
  });
}

async function archiveGroup(g) {
  // The API refuses while children are still in the group (its words are shown as they are).
  if (!window.confirm(t(`Archiver le groupe ${g.name} ?`, `Archive the group ${g.name}?`))) return;
  await attempt($("groups-error"), async () => {
    await call("POST", `/api/admin/groups/${encodeURIComponent(g.group_id)}/archive`);
    await refresh();
    say(t(`Le groupe ${g.name} est archivé.`, `The group ${g.name} is archived.`));
    $("groups-title").focus();
  });
}

// --- Creating ------------------------------------------------------------------------------

function clearInvalid(form) {
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

async function addChild(event) {
  event.preventDefault();
  const form = $("child-form");
  clearInvalid(form);
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  await attempt(form.querySelector(".form-error"), async () => {
    const firstName = $("child-first-name").value.trim();
    const initial = $("child-initial").value.trim();
    if (!firstName) throw new UserError(t("Indiquez le prénom.", "Enter the first name."), $("child-first-name"));
    if (!initial) throw new UserError(t("Indiquez l'initiale du nom.", "Enter the initial of the last name."), $("child-initial"));
    if (!$("child-group").value) throw new UserError(t("Créez d'abord un groupe.", "Create a group first."), $("child-group"));
    const created = await call("POST", "/api/admin/children", {
      body: { first_name: firstName, initial, group_id: $("child-group").value },
    });
    await refresh();
    $("child-first-name").value = "";
    $("child-initial").value = "";
    const where = group(created.group_id);
    say(t(`${childName(created)} ajouté·e au groupe ${where ? where.name : ""}.`,
      `${childName(created)} added to the group ${where ? where.name : ""}.`));
    $("child-first-name").focus();
  });
  submit.disabled = false;
}

async function addGuardian(event) {
  event.preventDefault();
  const form = $("guardian-form");
  clearInvalid(form);
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  await attempt(form.querySelector(".form-error"), async () => {
    const email = $("guardian-email").value.trim();
    const children = checked($("guardian-children"));
    if (!email) throw new UserError(t("Indiquez l'adresse e-mail.", "Enter the e-mail address."), $("guardian-email"));
    if (!children.length) {
      throw new UserError(t("Cochez au moins un enfant.", "Tick at least one child."),
        $("guardian-children").querySelector("input") || $("guardian-email"));
    }
    const created = await call("POST", "/api/admin/guardians", { body: { email, child_ids: children } });
    $("guardian-email").value = "";
    for (const box of $("guardian-children").querySelectorAll("input")) box.checked = false;
    await refresh();
    say(t(`${created.email} ajouté·e.`, `${created.email} added.`));
    $("guardian-email").focus();
  });
  submit.disabled = false;
}

async function addGroup(event) {
  event.preventDefault();
  const form = $("group-form");
  clearInvalid(form);
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  await attempt(form.querySelector(".form-error"), async () => {
    const name = $("group-name").value.trim();
    if (!name) throw new UserError(t("Indiquez le nom du groupe.", "Enter the group's name."), $("group-name"));
    const created = await call("POST", "/api/admin/groups", { body: { name } });
    $("group-name").value = "";
    await refresh();
    say(t(`Groupe ${created.name} créé.`, `Group ${created.name} created.`));
    $("group-name").focus();
  });
  submit.disabled = false;
}

// --- Routing -------------------------------------------------------------------------------

function roleNote() {
  return state.director
    ? t("Direction : vous gérez les enfants, les familles et leurs consentements.",
      "Director: you manage the children, the families and their consents.")
    : t("Lecture seule : la direction gère les enfants, les familles et les consentements.",
      "Read only: the director manages the children, the families and the consents.");
}

async function route({ focus = true } = {}) {
  showError($("error"), null);
  if (focus) say("");
  const match = window.location.hash.match(/^#\/enfant\/([A-Za-z0-9_-]{1,64})$/);
  if (match && state.director) {
    const ok = await attempt($("error"), async () => {
      await state.consentView.open(match[1]);
      state.erasures.open(match[1]);
      return true;
    });
    if (ok) {
      $("people-view").hidden = true;
      $("consent-view").hidden = false;
      if (focus) $("consent-title").focus();
      return;
    }
  }
  const from = state.consentView && state.consentView.childId;
  state.consentView.childId = null;
  state.erasures.close();
  $("consent-view").hidden = true;
  $("people-view").hidden = false;
  document.title = t("Personnes — Pellicule", "People — Pellicule");
  if (focus && from) {
    const link = document.querySelector(`#children-list li[data-child-id="${from}"] [data-action=consent]`);
    if (link) link.focus();
  }
}

function rerender() {
  if (state.me) $("role-note").textContent = roleNote();
  render();
  if (!$("consent-view").hidden) state.consentView.render();
  else document.title = t("Personnes — Pellicule", "People — Pellicule");
}

function wire() {
  wireSwitch($("lang-switch"), EN, rerender);
  $("sign-out").addEventListener("click", () => signOut());
  $("glance-group").addEventListener("change", renderTable);
  $("child-form").addEventListener("submit", addChild);
  $("guardian-form").addEventListener("submit", addGuardian);
  $("group-form").addEventListener("submit", addGroup);
  state.consentView = new ConsentView({ lookup: { child, guardian }, onChanged: refresh, say });
  state.erasures = new Erasures({ lookup: { child: anyChild }, say });
}

async function start() {
  wire();
  await attempt($("error"), async () => {
    state.who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = state.who.tenant_name || "";
    if (state.who.kind !== "staff") {
      $("loading").hidden = true;
      say(t("Cette page est celle de l'équipe du centre.", "This page is for the centre's staff."));
      return;
    }
    state.me = await call("GET", "/api/admin/me");
    state.director = state.me.role === "director";
    $("role-note").textContent = roleNote();
    for (const id of ["child-form", "group-form", "guardians-section"]) $(id).hidden = !state.director;
    if (state.director) mountImport({ onImported: refresh, say });
    await refresh();
    $("loading").hidden = true;
    window.addEventListener("hashchange", () => route());
    await route({ focus: false });
  });
  $("loading").hidden = true;
}

start();
