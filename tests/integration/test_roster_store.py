"""The roster store (``pellicule.store.roster``): what it reads, what it refuses to change,
and the writes it gives to commit with an audit entry."""

from __future__ import annotations

import pytest

from pellicule.domain.errors import NotFound
from pellicule.services import audit
from pellicule.store import roster
from tests.conftest import Aws, Centre, make_centre


def _commit(centre: Centre, *writes: audit.Companion) -> None:
    audit.append(
        centre.tenant_id,
        "roster_changed",
        "staff:staff-1",
        "tenant:test",
        {"change": "test"},
        companions=writes,
    )


def test_a_new_address_moves_the_index_entry_with_it(aws: Aws, centre: Centre) -> None:
    # Given a guardian of the centre
    guardian = roster.new_guardian(
        centre.tenant_id, "g-new", email="before@famille.example", child_ids=[]
    )
    _commit(centre, roster.created(guardian))
    assert [g.guardian_id for g in roster.guardians_with_email("before@famille.example")] == [
        "g-new"
    ]

    # When their address changes
    _commit(centre, roster.updated(guardian, {"email": "after@famille.example"}))

    # Then they are found by the new address only (sign-in looks them up there)
    assert roster.reloaded(guardian).email == "after@famille.example"
    assert [g.guardian_id for g in roster.guardians_with_email("after@famille.example")] == [
        "g-new"
    ]
    assert list(roster.guardians_with_email("before@famille.example")) == []


@pytest.mark.parametrize("name", ["pk", "sk", "gsi1pk", "tenant_id", "staff_id", "no_such"])
def test_keys_ids_and_unknown_attributes_cannot_be_changed(
    aws: Aws, centre: Centre, name: str
) -> None:
    staff = roster.staff_or_404(centre.tenant_id, "staff-1")
    with pytest.raises(ValueError, match="cannot be changed"):
        roster.updated(staff, {name: "x"})


def test_none_removes_an_attribute(aws: Aws, centre: Centre) -> None:
    group = roster.new_group(centre.tenant_id, "g1", name="Les Loutres", site_id="s1")
    _commit(centre, roster.created(group))
    _commit(centre, roster.updated(group, {"site_id": None}))
    assert roster.reloaded(group).site_id is None


def test_ids_that_name_nothing_and_other_centres_ids_are_not_found(
    aws: Aws, centre: Centre
) -> None:
    other = make_centre()
    assert roster.staff_or_404(centre.tenant_id, "staff-1").staff_id == "staff-1"
    for tenant_id, staff_id in ((other.tenant_id, "staff-nope"), (centre.tenant_id, "a#b")):
        with pytest.raises(NotFound, match=r"^staff_not_found$"):
            roster.staff_or_404(tenant_id, staff_id)
    assert roster.staff_member(centre.tenant_id, "staff-nope") is None
    assert [s.staff_id for s in roster.every_staff(other.tenant_id)] == ["staff-1"]


def test_links_write_the_childrens_side(aws: Aws, centre: Centre) -> None:
    first = roster.new_child(centre.tenant_id, "c1", first_name="Léa", initial="M.", group_id="g")
    second = roster.new_child(centre.tenant_id, "c2", first_name="Tom", initial="B.", group_id="g")
    _commit(centre, roster.created(first), roster.created(second))

    _commit(centre, *roster.links("guardian-1", add=[first, second], remove=()))
    _commit(centre, *roster.links("guardian-1", add=(), remove=[second]))

    assert roster.reloaded(first).guardian_ids == {"guardian-1"}
    assert not roster.reloaded(second).guardian_ids
    assert roster.child(centre.tenant_id, "c3") is None


def test_a_write_on_an_item_that_is_gone_changes_nothing(aws: Aws, centre: Centre) -> None:
    ghost = roster.new_site(centre.tenant_id, "never-saved", name="Annexe")
    with pytest.raises(audit.CompanionConflictError):
        _commit(centre, roster.archived(ghost))
    assert roster.sites(centre.tenant_id) == []
