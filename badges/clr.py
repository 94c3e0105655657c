"""Comprehensive Learner Record (CLR 2.0): a ClrCredential holding a learner's badges exactly as issued, signed by
the platform's own did:web, and its verification (the CLR's own proof, then every credential inside through the
same pipeline as any badge). Pure functions; the caller supplies the signer and the resolver.

By signing, the platform attests that it verified each included credential at the time its evidence entry names
(every check of badges.verify passed then); the included credentials keep their own issuers' proofs, so a
reader can check each of them again without trusting the platform.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from badges import bounds, model, proofs
from badges.jsonld import JsonObject
from badges.report import CheckId, Outcome, VerificationReport
from badges.verify import Resolver, verify_credential

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CONTEXT = [model.VC_V2, CLR_V2, model.OB_V3]
MAX_CREDENTIALS = 100
MAX_CLR_BYTES = 4_000_000
# The outer document: up to MAX_CREDENTIALS badges of a few dozen objects each, within what the canonicalizer
# takes at all (bounds.DOCUMENT); each inner credential is then checked on its own against bounds.CREDENTIAL.
LIMITS = bounds.Limits(depth=32, array=MAX_CREDENTIALS, objects=5_000, values=20_000, contexts=4 * MAX_CREDENTIALS,
                       context_list=4)


class Attester(Protocol):
    """Who signs a CLR: returns the platform's issuer Profile and a signer for its active key."""

    def __call__(self) -> tuple[JsonObject, proofs.Signer]: ...


@dataclass(frozen=True, slots=True)
class Included:
    """A credential to include, as issued, and when the platform verified it."""

    credential: JsonObject
    verified_at: datetime


def is_clr(doc: Any) -> bool:
    """Whether a parsed document says it is a ClrCredential."""
    types = doc.get("type") if isinstance(doc, dict) else None
    return "ClrCredential" in (types if isinstance(types, list) else [types])


def looks_like_clr(raw: bytes | str) -> bool:
    """A cheap test on the text before any parsing: JSON naming the ClrCredential type."""
    head = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    return head.lstrip()[:1] == b"{" and b'"ClrCredential"' in head


def clr_credential(*, included: Sequence[Included], issuer: JsonObject, learner_id: str,
                   identifiers: Sequence[JsonObject] = (), name: str, description: str, issued: datetime,
                   clr_id: str | None = None) -> JsonObject:
    """An unsigned ClrCredential of `included` (each credential byte for byte as given) about the learner
    `learner_id` (their did:key), issued by `issuer` (the platform's Profile); ValueError for none or too many."""
    if not 0 < len(included) <= MAX_CREDENTIALS:
        raise ValueError(f"A CLR holds 1 to {MAX_CREDENTIALS} credentials, not {len(included)}.")
    achievements: dict[str, JsonObject] = {}
    for entry in included:
        inner_subject = entry.credential.get("credentialSubject")
        achievement = inner_subject.get("achievement") if isinstance(inner_subject, dict) else None
        if isinstance(achievement, dict):
            achievements.setdefault(str(achievement.get("id", len(achievements))), achievement)
    subject: JsonObject = {"id": learner_id, "type": ["ClrSubject"]}
    if identifiers:
        subject["identifier"] = list(identifiers)
    if achievements:
        subject["achievement"] = list(achievements.values())
    subject["verifiableCredential"] = [entry.credential for entry in included]
    issuer_name = issuer.get("name", issuer.get("id"))
    return {
        "@context": list(CONTEXT), "id": clr_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"], "name": name, "description": description,
        "issuer": issuer, "validFrom": proofs.xsd_datetime(issued), "credentialSubject": subject,
        "evidence": [{"type": ["Evidence"], "genre": "Verification",
                      "name": f"Verified {entry.credential.get('id', f'credential {n}')}",
                      "description": f"{issuer_name} verified this credential at "
                                     f"{proofs.xsd_datetime(entry.verified_at)}: its issuer's proof, validity "
                                     "and status held.",
                      "narrative": str(entry.credential.get("id", ""))}
                     for n, entry in enumerate(included, 1)],
    }


def sign_clr(doc: JsonObject, *, signer: proofs.Signer, created: datetime) -> JsonObject:
    """The CLR with the platform's assertion proof (eddsa-rdfc-2022)."""
    return proofs.sign(doc, signer=signer, created=created)


@dataclass(frozen=True, slots=True)
class ClrReport:
    """The CLR's own verification (its proof by its issuer) and one report per credential inside."""

    outer: VerificationReport
    inner: tuple[VerificationReport, ...]

    @property
    def verified(self) -> bool:
        """True when the CLR's proof holds and every credential inside verifies."""
        return self.outer.verified and bool(self.inner) and all(r.verified for r in self.inner)

    @property
    def failed(self) -> list[int]:
        """Positions (from 0) of the inner credentials that did not verify."""
        return [n for n, r in enumerate(self.inner) if not r.verified]

    @property
    def verdict(self) -> str:
        """valid, the CLR's own verdict when its proof does not hold, or "contains_invalid" when it holds but a
        credential inside does not verify."""
        if not self.outer.verified:
            return self.outer.verdict
        return "valid" if self.verified else "contains_invalid"

    def as_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "verdict": self.verdict, "format": "clr",
                "checkedAt": self.outer.as_json()["checkedAt"], "checks": self.outer.as_json()["checks"],
                "credentials": [{"id": (r.credential or {}).get("id"), "name": (r.credential or {}).get("name"),
                                 **r.as_json()} for r in self.inner]}


def verify_clr(raw: bytes | str, *, resolve: Resolver, now: datetime,
               skew: timedelta = timedelta(minutes=5)) -> ClrReport:
    """Check the CLR as a credential of its own (shape within LIMITS, contexts, the ClrCredential shape, its
    issuer's key and proof, validity); then, when it is genuine, verify every credential inside as if it had
    been handed in alone. Never raises for a bad document."""
    outer = verify_credential(raw, resolve=resolve, now=now, skew=skew, schema="clr-credential", limits=LIMITS,
                              max_bytes=MAX_CLR_BYTES)
    genuine = all(outer.check(c).outcome is Outcome.PASSED for c in (CheckId.SCHEMA, CheckId.PROOF))
    if not genuine or outer.credential is None:
        return ClrReport(outer, ())
    enclosed = outer.credential["credentialSubject"]["verifiableCredential"]
    inner = tuple(verify_credential(json.dumps(vc, ensure_ascii=False), resolve=resolve, now=now, skew=skew)
                  for vc in (enclosed if isinstance(enclosed, list) else [enclosed]))
    return ClrReport(outer, inner)
