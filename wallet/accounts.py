"""Learner accounts: sign-up, confirming e-mail addresses, sign-in and e-mailed sign-in links.

Passwords are hashed by the caller (web.security, argon2id); this module stores hashes only. Links are
signed, expiring itsdangerous tokens; a sign-in link names the learner's last sign-in, so it works once.
An address joins a wallet only when its holder presses the link of a mail (and page) naming that wallet and its
owner. The rule that keeps badges where they are: an address confirmed in another wallet is refused until that
wallet's owner removes it there, and so is a press by someone signed in to a different wallet.
A learner can delete their account with everything it holds (delete_account).
No Flask; the caller owns the session and sends the returned mail after committing. Sign-in attempts and mails
are throttled by the web layer (web.throttle), whose counts every app process shares.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import keys
from badges import dids, model, text
from badges.errors import BadgeError, Conflict, InvalidInput, NotFound
from badges.proofs import Ed25519Signer
from store import key_custody
from store.wallet import Learner, LearnerEmail, ShareLink, WalletItem, verified_email
from wallet.service import WalletContext

CONFIRM_SALT = "wallet.confirm-email"
SIGN_IN_SALT = "wallet.sign-in"
CONFIRM_MAX_AGE = timedelta(days=2)
SIGN_IN_MAX_AGE = timedelta(minutes=20)
RESEND_AFTER = timedelta(minutes=1)
MAX_ADDRESSES = 10


class Throttled(BadgeError):
    status = 429
    type = "about:blank"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An e-mail to send once the transaction commits: `kind` is confirm (the first address of a new wallet),
    confirm_add (another address for a wallet), sign_in or already_registered. A confirmation names the wallet
    the address would join: its owner's name and first confirmed address ("" for a new wallet)."""

    to: str
    kind: str
    token: str
    owner: str = ""
    owner_email: str = ""


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
                      sealed_key=keys.seal(private, ctx.kek, aad=key_custody.learner_key_aad(did)))
    row = LearnerEmail(address=address, created_at=now, mail_sent_at=now)
    learner.emails.append(row)
    session.add(learner)
    session.flush()
    return learner, confirmation(ctx, row)


def signer(ctx: WalletContext, learner: Learner) -> Ed25519Signer:
    """A Signer for the learner's own key, verification method `did:key:z...#z...`."""
    return keys.signer(learner.sealed_key, ctx.kek, aad=key_custody.learner_key_aad(learner.did),
                       verification_method=dids.did_key_method(learner.did), old=ctx.old_keks)


def confirm_token(ctx: WalletContext, row: LearnerEmail) -> str:
    """The signed token of a confirmation link for one address row."""
    return _serializer(ctx, CONFIRM_SALT).dumps({"e": row.id, "a": row.address})


def confirmation(ctx: WalletContext, row: LearnerEmail) -> Outgoing:
    """The confirmation mail of an address, naming the wallet it would join and that wallet's owner."""
    primary = primary_address(row.learner)
    return Outgoing(row.address, "confirm_add" if primary else "confirm", confirm_token(ctx, row),
                    owner=row.learner.name, owner_email=primary or "")


def primary_address(learner: Learner) -> str | None:
    """The learner's first confirmed address (how others recognise the wallet), or None for a new wallet."""
    return next((e.address for e in learner.emails if e.verified_at is not None), None)


def pending_confirmation(session: Session, ctx: WalletContext, token: str, *, now: datetime,
                         signed_in_as: int | None) -> LearnerEmail:
    """The address row a confirmation link would confirm, if it may be. InvalidInput for a bad or expired link;
    Conflict if the address is confirmed in another wallet (its badges never move without that wallet's owner
    removing it there first) or if the one pressing is signed in to a wallet other than the one it would join
    (whoever holds the address is then not that wallet's owner)."""
    payload = _load(ctx, CONFIRM_SALT, token, CONFIRM_MAX_AGE, now)
    row = session.get(LearnerEmail, payload.get("e")) if isinstance(payload.get("e"), int) else None
    if row is None or row.address != payload.get("a"):
        raise InvalidInput("wallet.link_invalid", "This link is not valid (the address was removed?).")
    if row.verified_at is not None:
        return row
    if signed_in_as is not None and signed_in_as != row.learner_id:
        raise Conflict("wallet.confirm_other_wallet", f"You are signed in to another wallet; this link would add "
                       f"{row.address} to the wallet of {row.learner.name}. If you did not ask for that, ignore it.")
    if verified_email(session, row.address) is not None:
        raise _taken()
    return row


def _taken() -> Conflict:
    return Conflict("wallet.email_taken", "This address is already confirmed in another wallet, and its badges "
                    "stay there. To move it, sign in to that wallet, remove the address on its Account page, then "
                    "open this link again.")


def confirm(session: Session, ctx: WalletContext, token: str, *, now: datetime,
            signed_in_as: int | None = None) -> tuple[LearnerEmail, bool]:
    """Mark the address of a confirmation link confirmed; (row, True) the first time, (row, False) after.
    Raises what pending_confirmation raises (and Conflict if another wallet confirmed it meanwhile)."""
    row = pending_confirmation(session, ctx, token, now=now, signed_in_as=signed_in_as)
    if row.verified_at is not None:
        return row, False
    try:
        with session.begin_nested():
            row.verified_at, row.verified_address = now, row.address
            row.mail_sent_at = None  # its mail did its job: a sign-in link may follow at once
    except IntegrityError:
        raise _taken() from None
    return row, True


def learner_for_sign_in(session: Session, email: str) -> Learner | None:
    """The learner whose confirmed address this is, or None."""
    try:
        row = verified_email(session, normalise_address(email))
    except InvalidInput:
        return None
    return row.learner if row is not None else None


def record_sign_in(learner: Learner, *, now: datetime) -> None:
    """Note a successful sign-in: open sign-in links stop working."""
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
    record_sign_in(learner, now=now)
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
    return confirmation(ctx, row)


def resend(session: Session, ctx: WalletContext, learner: Learner, email_id: int, *, now: datetime) -> Outgoing:
    """The confirmation mail again; Throttled within a minute of the last one."""
    row = _own_address(learner, email_id)
    if row.mail_sent_at is not None and row.mail_sent_at > now - RESEND_AFTER:
        raise Throttled("wallet.resend_too_soon", "A link was sent less than a minute ago; check your inbox.")
    row.mail_sent_at = now
    return confirmation(ctx, row)


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
    return confirmation(ctx, row)


def remove_address(session: Session, learner: Learner, email_id: int) -> None:
    """Remove an address; Conflict for the last confirmed one (the learner signs in with it)."""
    row = _own_address(learner, email_id)
    if row.verified_at is not None and sum(e.verified_at is not None for e in learner.emails) == 1:
        raise Conflict("wallet.email_last", "This is your only confirmed address; add and confirm another first.")
    learner.emails.remove(row)
    session.delete(row)


def delete_account(session: Session, learner: Learner) -> int:
    """Delete the learner and everything personal the wallet keeps (PIPA art. 21 and 36): addresses, imported
    and collected credentials with their reports, share links, the sealed key. Sessions end with the row (the
    cookie names a learner that no longer exists). Credentials that organisations issued to them stay where
    they are, verifiable by their own signature and status list; the wallet no longer links them to anyone.
    Returns how many rows were deleted."""
    learner_id, deleted = learner.id, 0
    for table in (ShareLink, WalletItem, LearnerEmail):
        deleted += session.execute(delete(table).where(table.learner_id == learner_id)
                                   .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    session.expire(learner, ["emails"])
    session.delete(learner)
    session.flush()
    return deleted + 1


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
