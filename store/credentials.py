"""Looking issued credentials up."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import NotFound
from store.models import Credential


def get_credential(session: Session, credential_id: str, *, org_id: int | None = None) -> Credential:
    """The stored credential, within `org_id` when given (tenant isolation); NotFound otherwise."""
    query = select(Credential).where(Credential.id == credential_id)
    if org_id is not None:
        query = query.where(Credential.org_id == org_id)
    credential = session.scalar(query)
    if credential is None:
        raise NotFound("credential.not_found", f"There is no credential {credential_id!r} here.")
    return credential
