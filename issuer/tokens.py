"""API tokens: one organisation each, limited to the scopes they were created with; stored hashed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import text
from badges.errors import InvalidInput, NotFound
from store.models import ApiToken, Org

SCOPES = ("read", "issue", "revoke", "courses")  # read state; issue badges; revoke/suspend; manage courses


def create_api_token(session: Session, *, org: Org, label: str, now: datetime,
                     scopes: tuple[str, ...] = SCOPES) -> str:
    """A new API token for `org`; the plain token is returned once and only its hash is stored."""
    return new_token(session, org=org, label=label, now=now, scopes=scopes)[1]


def new_token(session: Session, *, org: Org, label: str, now: datetime,
              scopes: tuple[str, ...] = SCOPES) -> tuple[ApiToken, str]:
    """The stored record of a new API token and the plain token (shown once); InvalidInput for unknown
    scopes, none at all, or a label over 100 characters."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput("tokens.scope_unknown", f"Scopes must be some of {', '.join(SCOPES)}; "
                           f"not {', '.join(unknown) or 'none'}.", path="/scopes")
    text.check_line(label, path="/label")
    if len(label) > 100:
        raise InvalidInput("tokens.label_too_long", "Keep the label to 100 characters.", path="/label")
    token = "bdg_" + secrets.token_urlsafe(32)
    record = ApiToken(org_id=org.id, token_hash=token_hash(token), label=label.strip(), created_at=now,
                      scopes=" ".join(s for s in SCOPES if s in scopes))
    session.add(record)
    session.flush()
    return record, token


def token_hash(token: str) -> str:
    """SHA-256 of an API token (tokens are 256-bit random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_token(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token record for a presented token, or None."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                 ApiToken.revoked_at.is_(None)))


def org_tokens(session: Session, *, org_id: int) -> list[ApiToken]:
    """The organisation's tokens, working ones first, newest first within each group."""
    return list(session.scalars(select(ApiToken).where(ApiToken.org_id == org_id)
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def revoke_token(session: Session, *, org: Org, token_id: int, now: datetime) -> ApiToken:
    """Stop a token of `org` from working (revoking twice changes nothing); NotFound for another's."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == org.id))
    if token is None:
        raise NotFound("tokens.not_found", "There is no such API token in this organisation.")
    if token.revoked_at is None:
        token.revoked_at = now
    return token
