"""The roster import's writes (``functions/admin/roster_import.py``): the groups, children and
guardians of a file, committed in DynamoDB transactions of at most 100 writes.

A family (a child and the guardians named on its lines, and every other child those guardians
are linked to by the file) is never split between two transactions, so both sides of a link
exist together or not at all. New groups go first. Each write is conditioned like the
roster's (``created``: no item has the key; an update: the item exists): a concurrent change
aborts that transaction and raises ``audit.CompanionConflictError``; transactions already
committed stay (a re-import completes them, it is idempotent).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from pellicule.store import audit, data
from pellicule.store.models import Child

MAX_WRITES = 100  # DynamoDB's limit for one transaction


def _find(parent: dict[Hashable, Hashable], key: Hashable) -> Hashable:
    while parent.setdefault(key, key) != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def families(
    writes: Sequence[tuple[Hashable, audit.Companion]], links: Iterable[tuple[Hashable, Hashable]]
) -> list[list[audit.Companion]]:
    """``writes`` (each with its item's key) grouped by the links between keys, in the order
    of their first write."""
    parent: dict[Hashable, Hashable] = {}
    for left, right in links:
        a, b = _find(parent, left), _find(parent, right)
        if a != b:
            parent[b] = a
    groups: dict[Hashable, list[audit.Companion]] = {}
    for key, write in writes:
        groups.setdefault(_find(parent, key), []).append(write)
    return list(groups.values())


def batches(families_: Iterable[Sequence[audit.Companion]]) -> list[list[audit.Companion]]:
    """Families packed into transactions of at most ``MAX_WRITES`` writes, whole (a family
    larger than that, which the import's limits make rare, is split)."""
    packed: list[list[audit.Companion]] = []
    current: list[audit.Companion] = []
    for family in families_:
        if len(current) + len(family) > MAX_WRITES and current:
            packed.append(current)
            current = []
        for write in family:
            if len(current) == MAX_WRITES:
                packed.append(current)
                current = []
            current.append(write)
    if current:
        packed.append(current)
    return packed


def _add(tx: TransactWrite, companion: audit.Companion) -> None:
    if companion.op == "save":
        tx.save(companion.item, condition=companion.condition)
    elif companion.op == "update":
        tx.update(companion.item, actions=list(companion.actions), condition=companion.condition)
    else:
        tx.delete(companion.item, condition=companion.condition)


def commit(transactions: Iterable[Sequence[audit.Companion]]) -> int:
    """Write each batch in its own transaction, in order; the number committed."""
    data.ready()
    connection = Child._get_connection().connection
    done = 0
    for batch in transactions:
        try:
            with TransactWrite(connection=connection) as tx:
                for write in batch:
                    _add(tx, write)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                raise audit.CompanionConflictError("roster_import") from error
            raise
        done += 1
    return done
