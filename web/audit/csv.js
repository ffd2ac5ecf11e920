// The readable view as a CSV file for the director (docs/audit.md): the rows on screen, in the
// page's language, with the names the API resolved. Unlike the exports (pseudonymous, for
// proof), this file holds names: it is built in the browser, never stored by Pellicule.
//
// Spreadsheet-safe: a cell starting with = + - @ (or a tab or carriage return) is prefixed
// with an apostrophe so that no spreadsheet runs it as a formula; every cell is quoted.

const FORMULA = /^[=+\-@\t\r]/;

export function safeCell(value) {
  const text = String(value ?? "");
  const guarded = FORMULA.test(text) ? `'${text}` : text;
  return `"${guarded.replaceAll('"', '""')}"`;
}

// rows: arrays of cell texts (the first one the header). Semicolons, CRLF and a BOM: what
// a French spreadsheet opens as columns, accents included.
export function toCsv(rows) {
  return `\ufeff${rows.map((row) => row.map(safeCell).join(";")).join("\r\n")}\r\n`;
}
