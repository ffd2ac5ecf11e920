// web/audit/csv.js: the readable CSV never lets a spreadsheet run a cell as a formula.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { safeCell, toCsv } from "/audit/csv.js";

describe("safeCell", () => {
  test("defuses cells a spreadsheet would run", () => {
    for (const bad of ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      assert.ok(safeCell(bad).startsWith("\"'"), bad);
    }
  });

  test("quotes every cell and doubles quotes", () => {
    assert.equal(safeCell('album « a "b" »'), '"album « a ""b"" »"');
    assert.equal(safeCell(null), '""');
    assert.equal(safeCell("Léa M."), '"Léa M."');
  });
});

describe("toCsv", () => {
  test("semicolons, CRLF and a BOM", () => {
    assert.equal(toCsv([["a", "b"], ["=1", "c;d"]]), '\ufeff"a";"b"\r\n"\'=1";"c;d"\r\n');
  });
});
