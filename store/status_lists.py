"""Status list rows: allocating an index no other credential can get, and flipping bits."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import status
from store.models import StatusList


def allocate(session: Session, *, org_id: int, purpose: str, now: datetime,
             length: int = status.DEFAULT_LENGTH) -> tuple[StatusList, int]:
    """The org's open list for `purpose` (created when full or missing) and a fresh index in it.

    Indexes are a fixed odd-multiplier permutation of a counter, so neighbouring credentials do not
    get neighbouring bits (Bitstring Status List §6.1 herd privacy). The row is locked FOR UPDATE,
    and the credentials table has a unique (list, index) constraint, so no index is ever reused.
    """
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
    index = (current.allocated * current.multiplier + current.offset) % current.length
    current.allocated += 1
    return current, index


def set_bit(status_list: StatusList, index: int, value: bool, *, now: datetime) -> None:
    """Set one entry of the list (the caller re-signs the list credential)."""
    bits = bytearray(status_list.bits)
    status.set_bit(bits, index, value)
    status_list.bits = bytes(bits)
    status_list.updated_at = now
