"""The weekly "few or no photos" report to directors (issue 18, item 9), through the digest's
real handler with moto: the run after the week ends e-mails each centre's directors ONCE,
listing per group the active children tagged on at most one of the week's published items;
nothing for a centre with nothing published, nothing twice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail
from tests.integration.coverage_helpers import NEXT_MONDAY, fresh_sessions, published_week
from tests.integration.digest_helpers import publish, run_digest
from tests.integration.purge_helpers import move_clock_to
from tests.integration.scenario import Scenario, build

SUBJECT = (
    "enfants peu ou pas photographiés cette semaine / children with few or no photos this week"
)


def reports(outbox: list[SentMail], since: int = 0) -> list[SentMail]:
    return [m for m in outbox[since:] if m.subject.endswith(SUBJECT)]


@pytest.fixture
def week_published(aws: Aws) -> Scenario:
    return published_week(aws)


def test_the_directors_get_one_report_of_the_children_with_few_or_no_photos(
    aws: Aws, week_published: Scenario, outbox: list[SentMail]
) -> None:
    quiet = build()  # a centre with nothing published this week: nothing sent
    # During the week: the week is not over, nothing sent
    run_digest()
    assert reports(outbox) == []
    # Published after the week ended (Monday morning): not the week's
    move_clock_to("2026-12-07T08:00:00")
    publish(aws, fresh_sessions(week_published), "zoe")
    move_clock_to(NEXT_MONDAY)
    report: dict[str, Any] = run_digest()
    [sent] = reports(outbox)
    assert sent.to == ["dir-1@centre.example"]  # the director, not the animator
    text = sent.text
    assert "2026-W49" in text
    assert "2026-11-30" in text
    assert "2026-12-06" in text
    assert "2 éléments publiés" in text
    assert "Zoe X. (1)" in text  # tagged once: "few"
    assert "Lea X. (aucun)" in text  # never tagged
    assert "Lea X. (none)" in text  # and in English
    assert "Noah X" not in text  # tagged twice
    assert "Oscar" not in text  # archived
    # per group: the loutres line holds Lea, the renards line Zoe
    lines = [line for line in text.splitlines() if "Lea X" in line or "Zoe X" in line]
    assert any("loutres" in line and "Lea X" in line for line in lines)
    assert any("renards" in line and "Zoe X" in line for line in lines)
    assert "coverage.html?week=2026-W49" in text
    counts = report["by_tenant"]
    assert week_published.tenant_id in counts
    assert quiet.tenant_id in counts
    # A second run the same week (the next day) sends nothing more, and reads no week again
    from functions.digest import coverage

    read: list[str] = []
    original = coverage.service.weekly

    def counted(tenant_id: str, week: Any) -> Any:
        read.append(tenant_id)
        return original(tenant_id, week)

    seen = len(outbox)
    move_clock_to("2026-12-08T17:00:00")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coverage.service, "weekly", counted)
        run_digest()
    assert reports(outbox, since=seen) == []
    assert week_published.tenant_id not in read
    assert quiet.tenant_id not in read  # nothing published: dealt with once too


def test_a_failed_send_gives_the_week_back_to_the_next_run(
    aws: Aws, week_published: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.digest import mail

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ses down")

    move_clock_to(NEXT_MONDAY)
    with monkeypatch.context() as patch:
        patch.setattr(mail, "send", broken)
        run_digest()
    assert reports(outbox) == []
    move_clock_to("2026-12-08T17:00:00")
    run_digest()
    assert len(reports(outbox)) == 1
