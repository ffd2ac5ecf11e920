"""Sign-in through the real auth handler with moto: links, codes, sessions, sign-out.

The attacks (parallel exchanges, enumeration timing, scanners, CSRF, logs) are in
``tests/security/test_magic_links.py``.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest

from functions.auth import mail as auth_mail
from pellicule.config import clock
from pellicule.domain import emails, messages
from pellicule.services import audit, magic_links, sessions
from tests.conftest import Aws
from tests.integration.auth_helpers import (
    Person,
    SentMail,
    auth,
    centre,
    cookie_value,
    guardian,
    moto_sent_count,
    payload,
    staff,
)

INVALID = magic_links.INVALID

pytestmark = pytest.mark.usefixtures("no_floor")  # answer at once here


@pytest.fixture
def parent(aws: Aws) -> Person:
    return guardian(centre("Accueil de loisirs Les Tilleuls"), "parent@famille.example")


def ask(email: str, **kwargs: object) -> dict:
    return auth("POST", "/link", {"email": email}, **kwargs)  # type: ignore[arg-type]


def link_for(person: Person, outbox: list[SentMail]) -> str:
    """Ask for a link and return its token (the only link of that e-mail)."""
    before = len(outbox)
    assert ask(person.email)["statusCode"] == 202
    [mail] = outbox[before:]
    [token] = mail.tokens
    return token


def exchange(token: str, **kwargs: object) -> dict:
    return auth("POST", "/session", {"token": token}, **kwargs)  # type: ignore[arg-type]


# --- Asking for a link -----------------------------------------------------------------------


def test_one_email_lists_one_link_and_code_per_account(aws: Aws, outbox: list[SentMail]) -> None:
    # Given an address that is a guardian in two centres and a director in one of them
    tilleuls, chenes = centre("Les Tilleuls"), centre("Les Chênes")
    email = "camille@famille.example"
    people = [guardian(tilleuls, email), guardian(chenes, email), staff(chenes, email)]
    # When it asks for a link (any case, stray spaces)
    response = ask("  Camille@Famille.example ")
    # Then one e-mail, French first then English, plain text and HTML, lists three links
    assert response["statusCode"] == 202
    [mail] = outbox
    assert mail.to == [email]
    assert mail.source == "no-reply@pellicule.test"
    assert mail.subject == " / ".join(messages.both(auth_mail.SUBJECT).values())
    assert mail.text.index(emails.TEXT_SEPARATOR) > 0
    assert mail.html.index('lang="fr"') < mail.html.index('lang="en"')
    assert len(set(mail.tokens)) == 3
    assert len(set(mail.codes)) == 3
    for token in mail.tokens:
        assert token in mail.html
        assert len(token) >= 43  # 32 random bytes, base64url
    assert "Les Tilleuls" in mail.text
    assert "Les Chênes" in mail.text
    assert "&for=staff" in mail.text  # the staff link says so (button wording only)
    assert moto_sent_count(aws) == 1
    # And each link opens the session of its own account
    opened = set()
    for token in mail.tokens:
        body = payload(exchange(token))
        opened.add((body["tenant_id"], body["kind"], body["principal_id"], body["role"]))
    assert opened == {(p.tenant_id, p.kind, p.principal_id, p.role) for p in people}


def test_the_link_is_built_from_the_configured_url_and_carries_the_token_in_the_fragment(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    forged = {
        "host": "evil.example",
        "x-forwarded-host": "evil.example",
        "forwarded": "host=evil.example;proto=http",
        "origin": "https://evil.example",
        "referer": "https://evil.example/",
    }
    assert ask(parent.email, headers=forged)["statusCode"] == 202
    [mail] = outbox
    [link] = mail.links
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == aws.public_url
    assert parts.path == "/login.html"
    assert parts.query == ""
    assert parts.fragment.startswith("token=")
    assert "evil" not in mail.text + mail.html


def test_names_in_the_mail_are_escaped(aws: Aws, outbox: list[SentMail]) -> None:
    person = guardian(centre('<img src=x onerror=alert(1)> "Lilas"'), "lilas@famille.example")
    assert ask(person.email)["statusCode"] == 202
    [mail] = outbox
    assert "<img" not in mail.html
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;Lilas&quot;" in mail.html


def test_only_hashes_are_stored(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    token = link_for(parent, outbox)
    [code] = outbox[-1].codes
    items = aws.client("dynamodb").scan(TableName=aws.names.table)["Items"]
    assert token not in repr(items)
    # What sign-in wrote: the link (hashes only) and the rate counters (hashed keys)
    written = [i for i in items if i["pk"]["S"].startswith(("LOGIN#", "RATE#"))]
    assert len(written) == 3
    assert parent.email not in repr(written)
    assert "198.51.100.7" not in repr(written)
    [record] = [i for i in written if i["pk"]["S"].startswith("LOGIN#")]
    assert record["pk"]["S"] == f"LOGIN#{hashlib.sha256(token.encode()).hexdigest()}"
    assert code not in repr(record)
    assert int(record["expires_at"]["N"]) - int(clock.now()) <= magic_links.TOKEN_TTL_SECONDS


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    known = ask(parent.email)
    unknown = ask("nobody@famille.example")
    assert (unknown["statusCode"], unknown["body"]) == (known["statusCode"], known["body"])
    assert unknown["headers"] == known["headers"]
    assert len(outbox) == 1


def test_archived_people_and_closed_centres_get_no_link(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import Guardian, Tenant, tenant_pk

    Guardian.get(tenant_pk(parent.tenant_id), f"GUARDIAN#{parent.principal_id}").update(
        actions=[Guardian.archived.set(True)]
    )
    assert ask(parent.email)["statusCode"] == 202
    director = staff(centre("Fermé"), "direction@ferme.example")
    Tenant.get(tenant_pk(director.tenant_id), "PROFILE").update(
        actions=[Tenant.status.set("suspended")]
    )
    assert ask(director.email)["statusCode"] == 202
    assert outbox == []


def test_a_malformed_address_is_a_400(aws: Aws) -> None:
    for body, reason in (
        ({}, "field_required"),
        ({"email": ""}, "field_text_length"),
        ({"email": "not-an-address"}, "field_format"),
        ({"email": ["a@b.fr"]}, "field_text_expected"),
        ({"email": "a@b"}, "email_invalid"),  # the request's shape, but not an address
    ):
        response = auth("POST", "/link", body)
        assert response["statusCode"] == 400, body
        assert payload(response)["reason"] == reason, body
    assert auth("POST", "/link", None)["statusCode"] == 400  # no body at all


# --- Exchanging a link -----------------------------------------------------------------------


def test_a_link_opens_one_session_once(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    token = link_for(parent, outbox)
    first = exchange(token)
    assert first["statusCode"] == 200, first["body"]
    assert payload(first) == {
        "kind": "guardian",
        "role": "guardian",
        "tenant_id": parent.tenant_id,
        "tenant_name": "Accueil de loisirs Les Tilleuls",
        "principal_id": parent.principal_id,
        "next": "/gallery.html",  # a guardian lands on their gallery
        "second_factor": None,  # guardians never have one
        "trusted_device": False,  # not asked for
    }
    session_id = cookie_value(first)
    assert sessions.resolve(session_id).principal_id == parent.principal_id
    assert magic_links.is_used(token) is True
    # A second exchange of the same link is refused with the one generic message
    second = exchange(token)
    assert second["statusCode"] == 401
    assert (payload(second)["error"], payload(second)["reason"]) == ("invalid_link", INVALID)
    assert second.get("cookies", []) == []
    # The login is in the centre's audit trail, pseudonymously
    [entry] = [row for row in audit.export_rows(parent.tenant_id) if row["action"] == "login"]
    assert entry["actor"] == f"guardian:{parent.principal_id}"
    assert entry["details"] == {"method": "link"}
    assert parent.email not in repr(entry)


def test_the_session_cookie_has_the_required_flags(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    response = exchange(link_for(parent, outbox))
    [cookie] = response["cookies"]
    name, _, rest = cookie.partition("=")
    attributes = {part.strip().split("=")[0] for part in rest.split(";")[1:]}
    assert name == "__Host-pellicule-session"
    assert {"Path", "Secure", "HttpOnly", "SameSite", "Max-Age"} <= attributes
    assert "Path=/" in cookie
    assert "SameSite=Strict" in cookie
    assert "Domain" not in attributes  # __Host-: no Domain, Path=/, Secure
    assert response["headers"]["Cache-Control"] == "no-store"


def test_every_login_gets_a_new_session_id_and_ends_the_one_it_came_with(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    first = cookie_value(exchange(link_for(parent, outbox)))
    # An attacker-planted or previous session cookie is not reused: a new id, the old one ends
    second = cookie_value(exchange(link_for(parent, outbox), session=first))
    assert second != first
    with pytest.raises(magic_links.Unauthenticated):
        sessions.resolve(first)
    assert sessions.resolve(second).principal_id == parent.principal_id


def test_an_expired_link_is_refused(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    token = link_for(parent, outbox)
    clock.advance(magic_links.TOKEN_TTL_SECONDS + 1)
    response = exchange(token)
    assert response["statusCode"] == 401
    assert payload(response)["reason"] == INVALID
    assert magic_links.is_used(token) is False


def test_a_link_still_works_just_before_it_expires(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    token = link_for(parent, outbox)
    clock.advance(magic_links.TOKEN_TTL_SECONDS - 5)
    assert exchange(token)["statusCode"] == 200


def test_unknown_or_malformed_tokens_get_the_same_answer(aws: Aws) -> None:
    for token in ("", "short", "x" * 500, "../../etc", 12345, None, "C" * 43):
        response = auth("POST", "/session", {"token": token})
        assert response["statusCode"] == 401, token
        assert (payload(response)["error"], payload(response)["reason"]) == (
            "invalid_link",
            INVALID,
        ), token


def test_a_well_formed_unknown_token_creates_nothing(aws: Aws) -> None:
    token = "A" * 43
    assert exchange(token)["statusCode"] == 401
    assert magic_links.is_used(token) is None  # the conditional update did not create it


def test_a_person_archived_after_the_link_was_sent_cannot_use_it(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from pellicule.store.models import Guardian, tenant_pk

    token = link_for(parent, outbox)
    Guardian.get(tenant_pk(parent.tenant_id), f"GUARDIAN#{parent.principal_id}").update(
        actions=[Guardian.archived.set(True)]
    )
    response = exchange(token)
    assert response["statusCode"] == 401
    assert payload(response)["reason"] == INVALID


def test_the_role_comes_from_the_roster_at_sign_in(aws: Aws, outbox: list[SentMail]) -> None:
    from pellicule.store.models import Staff, tenant_pk

    person = staff(centre(), "anim@centre.example", role="director")
    token = link_for(person, outbox)
    Staff.get(tenant_pk(person.tenant_id), f"STAFF#{person.principal_id}").update(
        actions=[Staff.role.set("animator")]
    )
    body = payload(exchange(token))
    assert (body["kind"], body["role"]) == ("staff", "animator")


def test_the_body_cannot_choose_the_centre_or_the_person(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    other = guardian(centre("Autre"), "autre@famille.example")
    token = link_for(parent, outbox)
    # A body naming a centre, a person, a kind or a role is refused (typed requests have no
    # such field), without consuming the link
    for name, value in (
        ("tenant_id", other.tenant_id),
        ("principal_id", other.principal_id),
        ("kind", "staff"),
        ("role", "director"),
    ):
        refused = auth("POST", "/session", {"token": token, name: value})
        assert refused["statusCode"] == 400, name
        assert payload(refused)["error"] == "invalid_request"
        assert payload(refused)["reason"] == "field_unknown"
        assert payload(refused)["params"] == {"field": name}
        assert refused.get("cookies", []) == []
    # Only the token says who signs in
    response = auth("POST", "/session", {"token": token})
    principal = sessions.resolve(cookie_value(response))
    assert (principal.tenant_id, principal.kind, principal.principal_id, principal.role) == (
        parent.tenant_id,
        "guardian",
        parent.principal_id,
        "guardian",
    )


# --- The code fallback -----------------------------------------------------------------------


def code_for(person: Person, outbox: list[SentMail]) -> tuple[str, str]:
    token = link_for(person, outbox)
    [code] = outbox[-1].codes
    return token, code


def with_code(email: str, code: str, **kwargs: object) -> dict:
    return auth("POST", "/session", {"email": email, "code": code}, **kwargs)  # type: ignore[arg-type]


def test_the_code_opens_a_session_once(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    token, code = code_for(parent, outbox)
    response = with_code(" Parent@Famille.example ", code)
    assert response["statusCode"] == 200, response["body"]
    assert sessions.resolve(cookie_value(response)).principal_id == parent.principal_id
    # The code and its link are one: both are now used
    assert with_code(parent.email, code)["statusCode"] == 401
    assert exchange(token)["statusCode"] == 401
    [entry] = [row for row in audit.export_rows(parent.tenant_id) if row["action"] == "login"]
    assert entry["details"] == {"method": "code"}


def test_a_code_is_dead_after_five_wrong_attempts(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    token, code = code_for(parent, outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(magic_links.MAX_CODE_ATTEMPTS):
        response = with_code(parent.email, wrong)
        assert response["statusCode"] == 401
        assert payload(response)["reason"] == INVALID
    # Then even the right code, and the link itself, are refused
    assert with_code(parent.email, code)["statusCode"] == 401
    assert exchange(token)["statusCode"] == 401


def test_four_wrong_codes_leave_the_right_one_usable(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    _, code = code_for(parent, outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(magic_links.MAX_CODE_ATTEMPTS - 1):
        assert with_code(parent.email, wrong)["statusCode"] == 401
    assert with_code(parent.email, code)["statusCode"] == 200


def test_a_code_of_another_address_or_an_expired_code_is_refused(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    _, code = code_for(parent, outbox)
    guardian(parent.tenant_id, "other@famille.example")
    assert with_code("other@famille.example", code)["statusCode"] == 401
    clock.advance(magic_links.TOKEN_TTL_SECONDS + 1)
    assert with_code(parent.email, code)["statusCode"] == 401


def test_malformed_codes_get_the_generic_answer(aws: Aws, parent: Person) -> None:
    for code in ("", "12345", "1234567", "abcdef", 123456, None):
        response = auth("POST", "/session", {"email": parent.email, "code": code})
        assert response["statusCode"] == 401, code
        assert payload(response)["reason"] == INVALID
    response = auth("POST", "/session", {"email": "not-an-address", "code": "123456"})
    assert payload(response)["reason"] == INVALID


def test_an_exchange_needs_a_token_or_an_address_and_a_code(aws: Aws) -> None:
    response = auth("POST", "/session", {"email": "parent@famille.example"})
    assert response["statusCode"] == 400


# --- Rate limits -----------------------------------------------------------------------------


def at_the_start_of_a_window(window_seconds: int) -> None:
    """Move the product clock to just after a rate-limit window opens: a loop of calls on a
    slow machine must not straddle two fixed windows (the second would count from zero)."""
    clock.advance(window_seconds - clock.now() % window_seconds + 1)


def test_link_requests_are_limited_per_address(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from functions.auth import logic

    at_the_start_of_a_window(logic.WINDOW_SECONDS)

    limit = logic.LINK_PER_EMAIL.limit
    for index in range(limit):
        # from different IP addresses: the per-address limit is what stops this
        assert ask(parent.email, ip=f"203.0.113.{index + 1}")["statusCode"] == 202
    refused = ask(parent.email, ip="203.0.113.200")
    assert refused["statusCode"] == 429
    assert payload(refused)["error"] == "too_many_requests"
    assert payload(refused)["reason"] == "too_many_requests"
    assert 0 < int(refused["headers"]["Retry-After"]) <= logic.WINDOW_SECONDS
    assert len(outbox) == limit
    # An unknown address is limited exactly the same way
    for index in range(limit):
        assert ask("nobody@famille.example", ip=f"203.0.113.{index + 1}")["statusCode"] == 202
    assert ask("nobody@famille.example", ip="203.0.113.201")["statusCode"] == 429
    # The next window lets the person in again
    clock.advance(logic.WINDOW_SECONDS)
    assert ask(parent.email)["statusCode"] == 202
    assert len(outbox) == limit + 1


def test_link_requests_are_limited_per_ip_address(aws: Aws, parent: Person) -> None:
    from functions.auth import logic

    at_the_start_of_a_window(logic.WINDOW_SECONDS)

    for index in range(logic.LINK_PER_IP.limit):
        assert ask(f"n{index}@famille.example", ip="192.0.2.10")["statusCode"] == 202
    assert ask(parent.email, ip="192.0.2.10")["statusCode"] == 429
    assert ask(parent.email, ip="192.0.2.11")["statusCode"] == 202


def test_ipv6_callers_are_counted_per_64(aws: Aws) -> None:
    from functions.auth import logic

    at_the_start_of_a_window(logic.WINDOW_SECONDS)

    for index in range(logic.LINK_PER_IP.limit):
        ip = f"2001:db8:1:2::{index + 1:x}"
        assert ask(f"v{index}@famille.example", ip=ip)["statusCode"] == 202
    assert ask("last@famille.example", ip="2001:db8:1:2:ffff::1")["statusCode"] == 429
    assert ask("last@famille.example", ip="2001:db8:1:3::1")["statusCode"] == 202


def test_exchanges_are_limited_per_ip_address(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    from functions.auth import logic

    at_the_start_of_a_window(logic.WINDOW_SECONDS)

    token = link_for(parent, outbox)
    for _ in range(logic.SESSION_PER_IP.limit):
        assert exchange("B" * 43, ip="192.0.2.20")["statusCode"] == 401
    refused = exchange(token, ip="192.0.2.20")
    assert refused["statusCode"] == 429
    assert magic_links.is_used(token) is False  # refused before anything was consumed
    assert exchange(token, ip="192.0.2.21")["statusCode"] == 200


# --- Sessions: who, sign-out -----------------------------------------------------------------


def signed_in(person: Person, outbox: list[SentMail]) -> str:
    return cookie_value(exchange(link_for(person, outbox)))


def test_me_says_who_is_signed_in(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    session = signed_in(parent, outbox)
    response = auth("GET", "/me", session=session, csrf=False)
    assert response["statusCode"] == 200
    assert payload(response)["principal_id"] == parent.principal_id
    assert auth("GET", "/me", csrf=False)["statusCode"] == 401


def test_logout_ends_the_session_and_clears_the_cookie(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    session = signed_in(parent, outbox)
    response = auth("POST", "/logout", session=session)
    assert response["statusCode"] == 200
    # Both the session's and a trusted device's cookies are cleared (docs/authentication.md)
    cookie, device = response["cookies"]
    assert device.startswith("__Host-pellicule-device=;")
    assert "Max-Age=0" in device
    assert cookie.startswith("__Host-pellicule-session=;")
    assert "Max-Age=0" in cookie
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert auth("GET", "/me", session=session, csrf=False)["statusCode"] == 401
    [entry] = [r for r in audit.export_rows(parent.tenant_id) if r["action"] == "logout"]
    assert entry["details"] == {"scope": "this_device", "sessions": 1}
    # Signing out again, or without a session, still answers the same and clears the cookie
    again = auth("POST", "/logout", session=session)
    assert again["statusCode"] == 200
    assert again["cookies"] == response["cookies"]


def test_logout_needs_the_csrf_header(aws: Aws, parent: Person, outbox: list[SentMail]) -> None:
    session = signed_in(parent, outbox)
    response = auth("POST", "/logout", session=session, csrf=False)
    assert response["statusCode"] == 403
    assert sessions.resolve(session).principal_id == parent.principal_id


def test_logout_everywhere_ends_every_session_of_that_person_only(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    phone, laptop, tablet = (signed_in(parent, outbox) for _ in range(3))
    other = guardian(parent.tenant_id, "voisin@famille.example")
    neighbour = signed_in(other, outbox)
    # The same person id in another centre is another person
    elsewhere = sessions.create(centre("Autre"), "guardian", parent.principal_id, "guardian")
    response = auth("POST", "/logout-everywhere", session=laptop)
    assert response["statusCode"] == 200
    assert payload(response) == {"signed_out": True, "sessions": 3, "devices": 0}
    assert "Max-Age=0" in response["cookies"][0]
    for ended in (phone, laptop, tablet):
        assert auth("GET", "/me", session=ended, csrf=False)["statusCode"] == 401
    assert sessions.resolve(neighbour).principal_id == other.principal_id
    assert sessions.resolve(elsewhere).principal_id == parent.principal_id
    [entry] = [r for r in audit.export_rows(parent.tenant_id) if r["action"] == "logout"]
    assert entry["details"] == {"scope": "everywhere", "sessions": 3}


def test_logout_everywhere_needs_a_session_and_the_csrf_header(
    aws: Aws, parent: Person, outbox: list[SentMail]
) -> None:
    session = signed_in(parent, outbox)
    assert auth("POST", "/logout-everywhere")["statusCode"] == 401
    assert auth("POST", "/logout-everywhere", session=session, csrf=False)["statusCode"] == 403
    assert sessions.resolve(session).principal_id == parent.principal_id


def test_sessions_are_indexed_by_person(aws: Aws) -> None:
    from pellicule.store.models import Session

    tenant = centre()
    session = sessions.create(tenant, "staff", "s-1", "director")
    record = Session.get(
        f"SESSION#{hashlib.sha256(session.encode()).hexdigest()}", "SESSION", consistent_read=True
    )
    assert record.gsi1pk == f"SESSIONS#{tenant}#staff#s-1"
    assert record.gsi1sk == record.pk
    assert sessions.revoke_all(tenant, "staff", "s-1") == 1


# --- Status (the landing page's question) ----------------------------------------------------


def test_status_says_who_is_signed_in_and_where_they_go(aws: Aws, parent: Person) -> None:
    # Anonymous, or an unknown cookie: 200, not signed in (the landing page logs no error)
    for session in (None, "not-a-session"):
        response = auth("GET", "/status", session=session)
        assert response["statusCode"] == 200
        assert payload(response) == {"signed_in": False}
    # A guardian goes to their gallery
    family = sessions.create(parent.tenant_id, "guardian", parent.principal_id, "guardian")
    assert payload(auth("GET", "/status", session=family)) == {
        "signed_in": True,
        "kind": "guardian",
        "role": "guardian",
        "home": "/gallery.html",
    }
    # Staff go to the console; with the second factor still pending, they are not signed in
    animator = staff(parent.tenant_id, "anim@centre.example", role="animator")
    full = sessions.create(parent.tenant_id, "staff", animator.principal_id, "animator")
    assert payload(auth("GET", "/status", session=full))["home"] == "/staff.html"
    # A director goes to their home (issue 18, item 4)
    head = staff(parent.tenant_id, "head@centre.example", role="director")
    chief = sessions.create(parent.tenant_id, "staff", head.principal_id, "director")
    assert payload(auth("GET", "/status", session=chief))["home"] == "/dashboard.html"
    pending = sessions.create(
        parent.tenant_id, "staff", animator.principal_id, "animator", second_factor_pending=True
    )
    assert payload(auth("GET", "/status", session=pending)) == {"signed_in": False}
    # Signed out: not signed in any more
    sessions.revoke(family)
    assert payload(auth("GET", "/status", session=family)) == {"signed_in": False}
