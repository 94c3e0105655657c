"""What the Open Badges 3.0 API (Host role) serves of a wallet: its credentials, a page at a time, and the
learner's Profile. No Flask; the caller owns the session. The protocol is in wallet.ob_oauth and wallet.ob_api.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges import text
from badges.errors import InvalidInput
from store.wallet import Learner, WalletItem
from wallet.service import confirmed_addresses, document_bytes

PROFILE_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the learner's credentials (as stored, verbatim) and how many there are in all."""

    documents: list[bytes]
    total: int


def _shown(learner_id: int, since: datetime | None) -> Any:
    # the learner's kept credentials; hidden ones stay private (the learner hid them from their own history)
    query = select(WalletItem).where(WalletItem.learner_id == learner_id, WalletItem.removed_at.is_(None),
                                     WalletItem.hidden.is_(False))
    return query.where(WalletItem.added_at >= since) if since is not None else query


def credentials_page(session: Session, learner: Learner, *, limit: int, offset: int,
                     since: datetime | None = None) -> Page:
    """`limit` of the learner's credentials from `offset`, oldest first, added at `since` or later."""
    total = session.scalar(select(func.count()).select_from(_shown(learner.id, since).subquery())) or 0
    items = session.scalars(_shown(learner.id, since).order_by(WalletItem.id).limit(limit).offset(offset))
    return Page([document_bytes(item) for item in items], total)


def profile(learner: Learner) -> dict[str, Any]:
    """The learner's OB 3.0 Profile: their DID, name, first confirmed address, and the other confirmed ones."""
    addresses = confirmed_addresses(learner)
    document: dict[str, Any] = {"@context": PROFILE_CONTEXT, "id": learner.did, "type": ["Profile"],
                                "name": learner.name}
    if addresses:
        document["email"] = addresses[0]
    if addresses[1:]:
        # the official Profile schema's IdentifierEntry `type` is the string "IdentifierEntry", never an array
        document["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": a, "identifierType": "emailAddress"}
                                       for a in addresses[1:]]
    return document


def update_profile(learner: Learner, body: dict[str, Any]) -> None:
    """Apply a Profile sent by an application: its `name` is the learner's new name. Its `id` must be the
    learner's, and any `email` one they confirmed (addresses are added and confirmed in the wallet only);
    InvalidInput otherwise."""
    if "id" in body and body["id"] != learner.did:
        raise InvalidInput("ob_api.profile_id", f"The profile's id must be {learner.did}.", path="/id")
    addresses: Sequence[str] = confirmed_addresses(learner)
    if "email" in body and str(body["email"]).strip().lower() not in addresses:
        raise InvalidInput("ob_api.profile_email", "Only an e-mail address confirmed in the wallet can be named; "
                           "add and confirm new addresses in the wallet itself.", path="/email")
    name = str(body["name"]).strip()
    if not name:
        raise InvalidInput("wallet.name_missing", "Enter your name (up to 200 characters).", path="/name")
    text.check_line(name, path="/name")
    learner.name = name
