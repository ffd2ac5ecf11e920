// Roster import (directors; docs/roster-import.md): "Importer depuis un fichier" on the people
// page. The director picks a CSV file exported by a family portal or booking software; the
// page sends its bytes (base64) to POST /api/admin/roster/import/preview, which detects the
// encoding and separator, proposes a field per column, and answers the first lines as they
// would be stored with every line's errors. A select per column changes the mapping (the
// preview is asked again); "Vérifier" is a dry run, "Importer" writes, and the counts are shown.
// Texts go through t()/pick() so the language switch swaps them (lib/i18n.js).

import { call } from "/lib/api.js";
import { pick, t } from "/lib/i18n.js";
import { $, element, showError, UserError } from "/people/dom.js";

const MAX_BYTES = 180 * 1024; // the API's limit (pellicule.domain.roster_import)

const FIELDS = ["ignore", "first_name", "last_name", "initial", "group", "email_1", "email_2", "external_id"];

function fieldName(field) {
  switch (field) {
    case "first_name": return t("Prénom de l'enfant", "Child's first name");
    case "last_name": return t("Nom de l'enfant (seule l'initiale est gardée)", "Child's last name (only the initial is kept)");
    case "initial": return t("Initiale du nom", "Initial of the last name");
    case "group": return t("Groupe", "Group");
    case "email_1": return t("E-mail du responsable 1", "Guardian 1's e-mail");
    case "email_2": return t("E-mail du responsable 2", "Guardian 2's e-mail");
    case "external_id": return t("Identifiant de l'enfant (n° de dossier)", "Child's id (file number)");
    default: return t("Ne pas importer", "Do not import");
  }
}

function encodingName(encoding) {
  return encoding === "cp1252" ? t("Latin-1 (Windows)", "Latin-1 (Windows)")
    : encoding === "utf-8-sig" ? t("UTF-8 avec BOM", "UTF-8 with BOM") : "UTF-8";
}

function separatorName(separator) {
  return separator === ";" ? t("point-virgule", "semicolon")
    : separator === "," ? t("virgule", "comma") : t("tabulation", "tab");
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export class RosterImport {
  // section: the <section> to fill; onImported(): reload the page's lists; say(text): status.
  constructor(section, { onImported, say }) {
    this.section = section;
    this.onImported = onImported;
    this.say = say;
    this.file = null; // base64
    this.mapping = null; // the fields chosen, one per column
    this.build();
  }

  build() {
    const input = element("input", { id: "import-file", type: "file", accept: ".csv,.txt,text/csv", "aria-describedby": "import-help" });
    this.error = element("p", { id: "import-error", class: "form-error error", role: "alert", hidden: true });
    this.result = element("p", { id: "import-result", class: "status", role: "status", "aria-live": "polite" });
    this.body = element("div", { id: "import-preview", hidden: true });
    this.section.replaceChildren(
      element("h3", { id: "import-title", tabindex: "-1", text: t("Importer depuis un fichier", "Import from a file") }),
      element("p", { id: "import-help", class: "muted", text: t(
        "Fichier CSV exporté de votre portail familles ou logiciel de réservation (séparateur point-virgule, virgule ou tabulation ; UTF-8 ou Latin-1), 180 Ko et 2 000 lignes au plus. Seuls le prénom, l'initiale du nom, le groupe et les adresses des responsables sont gardés. Réimporter le même fichier met à jour sans créer de doublons.",
        "A CSV file exported from your family portal or booking software (semicolon, comma or tab separated; UTF-8 or Latin-1), 180 KB and 2,000 lines at most. Only the first name, the initial of the last name, the group and the guardians' addresses are kept. Importing the same file again updates without duplicates.") }),
      element("p", { class: "field" }, [
        element("label", { for: "import-file", text: t("Fichier à importer", "File to import") }), input,
      ]),
      this.error, this.body, this.result,
    );
    input.addEventListener("change", () => this.choose(input));
  }

  async attempt(action) {
    showError(this.error, null);
    try {
      return await action();
    } catch (error) {
      showError(this.error, error);
      return undefined;
    }
  }

  async choose(input) {
    this.body.hidden = true;
    this.result.textContent = "";
    const [file] = input.files;
    if (!file) return;
    await this.attempt(async () => {
      if (file.size > MAX_BYTES) {
        throw new UserError(t("Fichier trop lourd : 180 Ko au plus (environ 1 500 lignes). Coupez-le en plusieurs fichiers.",
          "File too large: 180 KB at most (about 1,500 lines). Split it into several files."), input);
      }
      this.file = toBase64(await file.arrayBuffer());
      this.mapping = null;
      await this.preview();
    });
  }

  async preview() {
    const body = { file: this.file };
    if (this.mapping) body.mapping = this.mapping;
    const answer = await call("POST", "/api/admin/roster/import/preview", { body });
    this.mapping = answer.columns.map((c) => c.field);
    this.render(answer);
  }

  render(answer) {
    const detected = element("p", { id: "import-detected", text: t(
      `${answer.lines} ligne(s) lue(s) ; encodage ${encodingName(answer.encoding)}, séparateur ${separatorName(answer.separator)}.`,
      `${answer.lines} line(s) read; ${encodingName(answer.encoding)} encoding, ${separatorName(answer.separator)} separator.`) });
    const notes = element("ul", { id: "import-notes", class: "notes" },
      answer.notes.map((n) => element("li", { text: pick(n) })));
    this.body.replaceChildren(detected, notes, this.columns(answer), this.table(answer), this.errors(answer), this.actions());
    this.body.hidden = false;
  }

  columns(answer) {
    const fieldset = element("fieldset", { id: "import-columns", class: "columns" }, [
      element("legend", { text: t("Colonnes du fichier : que contient chacune ?", "The file's columns: what does each hold?") }),
    ]);
    answer.columns.forEach((column, index) => {
      const id = `import-column-${index}`;
      const select = element("select", { id, "data-column": String(index) },
        FIELDS.map((f) => element("option", { value: f, text: fieldName(f) })));
      select.value = column.field;
      select.addEventListener("change", () => {
        this.mapping[index] = select.value;
        this.attempt(() => this.preview());
      });
      fieldset.append(element("p", { class: "field" }, [
        element("label", { for: id, text: column.name || t(`Colonne ${index + 1}`, `Column ${index + 1}`) }), select,
      ]));
    });
    return fieldset;
  }

  table(answer) {
    const head = element("tr", {}, [
      t("Ligne", "Line"), t("Prénom", "First name"), t("Initiale", "Initial"), t("Groupe", "Group"),
      t("E-mails des responsables", "Guardians' e-mails"), t("État", "Status"),
    ].map((text) => element("th", { scope: "col", text })));
    const rows = answer.rows.map((r) => element("tr", { class: r.valid ? "" : "invalid" }, [
      element("td", { text: String(r.line) }),
      element("td", { text: r.first_name }),
      element("td", { text: r.initial }),
      element("td", { text: r.group }),
      element("td", { text: r.emails.join(", ") || t("aucun", "none") }),
      element("td", { text: r.valid ? t("prête", "ready") : t("erreur", "error") }),
    ]));
    return element("div", { class: "table-scroll", role: "region", tabindex: "0", "aria-labelledby": "import-caption" }, [
      element("table", { id: "import-table", class: "import-table" }, [
        element("caption", { id: "import-caption", text: t(
          `Aperçu : les ${answer.rows.length} premières lignes telles qu'elles seront enregistrées`,
          `Preview: the first ${answer.rows.length} lines as they will be stored`) }),
        element("thead", {}, [head]),
        element("tbody", {}, rows),
      ]),
    ]);
  }

  errors(answer) {
    if (!answer.errors.length) {
      return element("p", { id: "import-errors", class: "muted", text: t("Aucune erreur.", "No errors.") });
    }
    const columnOf = (field) => {
      const index = this.mapping.indexOf(field);
      return index >= 0 ? fieldName(field) : field;
    };
    return element("div", { id: "import-errors" }, [
      element("h4", { text: t(`Erreurs par ligne (${answer.errors.length}) : ces lignes ne seront pas importées`,
        `Errors by line (${answer.errors.length}): these lines will not be imported`) }),
      element("ul", { class: "rows" }, answer.errors.map((e) => element("li", { "data-line": String(e.line) }, [
        element("strong", { text: t(`Ligne ${e.line}`, `Line ${e.line}`) }),
        " — ", element("span", { text: columnOf(e.field) }), t(" : ", ": "),
        element("span", { text: pick(e.message) }),
      ]))),
    ]);
  }

  actions() {
    const check = element("button", { type: "button", id: "import-check", text: t("Vérifier sans rien enregistrer", "Check without saving anything") });
    const run = element("button", { type: "button", id: "import-run", class: "primary", text: t("Importer", "Import") });
    check.addEventListener("click", () => this.run(true));
    run.addEventListener("click", () => this.run(false));
    return element("p", { class: "row-actions" }, [check, run]);
  }

  async run(dryRun) {
    this.result.textContent = "";
    const answer = await this.attempt(() => call("POST", "/api/admin/roster/import", {
      body: { file: this.file, mapping: this.mapping, dry_run: dryRun },
    }));
    if (!answer) return;
    const c = answer.counts;
    const counts = t(
      `${c.children_created} enfant(s) créé(s), ${c.children_updated} mis à jour, ${c.children_unchanged} inchangé(s) ; ${c.guardians_created} responsable(s) créé(s), ${c.guardians_updated} mis à jour ; ${c.groups_created} groupe(s) créé(s) ; ${c.errors} ligne(s) en erreur.`,
      `${c.children_created} child(ren) created, ${c.children_updated} updated, ${c.children_unchanged} unchanged; ${c.guardians_created} guardian(s) created, ${c.guardians_updated} updated; ${c.groups_created} group(s) created; ${c.errors} line(s) with errors.`);
    const lead = dryRun ? t("Vérification (rien n'est enregistré) :", "Check (nothing is saved):") : t("Import terminé :", "Import done:");
    this.result.replaceChildren(element("span", { text: lead }), " ", element("span", { text: counts }),
      ...answer.notes.flatMap((n) => [" ", element("span", { text: pick(n) })]));
    if (!dryRun) {
      this.say(t("Import terminé.", "Import done."));
      await this.onImported();
    }
  }
}

export function mountImport(options) {
  const section = $("import-section");
  section.hidden = false;
  return new RosterImport(section, options);
}
