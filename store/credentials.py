"""Looking issued credentials up."""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from badges.errors import NotFound
from badges.model import normalise_email
from store.models import Credential
from store.wallet import WalletItem


def email_lookup(email: str, key: bytes) -> str:
    """A keyed hash of an e-mail address that finds its credentials here without storing the address
    (the published identityHash is salted per credential, so it cannot be searched)."""
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def credentials_for_email(session: Session, email: str, *, key: bytes,
                          not_held_by: int | None = None) -> list[Credential]:
    """Every credential issued here to `email`, newest first, or only those not in the wallet of learner
    `not_held_by` (the wallet collects those on every view: usually none); each document is read when asked for."""
    query = select(Credential).where(Credential.recipient_lookup == email_lookup(email, key))
    if not_held_by is not None:
        query = query.where(~exists().where(WalletItem.learner_id == not_held_by,
                                            WalletItem.credential_id == Credential.id))
    return list(session.scalars(query.order_by(Credential.issued_at.desc(), Credential.id)
                                .options(defer(Credential.document))))


def get_credential(session: Session, credential_id: str, *, org_id: int | None = None,
                   for_update: bool = False) -> Credential:
    """The stored credential, within `org_id` when given (tenant isolation), its row locked `for_update`;
    NotFound otherwise."""
    query = select(Credential).where(Credential.id == credential_id)
    if org_id is not None:
        query = query.where(Credential.org_id == org_id)
    if for_update:
        query = query.with_for_update()
    credential = session.scalar(query)
    if credential is None:
        raise NotFound("credential.not_found", f"There is no credential {credential_id!r} here.")
    return credential


def by_idempotency_keys(session: Session, org_id: int, keys: list[str]) -> dict[str, Credential]:
    """The organisation's credentials under any of these award keys, by key (one query per 500 keys)."""
    return {c.idempotency_key or "": c for c in _by(session, org_id, Credential.idempotency_key, keys)}


def by_request_ids(session: Session, org_id: int, ids: list[str]) -> dict[str, Credential]:
    """The organisation's credentials issued for any of these API request ids, by id (one query per 500)."""
    return {c.request_id or "": c for c in _by(session, org_id, Credential.request_id, ids)}


def _by(session: Session, org_id: int, column: InstrumentedAttribute[str | None], values: list[str]) -> list[Credential]:
    found: list[Credential] = []
    for start in range(0, len(values), 500):
        found.extend(session.scalars(select(Credential).where(Credential.org_id == org_id,
                                                              column.in_(values[start:start + 500]))))
    return found


def by_award_keys(session: Session, achievement_id: int, keys: set[str]) -> dict[str, Credential]:
    """The course's credentials under any of these idempotency keys, by key: one pass over the course's keys
    (however many are asked for, and whatever the planner knows), then the matches by primary key."""
    found = {key: credential_id for key, credential_id in session.execute(
        select(Credential.idempotency_key, Credential.id).where(Credential.achievement_id == achievement_id,
                                                               Credential.idempotency_key.is_not(None)))
        if key in keys}
    ids = list(found.values())
    return {c.idempotency_key or "": c for start in range(0, len(ids), 500)
            for c in session.scalars(select(Credential).where(Credential.id.in_(ids[start:start + 500])))}
