"""Status list allocation: every index handed out once, a new list when one is full."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from bootstrap.wiring import Services
from store import status_lists
from store.db import transaction
from store.models import StatusList
from tests.factories import NOW, make_org


def test_a_full_cycle_of_a_list_hands_out_every_index_exactly_once(svc: Services) -> None:
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        [(row, first)] = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)
        seen = {first}
        for _ in range(99):
            seen.add(status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)[0][1])
        seen.update(index for _, index in status_lists.allocate(session, org_id=org.id, purpose="revocation",
                                                                  now=NOW, count=400))
        assert len(seen) == 500 and all(0 <= i < row.length for i in seen) and row.allocated == 500
        indexes = {(row.allocated * row.multiplier + row.offset) % row.length for row.allocated in range(row.length)}
        assert len(indexes) == row.length


def test_neighbouring_credentials_do_not_get_neighbouring_bits(svc: Services) -> None:
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        picks = [index for _, index in status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW,
                                                             count=20)]
    assert all(abs(b - a) > 1 for a, b in itertools.pairwise(picks))


def test_a_full_list_rolls_over_to_a_new_one(svc: Services) -> None:
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        [(row, _)] = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)
        row.allocated = row.length - 1
        [(last_row, _)] = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)
        [(next_row, _)] = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)
    assert last_row.id == row.id and next_row.id != row.id
    with transaction(svc.sessions) as session:
        assert session.scalars(select(StatusList.allocated).order_by(StatusList.id)).all() == [row.length, 1]


def test_a_bulk_allocation_spills_over_into_a_new_list_without_reusing_an_index(svc: Services) -> None:
    org, _ = make_org(svc)
    with transaction(svc.sessions) as session:
        [(row, _)] = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW)
        row.allocated = row.length - 3
        taken = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=NOW, count=5)
    assert [r.id for r, _ in taken] == [row.id] * 3 + [taken[3][0].id] * 2 and taken[3][0].id != row.id
    assert len({(r.id, index) for r, index in taken}) == 5
    with transaction(svc.sessions) as session:
        assert session.scalars(select(StatusList.allocated).order_by(StatusList.id)).all() == [row.length, 2]
