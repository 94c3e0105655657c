"""What a learner takes away: a presentation signed with their own did:key, and everything as JSON."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from badges import presentations
from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.proofs import xsd_datetime
from store.wallet import Learner, ShareLink
from wallet import accounts
from wallet.service import Entry, WalletContext

MAX_NONCE = 200


def signed_presentation(ctx: WalletContext, learner: Learner, chosen: Sequence[Entry], *, now: datetime,
                        challenge: str | None = None, domain: str | None = None) -> JsonObject:
    """A VerifiablePresentation of the chosen credentials (as issued), signed by the learner for
    authentication; InvalidInput for an empty choice, a hidden badge or an over-long challenge or domain."""
    if not chosen:
        raise InvalidInput("wallet.export_nothing_chosen", "Choose at least one badge.")
    if any(e.item.hidden for e in chosen):
        raise InvalidInput("wallet.item_hidden", "Unhide a badge before exporting it.")
    for name, value in (("challenge", challenge), ("domain", domain)):
        if value is not None and len(value) > MAX_NONCE:
            raise InvalidInput("wallet.export_nonce_too_long", f"The {name} is over {MAX_NONCE} characters.",
                               path=f"/{name}")
    unsigned = presentations.presentation([e.document for e in chosen], holder=learner.did,
                                          presentation_id=f"urn:uuid:{uuid.uuid4()}")
    return presentations.sign_presentation(unsigned, signer=accounts.signer(ctx, learner), created=now,
                                           challenge=challenge or None, domain=domain or None)


def everything(learner: Learner, all_entries: Sequence[Entry], links: Sequence[ShareLink], *, now: datetime,
               share_url: Callable[[ShareLink], str]) -> JsonObject:
    """The whole wallet as JSON: account, every credential (hidden ones too) with its last report, and links."""
    by_id = {e.item.id: e.item.public_id for e in all_entries}
    return {
        "exportedAt": xsd_datetime(now),
        "learner": {"name": learner.name, "did": learner.did, "createdAt": xsd_datetime(learner.created_at),
                    "emails": [{"address": e.address, "confirmed": e.verified_at is not None}
                               for e in learner.emails]},
        "credentials": [{
            "walletId": e.item.public_id, "origin": e.item.origin, "sourceUrl": e.item.source_url,
            "addedAt": xsd_datetime(e.item.added_at), "hidden": e.item.hidden, "onProfile": e.item.on_profile,
            "verdict": e.item.verdict, "checkedAt": xsd_datetime(e.item.checked_at),
            "report": json.loads(e.item.report), "credential": e.document} for e in all_entries],
        "shareLinks": [{"url": share_url(link), "label": link.label, "createdAt": xsd_datetime(link.created_at),
                        "badge": by_id.get(link.item_id) if link.item_id else None} for link in links],
    }
