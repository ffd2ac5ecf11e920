"""The operator's command line (``pellicule``, docs/cli.md) against moto in-process: centres
created, listed, suspended, resumed, deleted for good (with evidence), exported; directors
invited; keys rotated; the purge invoked. The target is the moto account the ``aws`` fixture
provisions like a stack (``--stage local --region eu-west-3``; the account comes from STS)."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALBUM_DATE, Aws, Centre, make_centre
from tests.integration import staff_api
from tests.integration.auth_helpers import SentMail, auth, guardian, payload, staff
from tests.integration.scenario import Scenario, build

TARGET = ["--stage", "local", "--region", "eu-west-3"]
PLATFORM = "_platform"


def cli(*argv: str, target: bool = True) -> tuple[int, str, str]:
    """Run ``pellicule`` in this process: (exit code, stdout, stderr). Its output is caught
    with redirection rather than capsys, so no function's logger is ever bound to a capture
    stream that closes with the test."""
    from pellicule_ops.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*(TARGET if target else []), *argv])
    return code, out.getvalue(), err.getvalue()


def said(code: str, **params: Any) -> str:
    """What the command line prints for an error: the catalogue's English (tests name the
    code, never the words)."""
    from pellicule.domain import messages

    return f"pellicule: {messages.render(code, 'en', params)}\n"  # a line of stderr


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(tenant_id: str, name: str = "Les Tilleuls") -> None:
    code, out, err = cli("tenant", "create", "--id", tenant_id, "--name", name)
    assert code == 0, err
    assert tenant_id in out


def audit_rows(tenant_id: str) -> list[dict[str, Any]]:
    from pellicule.services import audit
    from pellicule.store import data

    data.ready()
    return audit.export_rows(tenant_id)


def all_items(aws: Aws) -> list[dict[str, Any]]:
    dynamodb = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=aws.names.table, ConsistentRead=True
    ):
        items.extend(page["Items"])
    return items


def object_versions(aws: Aws, bucket: str) -> list[str]:
    s3 = aws.client("s3")
    keys = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys += [v["Key"] for v in page.get("Versions", [])]
        keys += [m["Key"] for m in page.get("DeleteMarkers", [])]
    return keys


# --- Help, usage, target ---------------------------------------------------------------------

COMMANDS = [
    [],
    ["tenant"],
    ["tenant", "create"],
    ["tenant", "list"],
    ["tenant", "suspend"],
    ["tenant", "resume"],
    ["tenant", "delete"],
    ["director"],
    ["director", "invite"],
    ["export"],
    ["audit"],
    ["audit", "verify"],
    ["audit", "export"],
    ["tenant", "reindex"],
    ["key"],
    ["key", "rotate"],
    ["purge"],
    ["purge", "run"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pellicule")
def test_help_on_every_command(command: list[str]) -> None:
    code, out, _ = cli(*command, "--help", target=False)
    assert code == 0
    assert out.startswith("usage: pellicule")
    assert len(out.splitlines()) > 3  # a description, not only the usage line


def test_usage_errors_exit_2_with_the_prefix() -> None:
    code, _, err = cli("tenant", "create", "--id", "x1", target=False)
    assert code == 2
    assert "pellicule: " in err
    assert "--name" in err
    code, _, err = cli("tenant", "frobnicate", target=False)
    assert code == 2
    assert "pellicule: " in err


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2", "eu-central-2"])
def test_non_eu_regions_are_refused(region: str) -> None:
    code, out, err = cli("--region", region, "tenant", "list", target=False)
    assert code == 2
    assert out == ""
    assert err.startswith("pellicule: ")
    assert "outside the European Union" in err


def test_local_and_stage_exclude_each_other() -> None:
    code, _, err = cli("--local", "--stage", "prod", "tenant", "list", target=False)
    assert code == 2
    assert "exclude each other" in err


def test_unreachable_local_runtime() -> None:
    code, _, err = cli("--local", "http://127.0.0.1:9", "tenant", "list", target=False)
    assert code == 2
    assert "cannot reach the local runtime" in err


# --- Create and list -------------------------------------------------------------------------


def test_create_then_list(aws: Aws) -> None:
    tenant_id = new_id("tilleuls")
    code, out, err = cli(
        "tenant",
        "create",
        "--id",
        tenant_id,
        "--name",
        "ALSH Les Tilleuls",
        "--retention-months",
        "18",
    )
    assert code == 0, err
    assert "18 months" in out
    assert f"director invite --tenant {tenant_id}" in out

    from pellicule.services import tenant_settings

    assert tenant_settings.for_tenant(tenant_id).media_retention_months == 18
    staff(tenant_id, f"direction@{tenant_id}.example")

    code, out, _ = cli("tenant", "list")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith(tenant_id)]
    assert "ALSH Les Tilleuls" in line
    assert "active" in line
    code, out, _ = cli("tenant", "list", "--json")
    [row] = [row for row in json.loads(out) if row["id"] == tenant_id]
    assert row["status"] == "active"
    assert row["staff"] == 1
    assert row["children"] == 0
    assert row["created"].endswith("Z")

    # The centre's chain and the platform's: ids and counts, never the name.
    for chain in (tenant_id, PLATFORM):
        [entry] = [r for r in audit_rows(chain) if r["subject"] == f"tenant:{tenant_id}"]
        assert entry["action"] == "tenant_created"
        assert entry["actor"] == "operator:cli"
        assert entry["details"] == {"retention_months": 18}
        assert "Tilleuls" not in json.dumps(entry)


@pytest.mark.parametrize(
    "bad",
    ["A", "Les-Tilleuls", "_platform", "-abc", "a", "a_b", "a.b", "x" * 41, "été", "a b"],
)
def test_create_refuses_a_bad_id(aws: Aws, bad: str) -> None:
    code, out, err = cli("tenant", "create", f"--id={bad}", "--name", "Centre")
    assert code == 2
    assert out == ""
    assert said("tenant_id_invalid", id=bad) in err


def test_create_refuses_an_existing_id(aws: Aws) -> None:
    tenant_id = new_id("dup")
    create(tenant_id, "Premier")
    code, _, err = cli("tenant", "create", "--id", tenant_id, "--name", "Second")
    assert code == 2
    assert said("tenant_exists", id=tenant_id) in err
    from pellicule_ops import tenants

    assert tenants.get(tenant_id).name == "Premier"
    assert [r["action"] for r in audit_rows(tenant_id)] == ["tenant_created"]


@pytest.mark.parametrize("months", ["37", "0", "-1"])
def test_create_refuses_retention_outside_the_caps(aws: Aws, months: str) -> None:
    tenant_id = new_id("ret")
    code, _, err = cli(
        "tenant", "create", "--id", tenant_id, "--name", "C", "--retention-months", months
    )
    assert code == 2
    from pellicule.domain.errors import BadRequest
    from pellicule.services import tenant_settings

    with pytest.raises(BadRequest) as refused:
        tenant_settings.validate({"media_retention_months": int(months)})
    assert refused.value.reason == "settings_invalid"
    [problem] = refused.value.params["problems"]
    assert (problem.code, problem.params["maximum"]) == ("setting_out_of_range", 36)
    assert f"pellicule: {refused.value.texts['en']}\n" in err
    code, out, _ = cli("tenant", "list", "--json")
    assert tenant_id not in out


@pytest.mark.parametrize(
    "command",
    [
        ["tenant", "suspend", "--id"],
        ["tenant", "resume", "--id"],
        ["export", "--output", "/tmp/nowhere", "--tenant"],
        ["director", "invite", "--email", "d@example.org", "--name", "D", "--tenant"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_unknown_centre(aws: Aws, command: list[str]) -> None:
    code, _, err = cli(*command, "nobody-here")
    assert code == 2
    assert said("tenant_unknown", id="nobody-here") in err


def test_delete_of_an_unknown_centre(aws: Aws) -> None:
    code, _, err = cli("tenant", "delete", "--id", "nobody-here", "--confirm", "nobody-here")
    assert code == 2
    assert said("tenant_unknown", id="nobody-here") in err


# --- Suspend and resume ----------------------------------------------------------------------


def _sign_in(email: str) -> dict[str, Any]:
    return auth("POST", "/link", {"email": email})


@pytest.mark.usefixtures("no_floor")
def test_suspend_ends_sessions_and_refuses_sign_in_then_resume(
    aws: Aws, outbox: list[SentMail]
) -> None:
    from functions.digest import logic as digest
    from pellicule.domain.errors import Unauthenticated
    from pellicule.services import sessions

    tenant_id = new_id("susp")
    create(tenant_id)
    director = staff(tenant_id, f"direction@{tenant_id}.example")
    parent = guardian(tenant_id, f"parent@{tenant_id}.example")
    live = [
        sessions.create(tenant_id, "staff", director.principal_id, "director"),
        sessions.create(tenant_id, "guardian", parent.principal_id, "guardian"),
    ]
    other = make_centre()  # another centre keeps its sessions
    # A link asked for before the suspension.
    assert _sign_in(parent.email)["statusCode"] == 202
    [before] = outbox
    assert digest.run().by_tenant.get(tenant_id) is not None

    code, out, err = cli("tenant", "suspend", "--id", tenant_id)
    assert code == 0, err
    assert "2 session(s) ended" in out
    assert "1 sign-in link(s) revoked" in out

    for session in live:
        with pytest.raises(Unauthenticated):
            sessions.resolve(session)
    assert sessions.resolve(other.director_session).tenant_id == other.tenant_id
    # The earlier link no longer opens anything.
    assert auth("POST", "/session", {"token": before.tokens[0]})["statusCode"] == 401
    # Asking for a link answers exactly as for an unknown address, and sends nothing.
    known = _sign_in(director.email)
    unknown = _sign_in(f"nobody@{tenant_id}.example")
    assert (known["statusCode"], payload(known)) == (unknown["statusCode"], payload(unknown))
    assert len(outbox) == 1
    # No digest for a suspended centre.
    assert tenant_id not in digest.run().by_tenant

    code, out, _ = cli("tenant", "list", "--json")
    [row] = [row for row in json.loads(out) if row["id"] == tenant_id]
    assert row["status"] == "suspended"
    assert row["suspended"] is not None
    # Suspending again changes nothing (and says so).
    code, out, _ = cli("tenant", "suspend", "--id", tenant_id)
    assert code == 0
    assert "already suspended" in out

    code, out, err = cli("tenant", "resume", "--id", tenant_id)
    assert code == 0, err
    assert "resumed" in out
    assert _sign_in(director.email)["statusCode"] == 202
    [_, after] = outbox
    exchanged = auth("POST", "/session", {"token": after.tokens[0]})
    assert exchanged["statusCode"] == 200

    actions = [(r["action"], r["subject"]) for r in audit_rows(PLATFORM)]
    subject = f"tenant:{tenant_id}"
    assert ("tenant_suspended", subject) in actions
    assert ("tenant_resumed", subject) in actions
    assert actions.count(("tenant_suspended", subject)) == 1
    centre_actions = [r["action"] for r in audit_rows(tenant_id)]
    assert {"tenant_suspended", "tenant_resumed"} <= set(centre_actions)


# --- Delete ----------------------------------------------------------------------------------


def _seed(aws: Aws, tenant_id: str) -> Scenario:
    """A centre with staff, children, guardians, a paper consent and its scan, an album with
    a processed photo (published: served copies too), several versions of a rendition and a
    delete marker, uploads left in quarantine, sessions, a sign-in link and its audit log."""
    create(tenant_id)
    scenario = build(tenant_id)
    lea = scenario.children["lea"]
    staff_api.record_paper_consent(
        aws, scenario.director, lea, [scenario.families["g1"].guardian_id]
    )
    centre = Centre(
        tenant_id, scenario.album_id, scenario.director, scenario.families["g1"].session
    )
    media_id = staff_api.ready_photo(aws, centre)
    staff_api.tag(scenario.director, media_id, [])
    staff_api.publish(scenario.director, media_id, ["all_families_of_centre"])
    from pellicule.store.models import Media, tenant_pk

    item = Media.get(tenant_pk(tenant_id), f"MEDIA#{media_id}")
    renditions = item.renditions.as_dict()
    s3 = aws.client("s3")
    for version in (b"second version", b"third version"):
        s3.put_object(Bucket=aws.names.media_bucket, Key=renditions["web"]["key"], Body=version)
    s3.delete_object(Bucket=aws.names.media_bucket, Key=renditions["thumb"]["key"])
    for key in (
        f"ingest/photo/t/{tenant_id}/m/abandoned/x1",
        f"ingest/evidence/t/{tenant_id}/c/{lea}/x2.pdf",
    ):
        s3.put_object(Bucket=aws.names.ingest_bucket, Key=key, Body=b"left over")
    s3.create_multipart_upload(
        Bucket=aws.names.ingest_bucket, Key=f"ingest/video/t/{tenant_id}/m/v1/x3"
    )
    assert _sign_in("g1@famille.example")["statusCode"] == 202  # a live sign-in link
    return scenario


def _traces(aws: Aws, tenant_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Items (but the platform's audit chain) and object keys that name the centre."""
    items = [
        item
        for item in all_items(aws)
        if item["pk"]["S"] != f"AUDIT#{PLATFORM}" and tenant_id in json.dumps(item)
    ]
    keys = [
        key
        for bucket in (aws.names.media_bucket, aws.names.evidence_bucket, aws.names.ingest_bucket)
        for key in object_versions(aws, bucket)
        if f"t/{tenant_id}/" in key
    ]
    uploads = aws.client("s3").list_multipart_uploads(Bucket=aws.names.ingest_bucket)
    keys += [u["Key"] for u in uploads.get("Uploads", []) if tenant_id in u["Key"]]
    return items, keys


@pytest.mark.usefixtures("no_floor")
def test_delete_purges_everything_of_the_centre_with_evidence(aws: Aws) -> None:
    tenant_id = new_id("del")
    other = make_centre()
    aws.client("s3").put_object(
        Bucket=aws.names.media_bucket, Key=f"t/{other.tenant_id}/m/keep/web.jpg", Body=b"keep"
    )
    before_other = staff_api.snapshot(aws, other.tenant_id)
    scenario = _seed(aws, tenant_id)
    items, keys = _traces(aws, tenant_id)
    assert len(items) > 20
    assert len(keys) > 8

    code, out, err = cli("tenant", "delete", "--id", tenant_id, "--confirm", tenant_id)
    assert code == 0, err
    assert f"Deleted centre {tenant_id}" in out

    assert _traces(aws, tenant_id) == ([], [])
    # Other centres are untouched.
    assert staff_api.snapshot(aws, other.tenant_id) == before_other
    assert f"t/{other.tenant_id}/m/keep/web.jpg" in object_versions(aws, aws.names.media_bucket)
    from pellicule.services import sessions

    assert sessions.resolve(other.director_session).tenant_id == other.tenant_id
    # The CDN forgets the centre's paths (both forms).
    invalidations = aws.client("cloudfront").list_invalidations(DistributionId=aws.distribution_id)[
        "InvalidationList"
    ]
    assert invalidations["Quantity"] >= 1
    # The evidence: counts on the platform chain, which still verifies.
    [evidence] = [
        r
        for r in audit_rows(PLATFORM)
        if r["action"] == "tenant_deleted" and r["subject"] == f"tenant:{tenant_id}"
    ]
    counts = evidence["details"]
    assert counts["items"] > 12  # profile excluded (it goes last), sessions counted apart
    assert counts["audit_entries"] > 5
    assert counts["media_objects"] >= 6  # renditions, served copies, versions, a delete marker
    assert counts["evidence_objects"] == 1
    assert counts["ingest_objects"] == 2
    assert counts["uploads_aborted"] == 1
    assert counts["sessions"] >= 6
    # the link asked for, and the welcome e-mail's link of each guardian the staff API added
    assert counts["sign_in_links"] == 1 + len(scenario.families)
    assert counts["invalidations"] == 1
    for name in ("items", "media_objects", "evidence_objects", "audit_entries"):
        assert f"{name}" in out
        assert str(counts[name]) in out
    code, out, _ = cli("audit", "verify", "--tenant", PLATFORM)
    assert (code, out.strip()) == (0, f"OK: {len(audit_rows(PLATFORM))} entries verified")
    code, out, _ = cli("tenant", "list", "--json")
    assert tenant_id not in out
    # The id is free again.
    create(tenant_id, "Nouveau départ")


def test_delete_needs_the_id_confirmed(aws: Aws) -> None:
    tenant_id = new_id("keep")
    create(tenant_id)
    for extra in ([], ["--confirm", "something-else"], ["--confirm", tenant_id.upper()]):
        code, _, err = cli("tenant", "delete", "--id", tenant_id, *extra)
        assert code == 2
        assert f"--confirm {tenant_id}" in err
    from pellicule_ops import tenants

    assert tenants.get(tenant_id).status == "active"


@pytest.mark.usefixtures("no_floor")
def test_an_interrupted_delete_resumes(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from pellicule_ops import tenants

    tenant_id = new_id("int")
    _seed(aws, tenant_id)
    original = tenants._delete_versions
    calls = {"evidence": 0}

    def flaky(s3: Any, bucket: str, prefix: str, on_batch: Any) -> int:
        if bucket == aws.names.evidence_bucket:
            calls["evidence"] += 1
            if calls["evidence"] == 1:
                raise ClientError(
                    {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate"}},
                    "DeleteObjects",
                )
        return original(s3, bucket, prefix, on_batch)

    monkeypatch.setattr(tenants, "_delete_versions", flaky)
    code, _, err = cli("tenant", "delete", "--id", tenant_id, "--confirm", tenant_id)
    assert code == 2
    assert "SlowDown" in err
    # Half-way: the centre is "deleting", nobody signs in, its items are gone but the profile.
    code, out, _ = cli("tenant", "list", "--json")
    [row] = [row for row in json.loads(out) if row["id"] == tenant_id]
    assert row["status"] == "deleting"
    assert auth("POST", "/link", {"email": "g1@famille.example"})["statusCode"] == 202
    assert not [r for r in audit_rows(PLATFORM) if r["action"] == "tenant_deleted"]

    code, out, err = cli("tenant", "delete", "--id", tenant_id, "--confirm", tenant_id)
    assert code == 0, err
    assert f"Finished deleting centre {tenant_id}" in out
    assert _traces(aws, tenant_id) == ([], [])
    [evidence] = [r for r in audit_rows(PLATFORM) if r["action"] == "tenant_deleted"]
    assert evidence["details"]["evidence_objects"] == 1
    assert evidence["details"]["items"] > 12
    # A third run finds nothing to delete and writes no second evidence.
    code, _, err = cli("tenant", "delete", "--id", tenant_id, "--confirm", tenant_id)
    assert code == 2
    assert said("tenant_unknown", id=tenant_id) in err
    assert len([r for r in audit_rows(PLATFORM) if r["action"] == "tenant_deleted"]) == 1


# --- Export ----------------------------------------------------------------------------------

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_HASHES = ["a" * 64, "b" * 64]
UNSUBSCRIBE_HASH = "1700000000:" + "c" * 64


def test_export_writes_the_data_and_the_media_without_secrets(aws: Aws, tmp_path: Path) -> None:
    from pellicule.store.models import Guardian, Media, Staff, tenant_pk

    tenant_id = new_id("exp")
    create(tenant_id)
    scenario = build(tenant_id)
    lea = scenario.children["lea"]
    signatories = [scenario.families[g].guardian_id for g in ("g1", "g2")]  # both: in force
    staff_api.record_paper_consent(aws, scenario.director, lea, signatories)
    centre = Centre(
        tenant_id, scenario.album_id, scenario.director, scenario.families["g1"].session
    )
    media_id = staff_api.ready_photo(aws, centre)
    staff_api.tag(scenario.director, media_id, [lea])
    pending = staff_api.request_grant(centre, b"\xff\xd8never uploaded")["media_id"]  # uploading
    pk = tenant_pk(tenant_id)
    Staff(pk, "STAFF#dir-1").update(
        actions=[
            Staff.second_factor.set(
                {
                    "version": 1,
                    "secret": TOTP_SECRET,
                    "enrolled_at": 1,
                    "confirmed": True,
                    "recovery_hashes": RECOVERY_HASHES,
                }
            )
        ]
    )
    Guardian(pk, f"GUARDIAN#{scenario.families['g1'].guardian_id}").update(
        actions=[Guardian.unsubscribe_hashes.set([UNSUBSCRIBE_HASH])]
    )

    output = tmp_path / "out"
    code, out, err = cli("export", "--tenant", tenant_id, "--output", str(output))
    assert code == 0, err
    json_path, zip_path = output / f"{tenant_id}-export.json", output / f"{tenant_id}-media.zip"
    assert str(json_path) in out
    assert str(zip_path) in out

    text = json_path.read_text(encoding="utf-8")
    for secret in (TOTP_SECRET, *RECOVERY_HASHES, "c" * 64, "scan_key", "recovery_hashes"):
        assert secret not in text, text[max(0, text.find(secret) - 600) : text.find(secret) + 100]
    document = json.loads(text)
    assert document["tenant"]["id"] == tenant_id
    assert document["tenant"]["settings"]["media_retention_months"] == 12
    assert len(document["groups"]) == 2
    assert len(document["children"]) == 3
    assert len(document["guardians"]) == 4
    assert {s["staff_id"]: s["second_factor_enrolled"] for s in document["staff"]} == {
        "dir-1": True,
        "anim-1": False,
    }
    [consent] = document["consents"]
    assert consent["child_id"] == lea
    assert consent["history"]
    assert consent["evidence"]["scan_file"].startswith(f"consent-scans/{lea}/")
    assert len(document["albums"]) == 1
    by_id = {m["media_id"]: m for m in document["media"]}
    assert by_id[media_id]["tags"] == [lea]
    assert by_id[media_id]["state"] == "ready"
    assert by_id[pending]["state"] == "uploading"
    assert document["erasure_requests"] == []
    assert {r["action"] for r in document["audit"]} >= {"tenant_created", "consent_given"}

    item = Media.get(pk, f"MEDIA#{media_id}")
    download_key = item.renditions.as_dict()["download"]["key"]
    photo = aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=download_key)
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        photo_name = f"{ALBUM_DATE}_sortie/{media_id}.jpg"
        assert photo_name in names
        assert archive.read(photo_name) == photo["Body"].read()
        assert not [n for n in names if pending in n]
        [scan] = [n for n in names if n.startswith("consent-scans/")]
        assert scan == consent["evidence"]["scan_file"]
        assert archive.read(scan) == staff_api.PDF_SCAN
        manifest = json.loads(archive.read("manifest.json"))
    [entry] = manifest["media"]
    assert entry["path"] == photo_name
    assert entry["tagged_child_ids"] == [lea]
    import hashlib

    assert (
        entry["sha256"]
        == hashlib.sha256(
            aws.client("s3")
            .get_object(Bucket=aws.names.media_bucket, Key=download_key)["Body"]
            .read()
        ).hexdigest()
    )
    assert manifest["consent_scans"][0]["child_id"] == lea

    [exported] = [r for r in audit_rows(tenant_id) if r["action"] == "tenant_exported"]
    assert exported["details"]["media_files"] == 1
    assert exported["details"]["consent_scans"] == 1
    assert exported["actor"] == "operator:cli"


# --- Invite a director -----------------------------------------------------------------------


@pytest.mark.usefixtures("no_floor")
def test_director_invite_mails_a_link_that_signs_in(aws: Aws, outbox: list[SentMail]) -> None:
    from pellicule.store.models import Staff

    tenant_id = new_id("inv")
    create(tenant_id, "Les Tilleuls")
    email = f"Directrice@{tenant_id}.example"
    code, out, err = cli(
        "director",
        "invite",
        "--tenant",
        tenant_id,
        "--email",
        email,
        "--name",
        "Camille Martin",
    )
    assert code == 0, err
    assert "e-mailed" in out
    assert "#token=" not in out + err  # the link went to the director only
    [mail] = outbox
    assert mail.to == [email.lower()]
    assert mail.source == "no-reply@pellicule.test"
    assert "Les Tilleuls" in mail.text
    assert mail.text.index("-- English --") > mail.text.index("Bonjour Camille Martin")
    [link] = mail.links
    assert link.startswith(f"{aws.public_url}/login.html#token=")
    assert link.endswith("&for=staff")

    [director] = list(Staff.by_gsi1.query(f"STAFFEMAIL#{email.lower()}"))
    assert (director.tenant_id, director.role, director.display_name) == (
        tenant_id,
        "director",
        "Camille Martin",
    )
    signed_in = auth("POST", "/session", {"token": mail.tokens[0]})
    assert signed_in["statusCode"] == 200
    assert payload(signed_in)["second_factor"] == "enrol"  # directors must enrol TOTP

    rows = audit_rows(tenant_id)
    actions = [r["action"] for r in rows]
    assert actions[-3:] == ["roster_changed", "director_invited", "login"]
    assert rows[-2]["subject"] == f"staff:{director.staff_id}"
    assert rows[-2]["details"] == {"delivery": "email"}
    assert "@" not in json.dumps([r["details"] for r in rows])

    # The same address again: refused.
    code, _, err = cli("director", "invite", "--tenant", tenant_id, "--email", email, "--name", "X")
    assert code == 2
    assert said("staff_address_taken", id=tenant_id) in err
    code, _, err = cli(
        "director", "invite", "--tenant", tenant_id, "--email", "nope", "--name", "X"
    )
    assert code == 2
    assert said("email_invalid") in err
    assert len(outbox) == 1


def test_director_invite_without_a_sender_prints_the_link_once(
    aws: Aws,
    outbox: list[SentMail],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant_id = new_id("nosend")
    create(tenant_id)
    monkeypatch.delenv("PELLICULE_MAIL_FROM")
    code, out, err = cli(
        "director",
        "invite",
        "--tenant",
        tenant_id,
        "--email",
        f"d@{tenant_id}.example",
        "--name",
        "Dominique",
    )
    assert code == 0, err
    assert out.strip().startswith(f"{aws.public_url}/login.html#token=")
    assert "warning" in err
    assert "#token=" not in err
    assert outbox == []
    assert audit_rows(tenant_id)[-1]["details"] == {"delivery": "operator"}


def test_director_invite_refuses_a_suspended_centre(aws: Aws) -> None:
    tenant_id = new_id("inv-susp")
    create(tenant_id)
    assert cli("tenant", "suspend", "--id", tenant_id)[0] == 0
    code, _, err = cli(
        "director", "invite", "--tenant", tenant_id, "--email", "d@x.example", "--name", "D"
    )
    assert code == 2
    from pellicule.domain.messages import Term

    assert (
        said("tenant_not_active", id=tenant_id, status=Term("suspended", "tenant_status_suspended"))
        in err
    )


# --- Audit, keys, purge ----------------------------------------------------------------------


def test_audit_accepts_the_global_target(aws: Aws) -> None:
    tenant_id = new_id("aud")
    create(tenant_id)
    code, out, _ = cli("audit", "verify", "--tenant", tenant_id)
    assert (code, out.strip()) == (0, "OK: 1 entries verified")
    code, out, _ = cli("audit", "export", "--tenant", PLATFORM)
    assert code == 0
    assert json.loads(out)[-1]["subject"] == f"tenant:{tenant_id}"


def test_key_rotate_uploads_and_records(aws: Aws, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pellicule_ops import keys

    directory = tmp_path / "local"
    for month in (1, 2):
        keys.create_key_pair(directory, now=datetime(2025, month, 1, tzinfo=UTC))
    code, out, err = cli("key", "rotate", "--keys-dir", str(tmp_path))
    assert code == 0, err
    assert "Retired key pair 20250101T000000Z" in out
    assert "make deploy STAGE=local AWS_REGION=eu-west-3" in out
    assert "deploy now" in err
    stamps = keys.key_pairs(directory)
    assert stamps[0] == "20250201T000000Z"
    assert len(stamps) == 2
    secret = aws.client("secretsmanager").get_secret_value(SecretId=aws.names.signing_key_secret)
    assert secret["SecretString"] == keys.newest_private_key(directory)[1]
    [rotation] = [r for r in audit_rows(PLATFORM) if r["action"] == "key_rotated"]
    assert rotation["subject"] == "stage:local"
    assert rotation["details"] == {"key": stamps[-1], "retired": 1, "trusted": 2, "uploaded": 1}
    assert "PRIVATE" not in json.dumps(rotation)


class _FakeLambda:
    def __init__(self, result: Any, function_error: str | None = None) -> None:
        self.result = result
        self.function_error = function_error
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": io.BytesIO(json.dumps(self.result).encode()),
        }
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


@pytest.mark.parametrize(
    ("result", "function_error", "expected"),
    [
        ({"complete": True, "tenants": {"t1": {"media": 2}}, "errors": {}}, None, 0),
        ({"complete": False, "tenants": {}, "errors": {}}, None, 1),
        ({"complete": True, "tenants": {}, "errors": {"t1": "boom"}}, None, 1),
        ({"errorMessage": "Task timed out"}, "Unhandled", 1),
    ],
)
def test_purge_run_invokes_the_deployed_function(
    aws: Aws,
    monkeypatch: pytest.MonkeyPatch,
    result: Any,
    function_error: str | None,
    expected: int,
) -> None:
    from pellicule_ops import cli as cli_module

    fake = _FakeLambda(result, function_error)
    monkeypatch.setattr(cli_module, "lambda_client", lambda region: fake)
    code, out, _ = cli("purge", "run", "--tenant", "t1")
    assert code == expected
    assert json.loads(out) == result
    [call] = fake.calls
    assert call["FunctionName"] == aws.names.function("purge")
    assert call["InvocationType"] == "RequestResponse"
    assert json.loads(call["Payload"]) == {"source": "pellicule_ops.cli", "tenants": ["t1"]}
    code, _, _ = cli("purge", "run")
    assert json.loads(fake.calls[-1]["Payload"]) == {"source": "pellicule_ops.cli"}


def test_reindex_puts_centres_written_before_the_index_into_it(aws: Aws) -> None:
    # Given a centre whose profile was written before the scheduled runs' index existed
    from pellicule.store import data, keys, purge_runs
    from pellicule.store.models import Tenant, tenant_pk

    data.ready()
    old = new_id("t-old")
    Tenant(tenant_pk(old), keys.PROFILE, tenant_id=old, name="Old", created_at=1).save()
    assert old not in purge_runs.tenant_ids()
    # When the operator reindexes, twice
    code, out, err = cli("tenant", "reindex")
    again, out_again, _ = cli("tenant", "reindex")
    # Then the scheduled runs see it, and the second run had nothing left to do
    assert (code, again) == (0, 0), err
    assert old in purge_runs.tenant_ids()
    assert "1 centre(s)" in out
    assert "0 centre(s) and 0 erasure request(s)" in out_again
