"""Everything sealed under the key-encryption key (KEK), and moving it to a new KEK while the service runs.

Sealed here: each organisation's signing keys (`signing_keys.sealed`), each learner's wallet key
(`learners.sealed_key`) and the instance's recipient lookup key (`instance_secrets`, name "recipient-lookup"),
which keys the e-mail lookup hashes and award keys stored with every credential. That key used to be derived
from the KEK itself; it must outlive the KEK, so `rotate` stores it (sealed) before anything is re-sealed, and
until then `lookup_key` derives it from the KEK that sealed the first signing key, the one it was always
derived from.

Rotation (`rotate`) re-seals one record per short transaction, each row locked while it is re-sealed, so the
app keeps serving (its processes open keys sealed under either KEK: Settings.old_key_encryption_keys), and a
rotation stopped half way is finished by running it again: records already under the new KEK are skipped.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

import keys
from badges.errors import Unavailable
from store.db import transaction
from store.models import Base, SigningKey
from store.wallet import Learner

LOOKUP = "recipient-lookup"


class InstanceSecret(Base):
    """A secret of the whole instance, sealed under the KEK (re-sealed with the signing keys)."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


def signing_key_aad(org_id: int, fragment: str) -> bytes:
    """What an organisation's sealed signing key is bound to: moving it to another row breaks it."""
    return f"badges signing key {org_id}/{fragment}".encode()


def learner_key_aad(did: str) -> bytes:
    """What a learner's sealed wallet key is bound to."""
    return f"badges learner key {did}".encode()


def _secret_aad(name: str) -> bytes:
    return f"badges instance secret {name}".encode()


def derived_lookup_key(kek: bytes) -> bytes:
    """The lookup key as it was derived from the KEK before it was stored (and still is, until a rotation)."""
    return hashlib.sha256(b"badges recipient lookup" + kek).digest()


def lookup_key(session: Session, kek: bytes, old: Sequence[bytes] = ()) -> bytes:
    """The instance's recipient lookup key: stored, or derived from the KEK that sealed the oldest signing key
    (the current KEK on an instance without keys); Unavailable when no configured KEK can give it."""
    sealed = session.scalar(select(InstanceSecret.sealed).where(InstanceSecret.name == LOOKUP))
    if sealed is not None:
        return keys.unseal_bytes(sealed, kek, aad=_secret_aad(LOOKUP), old=old)
    first = session.scalar(select(SigningKey.sealed).where(SigningKey.sealed.is_not(None))
                           .order_by(SigningKey.id).limit(1))
    if first is None:
        return derived_lookup_key(kek)
    origin = next((k for k in (kek, *old) if keys.sealed_with(first, k)), None)
    if origin is None:
        raise Unavailable("keys.wrong_kek", "The signing keys were sealed with a different key-encryption key; "
                          "set BADGES_KEY_ENCRYPTION_KEY to the one they were created with (or, while rotating, "
                          "list that one in BADGES_OLD_KEY_ENCRYPTION_KEYS).")
    return derived_lookup_key(origin)


class LookupKey:
    """The lookup key read once per process, on first use (not at start: the database may not answer yet)."""

    def __init__(self, sessions: sessionmaker[Session], kek: bytes, old: Sequence[bytes] = ()) -> None:
        self._sessions, self._kek, self._old = sessions, kek, tuple(old)
        self._value: bytes | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        with self._lock:
            if self._value is None:
                with self._sessions() as session:
                    self._value = lookup_key(session, self._kek, self._old)
            return self._value


@dataclass(slots=True)
class Rotation:
    """What a rotation did: records re-sealed, found under the new KEK already, and those no KEK given opens."""

    resealed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record, why)


def records(session: Session) -> list[str]:
    """Every sealed record, by name ("secret:recipient-lookup", "signing-key:<id>", "learner-key:<id>")."""
    return ([f"secret:{name}" for name in session.scalars(select(InstanceSecret.name).order_by(InstanceSecret.name))]
            + [f"signing-key:{i}" for i in session.scalars(select(SigningKey.id).where(  # a token's keys: not ours
                SigningKey.sealed.is_not(None)).order_by(SigningKey.id))]
            + [f"learner-key:{i}" for i in session.scalars(select(Learner.id).order_by(Learner.id))])


def rotate(sessions: sessionmaker[Session], *, kek: bytes, old: Sequence[bytes],
           progress: Callable[[str, str], None] | None = None) -> Rotation:
    """Re-seal every sealed record under `kek`, opening each with `kek` or one of the `old` KEKs, one short
    transaction per record; `progress(record, outcome)` is told each outcome ("resealed", "skipped", "failed")."""
    done = Rotation()

    def tell(record: str, outcome: str) -> None:
        if progress is not None:
            progress(record, outcome)

    with transaction(sessions) as session:  # first, so the lookup key never changes, whatever happens next
        if session.get(InstanceSecret, LOOKUP, with_for_update=True) is None:
            value = lookup_key(session, kek, old)
            session.add(InstanceSecret(name=LOOKUP, sealed=keys.seal_bytes(value, kek, aad=_secret_aad(LOOKUP)),
                                       updated_at=datetime.now(UTC)))
            done.resealed.append(f"secret:{LOOKUP}")
            tell(f"secret:{LOOKUP}", "resealed")
    with sessions() as session:
        names = records(session)
    for record in names:
        if record in done.resealed:
            continue
        try:
            with transaction(sessions) as session:
                row, column, aad = _locked(session, record)
                sealed = getattr(row, column)
                if keys.sealed_with(sealed, kek):
                    outcome = "skipped"
                else:
                    setattr(row, column, keys.reseal(sealed, kek, aad=aad, old=old))
                    outcome = "resealed"
        except Unavailable as e:
            done.failed.append((record, e.detail))
            tell(record, "failed")
            continue
        (done.resealed if outcome == "resealed" else done.skipped).append(record)
        tell(record, outcome)
    return done


def _locked(session: Session, record: str) -> tuple[InstanceSecret | SigningKey | Learner, str, bytes]:
    """The record's row, locked for the rest of the transaction, the column holding the sealed bytes and its AAD."""
    kind, _, ident = record.partition(":")
    if kind == "secret":
        secret = session.get_one(InstanceSecret, ident, with_for_update=True)
        return secret, "sealed", _secret_aad(ident)
    if kind == "signing-key":
        key = session.get_one(SigningKey, int(ident), with_for_update=True)
        return key, "sealed", signing_key_aad(key.org_id, key.fragment)
    learner = session.get_one(Learner, int(ident), with_for_update=True)
    return learner, "sealed_key", learner_key_aad(learner.did)


def kek_census(session: Session, keks: Sequence[bytes]) -> dict[str, int]:
    """How many sealed records each KEK fingerprint (hex) sealed, among `keks` and any other ("unknown")."""
    census: dict[str, int] = {}
    rows = [*session.scalars(select(InstanceSecret.sealed)),
            *session.scalars(select(SigningKey.sealed).where(SigningKey.sealed.is_not(None))),
            *session.scalars(select(Learner.sealed_key))]
    for sealed in rows:
        name = next((keys.kek_id(k).hex() for k in keks if keys.sealed_with(sealed, k)), "unknown")
        census[name] = census.get(name, 0) + 1
    return census
