"""Messages as data (issue 15 item 6): the catalogue, its rendering, errors carrying codes, and
no module raising words instead of a code."""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from pellicule.domain import messages
from pellicule.domain.errors import BadRequest, NotFound, TooLarge
from pellicule.domain.messages import MESSAGES, Markup, Message, MessageError

ROOT = Path(__file__).resolve().parents[2]
SCANNED = (ROOT / "layers" / "core" / "pellicule", ROOT / "functions", ROOT / "ops")

# Keyword arguments of an error class that are not its message's parameters.
NOT_PARAMS = {"TooManyRequests": {"retry_after"}}
# Error classes whose code is not their first argument: (its index, the parameters the class
# adds itself). InvalidRequest(field, code, **params) gives the message its ``field``.
CODE_ARGUMENT = {"InvalidRequest": (1, {"field"})}


# --- The catalogue --------------------------------------------------------------------------


def _fields(template: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (name, spec, conversion)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    ]


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_a_code_and_the_same_parameters_in_both_languages(code: str) -> None:
    message = MESSAGES[code]
    assert messages.is_code(code), code
    assert message.fr.strip()
    assert message.en.strip()
    for text in (message.fr, message.en):
        # Bare {name} placeholders only: no format spec, conversion, index or attribute
        for name, spec, conversion in _fields(text):
            assert name.isidentifier(), (code, name)
            assert not spec, (code, name)
            assert conversion is None, (code, name)
        assert " / " not in text, f"{code}: one language per text"
    assert {n for n, _, _ in _fields(message.fr)} == {n for n, _, _ in _fields(message.en)}


def test_a_code_defined_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice: same"):
        messages.merge({"same": Message("a", "a")}, {"same": Message("b", "b")})
    # and the catalogue's sections share none
    assert sum(len(section) for section in messages._SECTIONS) == len(MESSAGES)


def test_render_fills_in_parameters_and_joins_lists() -> None:
    assert messages.render("box_empty", "fr", {"index": 3}) == (
        "Cadre n°3 : vide ou hors de la photo."
    )
    assert messages.render("upload_parts_missing", "en", {"parts": [2, 5]}) == (
        "Missing parts: 2, 5."
    )
    assert messages.both("album_not_found") == {
        "fr": "Album introuvable.",
        "en": "Album not found.",
    }


@pytest.mark.parametrize(
    ("code", "params"),
    [
        ("box_empty", {}),  # missing
        ("box_empty", {"index": 1, "name": "x"}),  # unknown
        ("album_not_found", {"name": "x"}),
        ("no_such_code", {}),
    ],
)
def test_a_wrong_code_or_parameter_is_a_programming_error(
    code: str, params: dict[str, object]
) -> None:
    with pytest.raises(MessageError):
        messages.render(code, "fr", params)


def test_html_rendering_escapes_the_template_and_the_parameters_not_markup() -> None:
    name = '<img src=x> "a"'
    rendered = messages.render(
        "upload_too_large", "fr", {"name": name, "megabytes": Markup("<b>5</b>")}, html=True
    )
    assert rendered == "« &lt;img src=x&gt; &quot;a&quot; » dépasse <b>5</b> Mo."


def test_a_stored_message_keeps_its_code_and_both_texts() -> None:
    stored = messages.record(
        "media_jpeg_precision", messages.both("media_jpeg_precision", {"bits": 12})
    )
    assert messages.read_record(stored) == {
        "reason": "media_jpeg_precision",
        **messages.both("media_jpeg_precision", {"bits": 12}),
    }
    assert json.loads(stored)["reason"] == "media_jpeg_precision"
    # An item written before the catalogue: its bilingual text, split
    assert messages.read_record("Envoi annulé. / Upload cancelled.") == {
        "reason": None,
        "fr": "Envoi annulé.",
        "en": "Upload cancelled.",
    }


def test_a_legacy_literal_is_split_at_its_last_separator() -> None:
    # (items stored before the catalogue: their reason is unknown)
    assert messages.read_record("« a » : b. / a: b.") == {
        "reason": None,
        "fr": "« a » : b.",
        "en": "a: b.",
    }
    assert messages.read_record("One language.") == {
        "reason": None,
        "fr": "One language.",
        "en": "One language.",
    }


def test_a_phrase_or_a_term_is_rendered_in_the_same_language_and_answered_as_data() -> None:
    field = messages.Term("max_photo_bytes", "setting_max_photo_bytes")
    problems = messages.Clauses(
        [
            messages.Phrase("setting_out_of_range", {"field": field, "minimum": 1, "maximum": 2}),
            messages.Phrase("setting_unknown", {"field": "colour"}),
        ]
    )
    assert messages.render("settings_invalid", "en", {"problems": problems}) == (
        "maximum photo size: between 1 and 2; 'colour': unknown setting."
    )
    # Clauses: a French semicolon has its space
    assert " ; « colour »" in messages.render("settings_invalid", "fr", {"problems": problems})
    # In an answer: the phrase's code and parameters, the term's key
    assert messages.safe_params({"problems": problems}) == {
        "problems": [
            {
                "reason": "setting_out_of_range",
                "params": {"field": "max_photo_bytes", "minimum": 1, "maximum": 2},
            },
            {"reason": "setting_unknown", "params": {"field": "colour"}},
        ]
    }
    # HTML: the nested text is escaped once
    html = messages.render(
        "settings_invalid",
        "fr",
        {"problems": [messages.Phrase("setting_unknown", {"field": "<b>"})]},
        html=True,
    )
    assert html == "« &lt;b&gt; » : réglage inconnu."


def test_a_phrase_or_a_term_with_a_wrong_code_or_parameter_fails_when_made() -> None:
    with pytest.raises(MessageError):
        messages.Phrase("setting_unknown")  # its field is missing
    with pytest.raises(MessageError):
        messages.Term("x", "no_such_code")
    with pytest.raises(MessageError):
        messages.Term("x", "setting_unknown")  # a term's words take no parameter


def test_every_refusal_of_the_consent_rule_is_a_catalogue_code() -> None:
    from pellicule.domain import consent

    for code in consent.REFUSALS:
        assert code in MESSAGES
        assert messages.placeholders(code) == frozenset()


# --- Errors ---------------------------------------------------------------------------------


def test_an_error_carries_its_code_and_parameters_never_in_its_text() -> None:
    error = TooLarge("upload_too_large", name="camille@famille.example.jpg", megabytes=20)
    assert (error.code, error.reason) == ("too_large", "upload_too_large")
    assert error.params == {"name": "camille@famille.example.jpg", "megabytes": 20}
    # Logs see str() and args: the code alone
    assert str(error) == "upload_too_large"
    assert "camille" not in repr(error.args)
    assert error.texts["en"] == "'camille@famille.example.jpg' is larger than 20 MB."


def test_an_error_with_a_wrong_code_or_parameters_fails_at_once() -> None:
    with pytest.raises(MessageError):
        NotFound("child_not_fuond")
    with pytest.raises(MessageError):
        BadRequest("box_empty")  # its index is missing
    with pytest.raises(MessageError):
        BadRequest("Texte. / Text.", index=1)  # words are not a code


def test_an_error_made_of_words_is_refused() -> None:
    with pytest.raises(MessageError):
        NotFound("Enfant introuvable. / Child not found.")


def test_the_error_answer_has_the_family_the_reason_its_params_and_both_texts() -> None:
    from pellicule.api import http

    answer = http.error_answer(BadRequest("upload_parts_missing", parts=(3, 4)))
    assert answer == {
        "error": "bad_request",
        "reason": "upload_parts_missing",
        "params": {"parts": [3, 4]},
        "message": {"fr": "Parties manquantes : 3, 4.", "en": "Missing parts: 3, 4."},
    }


# --- The sources: codes that exist, literals that go away -----------------------------------


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


def _error_classes(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """Every class deriving from PelliculeError (by name, across the scanned sources)."""
    found = {"PelliculeError"}
    grown = True
    while grown:
        grown = False
        for _, tree in trees:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in found
                    and _base_names(node) & found
                ):
                    found.add(node.name)
                    grown = True
    return found


def _kind(argument: ast.expr, constants: dict[str, str]) -> tuple[str, str | None]:
    """("code", code), ("literal", None) or ("unknown", None) for an error's first argument."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        value = argument.value
        return ("code", value) if messages.is_code(value) else ("literal", None)
    if isinstance(argument, ast.JoinedStr | ast.BinOp):
        return ("literal", None)
    if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute):
        owner = argument.func.value
        if isinstance(owner, ast.Constant) and isinstance(owner.value, str):
            return ("literal", None)  # "; ".join(...), "...".format(...)
    if isinstance(argument, ast.Name) and argument.id in constants:
        value = constants[argument.id]
        return ("code", value) if messages.is_code(value) else ("literal", None)
    return ("unknown", None)


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" (or f"text") assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
                elif isinstance(node.value, ast.JoinedStr):
                    found[target.id] = "f-string literal"
    return found


def _error_calls(tree: ast.Module, errors: set[str]) -> Iterator[tuple[str, ast.Call]]:
    """(class name, call) of every error constructed, and of every ``super().__init__`` in an
    error class (its message comes from there)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in errors:
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "__init__"
                    and isinstance(inner.func.value, ast.Call)
                    and isinstance(inner.func.value.func, ast.Name)
                    and inner.func.value.func.id == "super"
                ):
                    yield node.name, inner
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in errors:
                yield name, node


def _is_super_init(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"


def _scan() -> tuple[set[str], list[str]]:
    trees = list(_sources())
    errors = _error_classes(trees)
    literal_modules: set[str] = set()
    problems: list[str] = []
    for module, tree in trees:
        constants = _constants(tree)
        for name, call in _error_calls(tree, errors):
            index, added = CODE_ARGUMENT.get(name, (0, set()))
            if len(call.args) <= index or (index and _is_super_init(call)):
                continue
            kind, code = _kind(call.args[index], constants)
            if kind == "literal":
                literal_modules.add(module)
            elif kind == "code" and code is not None:
                where = f"{module}:{call.lineno} {name}({code!r})"
                if code not in MESSAGES:
                    problems.append(f"{where}: no such message code")
                    continue
                if any(k.arg is None for k in call.keywords):
                    continue  # **params: checked when it runs
                given = {k.arg for k in call.keywords if k.arg} - NOT_PARAMS.get(name, set())
                given |= added
                if given != messages.placeholders(code):
                    problems.append(
                        f"{where}: parameters {sorted(given)}, the message takes "
                        f"{sorted(messages.placeholders(code))}"
                    )
    return literal_modules, problems


def test_every_code_raised_exists_with_its_parameters() -> None:
    _, problems = _scan()
    assert problems == []


def test_no_module_raises_words() -> None:
    literal_modules, _ = _scan()
    assert not literal_modules, (
        f"raise a catalogue code (pellicule.domain.messages), not words: {sorted(literal_modules)}"
    )


def test_clauses_say_each_thing_once() -> None:
    same = messages.Term("no_consent:a", "gate_no_consent")
    other = messages.Term("no_consent:b", "gate_no_consent")
    clauses = messages.Clauses([same, other, messages.Term("x", "gate_unknown_kind")])
    french = messages.render("publication_refused", "fr", {"problems": clauses})
    assert french.count("n'a pas de consentement") == 1
    assert "type d'élément inconnu" in french
    # programs still get every key
    assert messages.safe_params({"problems": clauses}) == {
        "problems": ["no_consent:a", "no_consent:b", "x"]
    }


def test_every_reason_of_the_gate_has_words() -> None:
    """A publication refused for any of the gate's reasons is said in words, never as the
    code (a reason without words would fail when the error is built: a 500)."""
    from functions.admin.review import gate_problems
    from pellicule.domain import gate

    named = {k: v for k, v in vars(gate).items() if k.isupper() and isinstance(v, str)}
    reasons = [
        value + "child" if name.endswith("_PREFIX") else value
        for name, value in named.items()
        if value not in (*gate.AUDIENCES, *gate.MEDIA_KINDS)
    ]
    assert "untagged_without_flag" in reasons
    assert "no_consent:child" in reasons
    for reason in reasons:
        texts = messages.both("publication_refused", {"problems": gate_problems([reason])})
        assert reason.partition(":")[0] not in texts["fr"] + texts["en"], reason
