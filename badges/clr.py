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
from badges.errors import Problem
from badges.jsonld import JsonObject
from badges.report import MALFORMED, CheckFailed, CheckId, Outcome, VerificationReport
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
class LearnerCheck:
    """The check a credential inside gets beside badges.verify's: it is about the transcript's learner."""

    outcome: Outcome
    problem: Problem | None = None

    def as_json(self) -> dict[str, Any]:
        """The check as JSON for the API, shaped as badges.report.Check's."""
        out: dict[str, Any] = {"id": "learner", "outcome": str(self.outcome), "required": True}
        if self.problem:
            out["problem"] = self.problem.as_json()
        return out


@dataclass(frozen=True, slots=True)
class ClrReport:
    """The CLR's own verification (its proof by its issuer), one report per credential inside (with the recipient
    check when an e-mail was given) and, for each, whether it is about the transcript's learner."""

    outer: VerificationReport
    inner: tuple[VerificationReport, ...]
    learner: tuple[LearnerCheck, ...] = ()  # in the order of `inner`

    @property
    def verdicts(self) -> tuple[str, ...]:
        """Each credential's verdict inside this transcript: its own, or "not_learner" for a genuine, current
        credential about someone else (a badge of another person is no part of this learner's record)."""
        return tuple("not_learner" if r.verdict in ("valid", "not_recipient") and check.outcome is Outcome.FAILED
                     else r.verdict for r, check in zip(self.inner, self.learner, strict=True))

    @property
    def verified(self) -> bool:
        """True when the CLR's proof holds and every credential inside verifies and is about its learner."""
        return self.outer.verified and bool(self.inner) and all(v == "valid" for v in self.verdicts)

    @property
    def failed(self) -> list[int]:
        """Positions (from 0) of the inner credentials that did not verify."""
        return [n for n, v in enumerate(self.verdicts) if v != "valid"]

    @property
    def verdict(self) -> str:
        """valid; the CLR's own verdict when its proof does not hold; "not_recipient" when every credential inside
        holds but not all were issued to the e-mail given (as a single badge); else "contains_invalid"."""
        if not self.outer.verified:
            return self.outer.verdict
        if self.verified:
            return "valid"
        return "not_recipient" if set(self.verdicts) <= {"valid", "not_recipient"} else "contains_invalid"

    def as_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "verdict": self.verdict, "format": "clr",
                "checkedAt": self.outer.as_json()["checkedAt"], "checks": self.outer.as_json()["checks"],
                "credentials": [_inner_json(r, check, verdict)
                                for r, check, verdict in zip(self.inner, self.learner, self.verdicts, strict=True)]}


def _inner_json(report: VerificationReport, learner: LearnerCheck, verdict: str) -> dict[str, Any]:
    body = report.as_json()
    return {"id": (report.credential or {}).get("id"), "name": (report.credential or {}).get("name"), **body,
            "verified": verdict == "valid", "verdict": verdict, "checks": [*body["checks"], learner.as_json()]}


def verify_clr(raw: bytes | str, *, resolve: Resolver, now: datetime,
               skew: timedelta = timedelta(minutes=5), holder: str | None = None) -> ClrReport:
    """Check the CLR as a credential of its own (shape within LIMITS, contexts, the ClrCredential shape, its
    issuer's key and proof, validity); then, when it is genuine, verify every credential inside as if it had
    been handed in alone (issued to `holder`, an e-mail, when given), and check that it is about the CLR's
    learner. Never raises for a bad document."""
    outer = verify_credential(raw, resolve=resolve, now=now, skew=skew, schema="clr-credential", limits=LIMITS,
                              max_bytes=MAX_CLR_BYTES)
    genuine = all(outer.check(c).outcome is Outcome.PASSED for c in (CheckId.SCHEMA, CheckId.PROOF))
    if not genuine or outer.credential is None:
        return ClrReport(outer, ())
    subject = outer.credential["credentialSubject"]
    enclosed = subject["verifiableCredential"]
    inner = tuple(verify_credential(json.dumps(vc, ensure_ascii=False), resolve=resolve, now=now, skew=skew,
                                    holder=holder)
                  for vc in (enclosed if isinstance(enclosed, list) else [enclosed]))
    return ClrReport(outer, inner, tuple(check_learner(r, subject) for r in inner))


def check_learner(report: VerificationReport, learner: JsonObject) -> LearnerCheck:
    """Whether the credential of `report` is about the ClrSubject `learner`: CLR 2.0 identifies the learner by
    its id or its identifiers (IdentityObjects), and the subject of each credential inside must share one (the
    wallet's CLR carries the learner's did:key and each badge's IdentityObject of the learner's e-mail). Skipped
    for a credential whose proof does not hold: what it says about its subject is no evidence."""
    if report.check(CheckId.PROOF).outcome is not Outcome.PASSED or report.credential is None:
        return LearnerCheck(Outcome.SKIPPED)
    subject = report.credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if any(isinstance(s, dict) and _same_learner(s, learner) for s in subjects):
        return LearnerCheck(Outcome.PASSED)
    return LearnerCheck(Outcome.FAILED, CheckFailed(
        MALFORMED, "learner.mismatch", "The credential is about someone other than the transcript's learner: its "
        "subject shares neither id nor identifier with the transcript's subject.", path="/credentialSubject").problem)


def _same_learner(subject: JsonObject, learner: JsonObject) -> bool:
    if isinstance(subject.get("id"), str) and subject.get("id") == learner.get("id"):
        return True
    return bool(_identities(subject) & _identities(learner))


def _identities(subject: JsonObject) -> set[tuple[str, str]]:
    """The (identityType, identityHash) of each IdentityObject in the subject's `identifier`."""
    given = subject.get("identifier")
    return {(i["identityType"], i["identityHash"]) for i in (given if isinstance(given, list) else [given])
            if isinstance(i, dict) and isinstance(i.get("identityType"), str)
            and isinstance(i.get("identityHash"), str)}
