"""Carrying out erasure requests (docs/erasure.md): every item showing the child removed or
re-rendered with the child blurred (the director's choice), the child's data deleted, the
consent evidence after the proof period, a certificate recorded and e-mailed; then nothing
in any table or bucket names the child."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pellicule.config import clock
from pellicule.domain import messages, retention
from pellicule.services import audit
from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, recorded_mail
from tests.integration.purge_helpers import (
    HOURLY,
    counts,
    items_mentioning,
    keys_mentioning,
    object_versions,
    purge,
)
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_publication_flow import (
    GROUP,
    approve,
    blur,
    family_album,
    media,
    tag,
    upload_photo,
)

# The certificate e-mail's subject (French / English)
CERTIFICATE = " / ".join(messages.both("erasure_certificate_mail_subject").values())


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


@pytest.fixture
def outbox(aws: Aws) -> Iterator[list[SentMail]]:
    with recorded_mail() as sent:
        yield sent


def ask(centre: Scenario, who: str = "g1", child: str = "lea") -> dict[str, Any]:
    found: dict[str, Any] = centre.ok(
        centre.family(
            who, "POST", f"children/{centre.children[child]}/erasure-request", {"confirm": True}
        )
    )
    return found


def choose(centre: Scenario, mode: Any, child: str = "lea", session: str | None = None) -> Any:
    return centre.admin(
        "PATCH",
        f"children/{centre.children[child]}/erasure-request",
        {"mode": mode},
        session=session,
    )


def scan_consent(aws: Aws, centre: Scenario, child: str) -> str:
    """A scanned paper form in the evidence bucket (as the admin function stores it)."""
    key = f"t/{centre.tenant_id}/c/{centre.children[child]}/scan-1"
    aws.client("s3").put_object(Bucket=aws.names.evidence_bucket, Key=key, Body=b"%PDF-1.4")
    return key


def photos_with_lea(aws: Aws, centre: Scenario) -> tuple[str, str, str]:
    """Three items: Léa alone (tagged); Léa blurred beside Noah (published to the group);
    Noah alone (published). Léa's guardians consented to videos only."""
    centre.ok(give(centre, "g1", "lea", [GROUP], ["video"]))
    centre.ok(give(centre, "g2", "lea", [GROUP], ["video"]))
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    alone = upload_photo(aws, centre)
    centre.ok(tag(centre, alone, "lea"))
    together = upload_photo(aws, centre)
    centre.ok(tag(centre, together, "lea", "noah"))
    blur(aws, centre, together, "lea")
    centre.ok(approve(centre, together, audiences=[GROUP]))
    noah = upload_photo(aws, centre)
    centre.ok(tag(centre, noah, "noah"))
    centre.ok(approve(centre, noah, audiences=[GROUP]))
    return alone, together, noah


def test_the_director_chooses_per_request_and_only_for_an_open_one(
    aws: Aws, centre: Scenario
) -> None:
    assert choose(centre, "remove")["statusCode"] == 404  # nothing asked yet
    ask(centre)
    assert choose(centre, "keep")["statusCode"] == 400
    assert choose(centre, "blur", session=centre.animator)["statusCode"] == 403
    chosen = centre.ok(choose(centre, "blur"))["request"]
    assert chosen["mode"] == "blur"
    listed = centre.ok(centre.admin("GET", "erasure-requests"))["requests"]
    assert [r["mode"] for r in listed] == ["blur"]
    entries = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure_requested"]
    assert entries[-1]["details"] == {"mode": "blur"}


def test_removal_leaves_no_trace_of_the_child_then_the_evidence_goes_after_the_proof_period(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    lea = centre.children["lea"]
    alone, together, noah = photos_with_lea(aws, centre)
    scan = scan_consent(aws, centre, "lea")
    ask(centre)
    centre.ok(choose(centre, "remove"))
    # The hourly run carries it out
    found = counts(purge(HOURLY), centre.tenant_id)
    assert found["erasures_done"] == 1
    assert found["erasure_items_removed"] == 2
    # Both items showing Léa are gone for good (every version); Noah's photo stays
    assert keys_mentioning(aws, alone) == []
    assert keys_mentioning(aws, together) == []
    assert media(centre, noah).state == "published"
    assert family_album(centre, "g3")["statusCode"] == 200
    # Only the consent evidence and the audit log still name Léa: no child, tag, consent
    # in force, guardian link or served copy
    left = items_mentioning(lea)
    kinds = {
        item["sk"]["S"].split("#")[0] for item in left if item["pk"]["S"].startswith("TENANT#")
    }
    assert kinds <= {"CONSENTLOG", "ERASURE"}, kinds
    assert {item["pk"]["S"].split("#")[0] for item in left} <= {"TENANT", "AUDIT"}
    assert keys_mentioning(aws, lea) == [f"{aws.names.evidence_bucket}/{scan}"]
    # The certificate: recorded, and mailed to both of Léa's guardians
    [entry] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure"]
    assert entry["details"]["removed_items"] == 2
    assert entry["details"]["mode"] == "remove"
    certificates = [m for m in outbox if m.subject == CERTIFICATE]
    assert sorted(m.to[0] for m in certificates) == ["g1@famille.example", "g2@famille.example"]
    assert entry["details"]["certificate"] in certificates[0].text
    assert "Lea X." in certificates[0].text
    assert "Lea X.." not in certificates[0].text  # the stored initial keeps its own dot
    state = centre.ok(centre.admin("GET", "erasure-requests"))["requests"]
    assert state == []  # no longer open
    # A second run does nothing more (and sends nothing more): the centre has no request to
    # act on before the end of the proof period, the hourly run does not even visit it
    again = purge(HOURLY)
    assert again["complete"] is True, again
    assert again["errors"] == {}, again
    assert centre.tenant_id not in again["tenants"]
    assert len([m for m in outbox if m.subject == CERTIFICATE]) == 2
    # After the proof period, the evidence and the request go too: nothing names Léa
    clock.advance(retention.PROOF_SECONDS + 24 * 3600)
    done = counts(purge(), centre.tenant_id)
    assert done["erasure_evidence_deleted"] == 1
    assert done["consent_records_deleted"] >= 1
    assert items_mentioning(lea) == []
    assert keys_mentioning(aws, lea) == []
    assert audit.verify(centre.tenant_id).ok


def test_blurring_keeps_the_group_photo_with_the_child_blurred_in_every_rendition(
    aws: Aws, centre: Scenario
) -> None:
    lea = centre.children["lea"]
    alone, together, _ = photos_with_lea(aws, centre)
    before = media(centre, together)
    clean_keys = [str(v["key"]) for v in before.renditions.as_dict().values()]
    blurred_keys = {n: str(v["key"]) for n, v in before.blurred.as_dict().items()}
    ask(centre, who="g2")
    centre.ok(choose(centre, "blur"))
    found = counts(purge(HOURLY), centre.tenant_id)
    assert found["erasure_items_blurred"] == 1
    assert found["erasure_items_removed"] == 1  # Léa alone: no box hides her
    assert keys_mentioning(aws, alone) == []
    after = media(centre, together)
    # The blurred picture is now the item's only picture; no version of the clean one is left
    assert {n: str(v["key"]) for n, v in after.renditions.as_dict().items()} == blurred_keys
    assert after.blurred is None
    assert lea not in (after.tagged_child_ids or set())
    for key in clean_keys:
        assert object_versions(aws, aws.names.media_bucket, key) == []
    # Noah's family still sees it, served from the blurred picture
    assert after.state == "published"
    served = after.served.as_dict()
    assert served
    assert all(
        info["src"] in blurred_keys.values()
        for entry in served.values()
        for info in entry["r"].values()
    )
    album = centre.ok(family_album(centre, "g3"))
    assert together in {item["media_id"] for item in album["items"]}
    kinds = {
        item["sk"]["S"].split("#")[0]
        for item in items_mentioning(lea)
        if item["pk"]["S"].startswith("TENANT#")
    }
    assert kinds <= {"CONSENTLOG", "ERASURE"}, kinds
    assert [k for k in keys_mentioning(aws, lea) if "evidence" not in k] == []


def test_without_a_choice_the_items_are_removed_three_hours_before_the_deadline(
    aws: Aws, centre: Scenario
) -> None:
    alone, _, _ = photos_with_lea(aws, centre)
    ask(centre)
    assert counts(purge(HOURLY), centre.tenant_id) == {}  # waits for the director
    assert media(centre, alone)
    clock.advance(21 * 3600 + 60)
    found = counts(purge(HOURLY), centre.tenant_id)
    assert found["erasures_done"] == 1
    assert found["erasure_items_removed"] == 2
    [entry] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure"]
    assert entry["details"]["mode"] == "remove"


def test_an_interrupted_erasure_resumes_and_certifies_once(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from functions.purge import logic

    photos_with_lea(aws, centre)
    ask(centre)
    centre.ok(choose(centre, "remove"))
    checks = {"n": 0}

    def out_of_time() -> bool:
        checks["n"] += 1
        return checks["n"] > 2

    assert logic.run(steps=["erasures"], should_stop=out_of_time).complete is False
    assert [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure"] == []
    clock.advance(logic.LEASE_SECONDS + 1)
    found = counts(purge(HOURLY), centre.tenant_id)
    assert found["erasures_done"] == 1
    assert found["erasure_items_removed"] == 2
    [entry] = [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "erasure"]
    assert entry["details"]["removed_items"] == 2
    assert len([m for m in outbox if m.subject == CERTIFICATE]) == 2
