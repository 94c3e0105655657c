"""API tokens: one organisation each, limited to the scopes they were created with; stored hashed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import InvalidInput
from store.models import ApiToken, Org

SCOPES = ("read", "issue", "revoke", "courses")  # read state; issue badges; revoke/suspend; manage courses


def create_api_token(session: Session, *, org: Org, label: str, now: datetime,
                     scopes: tuple[str, ...] = SCOPES) -> str:
    """A new API token for `org`; the plain token is returned once and only its hash is stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput("token.scope_unknown", f"Scopes must be some of {', '.join(SCOPES)}; "
                           f"not {', '.join(unknown) or 'none'}.", path="/scopes")
    token = "bdg_" + secrets.token_urlsafe(32)
    session.add(ApiToken(org_id=org.id, token_hash=token_hash(token), label=label, created_at=now,
                         scopes=" ".join(s for s in SCOPES if s in scopes)))
    return token


def token_hash(token: str) -> str:
    """SHA-256 of an API token (tokens are 256-bit random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_token(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token record for a presented token, or None."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                 ApiToken.revoked_at.is_(None)))


def revoke_token(session: Session, *, org: Org, token_id: int, now: datetime) -> None:
    """Stop a token of `org` from working."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == org.id))
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
