"""KEK rotation while the service runs: every sealed key (organisations' signing keys, learners' wallet keys, the
recipient lookup key) is re-sealed under the new KEK, one at a time; afterwards the new KEK alone opens them all
and the old one opens nothing; a rotation stopped half way is finished by running it again; issuing goes on, and
awards issued before the rotation are still found (their keys are keyed by the lookup key, which survives)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

import keys
from badges.errors import Unavailable
from badges.fetch import FetchPolicy
from bootstrap.wiring import Services, build_services
from issuer import service
from store import key_custody
from store.db import transaction
from store.key_custody import InstanceSecret
from store.models import Achievement, Credential, Org, SigningKey
from store.wallet import Learner
from tests.factories import NOW, issue, make_course, make_org
from verifier.service import verify_upload
from wallet import accounts
from wallet.service import WalletContext
from web.settings import Settings


class Stopped(Exception):
    """The rotation's process dying half way."""


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Services, list[str]]]:
    """Two organisations (one with a rotated, retired key), a learner, and credentials issued under the first KEK;
    (services, ids of the credentials)."""
    svc = build_services(settings)
    acme, _ = make_org(svc, "acme")
    busan, _ = make_org(svc, "busan")
    with transaction(svc.sessions) as session:
        service.rotate_key(session, svc.issuing, org=session.get_one(Org, busan.id), now=NOW)
    issued = [issue(svc, org, make_course(svc, org), email="minji@example.com") for org in (acme, busan)]
    with transaction(svc.sessions) as session:
        accounts.sign_up(session, wallet(svc, settings), name="김민지", email="minji@example.com",
                         password_hash="!", now=NOW)
    yield svc, issued
    svc.engine.dispose()


def wallet(svc: Services, settings: Settings) -> WalletContext:
    return WalletContext(links=svc.issuing.links, secret_key=settings.secret_key, kek=settings.key_encryption_key,
                         lookup_key=svc.issuing.lookup_key, resolve=svc.resolver, fetch_policy=FetchPolicy(),
                         skew=timedelta(minutes=5), old_keks=settings.old_key_encryption_keys)


def sealed_records(svc: Services) -> list[tuple[bytes, bytes]]:
    """(sealed, aad) of every sealed record."""
    with svc.sessions() as session:
        return ([(k.sealed, key_custody.signing_key_aad(k.org_id, k.fragment))
                 for k in session.scalars(select(SigningKey))]
                + [(learner.sealed_key, key_custody.learner_key_aad(learner.did))
                   for learner in session.scalars(select(Learner))]
                + [(s.sealed, f"badges instance secret {s.name}".encode())
                   for s in session.scalars(select(InstanceSecret))])


def test_after_rotation_the_new_kek_alone_opens_every_key_and_the_old_one_none(
        settings: Settings, world: tuple[Services, list[str]]) -> None:
    svc, issued = world
    old, new = settings.key_encryption_key, keys.new_kek()
    lookup_before = svc.issuing.lookup_key
    rotating = build_services(replace(settings, key_encryption_key=new, old_key_encryption_keys=(old,)))
    issue(rotating, *org_and_course(svc, "acme"), email="during@example.com")  # serving meanwhile

    done = key_custody.rotate(rotating.sessions, kek=new, old=(old,))

    assert not done.failed and len(done.resealed) == 1 + 3 + 1  # lookup key, three signing keys, one learner
    records = sealed_records(svc)
    assert len(records) == 5
    for sealed, aad in records:
        assert keys.unseal_bytes(sealed, new, aad=aad)
        with pytest.raises(Unavailable) as refused:
            keys.unseal_bytes(sealed, old, aad=aad)
        assert refused.value.code == "keys.wrong_kek" and "BADGES_KEY_ENCRYPTION_KEY" in refused.value.detail
    again = key_custody.rotate(rotating.sessions, kek=new, old=(old,))
    assert (again.resealed, len(again.skipped), again.failed) == ([], 5, [])

    after = build_services(replace(settings, key_encryption_key=new))  # the old KEK forgotten
    assert after.issuing.lookup_key == lookup_before
    org, course = org_and_course(svc, "acme")
    assert issue(after, org, course, email="minji@example.com") == issued[0]  # the award is still found
    fresh = issue(after, org, course, email="new@example.com")
    with after.sessions() as session, after.resolver.reading() as resolve:
        for credential_id in (*issued, fresh):
            document = session.get_one(Credential, credential_id).document
            assert verify_upload(document, resolve=resolve, now=NOW + timedelta(minutes=1),
                                 skew=timedelta(minutes=5)).verdict == "valid"
        learner = session.scalars(select(Learner)).one()
        assert accounts.signer(wallet(after, replace(settings, key_encryption_key=new)), learner)
    stale = build_services(settings)
    with stale.sessions() as session, pytest.raises(Unavailable) as refused:  # the old KEK alone signs no more
        service.signer(stale.issuing, session.get_one(Org, org.id))
    assert refused.value.code == "keys.wrong_kek"
    for services in (rotating, after, stale):
        services.engine.dispose()


def test_a_rotation_stopped_half_way_is_finished_by_running_it_again(
        settings: Settings, world: tuple[Services, list[str]]) -> None:
    svc, issued = world
    old, new = settings.key_encryption_key, keys.new_kek()
    rotating = build_services(replace(settings, key_encryption_key=new, old_key_encryption_keys=(old,)))
    seen: list[str] = []

    def dies_after_two_keys(record: str, outcome: str) -> None:
        seen.append(record)
        if len(seen) == 3:  # the lookup key and two signing keys are re-sealed and committed
            raise Stopped

    with pytest.raises(Stopped):
        key_custody.rotate(rotating.sessions, kek=new, old=(old,), progress=dies_after_two_keys)
    with svc.sessions() as session:
        census = key_custody.kek_census(session, (new, old))
    assert census == {keys.kek_id(new).hex(): 3, keys.kek_id(old).hex(): 2}
    for org in ("acme", "busan"):  # meanwhile every organisation issues, whichever KEK its key is under
        issue(rotating, *org_and_course(svc, org), email="mid@example.com")

    done = key_custody.rotate(rotating.sessions, kek=new, old=(old,))

    assert (len(done.resealed), len(done.skipped), done.failed) == (2, 3, [])
    with svc.sessions() as session:
        assert key_custody.kek_census(session, (new, old)) == {keys.kek_id(new).hex(): 5}
    after = build_services(replace(settings, key_encryption_key=new))
    assert issue(after, *org_and_course(svc, "busan"), email="minji@example.com") == issued[1]
    for services in (rotating, after):
        services.engine.dispose()


def test_a_key_under_a_kek_nobody_gave_is_reported_and_left_alone(
        settings: Settings, world: tuple[Services, list[str]]) -> None:
    svc, _ = world
    new, stranger = keys.new_kek(), keys.new_kek()
    with transaction(svc.sessions) as session:
        key = session.scalars(select(SigningKey).order_by(SigningKey.id.desc())).first()
        assert key is not None
        key.sealed = keys.reseal(key.sealed, stranger, aad=key_custody.signing_key_aad(key.org_id, key.fragment),
                                 old=(settings.key_encryption_key,))
        stranded = f"signing-key:{key.id}"
    done = key_custody.rotate(svc.sessions, kek=new, old=(settings.key_encryption_key,))
    assert [record for record, _ in done.failed] == [stranded]
    assert "different key-encryption key" in done.failed[0][1]
    with svc.sessions() as session:
        assert keys.sealed_with(session.get_one(SigningKey, int(stranded.split(":")[1])).sealed, stranger)


def org_and_course(svc: Services, slug: str) -> tuple[Org, Achievement]:
    with svc.sessions() as session:
        org = session.scalars(select(Org).where(Org.slug == slug)).one()
        return org, session.scalars(select(Achievement).where(Achievement.org_id == org.id)).one()
