"""Applications a learner lets into their wallet through the Open Badges 3.0 API (OAuth 2.0): registered clients,
authorization codes and tokens. Secrets, codes and tokens are kept as SHA-256 digests only, so a copy of the
database lets no one in. Models hold data only; the protocol lives in wallet/ (Authlib).
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.models import Base
from store.wallet import Learner


def digest(secret: str) -> str:
    """The SHA-256 hex digest a secret, code or token is stored and looked up by (they are random and long, so
    an unsalted digest is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base):
    """An application registered by RFC 7591 dynamic client registration: its metadata as it was accepted."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64))  # None: a public client (PKCE only)
    client_name: Mapped[str] = mapped_column(String(200))
    client_metadata: Mapped[bytes] = mapped_column(LargeBinary)  # the accepted RFC 7591 metadata, as JSON
    created_at: Mapped[datetime]


class OAuthCode(Base):
    """An authorization code a learner granted on the consent page; used once, within minutes."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]

    client: Mapped[OAuthClient] = relationship()
    learner: Mapped[Learner] = relationship()


class OAuthToken(Base):
    """An access token with its refresh token. Refreshing revokes the row and makes a new one; the learner
    revoking an application revokes all of its rows at once."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(1000))
    issued_at: Mapped[datetime]
    expires_in: Mapped[int]  # seconds the access token lives
    refresh_expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    client: Mapped[OAuthClient] = relationship()
    learner: Mapped[Learner] = relationship()


def client_by_client_id(session: Session, client_id: str) -> OAuthClient | None:
    """The registered client with this `client_id`, or None."""
    return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


def code_by_value(session: Session, code: str, *, client: OAuthClient) -> OAuthCode | None:
    """The unused code `code` issued to `client`, or None."""
    return session.scalar(select(OAuthCode).where(OAuthCode.code_hash == digest(code),
                                                  OAuthCode.client_id == client.id))


def token_by_access(session: Session, access_token: str) -> OAuthToken | None:
    """The token row of an access token, or None."""
    return session.scalar(select(OAuthToken).where(OAuthToken.access_hash == digest(access_token)))


def token_by_refresh(session: Session, refresh_token: str) -> OAuthToken | None:
    """The token row of a refresh token, or None."""
    return session.scalar(select(OAuthToken).where(OAuthToken.refresh_hash == digest(refresh_token)))


def connected(session: Session, learner_id: int, *, now: datetime) -> list[tuple[OAuthClient, str, datetime]]:
    """(client, scope granted, first granted) of each application that can still reach the learner's wallet."""
    rows = session.execute(select(OAuthToken).where(
        OAuthToken.learner_id == learner_id, OAuthToken.revoked_at.is_(None),
        OAuthToken.refresh_expires_at > now).order_by(OAuthToken.id)).scalars()
    found: dict[int, tuple[OAuthClient, str, datetime]] = {}
    for token in rows:
        first = found.get(token.client_id)
        found[token.client_id] = (token.client, token.scope, first[2] if first else token.issued_at)
    return list(found.values())


def disconnect(session: Session, learner_id: int, client_id: int, *, now: datetime) -> int:
    """Revoke every token and drop every unused code of one application for one learner; how many tokens."""
    session.query(OAuthCode).filter(OAuthCode.learner_id == learner_id, OAuthCode.client_id == client_id).delete()
    result = session.execute(update(OAuthToken).where(
        OAuthToken.learner_id == learner_id, OAuthToken.client_id == client_id,
        OAuthToken.revoked_at.is_(None)).values(revoked_at=now))
    return int(getattr(result, "rowcount", 0) or 0)
