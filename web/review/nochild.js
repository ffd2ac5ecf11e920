// "Aucun enfant identifiable" asks first (web/review.html's <dialog id="no-child-dialog">): the
// flag lets the photo through the gate for every audience, since no consent holds it back, so
// the dialog says in words who will see it and when to tick it (backs, hands, a landscape).

import { element } from "/lib/dom.js";
import { t } from "/lib/i18n.js";
import { AUDIENCES } from "/review/gate.js";

// --- Pure words (unit-tested in tests/web/review-nochild.test.mjs) ---------------------------

// Who an audience is, inside a sentence: "les familles du groupe « Lions »".
export function whoSees(audience, groupName) {
  switch (audience) {
    case "families_of_group":
      return groupName
        ? t(`les familles du groupe « ${groupName} »`, `the families of the group “${groupName}”`)
        : t("les familles du groupe", "the families of the group");
    case "all_families_of_centre": return t("toutes les familles du centre", "all the families of the centre");
    case "public_communication":
      return t("la communication publique (site, réseaux, affiches)", "public communication (website, social media, posters)");
    default: return audience;
  }
}

export function sentenceList(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")}${t(" et ", " and ")}${names[names.length - 1]}`;
}

// planned: the audiences in play (the album's default, those chosen for publication), in the
// API's order; possible: every other audience a director could still publish it to.
export function audienceSplit(planned) {
  const wanted = new Set(planned);
  return {
    planned: AUDIENCES.filter((a) => wanted.has(a)),
    possible: AUDIENCES.filter((a) => !wanted.has(a)),
  };
}

// The dialog's sentences: [who will see it, who else could, the children it untags].
export function noChildTexts({ planned, groupName, tagged }) {
  const split = audienceSplit(planned);
  const names = (list) => sentenceList(list.map((a) => whoSees(a, groupName)));
  const texts = [t(
    `Sans enfant identifié, aucun consentement ne retient cette photo : une fois validée, ${names(split.planned)} la verront.`,
    `With no child tagged, no consent holds this photo back: once approved, ${names(split.planned)} will see it.`,
  )];
  if (split.possible.length) {
    texts.push(t(
      `La direction pourra aussi la publier pour ${names(split.possible)}, sans autre avertissement.`,
      `The director may also publish it for ${names(split.possible)}, with no further warning.`,
    ));
  }
  if (tagged.length) {
    texts.push(tagged.length === 1
      ? t(`${tagged[0]} sera retiré·e de la photo.`, `${tagged[0]} will be untagged.`)
      : t(`${sentenceList(tagged)} seront retiré·es de la photo.`, `${sentenceList(tagged)} will be untagged.`));
  }
  return texts;
}

// --- The dialog --------------------------------------------------------------------------------

// Opens the dialog and resolves true when confirmed, false when cancelled (button or Escape).
export function confirmNoChild(dialog, context) {
  const text = dialog.querySelector("#no-child-who");
  text.replaceChildren(...noChildTexts(context).map((line) => element("p", { text: line })));
  return new Promise((resolve) => {
    const close = () => {
      dialog.removeEventListener("close", close);
      resolve(dialog.returnValue === "confirm");
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", close);
    dialog.showModal();
    dialog.querySelector("#no-child-cancel").focus();
  });
}
