"""Status lists filling up: with a small capacity (BADGES_STATUS_LIST_CAPACITY), issuing crosses from one list to
the next, single and cohort, one by one and racing, never reusing an index; the next list is made and signed
before the one in use fills; every list is still published at the spec's 131,072 bits; credentials on either
side of the boundary revoke and verify correctly."""
from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from badges import status
from badges.model import Recipient
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import awards, service
from store.db import transaction
from store.models import Achievement, Credential, Org, StatusList
from tests.factories import NOW, issue, make_course, make_org
from verifier.service import verify_upload
from web.settings import Settings

CAPACITY = 8


@pytest.fixture
def small(settings: Settings) -> Iterator[Services]:
    """The app's services with status lists of CAPACITY entries each."""
    app = create_app(replace(settings, status_list_capacity=CAPACITY))
    yield app.extensions["badges"]
    app.extensions["badges"].engine.dispose()


def slots(svc: Services) -> list[tuple[int, int]]:
    with svc.sessions() as session:
        return [tuple(row) for row in session.execute(select(Credential.status_list_id, Credential.status_index))]


def lists(svc: Services) -> list[StatusList]:
    with svc.sessions() as session:
        return list(session.scalars(select(StatusList).order_by(StatusList.id)))


def test_the_next_list_is_made_and_signed_before_the_one_in_use_fills(small: Services) -> None:
    org, _ = make_org(small)
    course = make_course(small, org)
    for n in range(CAPACITY - 2):
        issue(small, org, course, email=f"p{n}@example.com")
    assert len(lists(small)) == 1
    issue(small, org, course, email="threshold@example.com")  # 7 of 8: the spare is made now
    first, spare = lists(small)
    assert (first.allocated, spare.allocated) == (CAPACITY - 1, 0)
    assert spare.document is not None and json.loads(spare.document)["proof"]
    issue(small, org, course, email="last@example.com")
    issue(small, org, course, email="next@example.com")
    first, second, *more = lists(small)
    assert (first.allocated, second.allocated, more) == (CAPACITY, 1, [])
    assert len(set(slots(small))) == len(slots(small)) == CAPACITY + 1


def test_a_cohort_across_several_lists_takes_every_index_once_and_lists_stay_131072_bits(small: Services) -> None:
    org, _ = make_org(small)
    course = make_course(small, org)
    issue(small, org, course, email="first@example.com")
    with transaction(small.sessions) as session:
        results = awards.issue_many(session, small.issuing, org=session.get_one(Org, org.id),
                                    achievement=session.get_one(Achievement, course.id), actor="test", now=NOW,
                                    awards=[service.Award(Recipient(f"수강생 {n}", f"c{n}@example.com"))
                                            for n in range(3 * CAPACITY)])
    assert all(isinstance(r, service.Issued) and r.created for r in results)
    taken = slots(small)
    assert len(taken) == len(set(taken)) == 3 * CAPACITY + 1
    made = lists(small)
    assert [s.allocated for s in made] == [CAPACITY] * 3 + [1]
    for status_list in made:
        subject = json.loads(status_list.document or b"{}")["credentialSubject"]
        assert len(status.decode_list(subject["encodedList"])) * 8 == status.DEFAULT_LENGTH
        assert status_list.length == status.DEFAULT_LENGTH and status_list.capacity == CAPACITY
    per_list = {list_id: [i for lid, i in taken if lid == list_id] for list_id, _ in taken}
    assert all(0 <= i < status.DEFAULT_LENGTH for indexes in per_list.values() for i in indexes)


def test_credentials_on_both_sides_of_the_boundary_revoke_and_verify(small: Services) -> None:
    org, _ = make_org(small)
    course = make_course(small, org)
    ids = [issue(small, org, course, email=f"p{n}@example.com") for n in range(CAPACITY + 3)]
    with small.sessions() as session:
        list_of = {c.id: c.status_list_id for c in session.scalars(select(Credential))}
    before, after = ids[CAPACITY - 1], ids[CAPACITY]  # the last of the first list, the first of the second
    assert list_of[before] != list_of[after]
    with transaction(small.sessions) as session:
        for credential_id in (before, after):
            service.revoke(session, small.issuing, org=session.get_one(Org, org.id), credential_id=credential_id,
                           reason="잘못 발급", actor="test", now=NOW)
    verdicts = {}
    with small.resolver.reading() as resolve, small.sessions() as session:
        for credential_id in ids:
            document = session.get_one(Credential, credential_id).document
            verdicts[credential_id] = verify_upload(document, resolve=resolve, now=NOW + timedelta(minutes=1),
                                                    skew=timedelta(minutes=5)).verdict
    assert {i for i, v in verdicts.items() if v == "revoked"} == {before, after}
    assert {v for i, v in verdicts.items() if i not in (before, after)} == {"valid"}


def test_issuers_racing_at_the_boundary_never_share_an_index_nor_strand_a_list(small: Services) -> None:
    org, _ = make_org(small)
    course = make_course(small, org)
    issue(small, org, course, email="seed@example.com")

    def one_by_one(worker: int) -> None:
        for n in range(6):
            issue(small, org, course, email=f"w{worker}-{n}@example.com")

    def cohort(worker: int) -> None:
        with transaction(small.sessions) as session:
            awards.issue_many(session, small.issuing, org=session.get_one(Org, org.id),
                              achievement=session.get_one(Achievement, course.id), actor="test", now=NOW,
                              awards=[service.Award(Recipient("수강생", f"k{worker}-{n}@example.com"))
                                      for n in range(5)])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda w: one_by_one(w) if w % 2 else cohort(w), range(6)))
    taken = slots(small)
    assert len(taken) == len(set(taken)) == 1 + 3 * 6 + 3 * 5
    made = lists(small)
    allocated = [s.allocated for s in made]
    # full lists, then at most the one in use and its spare: no list was made twice and left behind
    assert allocated == sorted(allocated, reverse=True) and sum(allocated) == len(taken)
    assert len([n for n in allocated if 0 < n < CAPACITY]) <= 1 and allocated.count(0) <= 1
