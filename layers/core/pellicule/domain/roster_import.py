"""Roster import, the pure part: read a CSV file as family-portal and booking software export
it, propose a column mapping from its header, and check each line (docs/roster-import.md).

Encodings: UTF-8 (with or without BOM) when the bytes are valid UTF-8, else CP1252 (Latin-1's
superset, what Excel writes on a French Windows). Separators: ``;``, ``,`` or tab, sniffed from
the header line (the one that splits it into the most columns, outside quotes). Quoted fields
and CRLF are read by the standard ``csv`` module.

What is kept of a line: the child's first name, the INITIAL of the last name (the surname is
dropped as soon as its initial is taken), the group's name, up to two guardians' addresses and
an external id (never stored as such: it only derives the child's id, so a re-import finds the
same child). Errors are per line: a line number (the file's, header = 1), a field and a
catalogue code. Pure: no I/O.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

# Limits (the API's JSON body caps the base64 text at 256 KiB: ~190 KB of file).
MAX_FILE_BYTES: Final = 180 * 1024
MAX_ROWS: Final = 2000
MAX_COLUMNS: Final = 60
MAX_FIRST_NAME: Final = 40
MAX_GROUP_NAME: Final = 80
MAX_EXTERNAL_ID: Final = 64
PREVIEW_ROWS: Final = 20

Field = Literal[
    "ignore", "external_id", "first_name", "last_name", "initial", "group", "email_1", "email_2"
]
FIELDS: Final[tuple[Field, ...]] = (
    "ignore",
    "external_id",
    "first_name",
    "last_name",
    "initial",
    "group",
    "email_1",
    "email_2",
)
SEPARATORS: Final = (";", ",", "\t")
# An address as booking software holds it; quotes, brackets and a leading formula sign are
# refused (a cell such as ``=HYPERLINK(...)`` is never taken for an address).
_EMAIL = re.compile(
    r"^[A-Za-z0-9_.!#$%&'*/?^`{|}~][A-Za-z0-9_.!#$%&'*+/=?^`{|}~-]{0,63}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,20}$"
)


class ImportFileError(ValueError):
    """The file as a whole cannot be read: ``reason`` is a catalogue code."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Table:
    encoding: Literal["utf-8", "utf-8-sig", "cp1252"]
    separator: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line number in the file, cells)


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    code: str


@dataclass(frozen=True)
class Row:
    """A line as it would be stored (nothing more than this is kept)."""

    line: int
    first_name: str
    initial: str
    group: str
    emails: tuple[str, ...]
    external_id: str | None
    errors: tuple[LineError, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.errors


# --- Reading the file ----------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, Literal["utf-8", "utf-8-sig", "cp1252"]]:
    """The file's text and the encoding it was read with: valid UTF-8, else CP1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # CP1252 leaves five bytes undefined: read them as Latin-1 would.
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _count_outside_quotes(line: str, separator: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            count += 1
    return count


def sniff(text: str) -> str:
    """The separator that splits the header line into the most columns (``;`` on a tie)."""
    first = text.split("\n", 1)[0]
    best = max(SEPARATORS, key=lambda s: _count_outside_quotes(first, s))
    return best if _count_outside_quotes(first, best) else ";"


def read(raw: bytes) -> Table:
    """The file's header and lines (blank lines skipped), or :class:`ImportFileError`."""
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFileError("import_file_too_large", 413)
    if b"\x00" in raw:
        raise ImportFileError("import_file_unreadable")
    text, encoding = decode(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFileError("import_file_empty")
    separator = sniff(text)
    reader = csv.reader(io.StringIO(text), delimiter=separator, quotechar='"', strict=False)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            clean = tuple(" ".join(c.split()) for c in cells)
            if not any(clean):
                continue
            if header is None:
                header = clean
                if len(header) > MAX_COLUMNS:
                    raise ImportFileError("import_too_many_columns")
                continue
            rows.append((line, clean))
            if len(rows) > MAX_ROWS:
                raise ImportFileError("import_too_many_rows", 413)
    except csv.Error:
        raise ImportFileError("import_file_unreadable") from None
    if header is None or not rows:
        raise ImportFileError("import_file_empty")
    return Table(encoding, separator, header, tuple(rows))


# --- The mapping ---------------------------------------------------------------------------


def _plain(name: str) -> str:
    """A header as compared: no accents, lower case, words only."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


_GUARDIAN_WORDS = ("responsable", "parent", "pere", "mere", "tuteur", "famille", "contact")


def _guess(plain: str) -> Field:
    words = set(plain.split())
    if "mail" in plain or "courriel" in words:
        second = bool(words & {"2", "b", "deux", "second", "seconde"}) or plain.endswith(" 2")
        return "email_2" if second else "email_1"
    if words & set(_GUARDIAN_WORDS) and not words & {"enfant", "eleve"}:
        return "ignore"
    if "prenom" in words or plain in {"first name", "firstname", "given name"}:
        return "first_name"
    if "initiale" in words or plain == "initial":
        return "initial"
    if words & {"groupe", "classe", "section", "niveau", "group", "class", "unite"}:
        return "group"
    if words & {"id", "identifiant", "dossier", "matricule", "ref", "reference"} or plain in {
        "numero",
        "no",
        "n",
        "n enfant",
        "numero enfant",
    }:
        return "external_id"
    if "nom" in words or plain in {"last name", "lastname", "surname", "family name"}:
        return "last_name"
    return "ignore"


def propose(header: Sequence[str]) -> tuple[Field, ...]:
    """A field per column from its name; each field but ``ignore`` once (the first column
    wins; a second e-mail column becomes ``email_2``)."""
    taken: set[Field] = set()
    proposed: list[Field] = []
    for name in header:
        guess = _guess(_plain(name))
        if guess == "email_1" and "email_1" in taken:
            guess = "email_2"
        if guess != "ignore" and guess in taken:
            guess = "ignore"
        taken.add(guess)
        proposed.append(guess)
    return tuple(proposed)


def check_mapping(mapping: Sequence[str], columns: int) -> str | None:
    """A catalogue code when the mapping cannot be used, else ``None``."""
    if len(mapping) != columns:
        return "import_mapping_columns"
    chosen = [m for m in mapping if m != "ignore"]
    if len(chosen) != len(set(chosen)):
        return "import_mapping_twice"
    if "first_name" not in chosen or "group" not in chosen:
        return "import_mapping_incomplete"
    if "last_name" not in chosen and "initial" not in chosen:
        return "import_mapping_incomplete"
    return None


# --- The lines -----------------------------------------------------------------------------


def initial_of(value: str) -> str | None:
    """The initial kept of a last name (or of an initial): its first letter, upper case."""
    for char in value:
        if char.isalpha():
            return f"{char.upper()}."
        if not (char.isspace() or char in "'\"-.("):
            return None
    return None


def group_key(name: str) -> str:
    return _plain(name) or name.casefold()


def name_key(first_name: str) -> str:
    return unicodedata.normalize("NFC", first_name).casefold()


def _cells(mapping: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    return {m: (cells[i] if i < len(cells) else "") for i, m in enumerate(mapping) if m != "ignore"}


def _emails(values: dict[str, str], errors: list[LineError], line: int) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("email_1", "email_2"):
        value = values.get(name, "").strip().lower()
        if not value:
            continue
        if not _EMAIL.match(value) or len(value) > 320:
            errors.append(LineError(line, name, "import_email_invalid"))
        elif value not in found:
            found.append(value)
    return tuple(found)


def row(line: int, mapping: Sequence[str], cells: Sequence[str]) -> Row:
    """One line checked and reduced to what is kept."""
    values = _cells(mapping, cells)
    errors: list[LineError] = []
    first_name = values.get("first_name", "")
    if not first_name:
        errors.append(LineError(line, "first_name", "import_first_name_missing"))
    elif len(first_name) > MAX_FIRST_NAME:
        errors.append(LineError(line, "first_name", "import_value_too_long"))
    source = values.get("initial") or values.get("last_name", "")
    initial = initial_of(source) if source else None
    source_field = "initial" if values.get("initial") else "last_name"
    if initial is None:
        code = "import_initial_invalid" if source else "import_initial_missing"
        errors.append(LineError(line, source_field, code))
    group = values.get("group", "")
    if not group:
        errors.append(LineError(line, "group", "import_group_missing"))
    elif len(group) > MAX_GROUP_NAME:
        errors.append(LineError(line, "group", "import_value_too_long"))
    external = values.get("external_id") or None
    if external is not None and len(external) > MAX_EXTERNAL_ID:
        errors.append(LineError(line, "external_id", "import_value_too_long"))
    emails = _emails(values, errors, line)
    return Row(line, first_name, initial or "", group, emails, external, tuple(errors))


def rows(table: Table, mapping: Sequence[str]) -> list[Row]:
    """Every line checked; a child twice in the file is an error on the second line."""
    checked = [row(line, mapping, cells) for line, cells in table.rows]
    seen: set[tuple[str, ...]] = set()
    result: list[Row] = []
    for item in checked:
        key = (
            ("id", item.external_id)
            if item.external_id
            else ("name", name_key(item.first_name), item.initial, group_key(item.group))
        )
        if item.valid and key in seen:
            error = LineError(item.line, "first_name", "import_child_twice")
            item = dataclasses.replace(item, errors=(error,))
        seen.add(key)
        result.append(item)
    return result
