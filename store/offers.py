"""OpenID4VCI credential offers (pre-authorized code flow), their c_nonces, and the holder-bound copies issued
through them.

Shared by the wallet (the learner makes an offer of their own badge) and the issuer (the console makes one for a
person; the protocol endpoints redeem them), so it lives here and neither feature imports the other. Only hashes
of the pre-authorized code, the transaction code and the access token are stored: a database read does not hand
out credentials. The protocol rules (what a token request or a proof must hold) live in issuer/oid4vci.py.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.links import Links
from store.models import Base, Credential

OFFER_LIFETIME = timedelta(minutes=15)  # the pre-authorized code's, from the offer's creation
TX_CODE_LENGTH = 6
TX_CODE_ATTEMPTS = 5  # wrong transaction codes before the offer is spent: 6 digits are guessable online
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential"  # the one credential configuration every organisation offers
OFFER_SCHEME = "openid-credential-offer://"


class CredentialOffer(Base):
    """One offer of one stored credential to a wallet app: single use, expiring, optionally behind a
    transaction code; once redeemed it holds the access token (hashed) that fetches the credential once."""

    __tablename__ = "credential_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)  # credential_offer_uri path segment
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the pre-authorized code
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))  # None: no transaction code asked
    tx_code_failures: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(200))  # "learner:<id>" or "staff:<e-mail>"
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]  # the token request that spent the pre-authorized code
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    issued_copy_id: Mapped[str | None] = mapped_column(ForeignKey("held_copies.id"))  # the credential it gave

    credential: Mapped[Credential] = relationship()


class OfferNonce(Base):
    """A c_nonce from the nonce endpoint: used once by a proof, before it expires."""

    __tablename__ = "offer_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]


class HeldCopy(Base):
    """A copy of a stored credential bound to its holder's DID (credentialSubject.id) and signed by the same
    organisation; it carries the original's status entry, so revoking the original revokes it too."""

    __tablename__ = "held_copies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the copy's id is urn:uuid:<id>
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    holder_did: Mapped[str] = mapped_column(String(300))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime]

    credential: Mapped[Credential] = relationship()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewOffer:
    """An offer just made, with the secrets shown once: the pre-authorized code (inside the offer) and the
    transaction code to give the holder on another channel (None when none is asked)."""

    offer: CredentialOffer
    pre_authorized_code: str
    tx_code: str | None


def create_offer(session: Session, credential: Credential, *, created_by: str, now: datetime,
                 tx_code: bool = True) -> NewOffer:
    """A new offer of `credential` (the caller decided who may make one: its holder, or its organisation's staff)."""
    code = secrets.token_urlsafe(32)
    pin = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH)) if tx_code else None
    offer = CredentialOffer(public_id=secrets.token_urlsafe(24), credential_id=credential.id, code_hash=digest(code),
                            created_by=created_by[:200], created_at=now, expires_at=now + OFFER_LIFETIME)
    session.add(offer)
    session.flush()
    if pin is not None:
        offer.tx_code_hash = tx_code_digest(offer, pin)
    return NewOffer(offer, code, pin)


def tx_code_digest(offer: CredentialOffer, pin: str) -> str:
    """The stored form of a transaction code, bound to its offer."""
    return hmac.new(offer.public_id.encode(), pin.encode(), hashlib.sha256).hexdigest()


def offer_by_code(session: Session, code: str) -> CredentialOffer | None:
    """The offer whose pre-authorized code is `code`, locked for the redemption."""
    return session.scalar(select(CredentialOffer).where(CredentialOffer.code_hash == digest(code)).with_for_update())


def offer_by_token(session: Session, token: str) -> CredentialOffer | None:
    """The offer an access token was issued for, locked so it gives one credential."""
    return session.scalar(select(CredentialOffer).where(CredentialOffer.token_hash == digest(token))
                          .with_for_update())


def offer_by_public_id(session: Session, public_id: str) -> CredentialOffer | None:
    return session.scalar(select(CredentialOffer).where(CredentialOffer.public_id == public_id))


def issuer_identifier(links: Links, slug: str) -> str:
    """The Credential Issuer Identifier of an organisation: its public page's URL."""
    return links.org(slug)


def offer_document(links: Links, slug: str, new: NewOffer) -> dict[str, object]:
    """The Credential Offer (OpenID4VCI 1.0 §4.1.1) of a new offer."""
    grant: dict[str, object] = {"pre-authorized_code": new.pre_authorized_code}
    if new.tx_code is not None:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH,
                            "description": "배지 페이지에 표시된 6자리 코드 / The 6-digit code shown with the offer"}
    return {"credential_issuer": issuer_identifier(links, slug), "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED_GRANT: grant}}


def offer_uri(document: dict[str, object]) -> str:
    """The deep link carrying the offer by value: openid-credential-offer://?credential_offer=..."""
    return OFFER_SCHEME + "?credential_offer=" + quote(json.dumps(document, ensure_ascii=False,
                                                                  separators=(",", ":")), safe="")


def new_nonce(session: Session, *, now: datetime, lifetime: timedelta) -> str:
    """A fresh c_nonce, stored hashed; expired ones are cleared on the way."""
    session.execute(delete(OfferNonce).where(OfferNonce.expires_at < now))
    nonce = secrets.token_urlsafe(24)
    session.add(OfferNonce(nonce_hash=digest(nonce), expires_at=now + lifetime))
    session.flush()
    return nonce


def use_nonce(session: Session, nonce: str, *, now: datetime) -> bool:
    """True when `nonce` was issued and has not expired; it cannot be used again either way."""
    found = session.scalar(select(OfferNonce).where(OfferNonce.nonce_hash == digest(nonce)).with_for_update())
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return found.expires_at >= now


def copy_of(session: Session, copy_id: str) -> HeldCopy | None:
    return session.get(HeldCopy, copy_id)
