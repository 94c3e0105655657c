"""Status list rows: allocating an index no other credential can get, and flipping bits."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from badges import status
from store.models import StatusList

LOCK_SPACE = 0x5374  # the first key of pg_advisory_xact_lock(space, org id): status list allocation


def allocate(session: Session, *, org_id: int, purpose: str, now: datetime, count: int = 1,
             capacity: int = status.DEFAULT_LENGTH, length: int = status.DEFAULT_LENGTH,
             on_new_list: Callable[[StatusList], None] | None = None) -> list[tuple[StatusList, int]]:
    """`count` fresh indexes in the org's open lists for `purpose`, as (list, index), oldest list first.

    A list hands out `capacity` indexes (at most its `length`, which is what is published: never under the
    spec's 131,072 bits, whatever the capacity). Once the list in use passes `spare_threshold`, the next list
    is created in the same transaction, so it is ready (and, through `on_new_list`, signed) before the one in
    use fills; a list is also created whenever none has room. `on_new_list` is called on each list created.

    Indexes are a fixed odd-multiplier permutation of a counter, so neighbouring credentials do not
    get neighbouring bits (Bitstring Status List §6.1 herd privacy). Allocation is serialised per organisation
    (on PostgreSQL by a transaction-scoped advisory lock, which no row lock or foreign-key check waits for, and
    after which the open lists are read afresh, so a list made by the previous holder is seen; SQLite serialises
    every writer anyway), a list's counter moves by the whole count at once, and the credentials table has a
    unique (list, index) constraint, so no index is ever reused.
    """
    capacity = min(capacity, length)
    if session.connection().dialect.name == "postgresql":  # SQLite: writers are serialised already
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :org)"), {"space": LOCK_SPACE, "org": org_id})
    open_lists = list(session.scalars(
        select(StatusList).where(StatusList.org_id == org_id, StatusList.purpose == purpose,
                                 StatusList.allocated < func.coalesce(StatusList.capacity, StatusList.length))
        .order_by(StatusList.id).with_for_update()))

    def new_list() -> StatusList:
        made = StatusList(org_id=org_id, purpose=purpose, length=length, capacity=capacity,
                          multiplier=secrets.randbelow(length // 2 - 2) * 2 + 3,  # odd, never ±1
                          offset=secrets.randbelow(length), allocated=0, bits=bytes(status.new_list(length)),
                          updated_at=now)
        session.add(made)
        session.flush()
        if on_new_list is not None:
            on_new_list(made)
        return made

    taken: list[tuple[StatusList, int]] = []
    while len(taken) < count:
        current = open_lists[0] if open_lists else new_list()
        room = _capacity(current)
        first = current.allocated
        current.allocated = min(room, first + count - len(taken))
        taken += [(current, (n * current.multiplier + current.offset) % current.length)
                  for n in range(first, current.allocated)]
        if current.allocated >= room:
            open_lists = [s for s in open_lists if s is not current]
    last = taken[-1][0] if taken else None
    if last is not None and last.allocated >= spare_threshold(_capacity(last)) \
            and not any(s.id > last.id for s in open_lists):
        new_list()  # the spare: ready before `last` fills
    return taken


def spare_threshold(capacity: int) -> int:
    """How many indexes of a list are handed out before the next list is made: nine tenths, and at least one
    short of full (a list of 8 gets its spare at 7)."""
    return capacity - max(1, capacity // 10)


def _capacity(status_list: StatusList) -> int:
    return min(status_list.capacity or status_list.length, status_list.length)


def set_bit(status_list: StatusList, index: int, value: bool, *, now: datetime) -> None:
    """Set one entry of the list (the caller re-signs the list credential)."""
    bits = bytearray(status_list.bits)
    status.set_bit(bits, index, value)
    status_list.bits = bytes(bits)
    status_list.updated_at = now
