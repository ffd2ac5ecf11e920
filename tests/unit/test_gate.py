"""Unit tests of the publication gate (docs/publication-gate.md), one rule at a time."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    AUDIENCES,
    FAMILIES_OF_GROUP,
    MEDIA_KINDS,
    PHOTO,
    PUBLIC_COMMUNICATION,
    VIDEO,
    ConsentGrant,
    Decision,
    GateItem,
    Visibility,
    decide,
    decide_many,
    publishable,
)

T0 = 1_000_000.0  # valid_from
T1 = 2_000_000.0  # valid_until (exclusive)
NOW = 1_500_000.0

ALICE = "c-alice"
BOB = "c-bob"


def grant(
    child_id: str = ALICE,
    audiences: tuple[str, ...] = (FAMILIES_OF_GROUP,),
    kinds: tuple[str, ...] = (PHOTO,),
    valid_from: float = T0,
    valid_until: float = T1,
    active: bool = True,
) -> ConsentGrant:
    return ConsentGrant(
        child_id=child_id,
        audiences=frozenset(audiences),
        media_kinds=frozenset(kinds),
        valid_from=valid_from,
        valid_until=valid_until,
        active=active,
    )


def item(
    tagged: tuple[str, ...] = (ALICE,),
    kind: str = PHOTO,
    validated: bool = True,
    flag: bool = False,
    blurred: tuple[str, ...] = (),
    has_variant: bool | None = None,
) -> GateItem:
    return GateItem(
        media_id="m-1",
        kind=kind,
        validated=validated,
        tagged_child_ids=frozenset(tagged),
        no_identifiable_child=flag,
        blurred_child_ids=frozenset(blurred),
        has_blurred_variant=bool(blurred) if has_variant is None else has_variant,
    )


# --- validation -------------------------------------------------------------------------------


def test_validated_item_with_consent_is_clean() -> None:
    # Given a validated photo of Alice, who consents to her group's families seeing photos
    consents = {ALICE: [grant()]}
    # When the group's families look at it during the consent window
    d = decide(item(), FAMILIES_OF_GROUP, consents, NOW)
    # Then they see the clean renditions, with nothing to explain
    assert d == Decision(Visibility.CLEAN, (), frozenset())
    assert d.visible


def test_unvalidated_item_is_hidden_even_with_consent() -> None:
    # Given an item not yet approved by the director
    d = decide(item(validated=False), FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    # Then nobody sees it
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == ("not_validated",)
    assert not d.visible


def test_unvalidated_untagged_flagged_item_is_hidden() -> None:
    d = decide(item(tagged=(), flag=True, validated=False), FAMILIES_OF_GROUP, {}, NOW)
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == ("not_validated",)


def test_unvalidated_reasons_also_list_missing_consents() -> None:
    d = decide(item(validated=False), FAMILIES_OF_GROUP, {}, NOW)
    assert d.reasons == ("not_validated", f"no_consent:{ALICE}")
    assert d.uncovered_child_ids == {ALICE}


# --- untagged items ---------------------------------------------------------------------------


def test_untagged_without_flag_is_hidden() -> None:
    # Given a validated item nobody tagged and nobody marked "no identifiable child"
    d = decide(item(tagged=()), FAMILIES_OF_GROUP, {}, NOW)
    # Then it is hidden: an untagged item may simply not have been tagged yet
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == ("untagged_without_flag",)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("kind", MEDIA_KINDS)
def test_untagged_with_flag_is_clean_for_every_audience(audience: str, kind: str) -> None:
    # Given a validated landscape marked "no identifiable child"
    d = decide(item(tagged=(), kind=kind, flag=True), audience, {}, NOW)
    # Then every audience may see it, with no consent needed
    assert d == Decision(Visibility.CLEAN, (), frozenset())


def test_flag_cannot_override_a_tagged_child() -> None:
    # Given an item tagged with Alice (no consent) but also flagged "no identifiable child"
    d = decide(item(flag=True), FAMILIES_OF_GROUP, {}, NOW)
    # Then the tag wins: hidden, and the conflict is reported
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons[:2] == ("flag_conflicts_with_tags", f"no_consent:{ALICE}")
    assert d.uncovered_child_ids == {ALICE}


def test_flag_with_tags_and_consent_is_clean_but_reports_the_conflict() -> None:
    d = decide(item(flag=True), FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    assert d.visibility is Visibility.CLEAN
    assert d.reasons == ("flag_conflicts_with_tags",)


# --- unknown audience / kind (fail closed) ----------------------------------------------------


@pytest.mark.parametrize("audience", ["", "everyone", "FAMILIES_OF_GROUP", "families_of_group "])
def test_unknown_audience_is_hidden(audience: str) -> None:
    # Given a grant that even lists the unknown audience string
    consents = {ALICE: [grant(audiences=(audience, *AUDIENCES))]}
    # When the gate is asked about an audience it does not know
    d = decide(item(), audience, consents, NOW)
    # Then it fails closed
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == ("unknown_audience",)
    assert d.uncovered_child_ids == {ALICE}


@pytest.mark.parametrize("kind", ["", "gif", "Photo", "audio"])
def test_unknown_kind_is_hidden(kind: str) -> None:
    consents = {ALICE: [grant(kinds=(kind, *MEDIA_KINDS))]}
    d = decide(item(kind=kind), FAMILIES_OF_GROUP, consents, NOW)
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == ("unknown_kind",)


def test_unknown_kind_hides_even_a_flagged_untagged_item() -> None:
    d = decide(item(tagged=(), flag=True, kind="gif"), FAMILIES_OF_GROUP, {}, NOW)
    assert d.visibility is Visibility.HIDDEN


def test_unknown_audience_and_kind_report_both() -> None:
    d = decide(item(kind="gif"), "everyone", {}, NOW)
    assert d.reasons == ("unknown_audience", "unknown_kind")


# --- validity window --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(T0 - 1, Visibility.HIDDEN, id="one-second-before-valid_from"),
        pytest.param(T0, Visibility.CLEAN, id="at-valid_from"),
        pytest.param(T0 + 1, Visibility.CLEAN, id="one-second-after-valid_from"),
        pytest.param(T1 - 1, Visibility.CLEAN, id="one-second-before-valid_until"),
        pytest.param(T1, Visibility.HIDDEN, id="at-valid_until"),
        pytest.param(T1 + 1, Visibility.HIDDEN, id="one-second-after-valid_until"),
        pytest.param(float("nan"), Visibility.HIDDEN, id="nan-time"),
    ],
)
def test_validity_window_is_half_open(at: float, expected: Visibility) -> None:
    # Given Alice's consent valid on [T0, T1)
    consents = {ALICE: [grant()]}
    # When viewed at `at`
    d = decide(item(), FAMILIES_OF_GROUP, consents, at)
    # Then the item is visible exactly inside the window
    assert d.visibility is expected


def test_empty_window_never_covers() -> None:
    d = decide(item(), FAMILIES_OF_GROUP, {ALICE: [grant(valid_from=T0, valid_until=T0)]}, T0)
    assert d.visibility is Visibility.HIDDEN


def test_expired_grant_plus_current_grant_is_covered() -> None:
    # Given last season's grant (expired) and this season's grant
    consents = {ALICE: [grant(valid_until=T0), grant(valid_from=T0, valid_until=T1)]}
    # Then any grant in its window suffices
    assert decide(item(), FAMILIES_OF_GROUP, consents, NOW).visibility is Visibility.CLEAN


# --- withdrawal, audience and kind ------------------------------------------------------------


def test_withdrawn_grant_hides() -> None:
    # Given Alice's only grant was withdrawn (inside its window)
    consents = {ALICE: [grant(active=False)]}
    # Then the very next read hides the item
    d = decide(item(), FAMILIES_OF_GROUP, consents, NOW)
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == (f"no_consent:{ALICE}", "blurred_variant_missing")


def test_withdrawn_grant_does_not_cancel_another_active_grant() -> None:
    consents = {ALICE: [grant(active=False), grant()]}
    assert decide(item(), FAMILIES_OF_GROUP, consents, NOW).visibility is Visibility.CLEAN


def test_grant_for_audience_but_not_kind_hides() -> None:
    # Given Alice consents to photos only, for her group's families
    consents = {ALICE: [grant(kinds=(PHOTO,))]}
    # When her group's families look at a video of her
    d = decide(item(kind=VIDEO), FAMILIES_OF_GROUP, consents, NOW)
    # Then it is hidden
    assert d.visibility is Visibility.HIDDEN
    assert d.uncovered_child_ids == {ALICE}


def test_grant_for_kind_but_not_audience_hides() -> None:
    # Given Alice consents to photos, for her group's families only
    consents = {ALICE: [grant(audiences=(FAMILIES_OF_GROUP,))]}
    # When the whole centre's families look at a photo of her
    d = decide(item(), ALL_FAMILIES_OF_CENTRE, consents, NOW)
    # Then it is hidden for them (a narrower audience never implies a wider one)
    assert d.visibility is Visibility.HIDDEN


def test_wider_audience_does_not_imply_narrower_one() -> None:
    # Audiences are independent purposes; no implicit hierarchy in the gate
    consents = {ALICE: [grant(audiences=(PUBLIC_COMMUNICATION,))]}
    assert decide(item(), FAMILIES_OF_GROUP, consents, NOW).visibility is Visibility.HIDDEN


def test_audience_and_kind_split_across_two_grants_do_not_combine() -> None:
    # Given one grant for (group, video) and one for (centre, photo)
    consents = {
        ALICE: [
            grant(audiences=(FAMILIES_OF_GROUP,), kinds=(VIDEO,)),
            grant(audiences=(ALL_FAMILIES_OF_CENTRE,), kinds=(PHOTO,)),
        ]
    }
    # Then (group, photo) is covered by neither grant on its own
    assert decide(item(), FAMILIES_OF_GROUP, consents, NOW).visibility is Visibility.HIDDEN


# --- wrong child key --------------------------------------------------------------------------


def test_grant_filed_under_wrong_key_does_not_count() -> None:
    # Given Alice's grant filed under Bob's key
    consents = {BOB: [grant(child_id=ALICE)]}
    # Then it covers neither Alice (wrong key) ...
    assert decide(item((ALICE,)), FAMILIES_OF_GROUP, consents, NOW).visibility is (
        Visibility.HIDDEN
    )
    # ... nor Bob (grant is for another child)
    assert decide(item((BOB,)), FAMILIES_OF_GROUP, consents, NOW).visibility is (Visibility.HIDDEN)


def test_grant_of_another_child_under_own_key_does_not_count() -> None:
    consents = {ALICE: [grant(child_id=BOB)]}
    assert decide(item(), FAMILIES_OF_GROUP, consents, NOW).visibility is Visibility.HIDDEN


# --- several children and blurring ------------------------------------------------------------


def test_two_children_both_covered_is_clean() -> None:
    consents = {ALICE: [grant()], BOB: [grant(child_id=BOB)]}
    d = decide(item((ALICE, BOB)), FAMILIES_OF_GROUP, consents, NOW)
    assert d.visibility is Visibility.CLEAN


def test_one_of_two_uncovered_and_blurred_is_blurred() -> None:
    # Given a group photo of Alice (consent) and Bob (no consent), Bob blurred in the variant
    consents = {ALICE: [grant()]}
    it = item((ALICE, BOB), blurred=(BOB,))
    # When the group's families look at it
    d = decide(it, FAMILIES_OF_GROUP, consents, NOW)
    # Then they get only the blurred variant
    assert d.visibility is Visibility.BLURRED
    assert d.reasons == (f"no_consent:{BOB}",)
    assert d.uncovered_child_ids == {BOB}


def test_one_of_two_uncovered_but_variant_blurs_the_other_child_is_hidden() -> None:
    # Given the blurred variant hides Alice (covered) but not Bob (uncovered)
    it = item((ALICE, BOB), blurred=(ALICE,))
    d = decide(it, FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    # Then no variant is safe: hidden
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == (f"no_consent:{BOB}", f"not_blurred:{BOB}")


def test_one_of_two_uncovered_without_variant_is_hidden() -> None:
    d = decide(item((ALICE, BOB)), FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    assert d.visibility is Visibility.HIDDEN
    assert d.reasons == (f"no_consent:{BOB}", "blurred_variant_missing")


def test_blurred_ids_without_variant_flag_are_ignored() -> None:
    # Given blurred ids recorded but the variant not rendered (yet)
    it = item((ALICE, BOB), blurred=(BOB,), has_variant=False)
    d = decide(it, FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    assert d.visibility is Visibility.HIDDEN
    assert "blurred_variant_missing" in d.reasons


def test_both_uncovered_both_blurred_is_blurred() -> None:
    d = decide(item((ALICE, BOB), blurred=(ALICE, BOB)), FAMILIES_OF_GROUP, {}, NOW)
    assert d.visibility is Visibility.BLURRED
    assert d.uncovered_child_ids == {ALICE, BOB}


def test_variant_blurring_covered_children_is_not_used_when_everyone_is_covered() -> None:
    # Given everyone is covered, and a blurred variant exists anyway
    consents = {ALICE: [grant()], BOB: [grant(child_id=BOB)]}
    d = decide(item((ALICE, BOB), blurred=(ALICE, BOB)), FAMILIES_OF_GROUP, consents, NOW)
    # Then the clean renditions are served (BLURRED only when needed)
    assert d.visibility is Visibility.CLEAN


def test_variant_blurring_more_than_needed_is_fine() -> None:
    # Alice covered but blurred too; Bob uncovered and blurred
    it = item((ALICE, BOB), blurred=(ALICE, BOB))
    assert decide(it, FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW).visibility is (Visibility.BLURRED)


def test_reasons_are_sorted_and_stable() -> None:
    it = item(("c-3", "c-1", "c-2"))
    d = decide(it, FAMILIES_OF_GROUP, {}, NOW)
    assert d.reasons == (
        "no_consent:c-1",
        "no_consent:c-2",
        "no_consent:c-3",
        "blurred_variant_missing",
    )


# --- table: every audience x every kind -------------------------------------------------------


@pytest.mark.parametrize(("audience", "kind"), list(itertools.product(AUDIENCES, MEDIA_KINDS)))
def test_each_audience_kind_pair_needs_exactly_that_pair(audience: str, kind: str) -> None:
    # Given a grant for exactly (audience, kind)
    consents = {ALICE: [grant(audiences=(audience,), kinds=(kind,))]}
    # Then exactly that pair is CLEAN; every other pair is HIDDEN
    for other_audience, other_kind in itertools.product(AUDIENCES, MEDIA_KINDS):
        d = decide(item(kind=other_kind), other_audience, consents, NOW)
        expected = (
            Visibility.CLEAN
            if (other_audience, other_kind) == (audience, kind)
            else Visibility.HIDDEN
        )
        assert d.visibility is expected, (other_audience, other_kind)


@pytest.mark.parametrize(("audience", "kind"), list(itertools.product(AUDIENCES, MEDIA_KINDS)))
def test_each_audience_kind_pair_with_full_grant_is_clean(audience: str, kind: str) -> None:
    consents = {ALICE: [grant(audiences=AUDIENCES, kinds=MEDIA_KINDS)]}
    assert decide(item(kind=kind), audience, consents, NOW).visibility is Visibility.CLEAN


# --- helpers ----------------------------------------------------------------------------------


def test_visibility_order() -> None:
    assert Visibility.HIDDEN.rank < Visibility.BLURRED.rank < Visibility.CLEAN.rank
    assert [v.visible for v in (Visibility.HIDDEN, Visibility.BLURRED, Visibility.CLEAN)] == [
        False,
        True,
        True,
    ]


def test_decide_many_keys_by_media_id() -> None:
    a = replace(item(), media_id="m-a")
    b = replace(item((BOB,)), media_id="m-b")
    out = decide_many([a, b], FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW)
    assert out == {
        "m-a": decide(a, FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW),
        "m-b": decide(b, FAMILIES_OF_GROUP, {ALICE: [grant()]}, NOW),
    }
    assert out["m-a"].visibility is Visibility.CLEAN
    assert out["m-b"].visibility is Visibility.HIDDEN


def test_decide_many_rejects_duplicate_media_ids() -> None:
    with pytest.raises(ValueError, match="duplicate media_id"):
        decide_many([item(), item()], FAMILIES_OF_GROUP, {}, NOW)


def test_decide_many_empty() -> None:
    assert decide_many([], FAMILIES_OF_GROUP, {}, NOW) == {}


def test_publishable_decides_per_audience() -> None:
    # Given Alice consents to her group's families only
    consents = {ALICE: [grant()]}
    # When the director publishes her photo to every audience
    out = publishable(item(), AUDIENCES, consents, NOW)
    # Then it is shown to her group only; each answer equals the read-path decision
    assert {a: d.visibility for a, d in out.items()} == {
        FAMILIES_OF_GROUP: Visibility.CLEAN,
        ALL_FAMILIES_OF_CENTRE: Visibility.HIDDEN,
        PUBLIC_COMMUNICATION: Visibility.HIDDEN,
    }
    for audience, d in out.items():
        assert d == decide(item(), audience, consents, NOW)


def test_publishable_with_unknown_audience_fails_closed() -> None:
    out = publishable(item(), ["everyone"], {ALICE: [grant(audiences=AUDIENCES)]}, NOW)
    assert out["everyone"].visibility is Visibility.HIDDEN


def test_value_objects_are_frozen() -> None:
    g = grant()
    with pytest.raises(AttributeError):
        g.active = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        item().validated = False  # type: ignore[misc]
