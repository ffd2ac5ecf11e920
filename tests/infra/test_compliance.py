"""Security requirement 10: cdk-nag AwsSolutions passes with written reasons; cfn-lint clean."""

from __future__ import annotations

import json

import pytest

from infra.nag import MIN_REASON_LENGTH
from tests.infra.support import Synth, Variant

pytestmark = pytest.mark.infra


def test_cdk_nag_reports_no_unacknowledged_finding(synth: Synth) -> None:
    # The synth itself fails on a finding; the report says so explicitly too.
    report = json.loads((synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    [nag] = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]
    for suppressed in nag["suppressedViolations"]:
        assert len(suppressed["reason"].strip()) >= MIN_REASON_LENGTH, suppressed["ruleName"]


def test_every_acknowledgment_is_written_and_narrowly_scoped(synth: Synth) -> None:
    assert synth.acknowledgments
    stack_paths = {variant.stack_name for variant in synth.variants}
    for path, rule, reason in synth.acknowledgments:
        assert rule.startswith("AwsSolutions::AwsSolutions-"), rule
        assert len(reason.strip()) >= MIN_REASON_LENGTH, (path, rule)
        # On a resource, never on the app or a whole stack.
        assert path not in stack_paths, (path, rule)
        assert "/" in path, (path, rule)


def test_every_acknowledgment_matches_a_real_finding(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    [nag] = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    used = {(s["acknowledgedAt"], s["acknowledgedId"]) for s in nag["suppressedViolations"]}
    unused = [(p, r) for p, r, _ in synth.acknowledgments if (p, r) not in used]
    assert unused == []


@pytest.mark.parametrize("which", ["main", "variant"])
def test_cfn_lint_is_clean(synth: Synth, which: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    variant: Variant = getattr(synth, which)
    matches = lint_file(
        variant.template_path,
        ManualArgs(ignore_checks=["W3005"], regions=[variant.config.region]),
    )
    assert [str(match) for match in matches] == []
