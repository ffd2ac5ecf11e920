"""A small evaluator of identity-based IAM statements (one principal, one account).

What it does, as IAM does: an explicit ``Deny`` that matches wins; otherwise an ``Allow`` that
matches allows; otherwise the request is implicitly denied. ``Action``/``NotAction`` match
case-insensitively with ``*`` and ``?``; ``Resource``/``NotResource`` case-sensitively.

Conditions: the operators below are evaluated against the request context the hook builds
(``aws:SecureTransport``, ``aws:RequestedRegion``, ``s3:prefix``...). A condition on a key the
context does not hold, or with an operator not listed, cannot be evaluated: an ``Allow`` with
one is not counted (the request may be refused for it) and a ``Deny`` with one is counted;
either way the decision says so in ``notes``, so it is visible, never silently passed.

Not modelled (say so where it matters): resource-based policies (bucket and queue policies),
permission boundaries, SCPs, session policies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed by ...", "explicit deny ...", "no statement allows ..."
    notes: tuple[str, ...] = field(default_factory=tuple)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@cache
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * (any run of characters, '/' included) and ? (one character).
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.compile(regex, flags)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _matches_any(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    return any(wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)


def _action_matches(statement: Statement, action: str) -> bool:
    if "Action" in statement:
        return _matches_any(_as_list(statement["Action"]), action, ignore_case=True)
    return not _matches_any(_as_list(statement.get("NotAction")), action, ignore_case=True)


def _resource_matches(statement: Statement, resource: str) -> bool:
    if "Resource" in statement:
        return _matches_any(_as_list(statement["Resource"]), resource, ignore_case=False)
    return not _matches_any(_as_list(statement.get("NotResource")), resource, ignore_case=False)


# --- Conditions ----------------------------------------------------------------------------------


def _string_equals(values: list[str], wanted: list[str], ignore_case: bool) -> bool:
    if ignore_case:
        return any(v.lower() == w.lower() for v in values for w in wanted)
    return any(v == w for v in values for w in wanted)


def _string_like(values: list[str], wanted: list[str]) -> bool:
    return any(wildcard_match(w, v) for v in values for w in wanted)


_OPERATORS = {
    "StringEquals": lambda v, w: _string_equals(v, w, False),
    "StringNotEquals": lambda v, w: not _string_equals(v, w, False),
    "StringEqualsIgnoreCase": lambda v, w: _string_equals(v, w, True),
    "StringNotEqualsIgnoreCase": lambda v, w: not _string_equals(v, w, True),
    "StringLike": _string_like,
    "StringNotLike": lambda v, w: not _string_like(v, w),
    "ArnEquals": _string_like,  # ARN operators match with wildcards, like StringLike
    "ArnLike": _string_like,
    "ArnNotEquals": lambda v, w: not _string_like(v, w),
    "ArnNotLike": lambda v, w: not _string_like(v, w),
    "Bool": lambda v, w: _string_equals([x.lower() for x in v], [x.lower() for x in w], False),
}


def _condition(statement: Statement, context: Mapping[str, Any]) -> tuple[bool | None, list[str]]:
    """True/False when every clause could be evaluated, None when one could not (with why)."""
    notes: list[str] = []
    result = True
    for operator, clauses in (statement.get("Condition") or {}).items():
        base = operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:")
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        for key, wanted in clauses.items():
            if base == "Null":
                present = key in context
                expected_absent = str(_as_list(wanted)[0]).lower() == "true"
                result = result and (present != expected_absent)
                continue
            if base not in _OPERATORS:
                notes.append(f"condition operator {operator} on {key} is not evaluated")
                return None, notes
            if key not in context:
                if if_exists:
                    continue
                notes.append(f"condition key {key} ({operator}) is unknown to the test")
                return None, notes
            values = [str(v) for v in _as_list(context[key])]
            result = result and _OPERATORS[base](values, [str(w) for w in _as_list(wanted)])
    return result, notes


def evaluate(
    statements: Iterable[Statement],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
) -> Decision:
    """May a principal whose identity policies hold ``statements`` do ``action`` on ``resource``?"""
    context = context or {}
    allowed_by: Statement | None = None
    notes: list[str] = []
    for statement in statements:
        if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
            continue
        applies, why = _condition(statement, context)
        notes.extend(why)
        effect = statement.get("Effect")
        if effect == "Deny" and applies is not False:
            # An unknown condition on a Deny is counted as matching: conservative.
            return Decision(False, f"explicit Deny {_describe(statement)}", tuple(notes))
        if effect == "Allow" and applies is True and allowed_by is None:
            allowed_by = statement
    if allowed_by is not None:
        return Decision(True, f"allowed by {_describe(allowed_by)}", tuple(notes))
    return Decision(False, "no statement allows it (implicit deny)", tuple(notes))


def _describe(statement: Statement) -> str:
    sid = statement.get("Sid")
    actions = statement.get("Action", statement.get("NotAction"))
    resources = statement.get("Resource", statement.get("NotResource"))
    return f"{sid + ' ' if sid else ''}{actions} on {resources}"
