"""CloudFront signature checks of the local gateway, against botocore's independent signer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from local.cloudfront import (
    AccessDenied,
    KeyGroup,
    ViewerRequest,
    canned_policy,
    cloudfront_b64decode,
    cloudfront_b64encode,
    parse_cookie_header,
    resource_matches,
    resource_url,
    verify,
)

HOST = "http://127.0.0.1:8080"
PHOTO = f"{HOST}/media/t/tenant-a/m/1/web.jpg"
OTHER_TENANT_PHOTO = f"{HOST}/media/t/tenant-b/m/1/web.jpg"
KEY_ID = "KTESTKEY0000001"
NOW = 1_800_000_000.0


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return _key()


@pytest.fixture
def key_group(private_key: rsa.RSAPrivateKey) -> KeyGroup:
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyGroup({KEY_ID: public_pem})


def _signer(private_key: rsa.RSAPrivateKey, key_id: str = KEY_ID) -> CloudFrontSigner:
    def rsa_signer(message: bytes) -> bytes:
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())

    return CloudFrontSigner(key_id, rsa_signer)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def canned_url(private_key: rsa.RSAPrivateKey, url: str = PHOTO, expires: float = NOW + 300) -> str:
    return _signer(private_key).generate_presigned_url(url, date_less_than=_at(expires))


def custom_url(
    private_key: rsa.RSAPrivateKey,
    resource: str,
    url: str = PHOTO,
    *,
    expires: float = NOW + 300,
    ip: str | None = None,
    not_before: float | None = None,
    key_id: str = KEY_ID,
) -> str:
    signer = _signer(private_key, key_id)
    policy = signer.build_policy(
        resource,
        _at(expires),
        date_greater_than=_at(not_before) if not_before is not None else None,
        ip_address=ip,
    )
    return signer.generate_presigned_url(url, policy=policy)


def request(url: str, *, ip: str = "127.0.0.1", cookies: dict[str, str] | None = None):
    return ViewerRequest(url=url, source_ip=ip, cookies=cookies or {})


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _replace_param(url: str, name: str, value: str) -> str:
    base, _, query = url.partition("?")
    parts = [
        f"{name}={value}" if part.partition("=")[0] == name else part for part in query.split("&")
    ]
    return f"{base}?{'&'.join(parts)}"


# --- Canned policy ---------------------------------------------------------------------------


def test_canned_signed_url_is_accepted(private_key, key_group):
    grant = verify(request(canned_url(private_key)), key_group, now=NOW)
    assert grant.key_pair_id == KEY_ID
    assert grant.canned
    assert grant.carrier == "url"
    assert grant.resource == PHOTO


def test_canned_policy_is_byte_for_byte_botocores():
    signer = CloudFrontSigner(KEY_ID, lambda message: b"")
    assert canned_policy(PHOTO, 1234) == signer.build_policy(PHOTO, _at(1234))


def test_expired_canned_url_is_rejected(private_key, key_group):
    url = canned_url(private_key, expires=NOW - 1)
    with pytest.raises(AccessDenied, match="expired"):
        verify(request(url), key_group, now=NOW)


def test_url_expires_at_the_exact_second(private_key, key_group):
    url = canned_url(private_key, expires=NOW)
    with pytest.raises(AccessDenied):
        verify(request(url), key_group, now=NOW)


def test_extending_expires_breaks_the_signature(private_key, key_group):
    url = canned_url(private_key)
    longer = _replace_param(url, "Expires", str(int(NOW) + 86400))
    with pytest.raises(AccessDenied, match="bad signature"):
        verify(request(longer), key_group, now=NOW)


def test_tampered_signature_is_rejected(private_key, key_group):
    url = canned_url(private_key)
    signature = _query(url)["Signature"]
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    with pytest.raises(AccessDenied):
        verify(request(_replace_param(url, "Signature", flipped)), key_group, now=NOW)


def test_garbage_signature_is_rejected(private_key, key_group):
    url = _replace_param(canned_url(private_key), "Signature", "%%%not-base64")
    with pytest.raises(AccessDenied):
        verify(request(url), key_group, now=NOW)


def test_canned_url_for_another_path_is_rejected(private_key, key_group):
    url = canned_url(private_key).replace("/m/1/web.jpg", "/m/2/web.jpg")
    with pytest.raises(AccessDenied, match="bad signature"):
        verify(request(url), key_group, now=NOW)


def test_canned_url_on_another_host_is_rejected(private_key, key_group):
    url = canned_url(private_key).replace("127.0.0.1:8080", "localhost:8080")
    with pytest.raises(AccessDenied):
        verify(request(url), key_group, now=NOW)


def test_query_string_is_part_of_the_canned_resource(private_key, key_group):
    url = canned_url(private_key, url=f"{PHOTO}?size=web")
    assert verify(request(url), key_group, now=NOW).canned
    changed = url.replace("size=web", "size=original")
    with pytest.raises(AccessDenied):
        verify(request(changed), key_group, now=NOW)


# --- Custom policy -----------------------------------------------------------------------------


def test_custom_policy_url_is_accepted(private_key, key_group):
    grant = verify(request(custom_url(private_key, PHOTO)), key_group, now=NOW)
    assert not grant.canned
    assert grant.expires == int(NOW + 300)


def test_wildcard_resource_covers_its_tenant_only(private_key, key_group):
    resource = f"{HOST}/media/t/tenant-a/*"
    assert verify(request(custom_url(private_key, resource)), key_group, now=NOW)
    other = custom_url(private_key, resource, url=OTHER_TENANT_PHOTO)
    with pytest.raises(AccessDenied, match="resource does not match"):
        verify(request(other), key_group, now=NOW)


def test_wildcard_policy_cannot_be_moved_to_another_path(private_key, key_group):
    # A valid tenant-a policy pasted onto a tenant-b URL.
    policy_params = urlsplit(custom_url(private_key, f"{HOST}/media/t/tenant-a/*")).query
    with pytest.raises(AccessDenied, match="resource does not match"):
        verify(request(f"{OTHER_TENANT_PHOTO}?{policy_params}"), key_group, now=NOW)


def test_question_mark_wildcard_matches_one_character(private_key, key_group):
    resource = f"{HOST}/media/t/tenant-a/m/?/web.jpg"
    assert verify(request(custom_url(private_key, resource)), key_group, now=NOW)
    longer = custom_url(private_key, resource, url=f"{HOST}/media/t/tenant-a/m/12/web.jpg")
    with pytest.raises(AccessDenied):
        verify(request(longer), key_group, now=NOW)


def test_expired_custom_policy_is_rejected(private_key, key_group):
    url = custom_url(private_key, PHOTO, expires=NOW - 10)
    with pytest.raises(AccessDenied, match="expired"):
        verify(request(url), key_group, now=NOW)


def test_tampered_policy_is_rejected(private_key, key_group):
    url = custom_url(private_key, f"{HOST}/media/t/tenant-a/*")
    policy = json.loads(cloudfront_b64decode(_query(url)["Policy"]))
    policy["Statement"][0]["Resource"] = f"{HOST}/media/*"
    forged = cloudfront_b64encode(json.dumps(policy, separators=(",", ":")).encode())
    with pytest.raises(AccessDenied, match="bad signature"):
        verify(request(_replace_param(url, "Policy", forged)), key_group, now=NOW)


def test_date_greater_than_is_enforced(private_key, key_group):
    url = custom_url(private_key, PHOTO, not_before=NOW + 60)
    with pytest.raises(AccessDenied, match="not yet valid"):
        verify(request(url), key_group, now=NOW)
    assert verify(request(url), key_group, now=NOW + 60)


def test_source_ip_condition_is_enforced(private_key, key_group):
    url = custom_url(private_key, PHOTO, ip="192.0.2.0/24")
    assert verify(request(url, ip="192.0.2.7"), key_group, now=NOW)
    assert verify(request(url, ip="::ffff:192.0.2.7"), key_group, now=NOW)
    with pytest.raises(AccessDenied, match="source address"):
        verify(request(url, ip="198.51.100.1"), key_group, now=NOW)


def test_policy_without_expiry_is_rejected(private_key, key_group):
    policy = json.dumps({"Statement": [{"Resource": PHOTO, "Condition": {}}]}).encode()
    signature = private_key.sign(policy, padding.PKCS1v15(), hashes.SHA1())
    url = (
        f"{PHOTO}?Policy={cloudfront_b64encode(policy)}"
        f"&Signature={cloudfront_b64encode(signature)}&Key-Pair-Id={KEY_ID}"
    )
    with pytest.raises(AccessDenied, match="DateLessThan"):
        verify(request(url), key_group, now=NOW)


def test_sha256_signatures_are_accepted_when_announced(private_key, key_group):
    policy = canned_policy(PHOTO, int(NOW + 300)).encode()
    signature = private_key.sign(policy, padding.PKCS1v15(), hashes.SHA256())
    url = (
        f"{PHOTO}?Expires={int(NOW + 300)}&Signature={cloudfront_b64encode(signature)}"
        f"&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256"
    )
    assert verify(request(url), key_group, now=NOW)
    without = url.replace("&Hash-Algorithm=SHA256", "")
    with pytest.raises(AccessDenied, match="bad signature"):
        verify(request(without), key_group, now=NOW)


# --- Keys --------------------------------------------------------------------------------------


def test_unknown_key_pair_id_is_rejected(private_key, key_group):
    url = custom_url(private_key, PHOTO, key_id="KUNKNOWN000000")
    with pytest.raises(AccessDenied, match="key group"):
        verify(request(url), key_group, now=NOW)


def test_key_of_another_pair_is_rejected(key_group):
    with pytest.raises(AccessDenied, match="bad signature"):
        verify(request(canned_url(_key())), key_group, now=NOW)


def test_rotation_new_key_works_and_removed_key_stops_working(private_key, key_group):
    new_key = _key()
    key_group.add(
        "KNEWKEY0000002",
        new_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    old_url = canned_url(private_key)
    new_url = custom_url(new_key, PHOTO, key_id="KNEWKEY0000002")
    assert verify(request(old_url), key_group, now=NOW)
    assert verify(request(new_url), key_group, now=NOW)

    key_group.remove(KEY_ID)

    with pytest.raises(AccessDenied, match="key group"):
        verify(request(old_url), key_group, now=NOW)
    assert verify(request(new_url), key_group, now=NOW)


# --- Missing or mixed parameters, cookies ------------------------------------------------------


def test_no_signature_at_all_is_rejected(key_group):
    with pytest.raises(AccessDenied, match="missing signature"):
        verify(request(PHOTO), key_group, now=NOW)


def test_signature_without_key_pair_id_is_rejected(private_key, key_group):
    url = canned_url(private_key).split("&Key-Pair-Id=")[0]
    with pytest.raises(AccessDenied, match="missing signature"):
        verify(request(url), key_group, now=NOW)


def test_duplicate_signing_parameters_are_rejected(private_key, key_group):
    url = canned_url(private_key) + f"&Key-Pair-Id={KEY_ID}"
    with pytest.raises(AccessDenied, match="duplicate"):
        verify(request(url), key_group, now=NOW)


def test_policy_and_expires_together_are_rejected(private_key, key_group):
    url = custom_url(private_key, PHOTO) + f"&Expires={int(NOW + 300)}"
    with pytest.raises(AccessDenied, match="exactly one"):
        verify(request(url), key_group, now=NOW)


def _signed_cookies(private_key: rsa.RSAPrivateKey, resource: str, expires: float) -> dict:
    signer = _signer(private_key)
    policy = signer.build_policy(resource, _at(expires)).encode()
    return {
        "CloudFront-Policy": cloudfront_b64encode(policy),
        "CloudFront-Signature": cloudfront_b64encode(signer.rsa_signer(policy)),
        "CloudFront-Key-Pair-Id": KEY_ID,
    }


def test_signed_cookies_are_accepted_for_their_resource(private_key, key_group):
    cookies = _signed_cookies(private_key, f"{HOST}/media/t/tenant-a/*", NOW + 300)
    grant = verify(request(PHOTO, cookies=cookies), key_group, now=NOW)
    assert grant.carrier == "cookie"
    with pytest.raises(AccessDenied, match="resource does not match"):
        verify(request(OTHER_TENANT_PHOTO, cookies=cookies), key_group, now=NOW)


def test_expired_signed_cookies_are_rejected(private_key, key_group):
    cookies = _signed_cookies(private_key, f"{HOST}/media/*", NOW - 1)
    with pytest.raises(AccessDenied, match="expired"):
        verify(request(PHOTO, cookies=cookies), key_group, now=NOW)


def test_canned_signed_cookies_are_accepted(private_key, key_group):
    expires = int(NOW + 300)
    signature = private_key.sign(
        canned_policy(PHOTO, expires).encode(), padding.PKCS1v15(), hashes.SHA1()
    )
    cookies = {
        "CloudFront-Expires": str(expires),
        "CloudFront-Signature": cloudfront_b64encode(signature),
        "CloudFront-Key-Pair-Id": KEY_ID,
    }
    assert verify(request(PHOTO, cookies=cookies), key_group, now=NOW).canned
    with pytest.raises(AccessDenied):
        verify(request(OTHER_TENANT_PHOTO, cookies=cookies), key_group, now=NOW)


def test_signed_url_takes_precedence_over_cookies(private_key, key_group):
    cookies = _signed_cookies(private_key, f"{HOST}/media/*", NOW + 300)
    expired_url = canned_url(private_key, expires=NOW - 1)
    with pytest.raises(AccessDenied, match="expired"):
        verify(request(expired_url, cookies=cookies), key_group, now=NOW)


# --- Helpers -----------------------------------------------------------------------------------


def test_base64_alphabet_is_cloudfronts():
    data = bytes(range(256))
    encoded = cloudfront_b64encode(data)
    assert not set("+=/") & set(encoded)
    assert cloudfront_b64decode(encoded) == data


def test_resource_url_strips_only_signing_parameters():
    url = f"{PHOTO}?a=1&Expires=2&Signature=x&b=2&Key-Pair-Id=K&Policy=p&Hash-Algorithm=SHA1"
    assert resource_url(url) == f"{PHOTO}?a=1&b=2"
    assert resource_url(f"{PHOTO}?Expires=1") == PHOTO


def test_wildcards_are_not_regular_expressions():
    assert resource_matches("http://h/media/t/a.b/*", "http://h/media/t/a.b/x")
    assert not resource_matches("http://h/media/t/a.b/*", "http://h/media/t/aXb/x")
    assert not resource_matches("http://h/media/t/a/x.jpg", "http://h/media/t/a/x.jpg/more")


def test_cookie_header_parsing():
    assert parse_cookie_header(['a=1; CloudFront-Policy="p_"', "b=2; a=3"]) == {
        "a": "1",
        "CloudFront-Policy": "p_",
        "b": "2",
    }


def test_clock_is_the_callers(private_key, key_group):
    url = canned_url(private_key, expires=time.time() + 60)
    assert verify(request(url), key_group, now=time.time())
