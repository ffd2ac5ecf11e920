"""The IAM contract's parts on their own: the evaluator, the operation table, the template
resolver (tests/support/iam_eval.py, iam_hook.py, iam_policy.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import iam_hook, iam_policy
from tests.support.iam_eval import evaluate, wildcard_match

BUCKET = "arn:aws:s3:::media"
TABLE = "arn:aws:dynamodb:eu-west-3:123456789012:table/main"
REGION = "eu-west-3"

OBJECTS: dict[str, Any] = {
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": f"{BUCKET}/t/*",
}


# --- Evaluator ---------------------------------------------------------------------------------


def test_an_allow_on_the_action_and_resource_allows() -> None:
    decision = evaluate([OBJECTS], "s3:GetObject", f"{BUCKET}/t/a/b.jpg")
    assert decision.allowed
    assert "allowed by" in decision.reason


def test_a_missing_action_is_an_implicit_deny() -> None:
    decision = evaluate([OBJECTS], "s3:DeleteObject", f"{BUCKET}/t/a/b.jpg")
    assert not decision.allowed
    assert "implicit deny" in decision.reason


def test_a_resource_outside_the_pattern_is_denied() -> None:
    assert not evaluate([OBJECTS], "s3:GetObject", f"{BUCKET}/ingest/a.jpg").allowed
    assert not evaluate([OBJECTS], "s3:GetObject", f"{BUCKET}-other/t/a.jpg").allowed
    assert not evaluate([OBJECTS], "s3:GetObject", BUCKET).allowed


def test_an_explicit_deny_wins_over_an_allow() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": f"{BUCKET}/t/secret/*"}
    decision = evaluate([OBJECTS, deny], "s3:GetObject", f"{BUCKET}/t/secret/x")
    assert not decision.allowed
    assert "explicit Deny" in decision.reason
    assert evaluate([OBJECTS, deny], "s3:GetObject", f"{BUCKET}/t/open/x").allowed


def test_wildcards_in_actions_ignore_case_and_in_resources_do_not() -> None:
    statement = {"Effect": "Allow", "Action": "DynamoDB:Get*", "Resource": f"{TABLE}/index/*"}
    assert evaluate([statement], "dynamodb:GetItem", f"{TABLE}/index/gsi1").allowed
    assert not evaluate([statement], "dynamodb:Query", f"{TABLE}/index/gsi1").allowed
    assert not evaluate([statement], "dynamodb:GetItem", TABLE).allowed
    assert not evaluate([statement], "dynamodb:GetItem", f"{TABLE.upper()}/index/gsi1").allowed
    assert wildcard_match("secret:name-??????", "secret:name-AbCdEf")
    assert not wildcard_match("secret:name-??????", "secret:name-AbCdE")


def test_not_action_and_not_resource() -> None:
    statement = {"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": f"{BUCKET}/x"}
    assert evaluate([statement], "s3:GetObject", f"{BUCKET}/y").allowed
    assert not evaluate([statement], "s3:DeleteObject", f"{BUCKET}/y").allowed
    assert not evaluate([statement], "s3:GetObject", f"{BUCKET}/x").allowed


def test_conditions_are_evaluated_against_the_request_context() -> None:
    listing = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": BUCKET,
        "Condition": {"StringLike": {"s3:prefix": ["t/*"]}},
    }
    assert evaluate([listing], "s3:ListBucket", BUCKET, {"s3:prefix": "t/abc/"}).allowed
    assert not evaluate([listing], "s3:ListBucket", BUCKET, {"s3:prefix": "ingest/"}).allowed
    https_only = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    context = {"aws:SecureTransport": "true"}
    assert evaluate([OBJECTS, https_only], "s3:GetObject", f"{BUCKET}/t/x", context).allowed


def test_an_unknown_condition_is_never_passed_silently() -> None:
    tagged = {**OBJECTS, "Condition": {"StringEquals": {"aws:ResourceTag/team": "x"}}}
    decision = evaluate([tagged], "s3:GetObject", f"{BUCKET}/t/x")
    assert not decision.allowed
    assert any("aws:ResourceTag/team" in note for note in decision.notes)
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": tagged["Condition"]}
    decision = evaluate([OBJECTS, deny], "s3:GetObject", f"{BUCKET}/t/x")
    assert not decision.allowed  # a Deny we cannot evaluate counts
    assert "explicit Deny" in decision.reason


# --- Operations to actions and resources ---------------------------------------------------


def _pairs(service: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in iam_hook.requests(service, operation, params, REGION)]


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("ListObjectsV2", {"Prefix": "t/"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        ("ListObjectVersions", {}, [("s3:ListBucketVersions", "arn:aws:s3:::b")]),
        ("ListMultipartUploads", {}, [("s3:ListBucketMultipartUploads", "arn:aws:s3:::b")]),
        ("HeadObject", {"Key": "k"}, [("s3:GetObject", "arn:aws:s3:::b/k")]),
        (
            "GetObject",
            {"Key": "k", "VersionId": "v"},
            [("s3:GetObjectVersion", "arn:aws:s3:::b/k")],
        ),
        ("DeleteObject", {"Key": "k"}, [("s3:DeleteObject", "arn:aws:s3:::b/k")]),
        ("CreateMultipartUpload", {"Key": "k"}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("UploadPart", {"Key": "k"}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("CompleteMultipartUpload", {"Key": "k"}, [("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("AbortMultipartUpload", {"Key": "k"}, [("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")]),
        ("ListParts", {"Key": "k"}, [("s3:ListMultipartUploadParts", "arn:aws:s3:::b/k")]),
        (
            "CopyObject",
            {"Key": "new", "CopySource": {"Bucket": "src", "Key": "old"}},
            [("s3:GetObject", "arn:aws:s3:::src/old"), ("s3:PutObject", "arn:aws:s3:::b/new")],
        ),
        (
            "CopyObject",
            {"Key": "new", "CopySource": "src/a%20b?versionId=3"},
            [
                ("s3:GetObjectVersion", "arn:aws:s3:::src/a b"),
                ("s3:PutObject", "arn:aws:s3:::b/new"),
            ],
        ),
        (
            "DeleteObjects",
            {"Delete": {"Objects": [{"Key": "x"}, {"Key": "y", "VersionId": "1"}]}},
            [
                ("s3:DeleteObject", "arn:aws:s3:::b/x"),
                ("s3:DeleteObjectVersion", "arn:aws:s3:::b/y"),
            ],
        ),
    ],
)
def test_s3_operations(operation: str, params: dict[str, Any], expected: list[Any]) -> None:
    assert _pairs("s3", operation, Bucket="b", **params) == expected


def test_dynamodb_operations() -> None:
    assert _pairs("dynamodb", "Query", TableName="main", IndexName="gsi1") == [
        ("dynamodb:Query", f"{TABLE}/index/gsi1")
    ]
    assert _pairs("dynamodb", "GetItem", TableName="main") == [("dynamodb:GetItem", TABLE)]
    items = [
        {"Put": {"TableName": "main"}},
        {"Update": {"TableName": "main"}},
        {"Delete": {"TableName": "main"}},
        {"ConditionCheck": {"TableName": "main"}},
    ]
    assert _pairs("dynamodb", "TransactWriteItems", TransactItems=items) == [
        ("dynamodb:PutItem", TABLE),
        ("dynamodb:UpdateItem", TABLE),
        ("dynamodb:DeleteItem", TABLE),
        ("dynamodb:ConditionCheckItem", TABLE),
    ]
    assert _pairs("dynamodb", "BatchGetItem", RequestItems={"main": {}}) == [
        ("dynamodb:BatchGetItem", TABLE)
    ]


def test_a_query_on_the_table_carries_its_partition_key_as_leading_keys() -> None:
    # As PynamoDB sends it: placeholders for the names and the values
    query = {
        "TableName": "main",
        "KeyConditionExpression": "#0 = :0 AND begins_with (#1, :1)",
        "ExpressionAttributeNames": {"#0": "pk", "#1": "sk"},
        "ExpressionAttributeValues": {":0": {"S": "AUDIT#t1"}, ":1": {"S": "PENDING#"}},
    }
    [request] = iam_hook.requests("dynamodb", "Query", query, "eu-west-3")
    assert request.context["dynamodb:LeadingKeys"] == ["AUDIT#t1"]
    # The sort key's condition is not the partition key; an index query carries none
    swapped = {**query, "ExpressionAttributeNames": {"#0": "sk", "#1": "pk"}}
    [request] = iam_hook.requests("dynamodb", "Query", swapped, "eu-west-3")
    assert "dynamodb:LeadingKeys" not in request.context
    [request] = iam_hook.requests("dynamodb", "Query", {**query, "IndexName": "gsi1"}, "eu-west-3")
    assert "dynamodb:LeadingKeys" not in request.context


def test_other_services() -> None:
    assert _pairs("ses", "SendEmail", Source="Pellicule <no-reply@example.fr>") == [
        ("ses:SendEmail", "arn:aws:ses:eu-west-3:123456789012:identity/example.fr")
    ]
    queue = "https://sqs.eu-west-3.amazonaws.com/123456789012/pellicule-local-ingest-events"
    assert _pairs("sqs", "SendMessage", QueueUrl=queue) == [
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-3:123456789012:pellicule-local-ingest-events")
    ]
    secret = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:pellicule/k-"
    expected = [("secretsmanager:GetSecretValue", f"{secret}{iam_policy.SECRET_SUFFIX[1:]}")]
    assert _pairs("secretsmanager", "GetSecretValue", SecretId="pellicule/k") == expected
    assert _pairs("secretsmanager", "GetSecretValue", SecretId=f"{secret}Zz9Yx8") == expected
    assert _pairs("ssm", "GetParameter", Name="/pellicule/local/public-url") == [
        (
            "ssm:GetParameter",
            "arn:aws:ssm:eu-west-3:123456789012:parameter/pellicule/local/public-url",
        )
    ]


def test_the_stack_s_distribution_is_its_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PELLICULE_DISTRIBUTION_ID", "E123")
    base = "arn:aws:cloudfront::123456789012:distribution"
    assert _pairs("cloudfront", "CreateInvalidation", DistributionId="E123") == [
        ("cloudfront:CreateInvalidation", f"{base}/{iam_policy.DISTRIBUTION}")
    ]
    assert _pairs("cloudfront", "CreateInvalidation", DistributionId="EOTHER") == [
        ("cloudfront:CreateInvalidation", f"{base}/EOTHER")
    ]


def test_an_operation_missing_from_the_table_is_a_gap_not_a_pass() -> None:
    with pytest.raises(iam_hook.Unmapped, match=r"s3\.PutBucketPolicy"):
        iam_hook.requests("s3", "PutBucketPolicy", {"Bucket": "b"}, REGION)
    with pytest.raises(iam_hook.Unmapped, match=r"kms\.Decrypt"):
        iam_hook.requests("kms", "Decrypt", {}, REGION)
    checker = iam_hook.Checker({"gallery": []})
    denial = checker.unmapped("gallery", "kms.Decrypt")
    assert checker.denials == [denial]


# --- Template resolution -------------------------------------------------------------------------

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "media"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "main"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "pellicule-local-gallery",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
        "Policy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": {
                                "Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/t/*"]]
                            },
                        },
                        {
                            "Effect": "Allow",
                            "Action": "dynamodb:Query",
                            "Resource": {"Fn::Sub": "${Table.Arn}/index/*"},
                        },
                        {
                            "Effect": "Allow",
                            "Action": "ssm:GetParameter",
                            "Resource": {
                                "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:"
                                "${AWS::AccountId}:parameter/x"
                            },
                        },
                    ]
                },
            },
        },
    }
}


def test_the_template_resolves_to_each_function_s_concrete_statements() -> None:
    from pellicule.config import topology

    found = iam_policy.extract(TEMPLATE, topology.local_names())
    assert list(found) == ["gallery"]
    assert [s["Resource"] for s in found["gallery"]] == [
        "arn:aws:s3:::media/t/*",
        f"{TABLE}/index/*",
        "arn:aws:ssm:eu-west-3:123456789012:parameter/x",
    ]


def test_an_unresolvable_reference_stops_the_check() -> None:
    resolver = iam_policy.Resolver(TEMPLATE["Resources"], REGION, "123456789012")
    with pytest.raises(iam_policy.Unresolvable, match="Missing"):
        resolver.value({"Fn::GetAtt": ["Missing", "Arn"]})
    with pytest.raises(iam_policy.Unresolvable, match="Fn::ImportValue"):
        resolver.value({"Fn::ImportValue": "x"})


# --- The verdict and the skip ------------------------------------------------------------------


def test_a_denied_call_fails_the_test_with_function_action_and_arn() -> None:
    checker = iam_hook.Checker({"gallery": [OBJECTS]})
    found = iam_hook.requests("s3", "DeleteObject", {"Bucket": "media", "Key": "t/a"}, REGION)
    assert checker.check("gallery", "s3.DeleteObject", found)
    verdict = iam_hook.verdict(checker)
    assert verdict is not None
    assert "function 'gallery': s3.DeleteObject needs s3:DeleteObject on" in verdict
    assert f"{BUCKET}/t/a" in verdict


def test_a_declared_denial_is_set_aside_and_required() -> None:
    known = frozenset({("gallery", "s3:DeleteObject")})
    found = iam_hook.requests("s3", "DeleteObject", {"Bucket": "media", "Key": "t/a"}, REGION)
    checker = iam_hook.Checker({"gallery": [OBJECTS]}, known)
    assert checker.check("gallery", "s3.DeleteObject", found) == []
    assert iam_hook.verdict(checker) is None
    unused = iam_hook.Checker({"gallery": [OBJECTS]}, known)
    assert "no such call was denied" in (iam_hook.verdict(unused) or "")
    allowed = iam_hook.requests("s3", "GetObject", {"Bucket": "media", "Key": "t/a"}, REGION)
    clean = iam_hook.Checker({"gallery": [OBJECTS]})
    assert clean.check("gallery", "s3.GetObject", allowed) == []
    assert iam_hook.verdict(clean) is None


def test_a_function_without_a_role_in_the_stack_may_do_nothing() -> None:
    checker = iam_hook.Checker({})
    found = iam_hook.requests("s3", "GetObject", {"Bucket": "media", "Key": "t/a"}, REGION)
    [denial] = checker.check("newcomer", "s3.GetObject", found)
    assert "no role" in denial.reason


def test_without_node_and_without_a_cache_the_check_cannot_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(iam_policy, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(iam_policy.shutil, "which", lambda name: None)
    with pytest.raises(iam_policy.SynthUnavailable, match=r"Node\.js"):
        iam_policy.load(REGION)


def test_a_cached_extraction_is_read_without_synth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import json

    monkeypatch.setattr(iam_policy, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(iam_policy.shutil, "which", lambda name: None)  # a synth would raise
    cached = tmp_path / f"policies-{REGION}-{iam_policy.cache_key(REGION)}.json"
    cached.write_text(json.dumps({"functions": {"gallery": [OBJECTS]}}), encoding="utf-8")
    policies = iam_policy.load(REGION)
    assert policies.statements == {"gallery": [OBJECTS]}
    assert policies.synth_seconds is None
    assert iam_policy.cache_key(REGION) != iam_policy.cache_key("eu-west-1")
