"""Staff second factor, pure part: TOTP codes, replay, provisioning URI, QR SVG, recovery codes,
the stored record and the tenant policy (docs/second-factor.md)."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pellicule.config import clock
from pellicule.domain import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; the
# published codes have 8 digits, a 6-digit code is their last six (same truncation, mod 10^6).
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = 1_780_000_000.0  # some instant in 2026
STEP0 = int(T0 // 30)
LABEL = "Centre Les Tilleuls — Claire D."
SVG_NS = "{http://www.w3.org/2000/svg}"


def code_for(at: float, secret: str = SECRET) -> str:
    return totp.code_at(secret, int(at // 30))


# --- Secrets and codes -----------------------------------------------------------------------


def test_new_secret_is_160_random_bits_in_base32() -> None:
    secrets_seen = {totp.new_secret() for _ in range(50)}
    assert len(secrets_seen) == 50
    for secret in secrets_seen:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20


@pytest.mark.parametrize(("at", "eight_digits"), RFC_VECTORS)
def test_rfc6238_sha1_vectors_truncated_to_six_digits(at: int, eight_digits: str) -> None:
    assert totp.code_at(RFC_SECRET, at // 30) == eight_digits[-6:]
    assert totp.verify(RFC_SECRET, eight_digits[-6:], at=at) == at // 30


def test_codes_agree_with_pyotp_defaults() -> None:
    """What an authenticator app computes from the URI (SHA-1, 6 digits, 30 s)."""
    app = pyotp.parse_uri(totp.provisioning_uri(SECRET, LABEL))
    assert isinstance(app, pyotp.TOTP)
    for at in (T0, T0 + 29, T0 + 30, T0 + 3600):
        assert app.at(at) == code_for(at)


# --- Verification window, replay, input format ------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_one_step_either_side_is_accepted(offset: int) -> None:
    code = totp.code_at(SECRET, STEP0 + offset)
    assert totp.verify(SECRET, code, at=T0) == STEP0 + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_two_steps_away_is_refused(offset: int) -> None:
    code = totp.code_at(SECRET, STEP0 + offset)
    window = {totp.code_at(SECRET, STEP0 + d) for d in (-1, 0, 1)}
    assert code not in window  # true for this secret and instant; a collision would be 1e-6
    assert totp.verify(SECRET, code, at=T0) is None


def test_window_edges_within_a_step() -> None:
    # Given the last second of a step and the first of the next one
    last_second = STEP0 * 30 + 29.999
    # Then the same previous-step code is accepted at both (it is within one step)
    previous = totp.code_at(SECRET, STEP0 - 1)
    assert totp.verify(SECRET, previous, at=last_second) == STEP0 - 1
    # And a code two steps old is refused once the clock crosses into the next step
    assert totp.verify(SECRET, previous, at=last_second + 0.002) is None


def test_replay_of_the_same_code_is_refused() -> None:
    code = code_for(T0)
    # Given a code accepted once, the step it was accepted for is stored
    step = totp.verify(SECRET, code, at=T0)
    assert step == STEP0
    # When the same code is presented again, within the same step or the next one
    # Then it is refused
    assert totp.verify(SECRET, code, at=T0, last_used_step=step) is None
    assert totp.verify(SECRET, code, at=T0 + 30, last_used_step=step) is None


def test_a_code_older_than_the_last_used_step_is_refused() -> None:
    # Given the next step's code (clock skew) was used
    used = totp.verify(SECRET, totp.code_at(SECRET, STEP0 + 1), at=T0)
    assert used == STEP0 + 1
    # Then the current and previous steps' codes are refused too (they are older)
    assert totp.verify(SECRET, code_for(T0), at=T0, last_used_step=used) is None
    assert totp.verify(SECRET, totp.code_at(SECRET, STEP0 - 1), at=T0, last_used_step=used) is None
    # And the code of the step after it is accepted when its time comes
    later = totp.code_at(SECRET, STEP0 + 2)
    assert totp.verify(SECRET, later, at=T0 + 30, last_used_step=used) == STEP0 + 2


def test_a_newer_step_than_the_last_used_is_accepted() -> None:
    assert totp.verify(SECRET, code_for(T0), at=T0, last_used_step=STEP0 - 1) == STEP0


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "12 34 5",
        "-12345",
        "+123456",
        "123456\n1",
        "１２３４５６",  # full-width digits
        "١٢٣٤٥٦",  # Arabic-Indic digits
        "0" * 1000,
    ],
)
def test_anything_but_six_ascii_digits_is_refused(bad: str) -> None:
    assert totp.normalize_code(bad) is None
    assert totp.verify(SECRET, bad, at=T0) is None


def test_a_non_string_code_is_refused() -> None:
    assert totp.verify(SECRET, 123456, at=T0) is None  # type: ignore[arg-type]


def test_spaces_as_apps_display_them_are_tolerated() -> None:
    code = code_for(T0)
    assert totp.verify(SECRET, f"{code[:3]} {code[3:]}", at=T0) == STEP0
    assert totp.verify(SECRET, f" {code} ", at=T0) == STEP0


def test_seven_digits_starting_with_the_right_code_are_refused() -> None:
    code = code_for(T0)
    assert totp.verify(SECRET, code + "0", at=T0) is None
    assert totp.verify(SECRET, code[:5], at=T0) is None


def test_every_candidate_step_is_computed_whatever_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No early exit: the work done does not tell which step matched (constant time)."""
    calls: list[int] = []
    original = pyotp.TOTP.generate_otp

    def counting(self: pyotp.TOTP, step: int) -> str:
        calls.append(step)
        return original(self, step)

    monkeypatch.setattr(pyotp.TOTP, "generate_otp", counting)
    for code in (totp.code_at(SECRET, STEP0 - 1), code_for(T0), "000000"):
        calls.clear()
        totp.verify(SECRET, code, at=T0)
        assert calls == [STEP0 - 1, STEP0, STEP0 + 1]


def test_default_time_is_the_product_clock() -> None:
    clock.reset()
    try:
        clock.advance(3600)
        code = totp.code_at(SECRET, int(clock.now() // 30))
        assert totp.verify(SECRET, code) is not None
    finally:
        clock.reset()


def test_time_before_the_epoch_is_an_error() -> None:
    with pytest.raises(ValueError, match="epoch"):
        totp.verify(SECRET, "123456", at=-1)


@settings(max_examples=200)
@given(
    step=st.integers(min_value=5, max_value=10**10),
    offset=st.integers(min_value=-4, max_value=4),
    into_step=st.floats(min_value=0, max_value=29.999),
)
def test_window_property(step: int, offset: int, into_step: float) -> None:
    at = step * 30 + into_step
    code = totp.code_at(SECRET, step + offset)
    window = {d: totp.code_at(SECRET, step + d) for d in (-1, 0, 1)}
    if abs(offset) > 1:
        assume(code not in window.values())  # a chance collision (1e-6) is not a bug
    else:
        assume(list(window.values()).count(code) == 1)
    accepted = totp.verify(SECRET, code, at=at)
    if abs(offset) <= 1:
        assert accepted == step + offset
        # Replay of what was just accepted is always refused
        assert totp.verify(SECRET, code, at=at, last_used_step=accepted) is None
    else:
        assert accepted is None


@given(st.text(max_size=12))
def test_arbitrary_text_is_either_six_digits_or_refused(text: str) -> None:
    normalized = totp.normalize_code(text)
    if normalized is not None:
        assert re.fullmatch(r"[0-9]{6}", normalized)
    if totp.verify(SECRET, text, at=T0) is not None:
        assert normalized in {totp.code_at(SECRET, STEP0 + d) for d in (-1, 0, 1)}


# --- Provisioning URI ------------------------------------------------------------------------


def test_provisioning_uri_parses_back() -> None:
    uri = totp.provisioning_uri(SECRET, LABEL)
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert unquote(parsed.path) == f"/Pellicule:{LABEL}"
    assert " " not in uri  # percent-encoded UTF-8
    assert "—" not in uri
    query = parse_qs(parsed.query, strict_parsing=True)
    assert query == {
        "secret": [SECRET],
        "issuer": ["Pellicule"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    app = pyotp.parse_uri(uri)
    assert app.secret == SECRET
    assert app.name == LABEL
    assert app.issuer == "Pellicule"


def test_provisioning_uri_custom_issuer() -> None:
    uri = totp.provisioning_uri(SECRET, "Claire D.", issuer="Pellicule (démo)")
    parsed = urlparse(uri)
    assert unquote(parsed.path) == "/Pellicule (démo):Claire D."
    assert parse_qs(parsed.query)["issuer"] == ["Pellicule (démo)"]


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Centre: Les Tilleuls", "Centre Les Tilleuls"),  # ':' separates issuer and account
        ("Les Tilleuls / Claire D.", "Les Tilleuls / Claire D."),
        ("A?b#c&d=e%f", "A?b#c&d=e%f"),
        ("  Claire\n\tD.\u202e ", "Claire D."),  # control and bidi characters
        ("x" * 100, "x" * totp.LABEL_MAX_CHARS),
    ],
)
def test_labels_are_cleaned_and_fully_percent_encoded(label: str, shown: str) -> None:
    uri = totp.provisioning_uri(SECRET, label)
    path = urlparse(uri).path
    issuer, _, account = path.removeprefix("/").partition(":")
    assert unquote(issuer) == "Pellicule"
    assert unquote(account) == shown
    assert re.fullmatch(r"[A-Za-z0-9%._~\-]*", account)  # every reserved character encoded
    assert parse_qs(urlparse(uri).query)["secret"] == [SECRET]


@pytest.mark.parametrize("label", ["", "   ", ":", "\n"])
def test_an_empty_label_is_refused(label: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        totp.provisioning_uri(SECRET, label)


def test_an_email_address_in_the_label_is_refused() -> None:
    with pytest.raises(ValueError, match="e-mail"):
        totp.provisioning_uri(SECRET, "claire.dupont@example.org")


@pytest.mark.parametrize("secret", ["not base32!", "JBSWY3DP", ""])
def test_a_bad_or_short_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)padding|112 bits|base32|non-base32"):
        totp.provisioning_uri(secret, LABEL)


# --- QR code ---------------------------------------------------------------------------------


def _dark_modules(svg: ET.Element) -> set[tuple[int, int]]:
    paths = svg.findall(f"{SVG_NS}path")
    assert len(paths) == 1
    squares = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z", paths[0].attrib["d"])
    assert squares
    assert all(int(x1) == int(x) + 1 and int(y1) == int(y) + 1 for x, y, x1, y1 in squares)
    return {(int(y), int(x)) for x, y, _, _ in squares}


def test_qr_svg_is_a_well_formed_scriptless_svg_of_the_uri() -> None:
    uri = totp.provisioning_uri(SECRET, LABEL)
    markup = totp.qr_svg(uri)
    assert isinstance(markup, str)
    assert not markup.startswith("<?xml")  # embeddable as is
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG_NS}svg"
    # Nothing a strict CSP would block, and nothing that runs
    for element in root.iter():
        assert element.tag.removeprefix(SVG_NS) in {"svg", "rect", "path"}
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)
        assert not any("href" in name for name in element.attrib)
    # viewBox: one unit per module, 4 modules of quiet zone each side
    x, y, width, height = (int(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    assert width == height
    modules = width - 8
    version = (modules - 17) / 4
    assert version == int(version)
    assert 4 <= version <= 12  # a ~150-character URI at error correction M
    dark = _dark_modules(root)
    assert all(4 <= row < 4 + modules and 4 <= col < 4 + modules for row, col in dark)
    assert 0.3 < len(dark) / modules**2 < 0.7
    # The three finder patterns: a dark 7×7 ring around a dark 3×3 centre
    for top, left in ((4, 4), (4, 4 + modules - 7), (4 + modules - 7, 4)):
        for r in range(7):
            for c in range(7):
                ring = r in (0, 6) or c in (0, 6)
                centre = 2 <= r <= 4 and 2 <= c <= 4
                assert ((top + r, left + c) in dark) == (ring or centre)


def test_qr_svg_matches_the_qr_matrix_of_the_uri() -> None:
    import qrcode

    uri = totp.provisioning_uri(SECRET, LABEL)
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    reference.add_data(uri)
    reference.make(fit=True)
    expected = {
        (row + 4, col + 4)
        for row, line in enumerate(reference.get_matrix())
        for col, on in enumerate(line)
        if on
    }
    assert _dark_modules(ET.fromstring(totp.qr_svg(uri))) == expected


def test_qr_svg_data_uri_wraps_the_same_svg() -> None:
    uri = totp.provisioning_uri(SECRET, LABEL)
    data_uri = totp.qr_svg_data_uri(uri)
    prefix = "data:image/svg+xml;base64,"
    assert data_uri.startswith(prefix)
    assert base64.b64decode(data_uri.removeprefix(prefix)).decode() == totp.qr_svg(uri)


def test_importing_the_module_does_not_import_qrcode() -> None:
    """Login imports this module; only enrolment pays for qrcode."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, pellicule.domain.totp; assert 'qrcode' not in sys.modules, 'qrcode imported'"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=root,
        env={"PYTHONPATH": str(root / "layers" / "core"), "PATH": ""},
    )


# --- Recovery codes --------------------------------------------------------------------------


def test_recovery_codes_format_uniqueness_and_entropy() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(
            r"[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}", code
        )
    # 12 symbols of a 32-symbol alphabet: 60 bits
    assert len(totp.RECOVERY_ALPHABET) == 32 == len(set(totp.RECOVERY_ALPHABET))
    assert totp.RECOVERY_BITS >= 60
    assert not set("ilou") & set(totp.RECOVERY_ALPHABET)  # no ambiguous symbols


def test_recovery_codes_use_the_whole_alphabet() -> None:
    """A crude check that symbols are drawn from all 32 (1000 codes: 12000 symbols)."""
    symbols = "".join(totp.new_recovery_codes(1000)).replace("-", "")
    counts = {s: symbols.count(s) for s in totp.RECOVERY_ALPHABET}
    assert set(symbols) == set(totp.RECOVERY_ALPHABET)
    assert min(counts.values()) > 250  # expected 375 each
    assert max(counts.values()) < 500


def test_recovery_code_count_is_a_parameter() -> None:
    assert len(totp.new_recovery_codes(3)) == 3
    with pytest.raises(ValueError, match="at least one"):
        totp.new_recovery_codes(0)


def test_the_stored_hash_is_salted_and_never_contains_the_code() -> None:
    code = totp.new_recovery_codes(1)[0]
    first, second = totp.hash_recovery_code(code), totp.hash_recovery_code(code)
    assert first != second  # a fresh salt per hash
    for stored in (first, second):
        assert code not in stored
        assert code.replace("-", "") not in stored
        scheme, salt, digest = stored.split("$")
        assert scheme == "sha256"
        assert len(base64.urlsafe_b64decode(salt + "==")) == 16
        assert len(base64.urlsafe_b64decode(digest + "=")) == 32


def test_hashing_something_that_is_not_a_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a recovery code"):
        totp.hash_recovery_code("not-a-code")


@pytest.mark.parametrize(
    "variant",
    [
        lambda c: c,
        str.upper,
        lambda c: c.replace("-", ""),
        lambda c: c.replace("-", " "),
        lambda c: f"  {c.upper().replace('-', '  ')} ",
        lambda c: c.replace("0", "o").replace("1", "l"),
        lambda c: c.replace("0", "O").replace("1", "I"),
    ],
)
def test_matching_ignores_case_spaces_dashes_and_look_alikes(variant: object) -> None:
    codes = ["0123-4567-89ab", "cdef-ghjk-mnpq", "rstv-wxyz-1010"]
    hashes = [totp.hash_recovery_code(c) for c in codes]
    for index, code in enumerate(codes):
        assert totp.match_recovery_code(variant(code), hashes) == index  # type: ignore[operator]


@pytest.mark.parametrize(
    "wrong", ["", "0123-4567-89a", "0123-4567-89abc", "0123-4567-89ac", "0123-4567-89a!", "u" * 12]
)
def test_wrong_or_malformed_codes_do_not_match(wrong: str) -> None:
    hashes = [totp.hash_recovery_code("0123-4567-89ab")]
    assert totp.match_recovery_code(wrong, hashes) is None


def test_every_hash_is_checked_whatever_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = totp.new_recovery_codes(5)
    hashes = [totp.hash_recovery_code(c) for c in codes]
    calls: list[bytes] = []
    original = totp._recovery_digest

    def counting(salt: bytes, symbols: str) -> bytes:
        calls.append(salt)
        return original(salt, symbols)

    monkeypatch.setattr(totp, "_recovery_digest", counting)
    for candidate in (codes[0], codes[4], "nope"):
        calls.clear()
        totp.match_recovery_code(candidate, hashes)
        assert len(calls) == 5


def test_a_malformed_stored_hash_is_an_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        totp.match_recovery_code("0123-4567-89ab", ["md5$abc"])


@settings(max_examples=50)
@given(data=st.data())
def test_recovery_round_trip_property(data: st.DataObject) -> None:
    codes = totp.new_recovery_codes(data.draw(st.integers(min_value=1, max_value=4)))
    hashes = [totp.hash_recovery_code(c) for c in codes]
    index = data.draw(st.integers(min_value=0, max_value=len(codes) - 1))
    # Random case flips and separators between symbols
    typed = "".join(
        (ch.upper() if data.draw(st.booleans()) else ch)
        + data.draw(st.sampled_from(["", "", " ", "-"]))
        for ch in codes[index].replace("-", "")
    )
    assert totp.match_recovery_code(typed, hashes) == index


# --- The stored record -----------------------------------------------------------------------


def test_enrolment_confirm_login_and_recovery_flow() -> None:
    # Given an enrolment begun: unconfirmed, no recovery codes yet
    pending = totp.begin_enrolment(at=T0)
    assert not pending.confirmed
    assert pending.enrolled_at == int(T0)
    assert pending.recovery_codes_left == 0
    assert pending.use_recovery_code("0123-4567-89ab") is None
    # When a wrong first code is entered, nothing is confirmed
    wrong = "000000" if code_for(T0, pending.secret) != "000000" else "111111"
    assert totp.confirm_enrolment(pending, wrong, at=T0) is None
    # When the right first code is entered
    confirmed_pair = totp.confirm_enrolment(pending, code_for(T0, pending.secret), at=T0)
    assert confirmed_pair is not None
    factor, codes = confirmed_pair
    # Then the factor is confirmed, its step recorded, and ten recovery codes shown once
    assert factor.confirmed
    assert factor.last_used_step == STEP0
    assert len(codes) == factor.recovery_codes_left == 10
    assert totp.confirm_enrolment(factor, code_for(T0 + 30, factor.secret), at=T0 + 30) is None
    # At login, the enrolment code cannot be replayed; the next step's code works once
    assert factor.verify(code_for(T0, factor.secret), at=T0) is None
    logged_in = factor.verify(code_for(T0 + 30, factor.secret), at=T0 + 30)
    assert logged_in is not None
    assert logged_in.last_used_step == STEP0 + 1
    assert logged_in.verify(code_for(T0 + 30, factor.secret), at=T0 + 30) is None
    # A recovery code works once, and is gone afterwards
    recovered = logged_in.use_recovery_code(codes[3].upper())
    assert recovered is not None
    assert recovered.recovery_codes_left == 9
    assert recovered.use_recovery_code(codes[3]) is None
    assert recovered.use_recovery_code(codes[4]) is not None
    # Regenerating replaces every code
    renewed, fresh = recovered.with_new_recovery_codes()
    assert renewed.recovery_codes_left == 10
    assert renewed.use_recovery_code(codes[4]) is None
    assert renewed.use_recovery_code(fresh[0]) is not None


def test_to_dict_from_dict_round_trip_and_dynamodb_numbers() -> None:
    factor = totp.SecondFactor(
        secret=SECRET,
        enrolled_at=int(T0),
        confirmed=True,
        last_used_step=STEP0,
        recovery_hashes=(totp.hash_recovery_code("0123-4567-89ab"),),
    )
    stored = factor.to_dict()
    assert stored == {
        "version": 1,
        "secret": SECRET,
        "enrolled_at": int(T0),
        "confirmed": True,
        "last_used_step": STEP0,
        "recovery_hashes": list(factor.recovery_hashes),
    }
    assert totp.SecondFactor.from_dict(stored) == factor
    # boto3 gives numbers back as Decimal
    as_boto3 = {**stored, "enrolled_at": Decimal(int(T0)), "last_used_step": Decimal(STEP0)}
    assert totp.SecondFactor.from_dict(as_boto3) == factor


def test_a_never_used_factor_stores_no_null() -> None:
    pending = totp.begin_enrolment(at=T0)
    stored = pending.to_dict()
    assert "last_used_step" not in stored
    assert None not in stored.values()
    assert stored["recovery_hashes"] == []
    assert totp.SecondFactor.from_dict(stored) == pending


def test_an_unknown_format_version_is_refused() -> None:
    stored = totp.begin_enrolment(at=T0).to_dict()
    with pytest.raises(ValueError, match="version"):
        totp.SecondFactor.from_dict({**stored, "version": 2})


# --- Tenant policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "setting", "required"),
    [
        ("director", "directors", True),
        ("director", "all_staff", True),
        ("animator", "directors", False),
        ("animator", "all_staff", True),
        ("guardian", "directors", False),
        ("guardian", "all_staff", False),
    ],
)
def test_policy_table(role: str, setting: str, required: bool) -> None:
    assert totp.required_for(role, setting) is required


def test_policy_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="setting"):
        totp.required_for("director", "nobody")
    with pytest.raises(ValueError, match="role"):
        totp.required_for("operator", "all_staff")


def test_policy_values_are_the_tenant_setting_choices() -> None:
    from pellicule.services import tenant_settings

    choice = tenant_settings.CHOICES["staff_second_factor"]
    assert set(choice.allowed) == {totp.POLICY_DIRECTORS, totp.POLICY_ALL_STAFF}
    assert choice.default == totp.POLICY_DIRECTORS
    assert tenant_settings.TenantSettings().staff_second_factor == totp.POLICY_DIRECTORS
