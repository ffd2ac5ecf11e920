"""The IAM contract's extraction (tests/support/iam_policy.py) on the session's synthesized
variants: every function's role resolves to concrete statements, whatever the configuration
(the contract test itself synthesizes the local names; a new intrinsic or resource type in
the stack must fail here, not pass silently there)."""

from __future__ import annotations

import pytest

from pellicule.config import topology
from tests.infra.support import Synth, names
from tests.support import iam_policy

pytestmark = pytest.mark.infra


def test_every_function_s_statements_resolve_in_both_variants(synth: Synth) -> None:
    for variant in synth.variants:
        found = iam_policy.extract(variant.json, names(variant))
        assert sorted(found) == sorted(topology.FUNCTIONS)
        for function, statements in found.items():
            assert statements, f"{function}: no statement (not even its logs)"
            text = repr(statements)
            assert "Fn::" not in text
            assert "'Ref'" not in text
            for statement in statements:
                resources = statement["Resource"]
                for resource in resources if isinstance(resources, list) else [resources]:
                    assert resource == "*" or resource.startswith("arn:aws:"), (function, resource)
