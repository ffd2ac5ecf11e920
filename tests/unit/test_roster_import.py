"""The roster import's pure part (pellicule.domain.roster_import): decoding, sniffing, the
mapping proposal and each line's checks, on files shaped like real exports
(tests/fixtures/roster)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pellicule.domain import messages
from pellicule.domain import roster_import as r

FIXTURES = Path(__file__).parent.parent / "fixtures" / "roster"


def _table(name: str) -> r.Table:
    return r.read((FIXTURES / name).read_bytes())


def test_latin1_semicolons_crlf_are_read_with_accents() -> None:
    table = _table("export_reservation_latin1.csv")
    assert table.encoding == "cp1252"
    assert table.separator == ";"
    assert table.header[1] == "Prénom"
    assert table.rows[0] == (
        2,
        (
            "Dupré",
            "Léa",
            "12/03/2017",
            "Les Loutres",
            "maman.dupre@famille.example",
            "papa.dupre@famille.example",
            "06 12 34 56 78",
        ),
    )


def test_utf8_with_bom_commas_and_quotes() -> None:
    table = _table("portail_familles_bom.csv")
    assert table.encoding == "utf-8-sig"
    assert table.separator == ","
    assert table.header[0] == "N° dossier"  # the BOM is not part of the first name
    assert table.rows[2][1][1] == "Cœur, de Lion"  # a quoted separator


def test_tabs_and_plain_utf8() -> None:
    table = _table("tableur_tabulations.csv")
    assert (table.encoding, table.separator) == ("utf-8", "\t")


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("Prénom;Nom\nLéa;D\n".encode(), "utf-8"),
        ("Prénom;Nom\nLéa;D\n".encode("cp1252"), "cp1252"),
        (b"\xef\xbb\xbf" + "Prénom;Nom\nLéa;D\n".encode(), "utf-8-sig"),
        ("Prénom;Nom\nŒdipe;€\n".encode("cp1252"), "cp1252"),
    ],
)
def test_decode_valid_utf8_else_cp1252(raw: bytes, encoding: str) -> None:
    text, found = r.decode(raw)
    assert found == encoding
    assert text.lstrip("\ufeff").startswith("Prénom")


def test_sniff_ignores_separators_inside_quotes() -> None:
    assert r.sniff('"Nom, prénom";Groupe;Mail\n') == ";"
    assert r.sniff("a,b;c,d\n") == ","
    assert r.sniff("Prénom\tNom\n") == "\t"
    assert r.sniff("Prénom\n") == ";"


def test_mapping_proposed_from_french_headers() -> None:
    header = [
        "N° dossier",
        "Nom de l'enfant",
        "Prénom",
        "Classe",
        "E-mail responsable 1",
        "Mail parent 2",
        "Nom du responsable",
        "Date de naissance",
    ]
    assert r.propose(header) == (
        "external_id",
        "last_name",
        "first_name",
        "group",
        "email_1",
        "email_2",
        "ignore",
        "ignore",
    )
    # "Courriel" twice: the second one is the second guardian's; a field is never proposed twice
    assert r.propose(["Prénom", "Nom", "Groupe", "Courriel", "Courriel", "Groupe"]) == (
        "first_name",
        "last_name",
        "group",
        "email_1",
        "email_2",
        "ignore",
    )


def test_mapping_checks() -> None:
    assert r.check_mapping(["first_name", "last_name", "group"], 3) is None
    assert r.check_mapping(["first_name", "initial", "group"], 3) is None
    assert r.check_mapping(["first_name", "group"], 3) == "import_mapping_columns"
    assert r.check_mapping(["first_name", "group", "ignore"], 3) == "import_mapping_incomplete"
    assert r.check_mapping(["first_name", "first_name", "group"], 3) == "import_mapping_twice"


def test_only_the_initial_of_the_surname_is_kept() -> None:
    row = r.row(2, ["last_name", "first_name", "group"], ["Dupré-Morel", "Léa", "Loutres"])
    assert (row.first_name, row.initial, row.group) == ("Léa", "D.", "Loutres")
    assert "Dupré" not in repr(row)
    assert r.row(2, ["last_name", "first_name", "group"], ["d'Arcy", "Loïc", "G"]).initial == "D."
    assert r.row(2, ["last_name", "first_name", "group"], ["éluard", "Jo", "G"]).initial == "É."


def test_line_errors_name_the_line_field_and_a_catalogue_code() -> None:
    rows = r.rows(
        _table("export_reservation_latin1.csv"),
        r.propose(_table("export_reservation_latin1.csv").header),
    )
    found = {(e.line, e.field, e.code) for row in rows for e in row.errors}
    assert found == {
        (6, "last_name", "import_initial_missing"),
        (7, "group", "import_group_missing"),
        (8, "email_1", "import_email_invalid"),
    }
    for line, _, code in found:
        assert code in messages.MESSAGES, line
    valid = [row for row in rows if row.valid]
    assert [row.emails for row in valid[:3]] == [
        ("maman.dupre@famille.example", "papa.dupre@famille.example"),
        ("maman.dupre@famille.example",),
        (),
    ]


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example")@x.example',
        "+33@x.example",
        "-x@x.example",
        "@x.example",
        "a b@x.example",
        "a@b",
        "a@@b.example",
    ],
)
def test_formula_or_malformed_addresses_are_refused(cell: str) -> None:
    row = r.row(2, ["first_name", "initial", "group", "email_1"], ["Léa", "D", "G", cell])
    assert [e.code for e in row.errors] == ["import_email_invalid"]


def test_a_child_twice_in_the_file_is_an_error_on_the_second_line() -> None:
    table = r.read("Prénom;Nom;Groupe\nLéa;Dupré;Loutres\nLÉA;Dubois;loutres\n".encode())
    rows = r.rows(table, r.propose(table.header))
    assert rows[0].valid
    assert [(e.line, e.code) for e in rows[1].errors] == [(3, "import_child_twice")]


@pytest.mark.parametrize(
    ("raw", "reason", "status"),
    [
        (b"", "import_file_empty", 400),
        (b"Prenom;Nom;Groupe\r\n", "import_file_empty", 400),
        (b"\x00\x01PK\x03\x04", "import_file_unreadable", 400),
        (b"a;" * 100 + b"\n1\n", "import_too_many_columns", 400),
        (b"x" * (r.MAX_FILE_BYTES + 1), "import_file_too_large", 413),
        (b"P;N;G\n" + b"a;b;c\n" * (r.MAX_ROWS + 1), "import_too_many_rows", 413),
    ],
)
def test_whole_file_errors(raw: bytes, reason: str, status: int) -> None:
    with pytest.raises(r.ImportFileError) as caught:
        r.read(raw)
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert reason in messages.MESSAGES


def test_three_hundred_lines_fixture() -> None:
    table = _table("inscriptions_300.csv")
    rows = r.rows(table, r.propose(table.header))
    assert len(rows) == 300
    assert all(row.valid for row in rows)
    assert sum(1 for row in rows if not row.emails) == 30
    assert sum(1 for row in rows if len(row.emails) == 2) == 90


# --- The request type (functions/admin/contract.py) ----------------------------------------

IMPORT_BODY = {"file": "UHLDqW5vbTtOb20=", "mapping": ["first_name", "last_name"], "dry_run": True}


def test_the_pages_import_body_parses() -> None:
    from functions.admin import contract as c
    from pellicule.api.schema import parse

    parsed = parse(c.RosterImport, IMPORT_BODY)
    assert parsed.mapping == ("first_name", "last_name")
    assert parse(c.RosterImport, {"file": "UHLDqW5vbQ=="}).mapping is None


def test_the_contract_fields_are_the_domains() -> None:
    from typing import get_args

    from functions.admin import contract as c

    assert set(get_args(c.ImportField)) == set(r.FIELDS)
