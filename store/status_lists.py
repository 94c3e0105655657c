"""Status list rows: allocating an index no other credential can get, and flipping bits."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import status
from store.models import StatusList


def allocate(session: Session, *, org_id: int, purpose: str, now: datetime, count: int = 1,
             length: int = status.DEFAULT_LENGTH) -> list[tuple[StatusList, int]]:
    """`count` fresh indexes in the org's open lists for `purpose`, as (list, index); new lists are created when
    the open one is full or missing.

    Indexes are a fixed odd-multiplier permutation of a counter, so neighbouring credentials do not
    get neighbouring bits (Bitstring Status List §6.1 herd privacy). The row is locked FOR UPDATE and its
    counter moves by the whole count at once, and the credentials table has a unique (list, index)
    constraint, so no index is ever reused.
    """
    taken: list[tuple[StatusList, int]] = []
    while len(taken) < count:
        current = session.scalars(
            select(StatusList).where(StatusList.org_id == org_id, StatusList.purpose == purpose)
            .order_by(StatusList.id.desc()).limit(1).with_for_update()).first()
        if current is None or current.allocated >= current.length:
            current = StatusList(org_id=org_id, purpose=purpose, length=length,
                                 multiplier=secrets.randbelow(length // 2 - 2) * 2 + 3,  # odd, never ±1
                                 offset=secrets.randbelow(length), allocated=0,
                                 bits=bytes(status.new_list(length)), updated_at=now)
            session.add(current)
            session.flush()
        first = current.allocated
        current.allocated = min(current.length, first + count - len(taken))
        taken += [(current, (n * current.multiplier + current.offset) % current.length)
                  for n in range(first, current.allocated)]
    return taken


def set_bit(status_list: StatusList, index: int, value: bool, *, now: datetime) -> None:
    """Set one entry of the list (the caller re-signs the list credential)."""
    bits = bytearray(status_list.bits)
    status.set_bit(bits, index, value)
    status_list.bits = bytes(bits)
    status_list.updated_at = now
