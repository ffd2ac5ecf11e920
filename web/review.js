// Pellicule staff validation page (docs/web.md, docs/consent.md): the queue of processed items,
// tagging with roster chips, face boxes for the blurred variant, and the director's decision.
//
// Everything goes through the API, which checks roles itself: the buttons a person may not use
// are simply not shown. The API's error messages are shown in the page's language.

import { ApiError, call, signOut } from "/lib/api.js";
import { element, showError as showErrorIn } from "/lib/dom.js";
import { formatDate, t, wireSwitch } from "/lib/i18n.js";
import { STAFF_EN } from "/lib/staff.js";
import { wireCaption } from "/staff/caption.js";
import { BoxEditor } from "/review/boxes.js";
import { renderBulk, wireBulk } from "/review/bulk.js";
import { audiencesInPlay, chip as chipButton, withGroup } from "/review/chips.js";
import { attemptNear, showNear } from "/review/errors.js";
import { next, openNextUndecided, previous, wireFlow } from "/review/flow.js";
import { AUDIENCES, audienceName, describe, summary } from "/review/gate.js";
import { wireKeys } from "/review/keys.js";
import { confirmNoChild } from "/review/nochild.js";
import { APPROVED, ELSEWHERE, Numbering, REJECTED } from "/review/numbering.js";
import {
  facesSignature, guardLeaving, hiddenChildren, plan, saveHooks, savedMessage, tagsChanged,
} from "/review/save.js";
import { PreviewZoom, percent } from "/review/zoom.js";

const EN = {
  ...STAFF_EN,
  pageTitle: "Photo validation",
  queueTitle: "Waiting for review",
  loading: "Loading…",
  queueEmpty: "Nothing to review for now.",
  hiddenTitle: "Hidden from families",
  hiddenHelp: "Open one to publish it again.",
  gateTitle: "Who could see this photo",
  canvasHelp:
    "To blur a face, draw a box over it with the mouse or a finger (zoom with + or two fingers); " +
    "the dotted line shows the blurred area, the whole head. With the keyboard: " +
    "“Add a box”, then the arrows to move it, Shift + arrows to resize it, Delete to remove it.",
  zoomGroup: "Zoom of the photo",
  zoomOut: "Zoom out",
  zoomIn: "Zoom in",
  zoomFit: "Whole photo",
  viewport: "Photo to review, zoomable",
  tagsTitle: "Children in the photo",
  tagsHelp:
    "Tap the name of every child who can be seen in the photo, or “Whole group” then remove " +
    "the absent ones. Under each name: visible, blurred or blocked according to their consent.",
  otherChildren: "Children of other groups",
  noChild: "No identifiable child in this photo",
  noChildHelp: "Only if nobody can be recognised: backs, hands, a landscape.",
  noChildTitle: "No identifiable child?",
  noChildWarning:
    "Tick it only if no child can be recognised in the photo: backs, hands, a landscape. " +
    "At the slightest recognisable face, pick the children instead.",
  noChildConfirm: "Yes, no identifiable child",
  noChildCancel: "No, go back",
  save: "Save",
  captionTitle: "Caption",
  captionLabel: "Caption of the photo (optional)",
  captionHelp: "Families see it with the photo; 200 characters at most, no child's surname.",
  captionSave: "Save the caption",
  captionConfirm: "Save anyway",
  facesTitle: "Faces to blur",
  facesHelp:
    "A child without consent can be blurred instead of dropping the photo: one box per face, " +
    "then choose which child it hides.",
  facesLocked: "Blurring can be changed before validation only.",
  addBox: "Add a box",
  blurredCaption: "Blurred version, the one families without consent will see",
  decisionTitle: "Decision",
  audiencesLegend: "Publish for",
  approve: "Approve and publish",
  publish: "Publish",
  unpublish: "Unpublish",
  rejectLabel: "Reason for rejection (the animator will see it)",
  reject: "Reject",
  bulkTitle: "Approve everything ready",
  bulkReady: "Ready",
  bulkWaiting: "Not ready",
  cancel: "Cancel",
  itemNav: "Photos to review",
  previousItem: "Previous photo",
  nextItem: "Next photo",
  shortcutsTitle: "Keyboard shortcuts",
  shortcutsNext: "next photo",
  shortcutsPrevious: "previous photo",
  shortcutsApprove: "approve and publish the open photo",
  shortcutsReject: "write the reason for a rejection",
  shortcutsNote: "They do nothing while you type in a field.",
  shortcutsOn: "Keyboard shortcuts on",
  footer: "Private photos: nothing is shown to families before validation.",
};

const POLL_MS = 1000;
const POLL_LIMIT_MS = 90_000;

const $ = (id) => document.getElementById(id);

const state = {
  who: null, // GET /api/auth/me
  me: null, // GET /api/admin/me: role, may_publish
  children: new Map(),
  groups: new Map(),
  albums: new Map(),
  queue: [],
  hidden: [], // hidden items (GET /api/admin/queue), a director may publish them again
  numbers: new Numbering(), // the queue's numbers, stable for the page's life
  hiddenNumbers: new Numbering(), // the hidden list's
  thumbs: new Map(), // media_id -> signed thumbnail URL
  item: null, // GET /api/gallery/media/<id>
  gate: null, // the gate preview of the selected item (queue / admin answers)
  selected: new Set(), // chips pressed
  noChild: false,
  audiences: null, // the audiences ticked for publication (Set)
  extraHides: [], // hidden children the saved boxes cover beyond one per box
  savedFaces: "", // the saved boxes and hidden children (facesSignature), to tell changes
  retried: false,
  poll: 0,
};

let editor;
let itemCaption;
let zoom;

// --- Messages ------------------------------------------------------------------------------

function say(text) {
  $("status").textContent = text;
}

function showError(error) {
  showErrorIn($("error"), error);
}

// Run an action: clear the previous error, show the new one (the API's words) if any.
async function attempt(action) {
  showError(null);
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

function childName(id) {
  const child = state.children.get(id);
  return child ? `${child.first_name} ${child.initial}` : t("un enfant inconnu", "an unknown child");
}

function defaultAudience(albumId) {
  const album = state.albums.get(albumId);
  return album && !album.group_id ? "all_families_of_centre" : "families_of_group";
}

// "Photo 3 sur 12 du 14 juin 2026 — Sortie"; in the queue (no capture date there): "Photo 2
// sur 12 — Sortie (8 juillet 2026)"; in the hidden list: "Photo n° 2 — Sortie". Numbers are
// the page's (review/numbering.js): they never change while the page is open.
function itemTitle(item, position) {
  const album = state.albums.get(item.album_id);
  let kind = item.kind === "video" ? t("Vidéo", "Video") : t("Photo", "Photo");
  const queued = state.numbers.number(item.media_id);
  const number = position || queued || state.hiddenNumbers.number(item.media_id);
  if (number && queued === number) {
    const total = state.numbers.total;
    kind = t(`${kind} ${number} sur ${total}`, `${kind} ${number} of ${total}`);
  } else if (number) {
    kind = t(`${kind} n° ${number}`, `${kind} no. ${number}`);
  }
  const date = item.capture_date ? formatDate(item.capture_date) : "";
  const parts = [date ? t(`${kind} du ${date}`, `${kind} of ${date}`) : kind];
  if (album) parts.push(date || !album.date ? album.title : `${album.title} (${formatDate(album.date)})`);
  return parts.join(" — ");
}

function stateName(value) {
  switch (value) {
    case "ready": return t("En attente de validation", "Waiting for review");
    case "published": return t("Publiée", "Published");
    case "hidden": return t("Retirée (non visible des familles)", "Unpublished (not visible to families)");
    case "hidden:gate":
      return t("Masquée : un consentement ne le permet plus (elle reviendra seule s'il est redonné)",
        "Hidden: a consent no longer allows it (it comes back by itself if the consent is given again)");
    case "hidden:director": return t("Retirée par la direction (non visible des familles)",
      "Unpublished by the director (not visible to families)");
    case "rejected": return t("Refusée", "Rejected");
    default: return t("En cours de traitement", "Being processed");
  }
}

// --- Queue -----------------------------------------------------------------------------------

async function loadThumbs(items) {
  const albums = [...new Set(items.filter((i) => !state.thumbs.has(i.media_id)).map((i) => i.album_id))];
  await Promise.all(albums.slice(0, 20).map(async (albumId) => {
    try {
      const page = await call("GET", `/api/gallery/albums/${encodeURIComponent(albumId)}`);
      for (const item of page.items) {
        const source = item.renditions.thumb || item.renditions.poster || item.renditions.web;
        if (source) state.thumbs.set(item.media_id, source.url);
      }
    } catch {
      // thumbnails are a comfort: the queue works without them
    }
  }));
}

async function loadQueue() {
  const { items, hidden } = await call("GET", "/api/admin/queue");
  state.queue = items;
  state.hidden = hidden || [];
  state.numbers.note(items);
  state.hiddenNumbers.note(state.hidden);
  await loadThumbs([...items, ...state.hidden]);
  const current = state.item && listed(state.item.media_id);
  if (current) {
    state.gate = current.gate;
    state.item.hidden_by = current.hidden_by;
  }
  renderQueue();
}

// The queue's or the hidden list's entry for an item (its gate preview), if any.
function listed(mediaId) {
  return state.queue.find((i) => i.media_id === mediaId) || state.hidden.find((i) => i.media_id === mediaId);
}

function tagLine(item) {
  if (item.tagged_child_ids.length) {
    return t(`Enfants : ${item.tagged_child_ids.map(childName).join(", ")}`,
      `Children: ${item.tagged_child_ids.map(childName).join(", ")}`);
  }
  if (item.no_identifiable_child) return t("Aucun enfant identifiable", "No identifiable child");
  return t("Aucun enfant identifié pour l'instant", "No child tagged yet");
}

// The queue's rows: every numbered item, the decided ones marked (review/numbering.js).
function queueRows() {
  return state.numbers.rows(state.queue);
}

function outcomeName(outcome) {
  switch (outcome) {
    case APPROVED: return t("Validée", "Approved");
    case REJECTED: return t("Refusée", "Rejected");
    case ELSEWHERE: return t("Traitée par ailleurs", "Dealt with elsewhere");
    default: return "";
  }
}

function renderQueue() {
  $("queue-loading").hidden = true;
  renderList($("queue"), queueRows());
  renderList($("hidden-queue"), state.hiddenNumbers.rows(state.hidden).filter((row) => !row.outcome));
  renderBulk();
  renderItemNav();
  const count = state.queue.length;
  $("queue-count").textContent = count ? `(${count})` : "";
  $("queue-empty").hidden = count > 0;
  const hidden = state.hidden.length;
  $("hidden-title").hidden = hidden === 0;
  $("hidden-help").hidden = hidden === 0;
  $("hidden-count").textContent = hidden ? `(${hidden})` : "";
}

function renderList(list, rows) {
  list.replaceChildren();
  const selectedId = state.item && state.item.media_id;
  for (const { item, number, outcome } of rows) {
    const audience = defaultAudience(item.album_id);
    const decision = item.gate[audience];
    const thumb = state.thumbs.get(item.media_id);
    const children = [];
    if (thumb) {
      const image = element("img", { src: thumb, alt: "", loading: "lazy" });
      image.addEventListener("error", () => image.remove());
      children.push(image);
    } else {
      children.push(element("span", { class: "no-thumb", "aria-hidden": "true" }));
    }
    children.push(element("span", { class: "queue-text" }, [
      element("span", { class: "queue-title", text: itemTitle(item, number) }),
      ...(outcome ? [element("span", { class: `queue-outcome ${outcome}`, text: outcomeName(outcome) })] : []),
      ...(item.state === "hidden" && !outcome
        ? [element("span", { class: "queue-state", text: stateName(`hidden:${item.hidden_by}`) })] : []),
      element("span", { class: "queue-tags", text: tagLine(item) }),
      element("span", {
        class: `queue-gate ${decision ? decision.visibility : ""}`,
        text: summary(item.gate, audience, childName),
      }),
    ]));
    const link = element("a", {
      href: `#/media/${item.media_id}`,
      class: outcome ? "queue-item decided" : "queue-item",
      "data-media-id": item.media_id,
      "data-outcome": outcome || undefined,
      "aria-current": item.media_id === selectedId ? "true" : undefined,
    }, children);
    list.append(element("li", {}, [link]));
  }
}

// "Photo précédente / suivante" (review/flow.js), through the queue's numbered items.
function renderItemNav() {
  const ids = queueRows().map((row) => row.item.media_id);
  const index = state.item ? ids.indexOf(state.item.media_id) : -1;
  $("item-nav").hidden = index < 0;
  $("previous-item").disabled = index <= 0;
  $("next-item").disabled = index < 0 || index >= ids.length - 1;
}

// Open an item from the flow (next, previous, after a decision): its address, then the item
// with the focus on its title.
async function openItem(mediaId) {
  window.history.pushState(null, "", `#/media/${mediaId}`);
  await select(mediaId);
}

// --- The selected item -----------------------------------------------------------------------

async function select(mediaId, { focus = true } = {}) {
  stopPolling();
  say("");
  for (const line of ["decision-error", "reject-error", "nav-error"]) showNear($(line), null, null);
  $("save-status").textContent = "";
  showErrorIn($("save-error"), null);
  const item = await call("GET", `/api/gallery/media/${encodeURIComponent(mediaId)}`);
  state.item = item;
  const queued = listed(mediaId);
  state.gate = queued ? queued.gate : null;
  item.hidden_by = queued ? queued.hidden_by : null;
  state.selected = new Set(item.tagged_child_ids);
  state.noChild = item.no_identifiable_child;
  state.audiences = null; // the album's default until changed
  const hidden = [...item.blurred_child_ids];
  const boxes = item.face_boxes.map(([x, y, w, h]) => ({ x, y, w, h, child: hidden.shift() || "" }));
  state.extraHides = hidden;
  state.savedFaces = facesSignature(item.face_boxes, item.blurred_child_ids);
  state.retried = false;
  editor.set(boxes, canEditFaces());
  itemCaption.set(null, false);
  loadCaption(mediaId);
  renderItem();
  renderQueue();
  $("item").hidden = false;
  if (focus) $("item-title").focus();
}

// The item's caption, and whether this person may change it (GET /api/admin/media/<id>/caption).
async function loadCaption(mediaId) {
  try {
    const found = await call("GET", `/api/admin/media/${encodeURIComponent(mediaId)}/caption`);
    if (state.item && state.item.media_id === mediaId) itemCaption.set(found.caption, found.may_edit);
  } catch (error) {
    showError(error);
  }
}

function wireItemCaption() {
  itemCaption = wireCaption(
    {
      form: $("caption-form"),
      input: $("caption-input"),
      warning: $("caption-warning"),
      confirm: $("caption-confirm"),
      error: $("caption-error"),
      status: $("caption-status"),
    },
    () => (state.item ? `/api/admin/media/${encodeURIComponent(state.item.media_id)}/caption` : null),
  );
}

function canEditFaces() {
  return state.item && state.item.kind === "photo" && state.item.state === "ready";
}

function tagsDirty() {
  return tagsChanged(state.item, state.selected, state.noChild);
}

// The boxes and the children they hide, as they would be saved now.
function facesNow() {
  const hides = hiddenChildren(editor.boxes, state.extraHides, state.selected);
  return { boxes: editor.values(), hides };
}

function facesDirty() {
  if (!canEditFaces()) return false;
  const now = facesNow();
  return facesSignature(now.boxes, now.hides) !== state.savedFaces;
}

// Whether the shown item has changes the single save would write.
function dirty() {
  return Boolean(state.item) && (tagsDirty() || facesDirty());
}

function renderItem() {
  const item = state.item;
  if (!item) return;
  $("item-title").textContent = itemTitle(item);
  const named = item.state === "hidden" && item.hidden_by ? `hidden:${item.hidden_by}` : item.state;
  $("item-state").textContent = item.state === "rejected" && item.rejection_reason
    ? `${stateName(item.state)} : ${item.rejection_reason}` : stateName(named);
  renderGate();
  renderPhoto();
  renderChips();
  renderFaces();
  renderDecision();
}

function renderGate() {
  const list = $("gate");
  list.replaceChildren();
  if (!state.gate) {
    list.append(element("li", {
      text: t("L'aperçu est donné pour les photos en attente de validation.",
        "The preview is given for photos waiting for review."),
    }));
    return;
  }
  const preferred = defaultAudience(state.item.album_id);
  for (const audience of AUDIENCES) {
    const decision = state.gate[audience];
    if (!decision) continue;
    const label = audience === preferred
      ? `${audienceName(audience)} ${t("(par défaut)", "(default)")}` : audienceName(audience);
    list.append(element("li", { class: decision.visibility, "data-audience": audience }, [
      element("strong", { text: label }),
      element("span", { text: `${t(" : ", ": ")}${describe(decision, childName)}` }),
    ]));
  }
}

function renderPhoto() {
  const item = state.item;
  const source = item.renditions.web || item.renditions.poster || item.renditions.download
    || item.renditions.thumb;
  const photo = $("photo");
  if (!source) {
    photo.removeAttribute("src");
    return;
  }
  if (photo.getAttribute("src") !== source.url) photo.src = source.url;
  photo.width = source.width;
  photo.height = source.height;
  photo.alt = t(`${itemTitle(item)}, à valider`, `${itemTitle(item)}, to review`);
  // The whole photo first (its width follows its aspect ratio), zoomable (web/review/zoom.js).
  const ratio = source.width / source.height;
  if (zoom.ratio !== ratio || zoom.mediaId !== item.media_id) {
    zoom.mediaId = item.media_id;
    zoom.setRatio(ratio);
  }
}

// The boxes' hidden children now (a chip says "flouté" for them).
function hiddenNow() {
  return hiddenChildren(editor.boxes, state.extraHides, state.selected);
}

function chipOptions(child) {
  return {
    pressed: state.selected.has(child.child_id),
    audiences: audiencesInPlay(defaultAudience(state.item.album_id), state.audiences),
    kind: state.item.kind,
    now: Date.now() / 1000,
    hidden: hiddenNow(),
    onToggle: toggleChild,
  };
}

function albumGroupId() {
  const album = state.albums.get(state.item.album_id);
  return (album && album.group_id) || null;
}

function renderChips() {
  const groupId = albumGroupId();
  const byName = (a, b) => a.first_name.localeCompare(b.first_name, "fr");
  const visible = [...state.children.values()]
    .filter((c) => !c.archived || state.selected.has(c.child_id))
    .sort(byName);
  const main = groupId ? visible.filter((c) => c.group_id === groupId) : visible;
  const others = groupId ? visible.filter((c) => c.group_id !== groupId) : [];
  const group = groupId && state.groups.get(groupId);
  $("chips-main").setAttribute("aria-label", group
    ? t(`Enfants du groupe ${group.name}`, `Children of the group ${group.name}`)
    : t("Enfants du centre", "Children of the centre"));
  $("chips-main").replaceChildren(...main.map((c) => chipButton(c, chipOptions(c))));
  $("chips-other").replaceChildren(...others.map((c) => chipButton(c, chipOptions(c))));
  $("others").hidden = others.length === 0;
  if (others.some((c) => state.selected.has(c.child_id))) $("others").open = true;
  const inGroup = main.filter((c) => !c.archived).length;
  $("tag-group").hidden = !groupId || inGroup === 0;
  $("tag-group").textContent = t(`Tout le groupe (${inGroup})`, `Whole group (${inGroup})`);
  $("no-child").checked = state.noChild;
  markTagsDirty();
}

// "Tout le groupe": every child of the album's group pressed in one tap (then tap the absent).
function tagGroup() {
  state.selected = withGroup(state.selected, [...state.children.values()], albumGroupId());
  if (state.selected.size) state.noChild = false;
  renderBoxList();
  renderChips();
  const count = state.selected.size;
  // said beside the save button, which stays on screen
  $("save-status").textContent = t(
    `${count} enfants choisis : touchez ceux qui ne sont pas sur la photo pour les retirer.`,
    `${count} children picked: tap those who are not in the photo to remove them.`,
  );
}

function toggleChild(childId) {
  if (state.selected.has(childId)) {
    state.selected.delete(childId);
    for (const box of editor.boxes) if (box.child === childId) box.child = "";
  } else {
    state.selected.add(childId);
    state.noChild = false;
  }
  renderBoxList();
  renderChips();
  const again = document.querySelector(`.chip[data-child-id="${childId}"]`);
  if (again) again.focus();
}

function markTagsDirty() {
  $("save").classList.toggle("dirty", dirty());
}

async function saveTags() {
  const item = state.item;
  const view = await call("PUT", `/api/admin/media/${encodeURIComponent(item.media_id)}/tags`, {
    body: {
      child_ids: [...state.selected],
      no_identifiable_child: state.noChild,
      version: item.version,
    },
  });
  applyView(view);
  return view;
}

// An admin answer (media_view): the saved tags, the version, the gate preview.
function applyView(view) {
  const item = state.item;
  item.tagged_child_ids = view.tagged_child_ids;
  item.no_identifiable_child = view.no_identifiable_child;
  item.blurred_child_ids = view.blurred_child_ids;
  item.version = view.version;
  item.state = view.state;
  item.published_audiences = view.published_audiences;
  item.rejection_reason = view.rejection_reason;
  item.hidden_by = view.hidden_by;
  state.gate = view.gate;
  const index = state.queue.findIndex((i) => i.media_id === view.media_id);
  if (index >= 0) {
    if (view.state === "ready") state.queue[index] = view;
    else state.queue.splice(index, 1);
  }
  state.hidden = state.hidden.filter((i) => i.media_id !== view.media_id);
  if (view.state === "hidden") state.hidden.unshift(view);
  markTagsDirty();
  renderQueue();
}

// --- Face boxes ------------------------------------------------------------------------------

function renderFaces() {
  const photo = state.item.kind === "photo";
  $("faces-panel").hidden = !photo;
  const editable = canEditFaces();
  if (editor.enabled !== editable) editor.set(editor.boxes, editable);
  $("faces-locked").hidden = editable;
  $("canvas-help").hidden = !editable;
  $("add-box").hidden = !editable;
  renderBoxList();
  renderBlurred();
}

function renderBoxList() {
  const list = $("box-list");
  list.replaceChildren();
  const editable = canEditFaces();
  const tagged = [...state.selected];
  editor.boxes.forEach((box, index) => {
    const id = `box-child-${index}`;
    const choice = element("select", { id, disabled: editable ? undefined : "disabled" }, [
      element("option", { value: "", text: t("— un visage non identifié —", "— an unidentified face —") }),
      ...tagged.map((childId) => element("option", { value: childId, text: childName(childId) })),
    ]);
    choice.value = tagged.includes(box.child) ? box.child : "";
    choice.addEventListener("change", () => {
      box.child = choice.value;
      renderChips();
    });
    const parts = [
      element("label", { for: id, text: t(`Le cadre ${index + 1} cache`, `Box ${index + 1} hides`) }),
      choice,
    ];
    if (editable) {
      const remove = element("button", {
        type: "button",
        class: "link",
        "aria-label": t(`Retirer le cadre ${index + 1}`, `Remove box ${index + 1}`),
        text: t("Retirer", "Remove"),
      });
      remove.addEventListener("click", () => editor.remove(index));
      parts.push(remove);
    }
    list.append(element("li", {}, parts));
  });
  const extra = state.extraHides.filter((id) => state.selected.has(id));
  $("extra-hides").hidden = extra.length === 0;
  $("extra-hides").textContent = extra.length
    ? t(`Cachés aussi par ces cadres : ${extra.map(childName).join(", ")}`,
      `Also hidden by these boxes: ${extra.map(childName).join(", ")}`) : "";
  markTagsDirty();
}

function renderBlurred() {
  const blurred = state.item.blurred || {};
  const source = blurred.web || blurred.thumb || blurred.download;
  $("blurred-figure").hidden = !source;
  if (source) {
    const image = $("blurred-photo");
    if (image.getAttribute("src") !== source.url) image.src = source.url;
    image.width = source.width;
    image.height = source.height;
    image.alt = t("Version floutée de la photo", "Blurred version of the photo");
  }
}

function pathOf(url) {
  return url ? new URL(url, window.location.href).pathname : "";
}

async function saveFaces() {
  const item = state.item;
  const { boxes, hides } = facesNow();
  const before = pathOf(item.blurred && item.blurred.web && item.blurred.web.url);
  const saved = await call("PUT", `/api/upload/media/${encodeURIComponent(item.media_id)}/faces`, {
    body: { boxes, hides: [...hides] },
  });
  item.face_boxes = saved.boxes;
  item.blurred_child_ids = saved.hides;
  item.blur_revision = saved.blur_revision;
  state.extraHides = state.extraHides.filter((id) => saved.hides.includes(id));
  state.savedFaces = facesSignature(saved.boxes, saved.hides);
  waitForBlur(item.media_id, saved.blur_revision, before, saved.boxes.length > 0);
  return saved;
}

// The single "Enregistrer": the tags (children, flag) then the face boxes, whichever changed,
// one status line; an error stays beside the button, in words.
async function saveAll() {
  const item = state.item;
  if (!item) return;
  const status = $("save-status");
  showErrorIn($("save-error"), null);
  const steps = plan({ tags: tagsDirty(), faces: facesDirty() });
  $("save").disabled = true;
  status.textContent = steps.length ? t("Enregistrement…", "Saving…") : "";
  try {
    if (steps.includes("tags")) await saveTags();
    const faces = steps.includes("faces") ? await saveFaces() : null;
    renderItem();
    status.textContent = savedMessage(steps, faces ? faces.boxes.length : 0);
    if (saveHooks.onSaved) saveHooks.onSaved(item);
  } catch (error) {
    status.textContent = "";
    showErrorIn($("save-error"), error);
  } finally {
    $("save").disabled = false;
    markTagsDirty();
  }
}

function stopPolling() {
  state.poll += 1;
}

// The processor re-renders the blurred variant asynchronously: poll the item until the variant
// of this revision is there (its objects get fresh keys), then show it and refresh the gate.
function waitForBlur(mediaId, revision, before, expectVariant) {
  const token = ++state.poll;
  const deadline = Date.now() + POLL_LIMIT_MS;
  const tick = async () => {
    if (token !== state.poll) return;
    let fresh;
    try {
      fresh = await call("GET", `/api/gallery/media/${encodeURIComponent(mediaId)}`);
    } catch (error) {
      showError(error);
      return;
    }
    if (token !== state.poll) return;
    const web = fresh.blurred && fresh.blurred.web;
    const done = fresh.blur_revision !== revision
      || (expectVariant ? Boolean(web) && pathOf(web.url) !== before : !web);
    if (!done) {
      if (Date.now() > deadline) {
        $("save-status").textContent = t(
          "La version floutée tarde : rechargez la page dans un moment.",
          "The blurred version is late: reload the page in a moment.",
        );
        return;
      }
      window.setTimeout(tick, POLL_MS);
      return;
    }
    state.item.blurred = fresh.blurred;
    state.item.blur_revision = fresh.blur_revision;
    state.item.renditions = fresh.renditions;
    renderBlurred();
    try {
      await loadQueue();
    } catch (error) {
      showError(error);
    }
    renderGate();
    $("save-status").textContent = expectVariant
      ? t("La version floutée est prête.", "The blurred version is ready.")
      : t("Plus de version floutée.", "No blurred version any more.");
  };
  window.setTimeout(tick, POLL_MS);
}

// --- Decision (directors, or trusted animators) ----------------------------------------------

function renderDecision() {
  const item = state.item;
  const may = Boolean(state.me && state.me.may_publish);
  const director = Boolean(state.me && state.me.role === "director");
  const ready = item.state === "ready";
  $("decision").hidden = !may || !["ready", "hidden", "published"].includes(item.state);
  $("approve").hidden = !ready;
  $("reject-form").hidden = !ready;
  $("publish").hidden = item.state !== "hidden";
  $("unpublish").hidden = !(director && item.state === "published");
  $("audiences").hidden = item.state === "published";
  renderAudiences();
}

function renderAudiences() {
  const fieldset = $("audiences");
  for (const node of fieldset.querySelectorAll(".check")) node.remove();
  if (!state.audiences) state.audiences = new Set([defaultAudience(state.item.album_id)]);
  for (const audience of AUDIENCES) {
    const id = `audience-${audience}`;
    const input = element("input", { type: "checkbox", id, value: audience });
    input.checked = state.audiences.has(audience);
    input.addEventListener("change", () => {
      if (input.checked) state.audiences.add(audience);
      else state.audiences.delete(audience);
    });
    fieldset.append(element("p", { class: "check" }, [
      input,
      element("label", { for: id, text: audienceName(audience) }),
    ]));
  }
}

function chosenAudiences() {
  return AUDIENCES.filter((audience) => state.audiences && state.audiences.has(audience));
}

async function decide(path, body, done) {
  const item = state.item;
  const view = await call("POST", `/api/admin/media/${encodeURIComponent(item.media_id)}/${path}`, { body });
  if (path === "review") state.numbers.decide(view, view.state === "rejected" ? REJECTED : APPROVED);
  if (view.state === "hidden") state.hiddenNumbers.outcomes.delete(view.media_id);
  else state.hiddenNumbers.decide(view, APPROVED);
  applyView(view);
  renderItem();
  let message = done(view);
  if (view.refused_audiences && view.refused_audiences.length) {
    message += t(
      ` Pas pour : ${view.refused_audiences.map(audienceName).join(", ")} (la règle de publication ne le permet pas).`,
      ` Not for: ${view.refused_audiences.map(audienceName).join(", ")} (the publication rule does not allow it).`,
    );
  }
  await loadQueue();
  // After a validation, the next photo waiting opens by itself (focus on its title, and the
  // status line says which one).
  if (path === "review" && (await openNextUndecided())) {
    message += t(` ${itemTitle(state.item)} ouverte.`, ` ${itemTitle(state.item)} open.`);
  } else if (path === "review") {
    message += t(" Il n'y a plus de photo à valider.", " There is no photo left to review.");
  }
  say(message);
  $("item-title").focus();
}

function published(view) {
  const names = view.published_audiences.map(audienceName).join(", ");
  return t(`Photo publiée pour : ${names}.`, `Photo published for: ${names}.`);
}

function requireAudiences() {
  const audiences = chosenAudiences();
  if (!audiences.length) {
    throw new ApiError(400, t("Choisissez au moins un public.", "Choose at least one audience."), "audiences");
  }
  return audiences;
}

// --- Start -----------------------------------------------------------------------------------

function roleNote() {
  const me = state.me;
  if (me.role === "director") {
    return t("Vous identifiez, floutez, validez et publiez.", "You tag, blur, approve and publish.");
  }
  if (me.may_publish) {
    return t("Animateur·rice de confiance : vous pouvez aussi valider et publier.",
      "Trusted animator: you may also approve and publish.");
  }
  return t(
    "Vous identifiez les enfants et floutez les visages ; la direction valide avant toute publication.",
    "You tag the children and blur faces; the director validates before anything is published.",
  );
}

function rerender() {
  document.title = t("Validation — Pellicule", "Validation — Pellicule");
  if (state.me) $("role-note").textContent = roleNote();
  renderQueue();
  if (state.item) {
    renderItem();
    editor.render();
  }
}

async function route({ focus = true } = {}) {
  const match = window.location.hash.match(/^#\/media\/([A-Za-z0-9_-]{1,64})$/);
  if (match) {
    await attempt(() => select(match[1], { focus }));
  } else {
    stopPolling();
    state.item = null;
    $("item").hidden = true;
    renderQueue();
  }
}

// The words of the "no identifiable child" dialog: who would see the photo, whom it untags.
function noChildContext() {
  const group = state.groups.get(albumGroupId());
  return {
    planned: audiencesInPlay(defaultAudience(state.item.album_id), state.audiences),
    groupName: group ? group.name : "",
    tagged: [...state.selected].map(childName),
  };
}

// Ticking "no identifiable child" asks first (the dialog says who will see the photo).
async function noChildChanged() {
  const box = $("no-child");
  if (!box.checked) {
    state.noChild = false;
    markTagsDirty();
    return;
  }
  box.checked = false;
  const confirmed = await confirmNoChild($("no-child-dialog"), noChildContext());
  box.focus();
  if (!confirmed) return;
  box.checked = true;
  state.noChild = true;
  state.selected.clear();
  for (const item of editor.boxes) item.child = "";
  renderBoxList();
  renderChips();
}

// The tags panel, the faces and the photo's zoom, the single save (before the page's own
// hashchange listener: leaving an item with unsaved changes asks first).
function wireTagging() {
  editor = new BoxEditor($("overlay"), $("box-live"), () => {
    renderBoxList();
    renderChips(); // a box hiding a child turns its chip to "flouté"
  });
  zoom = new PreviewZoom($("viewport"), $("canvas"), {
    onPinch: () => editor.cancel(),
    onChange: (scale) => {
      $("zoom-level").textContent = percent(scale);
      $("zoom-out").disabled = scale <= 1;
    },
  });
  $("zoom-in").addEventListener("click", () => zoom.zoomIn());
  $("zoom-out").addEventListener("click", () => zoom.zoomOut());
  $("zoom-fit").addEventListener("click", () => zoom.zoomTo(1));
  $("add-box").addEventListener("click", () => editor.add());
  $("tag-group").addEventListener("click", () => tagGroup());
  $("no-child").addEventListener("change", () => noChildChanged());
  $("save").addEventListener("click", () => saveAll());
  // The audiences chosen for publication are the chips' audiences in play.
  $("audiences").addEventListener("change", () => { if (state.item) renderChips(); });
  guardLeaving(dirty);
}

function wire() {
  wireSwitch($("lang-switch"), EN, rerender);
  $("sign-out").addEventListener("click", () => signOut());
  wireTagging();
  wireItemCaption();
  $("photo").addEventListener("error", () => {
    if (state.retried || !state.item) return; // signed URLs last minutes: fetch them again once
    state.retried = true;
    attempt(async () => {
      const fresh = await call("GET", `/api/gallery/media/${encodeURIComponent(state.item.media_id)}`);
      state.item.renditions = fresh.renditions;
      state.item.blurred = fresh.blurred;
      renderPhoto();
      renderBlurred();
    });
  });
  wireDecision();
  window.addEventListener("hashchange", () => route());
}

// The decision's buttons: an error shows beside the button that met it (review/errors.js).
function wireDecision() {
  const near = (button, action) => attemptNear($("decision-error"), $(button), action);
  $("approve").addEventListener("click", () => near("approve", () => decide(
    "review", { decision: "approve", audiences: requireAudiences() }, published,
  )));
  $("publish").addEventListener("click", () => near("publish", () => decide(
    "publish", { audiences: requireAudiences() }, published,
  )));
  $("unpublish").addEventListener("click", () => near("unpublish", () => decide(
    "unpublish", {}, () => t("Publication retirée : les familles ne la voient plus.",
      "Unpublished: families no longer see it."),
  )));
  $("reject-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("reject-reason").value.trim();
    attemptNear($("reject-error"), $("reject"), async () => {
      if (!reason) {
        $("reject-reason").focus();
        throw new ApiError(400, t("Indiquez le motif du refus.", "Give the reason for the rejection."), "reason");
      }
      await decide("review", { decision: "reject", reason }, () => t("Photo refusée.", "Photo rejected."));
      $("reject-reason").value = "";
    });
  });
  const step = (button, go) => attemptNear($("nav-error"), $(button), go);
  $("previous-item").addEventListener("click", () => step("previous-item", previous));
  $("next-item").addEventListener("click", () => step("next-item", next));
  wireFlow({
    rows: queueRows,
    // the address first: a key pressed again before the item has loaded goes on from it
    current: () => (window.location.hash.match(/^#\/media\/([A-Za-z0-9_-]{1,64})$/) || [])[1]
      || (state.item ? state.item.media_id : null),
    open: openItem,
  });
  wireKeys({
    next: () => step("next-item", next),
    previous: () => step("previous-item", previous),
    approve: () => { if (!$("decision").hidden && !$("approve").hidden) $("approve").click(); },
    reject: () => { if (!$("decision").hidden && !$("reject-form").hidden) $("reject-reason").focus(); },
  }, $("shortcuts-on"));
  wireBulk({
    rows: queueRows,
    audienceOf: (item) => defaultAudience(item.album_id),
    title: itemTitle,
    childName,
    may: () => Boolean(state.me && state.me.may_publish),
    approved: (views) => {
      for (const view of views) state.numbers.decide(view, APPROVED);
      state.queue = state.queue.filter((i) => !views.some((v) => v.media_id === i.media_id));
      if (state.item && views.some((v) => v.media_id === state.item.media_id)) {
        const view = views.find((v) => v.media_id === state.item.media_id);
        applyView(view);
        renderItem();
      }
      renderQueue();
    },
    refused: () => loadQueue(),
    say,
  });
}

async function start() {
  wire();
  await attempt(async () => {
    state.who = await call("GET", "/api/auth/me");
    $("centre-name").textContent = state.who.tenant_name || "";
    if (state.who.kind !== "staff") {
      $("queue-loading").hidden = true;
      say(t("Cette page est celle de l'équipe du centre.", "This page is for the centre's staff."));
      return;
    }
    const [me, children, groups, albums] = await Promise.all([
      call("GET", "/api/admin/me"),
      call("GET", "/api/admin/children"),
      call("GET", "/api/admin/groups"),
      call("GET", "/api/admin/albums"),
    ]);
    state.me = me;
    $("role-note").textContent = roleNote();
    for (const child of children.children) state.children.set(child.child_id, child);
    for (const group of groups.groups) state.groups.set(group.group_id, group);
    for (const album of albums.albums) state.albums.set(album.album_id, album);
    await loadQueue();
    await route({ focus: false });
  });
}

start();
