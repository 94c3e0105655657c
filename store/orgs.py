"""Looking organisations up, and the DID document their stored keys make."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badges import dids
from badges.errors import NotFound
from badges.jsonld import JsonObject
from store.models import Org, SigningKey


def find_org(session: Session, slug: str) -> Org | None:
    """The organisation with this short name, or None."""
    return session.scalar(select(Org).where(Org.slug == slug))


def get_org(session: Session, slug: str) -> Org:
    """The organisation with this short name; NotFound otherwise."""
    org = find_org(session, slug)
    if org is None:
        raise NotFound("org.not_found", f"There is no organisation {slug!r}.")
    return org


def select_orgs() -> Select[Any]:
    """All organisations, by name."""
    return select(Org).order_by(Org.name_en)


def org_by_did(session: Session, did: str) -> Org | None:
    """The organisation whose did:web is `did`, if it is one of ours."""
    return session.scalar(select(Org).where(Org.did == did))


def did_document_of(session: Session, did: str) -> JsonObject | None:
    """The DID document of one of our organisations by its did:web (one query), or None when it is not ours."""
    found = session.execute(select(SigningKey.fragment, SigningKey.public_multibase).join(Org)
                            .where(Org.did == did).order_by(SigningKey.id)).all()
    return dids.did_document(did, [(fragment, mk) for fragment, mk in found]) if found else None


def did_document(org: Org) -> JsonObject:
    """The organisation's DID document: every key it ever signed with, as assertion methods."""
    return dids.did_document(org.did, [(k.fragment, k.public_multibase) for k in org.keys])
