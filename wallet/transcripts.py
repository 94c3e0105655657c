"""The learner's CLR 2.0 transcript: chosen badges verified again now, put in a ClrCredential as issued, and
signed by the platform (whose signer bootstrap.wiring gives the wallet: the wallet never imports the issuer).
Verification runs outside any transaction, like wallet.reports; so does the platform's signer, which opens its
own."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from badges import clr
from badges.errors import InvalidInput, Unavailable
from badges.jsonld import JsonObject
from badges.report import CheckId, Outcome
from store.wallet import Learner
from wallet import reports
from wallet.service import Entry, WalletContext, confirmed_addresses, document_bytes, holder_for


def includable(e: Entry) -> bool:
    """A badge that can go in a transcript: shown, verified valid at its last check, and a JSON-LD credential
    with an embedded proof (a VC-JWT or an Open Badges 2.0 assertion cannot sit inside a ClrCredential)."""
    doc = e.document
    return (not e.item.hidden and e.item.verdict == "valid" and isinstance(doc.get("proof"), (dict, list))
            and "VerifiableCredential" in (doc.get("type") or []))


@dataclass(frozen=True, slots=True)
class Wanted:
    """A transcript to make, read from the database before verification starts (no ORM objects after it)."""

    did: str
    name: str
    addresses: tuple[str, ...]
    badges: tuple[tuple[str, bytes], ...]  # (title, the credential as issued)


def wanted(learner: Learner, chosen: Sequence[Entry]) -> Wanted:
    """What `transcript` needs of the learner and the chosen badges (call inside the reading transaction);
    InvalidInput for none or too many, or naming a badge that cannot go in a transcript."""
    if not chosen:
        raise InvalidInput("wallet.export_nothing_chosen", "Choose at least one badge.")
    if len(chosen) > clr.MAX_CREDENTIALS:
        raise InvalidInput("wallet.clr_too_many", f"A transcript holds up to {clr.MAX_CREDENTIALS} badges.")
    for e in chosen:
        if not includable(e):
            raise InvalidInput("wallet.clr_not_includable", f"{e.course.title!r} cannot go in a transcript: only "
                               "verified, unrevoked Open Badges 3.0 credentials can.")
    return Wanted(learner.did, learner.name, tuple(confirmed_addresses(learner)),
                  tuple((e.course.title, document_bytes(e.item)) for e in chosen))


def transcript(ctx: WalletContext, wanted: Wanted, *, now: datetime) -> bytes:
    """The signed CLR as JSON bytes, each badge verified again now (call with no transaction open);
    InvalidInput naming a badge that no longer verifies, or that names none of the learner's confirmed addresses
    (the CLR identifies its learner by the badges' IdentityObjects: a verifier would take it for someone else's)."""
    if ctx.attest is None:
        raise Unavailable("wallet.clr_unavailable", "Transcripts cannot be signed here.")
    included: list[clr.Included] = []
    identifiers: dict[str, JsonObject] = {}
    for title, raw in wanted.badges:
        document = json.loads(raw)
        report = reports.verify(ctx, raw, now=now, holder=holder_for(document, wanted.addresses))
        if not report.verified:
            raise InvalidInput("wallet.clr_not_verified", f"{title!r} does not verify now ({report.verdict}); "
                               "leave it out.")
        if report.check(CheckId.RECIPIENT).outcome is not Outcome.PASSED:  # e.g. a badge naming no e-mail at all
            raise InvalidInput("wallet.clr_not_yours", f"{title!r} names none of your confirmed e-mail addresses, "
                               "so a transcript cannot show it is yours (badges.clr.check_learner); leave it out.")
        for identity in document.get("credentialSubject", {}).get("identifier", []):  # the learner's, hashed
            identifiers.setdefault(json.dumps(identity, sort_keys=True), identity)
        included.append(clr.Included(document, now))
    profile, signer = ctx.attest()
    unsigned = clr.clr_credential(
        included=included, issuer=profile, learner_id=wanted.did, identifiers=list(identifiers.values()),
        name=f"{wanted.name} 성적증명서 (CLR) / Transcript of {wanted.name}",
        description=f"{profile.get('name')} verified each credential included here at the time its evidence "
                    "entry names (its issuer's proof, validity and status held), and signs this record to attest it.",
        issued=now)
    return json.dumps(clr.sign_clr(unsigned, signer=signer, created=now), ensure_ascii=False, indent=2).encode()
