// "Who may appear where, at a glance": children × audiences × media kinds, each cell in words.
//
// The rule is the publication gate's (docs/consent.md): a child may appear for an audience and
// a kind when their consent in force covers both today. Otherwise a photo can still be
// published with the child's face blurred (the processor renders an irreversible blurred
// variant), while a video cannot be blurred: the child must not appear in it.

import { AUDIENCES, KINDS, childName, element, lastDay } from "/people/dom.js";
import { t } from "/lib/i18n.js";

export const YES = "yes";
export const BLUR = "blur";
export const NO = "no";

export function covers(consent, audience, kind, now) {
  const terms = consent && consent.status === "active" ? consent.terms : null;
  return Boolean(terms && terms.audiences.includes(audience) && terms.media_kinds.includes(kind)
    && terms.valid_from <= now && now < terms.valid_until);
}

export function cellValue(consent, audience, kind, now) {
  if (covers(consent, audience, kind, now)) return YES;
  return kind === "photo" ? BLUR : NO;
}

export function valueText(value) {
  switch (value) {
    case YES: return t("oui", "yes");
    case BLUR: return t("floutage requis", "blurring required");
    default: return t("non", "no");
  }
}

// A line under the child's name: until when, or why nothing is allowed.
export function consentNote(consent, now) {
  const terms = consent && consent.status === "active" ? consent.terms : null;
  const notes = [];
  if (!consent || consent.status === "none") notes.push(t("aucun consentement", "no consent"));
  else if (consent.status === "withdrawn") notes.push(t("consentement retiré", "consent withdrawn"));
  else if (terms && terms.valid_from > now) notes.push(t("consentement pas encore en vigueur", "consent not yet in force"));
  else if (terms && terms.valid_until <= now) notes.push(t("consentement expiré", "consent expired"));
  else if (terms) notes.push(t(`jusqu'au ${lastDay(terms.valid_until)}`, `until ${lastDay(terms.valid_until)}`));
  if (consent && consent.pending) notes.push(t("élargissement en attente", "widening pending"));
  return notes.join(" · ");
}

// One <tbody> per group (a row header names the group), one row per child.
export function renderGlance(table, { children, groups, groupFilter, now }) {
  for (const body of [...table.tBodies]) body.remove();
  const shown = groups.filter((g) => !groupFilter || g.group_id === groupFilter);
  let rows = 0;
  const columns = 1 + AUDIENCES.length * KINDS.length;
  for (const group of shown) {
    const members = children.filter((c) => c.group_id === group.group_id);
    if (!members.length) continue;
    const body = element("tbody", { "data-group-id": group.group_id }, [
      element("tr", { class: "group-row" }, [
        element("th", { scope: "rowgroup", colspan: String(columns), text: group.name }),
      ]),
    ]);
    for (const child of members) {
      const note = consentNote(child.consent, now);
      const cells = [element("th", { scope: "row" }, [
        element("span", { class: "name", text: childName(child) }),
        note ? element("span", { class: "note", text: note }) : null,
      ])];
      for (const audience of AUDIENCES) {
        for (const kind of KINDS) {
          const value = cellValue(child.consent, audience, kind, now);
          cells.push(element("td", {
            class: `cell ${value}`, "data-audience": audience, "data-kind": kind, "data-value": value,
            text: valueText(value),
          }));
        }
      }
      body.append(element("tr", { "data-child-id": child.child_id }, cells));
      rows += 1;
    }
    table.append(body);
  }
  return rows;
}
