"""'Add to my wallet app': an OpenID4VCI credential offer of a badge issued here, made by its holder.

Only the holder makes one: the signed-in learner whose confirmed e-mail address the credential was issued to
(found by the keyed e-mail hash, then checked against the credential's salted identityHash). The offer itself is
stored by store.offers and redeemed at the issuer's endpoints (issuer.oid4vci); the wallet never imports the
issuer feature.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import qr
from badges.errors import Conflict, NotFound
from store import offers
from store.credentials import email_lookup
from store.models import Credential
from store.wallet import Learner, WalletItem
from wallet.service import WalletContext, confirmed_addresses, names_recipient


@dataclass(frozen=True, slots=True)
class Offer:
    """What the page shows once: the deep link, its QR code (a data: URL), the transaction code, the expiry."""

    uri: str
    qr_data_url: str
    tx_code: str | None
    expires_at: datetime


def holds(ctx: WalletContext, learner: Learner, credential: Credential) -> bool:
    """True when `credential` was issued to one of the learner's confirmed addresses."""
    addresses = confirmed_addresses(learner)
    mine = [a for a in addresses if email_lookup(a, ctx.lookup_key) == credential.recipient_lookup]
    return bool(mine) and names_recipient(json.loads(credential.document), mine) is True


def make_offer(session: Session, ctx: WalletContext, learner: Learner, item: WalletItem, *, now: datetime,
               tx_code: bool = True) -> Offer:
    """A new single-use offer of the item's credential to a wallet app (NotFound unless the learner holds it)."""
    credential = item.credential
    if credential is None:
        raise Conflict("wallet.offer_not_issued_here", "Only badges issued by this service can be added to a "
                       "wallet app from here; an imported badge comes from its own issuer.")
    if not holds(ctx, learner, credential):
        raise NotFound("wallet.offer_not_holder", "This badge was not issued to a confirmed address of yours.")
    if credential.revoked_at is not None:
        raise Conflict("wallet.offer_revoked", "The badge was revoked, so it cannot be added to a wallet app.")
    new = offers.create_offer(session, credential, created_by=f"learner:{learner.id}", now=now, tx_code=tx_code)
    uri = offers.offer_uri(offers.offer_document(ctx.links, credential.org.slug, new))
    png = base64.b64encode(qr.qr_png(uri, scale=4)).decode()
    return Offer(uri, f"data:image/png;base64,{png}", new.tx_code, new.offer.expires_at)


def item_of_credential(session: Session, learner: Learner, credential_id: str) -> WalletItem:
    """The learner's item of a credential issued here; NotFound when it is not in their wallet."""
    found = session.scalar(select(WalletItem).where(
        WalletItem.learner_id == learner.id, WalletItem.credential_id == credential_id[:40],
        WalletItem.removed_at.is_(None)))
    if found is None:
        raise NotFound("wallet.offer_not_holder", "This badge was not issued to a confirmed address of yours.")
    return found
