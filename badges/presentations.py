"""Verifiable Presentations (VC DM 2.0 §4.13): credentials a holder sends, signed with the holder's did:key."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from badges import dids, model, multikey, proofs
from badges.errors import InvalidInput, Problem
from badges.jsonld import JsonObject
from badges.jsontext import from_json
from badges.report import CRYPTO_ERROR, MALFORMED, PARSING_ERROR, CheckFailed, VerificationReport
from badges.verify import Resolver, check_contexts, verify_credential

MAX_PRESENTATION_BYTES = 8_000_000


@dataclass(frozen=True, slots=True)
class PresentationReport:
    """The holder's proof (None when it holds) and one verification report per enclosed credential."""

    problem: Problem | None
    holder: str | None
    credentials: tuple[VerificationReport, ...]

    @property
    def verified(self) -> bool:
        """True when the holder's proof holds and every credential in it verifies."""
        return self.problem is None and all(r.verified for r in self.credentials)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {"verified": self.verified, "holder": self.holder,
                "problem": self.problem.as_json() if self.problem else None,
                "credentials": [r.as_json() for r in self.credentials]}


def presentation(credentials: Sequence[JsonObject], *, holder: str, presentation_id: str | None = None) -> JsonObject:
    """An unsigned VerifiablePresentation of `credentials` (each as issued) held by the DID `holder`."""
    doc: JsonObject = {"@context": [model.VC_V2], "type": ["VerifiablePresentation"], "holder": holder,
                       "verifiableCredential": list(credentials)}
    if presentation_id is not None:
        doc["id"] = presentation_id
    return doc


def sign_presentation(doc: JsonObject, *, signer: proofs.Signer, created: datetime,
                      challenge: str | None = None, domain: str | None = None) -> JsonObject:
    """The presentation with the holder's authentication proof (VC-DI §2.1 proofPurpose, challenge, domain)."""
    return proofs.sign(doc, signer=signer, created=created, purpose=proofs.AUTHENTICATION,
                       challenge=challenge, domain=domain)


def verify_presentation(raw: bytes | str, *, resolve: Resolver, now: datetime,
                        skew: timedelta = timedelta(minutes=5), challenge: str | None = None,
                        domain: str | None = None) -> PresentationReport:
    """Check the holder's did:key authentication proof (and the expected challenge and domain), then verify
    every enclosed credential with badges.verify; never raises for a bad presentation."""
    holder = None
    try:
        doc = _parse(raw)
        holder = doc.get("holder") if isinstance(doc.get("holder"), str) else None
        check_holder_proof(doc, challenge=challenge, domain=domain)
    except CheckFailed as e:
        return PresentationReport(e.problem, holder, ())
    enclosed = doc.get("verifiableCredential", [])
    reports = tuple(verify_credential(json.dumps(vc, ensure_ascii=False), resolve=resolve, now=now, skew=skew)
                    for vc in (enclosed if isinstance(enclosed, list) else [enclosed]))
    return PresentationReport(None, holder, reports)


def check_holder_proof(doc: JsonObject, *, challenge: str | None, domain: str | None) -> None:
    """The presentation is signed for authentication by its holder's did:key; CheckFailed says why not."""
    if "VerifiablePresentation" not in (doc.get("type") or []):
        raise CheckFailed(MALFORMED, "presentation.wrong_type", "The document is not a VerifiablePresentation.",
                          path="/type")
    check_contexts(doc)
    holder = doc.get("holder")
    if not isinstance(holder, str) or not holder.startswith("did:key:"):
        raise CheckFailed(MALFORMED, "presentation.holder_unsupported",
                          "The presentation's holder must be a did:key.", path="/holder")
    proof = proofs.proof_of(doc, purpose=proofs.AUTHENTICATION)
    if proof.get("verificationMethod") != dids.did_key_method(holder):
        raise CheckFailed(CRYPTO_ERROR, "presentation.not_holders_key",
                          "The presentation was not signed with its holder's key.", path="/proof/verificationMethod")
    for name, expected in (("challenge", challenge), ("domain", domain)):
        if expected is not None and proof.get(name) != expected:
            raise CheckFailed(CRYPTO_ERROR, f"presentation.{name}_mismatch",
                              f"The proof's {name} is {proof.get(name)!r}, not the expected {expected!r}.",
                              path=f"/proof/{name}")
    try:
        key = multikey.public_key(holder.removeprefix("did:key:"))
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, "presentation.holder_unsupported", f"{holder}: {e.detail}") from None
    proofs.verify_proof(doc, public_key=key, purpose=proofs.AUTHENTICATION)


def _parse(raw: bytes | str) -> JsonObject:
    if len(raw) > MAX_PRESENTATION_BYTES:
        raise CheckFailed(PARSING_ERROR, "presentation.too_large",
                          f"The presentation is over {MAX_PRESENTATION_BYTES} bytes.")
    try:
        doc = from_json(raw)
    except (ValueError, RecursionError) as e:
        raise CheckFailed(PARSING_ERROR, "parse.not_json", f"The presentation is not valid JSON: {e}.") from None
    if not isinstance(doc, dict):
        raise CheckFailed(PARSING_ERROR, "parse.not_object", "The presentation must be a JSON object.")
    return doc
