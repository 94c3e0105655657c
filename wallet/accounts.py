"""Learner accounts: sign-up, confirming e-mail addresses, sign-in (throttled) and e-mailed sign-in links.

Passwords are hashed by the caller (web.security, argon2id); this module stores hashes only. Links are
signed, expiring itsdangerous tokens; a sign-in link names the learner's last sign-in, so it works once.
No Flask; the caller owns the session and sends the returned mail after committing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import keys
from badges import dids, model, text
from badges.errors import BadgeError, Conflict, InvalidInput, NotFound
from badges.proofs import Ed25519Signer
from store.credentials import email_lookup
from store.wallet import Learner, LearnerEmail, SignInFailure, verified_email
from wallet.service import WalletContext

CONFIRM_SALT = "wallet.confirm-email"
SIGN_IN_SALT = "wallet.sign-in"
CONFIRM_MAX_AGE = timedelta(days=2)
SIGN_IN_MAX_AGE = timedelta(minutes=20)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
RESEND_AFTER = timedelta(minutes=1)
MAX_ADDRESSES = 10


class Throttled(BadgeError):
    status = 429
    type = "about:blank"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An e-mail to send once the transaction commits: `kind` is confirm, sign_in or already_registered."""

    to: str
    kind: str
    token: str


def normalise_address(address: str) -> str:
    """The address trimmed and lower-cased; InvalidInput unless it looks like an e-mail address."""
    return model.checked_email(address, code="wallet.email_invalid")


def sign_up(session: Session, ctx: WalletContext, *, name: str, email: str, password_hash: str,
            now: datetime) -> tuple[Learner | None, Outgoing]:
    """A new learner with an unconfirmed address and their own did:key, plus the confirmation mail. If the
    address already belongs to someone, no account is made and its owner is mailed a sign-in link instead
    (the page looks the same either way, so sign-up tells no one which addresses have wallets)."""
    address = normalise_address(email)
    if not name.strip() or len(name.strip()) > 200:
        raise InvalidInput("wallet.name_missing", "Enter your name (up to 200 characters).", path="/name")
    text.check_line(name, path="/name")
    owner = verified_email(session, address)
    if owner is not None:
        owner.mail_sent_at = now
        return None, Outgoing(address, "already_registered", sign_in_token(ctx, owner.learner))
    private = keys.generate()
    did = dids.did_key(private.public_key())
    learner = Learner(name=name.strip(), password_hash=password_hash, did=did, created_at=now,
                      sealed_key=keys.seal(private, ctx.kek, aad=_key_aad(did)))
    row = LearnerEmail(address=address, created_at=now, mail_sent_at=now)
    learner.emails.append(row)
    session.add(learner)
    session.flush()
    return learner, Outgoing(address, "confirm", confirm_token(ctx, row))


def signer(ctx: WalletContext, learner: Learner) -> Ed25519Signer:
    """A Signer for the learner's own key, verification method `did:key:z...#z...`."""
    return keys.signer(learner.sealed_key, ctx.kek, aad=_key_aad(learner.did),
                       verification_method=dids.did_key_method(learner.did))


def _key_aad(did: str) -> bytes:
    return f"badges learner key {did}".encode()


def confirm_token(ctx: WalletContext, row: LearnerEmail) -> str:
    """The signed token of a confirmation link for one address row."""
    return _serializer(ctx, CONFIRM_SALT).dumps({"e": row.id, "a": row.address})


def confirm(session: Session, ctx: WalletContext, token: str, *, now: datetime) -> tuple[LearnerEmail, bool]:
    """Mark the address of a confirmation link confirmed; (row, True) the first time, (row, False) after.
    InvalidInput for a bad or expired link, Conflict if another learner confirmed the address first."""
    payload = _load(ctx, CONFIRM_SALT, token, CONFIRM_MAX_AGE, now)
    row = session.get(LearnerEmail, payload.get("e")) if isinstance(payload.get("e"), int) else None
    if row is None or row.address != payload.get("a"):
        raise InvalidInput("wallet.link_invalid", "This link is not valid (the address was removed?).")
    if row.verified_at is not None:
        return row, False
    owner = verified_email(session, row.address)
    if owner is not None:
        raise Conflict("wallet.email_taken", "This address is already confirmed for another wallet.")
    try:
        with session.begin_nested():
            row.verified_at, row.verified_address = now, row.address
            row.mail_sent_at = None  # its mail did its job: a sign-in link may follow at once
    except IntegrityError:
        raise Conflict("wallet.email_taken", "This address is already confirmed for another wallet.") from None
    return row, True


def check_throttle(session: Session, ctx: WalletContext, email: str, *, now: datetime) -> None:
    """Throttled after MAX_FAILURES failed sign-ins for this address within FAILURE_WINDOW."""
    failures = session.scalar(select(func.count()).select_from(SignInFailure).where(
        SignInFailure.lookup == email_lookup(email, ctx.lookup_key), SignInFailure.at > now - FAILURE_WINDOW))
    if failures is not None and failures >= MAX_FAILURES:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise Throttled("wallet.too_many_attempts", f"Too many failed sign-ins for this address. Wait "
                        f"{minutes} minutes, or ask for a sign-in link by e-mail.")


def learner_for_sign_in(session: Session, email: str) -> Learner | None:
    """The learner whose confirmed address this is, or None."""
    try:
        row = verified_email(session, normalise_address(email))
    except InvalidInput:
        return None
    return row.learner if row is not None else None


def record_failure(session: Session, ctx: WalletContext, email: str, *, now: datetime) -> None:
    """Count a failed sign-in (only a keyed hash of the address is kept); old failures are dropped."""
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - FAILURE_WINDOW))
    session.add(SignInFailure(lookup=email_lookup(email, ctx.lookup_key), at=now))


def record_sign_in(session: Session, ctx: WalletContext, learner: Learner, *, email: str | None,
                   now: datetime) -> None:
    """Note a successful sign-in: failures for the address are forgotten, open sign-in links stop working."""
    if email is not None:
        session.execute(delete(SignInFailure).where(SignInFailure.lookup == email_lookup(email, ctx.lookup_key)))
    learner.signed_in_at = now


def sign_in_token(ctx: WalletContext, learner: Learner) -> str:
    """The signed token of a one-time sign-in link."""
    last = learner.signed_in_at.isoformat() if learner.signed_in_at else ""
    return _serializer(ctx, SIGN_IN_SALT).dumps({"l": learner.id, "s": last})


def request_sign_in_link(session: Session, ctx: WalletContext, email: str, *, now: datetime) -> Outgoing | None:
    """A sign-in link mail for a confirmed address (None for an unknown one, or if one went out a minute ago)."""
    try:
        row = verified_email(session, normalise_address(email))
    except InvalidInput:
        return None
    if row is None or (row.mail_sent_at is not None and row.mail_sent_at > now - RESEND_AFTER):
        return None
    row.mail_sent_at = now
    return Outgoing(row.address, "sign_in", sign_in_token(ctx, row.learner))


def sign_in_with_link(session: Session, ctx: WalletContext, token: str, *, now: datetime) -> Learner:
    """The learner of a sign-in link, signed in; InvalidInput if it is bad, expired or already used."""
    payload = _load(ctx, SIGN_IN_SALT, token, SIGN_IN_MAX_AGE, now)
    learner = session.get(Learner, payload.get("l")) if isinstance(payload.get("l"), int) else None
    if learner is None:
        raise InvalidInput("wallet.link_invalid", "This link is not valid.")
    last = learner.signed_in_at.isoformat() if learner.signed_in_at else ""
    if payload.get("s") != last:
        raise InvalidInput("wallet.link_used", "This sign-in link was already used. Ask for a new one.")
    record_sign_in(session, ctx, learner, email=None, now=now)
    return learner


def add_address(session: Session, ctx: WalletContext, learner: Learner, email: str, *, now: datetime) -> Outgoing:
    """Another address for the learner, unconfirmed until its link is opened; returns the confirmation mail."""
    address = normalise_address(email)
    if any(e.address == address for e in learner.emails):
        raise Conflict("wallet.email_already_added", "This address is already in your wallet.")
    if len(learner.emails) >= MAX_ADDRESSES:
        raise InvalidInput("wallet.too_many_emails", f"A wallet holds up to {MAX_ADDRESSES} addresses.")
    row = LearnerEmail(address=address, created_at=now, mail_sent_at=now)
    learner.emails.append(row)
    session.flush()
    return Outgoing(address, "confirm", confirm_token(ctx, row))


def resend(session: Session, ctx: WalletContext, learner: Learner, email_id: int, *, now: datetime) -> Outgoing:
    """The confirmation mail again; Throttled within a minute of the last one."""
    row = _own_address(learner, email_id)
    if row.mail_sent_at is not None and row.mail_sent_at > now - RESEND_AFTER:
        raise Throttled("wallet.resend_too_soon", "A link was sent less than a minute ago; check your inbox.")
    row.mail_sent_at = now
    return Outgoing(row.address, "confirm", confirm_token(ctx, row))


def resend_confirmation(session: Session, ctx: WalletContext, email: str, *, now: datetime) -> Outgoing | None:
    """The confirmation mail again for the newest unconfirmed claim of `email`; None if there is none or one
    went out within a minute (the page says the same either way)."""
    try:
        address = normalise_address(email)
    except InvalidInput:
        return None
    row = session.scalar(select(LearnerEmail).where(LearnerEmail.address == address,
                                                    LearnerEmail.verified_at.is_(None))
                         .order_by(LearnerEmail.id.desc()).limit(1))
    if row is None or (row.mail_sent_at is not None and row.mail_sent_at > now - RESEND_AFTER):
        return None
    row.mail_sent_at = now
    return Outgoing(row.address, "confirm", confirm_token(ctx, row))


def remove_address(session: Session, learner: Learner, email_id: int) -> None:
    """Remove an address; Conflict for the last confirmed one (the learner signs in with it)."""
    row = _own_address(learner, email_id)
    if row.verified_at is not None and sum(e.verified_at is not None for e in learner.emails) == 1:
        raise Conflict("wallet.email_last", "This is your only confirmed address; add and confirm another first.")
    learner.emails.remove(row)
    session.delete(row)


def _own_address(learner: Learner, email_id: int) -> LearnerEmail:
    row = next((e for e in learner.emails if e.id == email_id), None)
    if row is None:
        raise NotFound("wallet.email_not_found", "There is no such address in your wallet.")
    return row


def _serializer(ctx: WalletContext, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.secret_key, salt=salt)


def _load(ctx: WalletContext, salt: str, token: str, max_age: timedelta, now: datetime) -> dict[str, Any]:
    """The payload of a link signed less than `max_age` before `now`; InvalidInput otherwise."""
    try:
        payload, signed_at = _serializer(ctx, salt).loads(token, return_timestamp=True)
    except BadSignature:
        raise InvalidInput("wallet.link_invalid", "This link is not valid.") from None
    if now - signed_at > max_age:
        raise InvalidInput("wallet.link_expired", "This link has expired. Ask for a new one.")
    return payload if isinstance(payload, dict) else {}
