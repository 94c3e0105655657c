"""Endorsements embedded in a badge (OB 3.0 §2.4 EndorsementCredential): on the credential, its achievement,
or its issuer's profile, as JSON (`endorsement`) or as VC-JWTs (`endorsementJwt`).

Each is verified on its own by the same pipeline, as an EndorsementCredential, and reported beside the badge:
who endorses, what, and whether their proof holds. They never change the badge's own verdict. Only what is
embedded is read, at most MAX_ENDORSEMENTS of them, and an endorsement's own endorsements are not followed.

A genuine endorsement can be copied into any document, so it only counts for a badge whose own proof holds (its
issuer put it there), and only when it endorses what it sits on: the issuer's profile by the issuer's id, the
credential or its achievement by theirs. Those two ids are the issuer's to choose, so an endorsement of a DID
(which names an organisation's profile) found on them is one taken from someone's profile, not about this badge.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from badges.checks import Resolver, issuer_id
from badges.jsonld import JsonObject
from badges.report import CheckId, CredentialFormat, Outcome, VerificationReport
from badges.verify import verify_credential

MAX_ENDORSEMENTS = 10
MAX_TEXT = 500
ENDORSABLE = (CredentialFormat.VC_LD, CredentialFormat.VC_JWT)  # OB 3.0 badges carry EndorsementCredentials


@dataclass(frozen=True, slots=True)
class Endorsement:
    """One embedded endorsement and its report."""

    on: str  # what it sits on: credential, achievement or issuer
    endorsed_id: str | None  # the id of what it sits on
    report: VerificationReport

    @property
    def endorser_id(self) -> str | None:
        return _text(issuer_id(self.report.credential)) if self.report.credential else None

    @property
    def endorser_name(self) -> str | None:
        issuer = (self.report.credential or {}).get("issuer")
        return _text(issuer.get("name")) if isinstance(issuer, dict) else None

    @property
    def comment(self) -> str | None:
        subject = (self.report.credential or {}).get("credentialSubject")
        return _text(subject.get("endorsementComment")) if isinstance(subject, dict) else None

    @property
    def about_this(self) -> bool:
        """The endorsement's subject is what it is embedded on (not a copy taken from something else): a profile
        (a DID) only on the issuer (see the module's docstring)."""
        subject = (self.report.credential or {}).get("credentialSubject")
        if not isinstance(subject, dict) or self.endorsed_id is None or subject.get("id") != self.endorsed_id:
            return False
        return self.on == "issuer" or not self.endorsed_id.startswith("did:")

    @property
    def verified(self) -> bool:
        """Its proof, dates and status hold, and it endorses what it sits on."""
        return self.report.verified and self.about_this and self.report.format in ENDORSABLE

    def as_json(self) -> dict[str, Any]:
        """The endorsement as the API reports it."""
        out = {"on": self.on, "endorserId": self.endorser_id, "endorserName": self.endorser_name,
               "comment": self.comment, "aboutThis": self.about_this, "verified": self.verified,
               "verdict": self.report.verdict, "checks": [c.as_json() for c in self.report.checks]}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Endorsements:
    """The endorsements checked, and how many more were embedded than were checked."""

    checked: tuple[Endorsement, ...]
    not_checked: int = 0

    def as_json(self) -> dict[str, Any]:
        """The endorsements as the API reports them."""
        return {"checked": [e.as_json() for e in self.checked], "notChecked": self.not_checked}


def embedded(doc: JsonObject) -> list[tuple[str, str | None, bytes | str]]:
    """(where, endorsed id, raw endorsement) for every endorsement on the credential, its achievement and its
    issuer, JSON or VC-JWT, in that order."""
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    holders = (("credential", doc), ("achievement", achievement), ("issuer", doc.get("issuer")))
    found: list[tuple[str, str | None, bytes | str]] = []
    for where, holder in holders:
        if not isinstance(holder, dict):
            continue
        endorsed = holder.get("id") if isinstance(holder.get("id"), str) else None
        for item in _listed(holder.get("endorsement")):
            if isinstance(item, dict):
                found.append((where, endorsed, json.dumps(item, ensure_ascii=False)))
        for item in _listed(holder.get("endorsementJwt")):
            if isinstance(item, str):
                found.append((where, endorsed, item))
    return found


def verify_endorsements(badge: VerificationReport, *, resolve: Resolver, now: datetime,
                        skew: timedelta = timedelta(minutes=5)) -> Endorsements:
    """Every endorsement embedded in the badge of `badge` (up to MAX_ENDORSEMENTS), each verified as an
    EndorsementCredential; none for a badge whose own proof does not hold (see the module's docstring)."""
    doc = badge.credential
    if (badge.format not in ENDORSABLE or not isinstance(doc, dict)
            or badge.check(CheckId.PROOF).outcome is not Outcome.PASSED):
        return Endorsements(())
    found = embedded(doc)
    checked = tuple(Endorsement(where, endorsed, verify_credential(
        raw, resolve=resolve, now=now, skew=skew, schema="endorsement-credential"))
        for where, endorsed, raw in found[:MAX_ENDORSEMENTS])
    return Endorsements(checked, max(0, len(found) - MAX_ENDORSEMENTS))


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _text(value: object) -> str | None:
    return value.strip()[:MAX_TEXT] or None if isinstance(value, str) else None
