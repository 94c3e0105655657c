"""One rule for e-mail addresses (badges.model.checked_email, email-validator's), whichever form, file or call
brings one: a recipient, a staff account, an invitation, an organisation's contact, a learner's address."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from badges.errors import InvalidInput
from badges.model import Recipient, checked_email
from bootstrap.wiring import Services
from issuer import invitations, profile, staff
from store.console import Role
from store.db import transaction
from tests.factories import NOW, make_org
from wallet.accounts import normalise_address

NOT_ADDRESSES = ["a@b", "a b@academy.kr", "@academy.kr", "minji@", "minji@academy..kr", "minji@@academy.kr",
                 "minji@acad\nemy.kr", "김민지 <minji@academy.kr>", "minji@localhost"]


@pytest.mark.parametrize("address", NOT_ADDRESSES)
def test_what_is_not_an_address_is_refused_with_the_callers_code(address: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_email(address, code="x.email_invalid", path="/to")
    assert (refused.value.code, refused.value.path) == ("x.email_invalid", "/to")


@pytest.mark.parametrize("address", ["Minji.Kim@Academy.KR", " minji+badges@academy.co.kr ", "김민지@대학교.한국"])
def test_addresses_are_accepted_and_normalised_as_they_are_hashed(address: str) -> None:
    assert checked_email(address, code="x") == address.strip().lower()


def entry_points(svc: Services) -> dict[str, Callable[[str], object]]:
    org, _ = make_org(svc)

    def in_session(call: Callable[..., object]) -> Callable[[str], object]:
        def run(address: str) -> object:
            with transaction(svc.sessions) as session:
                return call(session, address)
        return run
    return {
        "recipient.email_invalid": lambda a: Recipient("김민지", a),
        "wallet.email_invalid": normalise_address,
        "staff.email_invalid": in_session(lambda s, a: staff.create_staff(s, email=a, name="n", password="p" * 12,
                                                                            now=NOW)),
        "people.email_invalid": in_session(lambda s, a: invitations.invite(s, org=s.merge(org), email=a,
                                                                           role=Role.ISSUER, actor="t", now=NOW)),
        "org.email_invalid": in_session(lambda s, a: profile.update_profile(
            s.merge(org), profile.ProfileIn(name_ko="가", name_en="A", email=a))),
    }


@pytest.mark.parametrize("address", ["a@b", "minji@academy..kr"])
def test_every_entry_point_refuses_the_same_addresses(svc: Services, address: str) -> None:
    for code, enter in entry_points(svc).items():
        with pytest.raises(InvalidInput) as refused:
            enter(address)
        assert refused.value.code == code
