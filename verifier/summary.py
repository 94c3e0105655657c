"""What a report says about the badge, in the terms an employer reads: who, what, by whom, when.

The same summary feeds the page, the API and the PDF. Values come from untrusted input, so every one is
coerced to short text; the issuer is called a registered member only once the signature has been checked, and
what the summary says is shown as fact only when it was verified (`trusted`): an OB 2.0 hosted assertion's comes
from the issuer's own hosted copy.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from badges import ob2, results, transcript
from badges.checks import issuer_id
from badges.clock import in_korea, korea_date
from badges.report import CheckId, CredentialFormat, Outcome, VerificationReport
from store import membership, orgs
from store.links import Links

MAX_TEXT = 2000
MAX_IMAGE_URL = 1_000_000  # a data: URL carries the whole image
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)(;charset=[\w-]+)?(;base64)?,", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Member:
    """A member organisation of this deployment, as the summary shows it."""

    slug: str
    name_ko: str
    name_en: str
    profile_url: str
    state: str | None = None  # its alliance membership now (store.membership.MemberState); None: never recorded
    state_at_issue: str | None = None  # ... when the badge was issued; None: not a member then (or unknown)


@dataclass(frozen=True, slots=True)
class Alignment:
    """A framework competency the badge is aligned to (e.g. an NCS unit), as the badge states it."""

    name: str
    url: str | None
    framework: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Summary:
    verdict: str
    format: str
    proof_type: str | None
    credential_id: str | None
    holder_name: str | None
    achievement_name: str | None
    achievement_type: str | None
    description: str | None
    criteria: str | None
    criteria_url: str | None
    issuer_id: str | None
    issuer_name: str | None
    issuer_url: str | None
    member: Member | None
    issued: str | None
    valid_until: str | None
    completed: str | None
    image: str | None = None  # the badge image: an https URL or a data: image URL, nothing else
    hours: float | None = None  # of learning (ext:hours, else credits), for the pages; not in the API summary
    alignments: tuple[Alignment, ...] = ()  # for the pages; not in the API summary
    results: tuple[results.ResultLine, ...] = ()  # an assessment's scores and levels (credentialSubject.result)
    trusted: bool = False  # what it says was verified (shown as fact), not only claimed; for the pages

    def as_json(self) -> dict[str, Any]:
        """The summary as the API returns it (camelCase, without empty fields)."""
        names = {"credential_id": "credentialId", "holder_name": "holderName", "achievement_name": "achievementName",
                 "achievement_type": "achievementType", "criteria_url": "criteriaUrl", "issuer_id": "issuerId",
                 "issuer_name": "issuerName", "issuer_url": "issuerUrl", "valid_until": "validUntil",
                 "proof_type": "proofType"}
        pages_only = ("member", "hours", "alignments", "trusted")
        out = {names.get(f.name, f.name): getattr(self, f.name) for f in fields(self)  # all plain values but these
               if f.name not in pages_only and f.name != "results" and getattr(self, f.name) is not None}
        if self.results:
            out["results"] = [line.as_json() for line in self.results]
        out["registeredMember"] = self.member is not None
        if self.member is not None:
            out["member"] = {"slug": self.member.slug, "name": {"ko": self.member.name_ko, "en": self.member.name_en},
                             "profile": self.member.profile_url}
            if self.member.state is not None:  # an alliance member (not every organisation here has joined)
                out["member"] |= {"membershipNow": self.member.state, "membershipAtIssue": self.member.state_at_issue}
        return out


@dataclass(frozen=True, slots=True)
class Membership:
    """A member organisation of this deployment as the summaries of all its badges show it, with its alliance
    membership's history: what verifier.views remembers per organisation, whatever the badge."""

    member: Member  # its membership now, none at issue
    history: membership.History | None  # None: never an alliance member

    def on(self, issued_at: datetime | None) -> Member:
        """The member as the summary of a badge issued at `issued_at` shows it (with its membership then)."""
        if issued_at is None or self.history is None:
            return self.member
        if issued_at.microsecond == 0:  # documents say whole seconds: the end of that one
            issued_at = issued_at.replace(microsecond=999_999)
        then = self.history.at(issued_at)
        return replace(self.member, state_at_issue=then.value if then else None)


def membership_of(session: Session, did: str, links: Links) -> Membership | None:
    """The member organisation of this deployment whose DID is `did`, with its alliance membership now and its
    history, or None."""
    org = orgs.org_by_did(session, did)
    if org is None:
        return None
    now = membership.member_now(session, org.id)
    member = Member(org.slug, org.name_ko, org.name_en, links.org(org.slug), state=now.state if now else None)
    return Membership(member, membership.history(session, org.id) if now is not None else None)


def member_of(session: Session, did: str, links: Links, issued_at: datetime | None = None) -> Member | None:
    """The member organisation whose DID is `did`, with its alliance membership now and at `issued_at` (when the
    badge says it was issued), or None."""
    found = membership_of(session, did, links)
    return found.on(issued_at) if found is not None else None


def issued_at(report: VerificationReport) -> datetime | None:
    """When the credential says it was issued (validFrom, issuanceDate or OB 2.0 issuedOn), if readable."""
    doc = report.credential or {}
    value = doc.get("validFrom") or doc.get("issuanceDate") or doc.get("issuedOn")
    return in_korea(value) if isinstance(value, str) else None


def summarise(report: VerificationReport, *, links: Links,
              member: Callable[[str, datetime | None], Member | None]) -> Summary:
    """The summary of `report`, looking the issuer up among this deployment's member organisations with
    `member(did, issued_at)` (e.g. member_of on a session)."""
    doc, resolved = report.credential or {}, report.resolved or {}
    trusted = report.check(CheckId.PROOF).outcome is Outcome.PASSED
    if trusted and report.format is CredentialFormat.OB2_HOSTED:
        copy = resolved.get("hosted")
        if copy is None or ob2.withdrawn(copy):  # e.g. 410 Gone: the issuer vouches for nothing but the revocation
            trusted = False
        else:  # only some fields of the presented assertion are compared with it: it is a pointer to the copy
            doc = copy
    if report.format in (CredentialFormat.OB2_HOSTED, CredentialFormat.OB2_SIGNED):
        facts = _ob2_facts(doc, resolved)
    else:
        facts = _vc_facts(doc)
    issuer = facts.get("issuer_id")
    found = member(issuer, issued_at(report)) if trusted and issuer and issuer.startswith("did:") else None
    if facts.get("image") is None and found is not None:
        facts["image"] = _own_image(doc, links)
    return Summary(verdict=report.verdict, format=str(report.format), member=found, trusted=trusted, **facts)


def _vc_facts(doc: dict[str, Any]) -> dict[str, Any]:
    subject = _mapping(doc.get("credentialSubject"))
    achievement = _mapping(subject.get("achievement"))
    issuer = doc.get("issuer")
    issuer_obj = _mapping(issuer)
    criteria = _mapping(achievement.get("criteria"))
    proof = doc.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    return {"proof_type": _text(_mapping(proof).get("cryptosuite") or _mapping(proof).get("type")),
            "credential_id": _text(doc.get("id")), "holder_name": _text(subject.get("name")),
            "achievement_name": _text(achievement.get("name")), "achievement_type": _text(achievement.get("achievementType")),
            "description": _text(achievement.get("description")), "criteria": _text(criteria.get("narrative")),
            "criteria_url": _url(criteria.get("id")),
            "issuer_id": _text(issuer_id(doc)) if issuer else None, "issuer_name": _text(issuer_obj.get("name")),
            "issuer_url": _url(issuer_obj.get("url")),
            "issued": _date(doc.get("validFrom") or doc.get("issuanceDate")),
            "valid_until": _date(doc.get("validUntil") or doc.get("expirationDate")),
            "completed": _date(subject.get("activityEndDate")),
            "image": _image(doc.get("image")) or _image(achievement.get("image")),
            "hours": transcript.hours(subject, achievement), "alignments": _alignments(achievement),
            "results": results.summary(achievement, subject)}


def _own_image(doc: dict[str, Any], links: Links) -> str | None:
    """The image of a badge of ours at this service's own address, even where that is http (development)."""
    achievement = _mapping(_mapping(doc.get("credentialSubject")).get("achievement"))
    image = achievement.get("image")
    url = _url(image.get("id") if isinstance(image, dict) else image)
    return url if url and url.startswith(links.base_url + "/") else None


def _alignments(achievement: dict[str, Any]) -> tuple[Alignment, ...]:
    """The achievement's alignments that name their target (at most 20: hostile documents must not flood the page)."""
    given = achievement.get("alignment")
    found = [Alignment(name, _url(a.get("targetUrl")), _text(a.get("targetFramework")), _text(a.get("targetCode")))
             for a in (given if isinstance(given, list) else [given]) if isinstance(a, dict)
             if (name := _text(a.get("targetName")))]
    return tuple(found[:20])


def _ob2_facts(doc: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    badge = _mapping(resolved.get("badge") or doc.get("badge"))
    issuer = _mapping(resolved.get("issuer") or badge.get("issuer"))
    criteria = badge.get("criteria")
    narrative = _mapping(criteria).get("narrative")
    criteria_url = _url(criteria if isinstance(criteria, str) else _mapping(criteria).get("id"))
    signed = _mapping(doc.get("verification")).get("type") in ("signed", "SignedBadge")
    return {"proof_type": "JWS" if signed else "hosted", "credential_id": _text(doc.get("id")), "holder_name": None,
            "achievement_name": _text(badge.get("name")), "achievement_type": None,
            "description": _text(badge.get("description")), "criteria": _text(narrative), "criteria_url": criteria_url,
            "issuer_id": _text(issuer.get("id")), "issuer_name": _text(issuer.get("name")),
            "issuer_url": _url(issuer.get("url")), "issued": _date(doc.get("issuedOn")),
            "valid_until": _date(doc.get("expires")), "completed": None,
            "image": _image(doc.get("image")) or _image(badge.get("image"))}


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value.strip()[:MAX_TEXT] or None if isinstance(value, str) else None


def _url(value: object) -> str | None:
    """Only http(s) links are shown as links (never javascript: or data:)."""
    text = _text(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def _image(value: object) -> str | None:
    """An OB Image (its id) or image URL, if it is https or a data: URL of a raster or SVG image (shown in an
    <img>, where an SVG's scripts never run)."""
    url = value.get("id") if isinstance(value, dict) else value
    if not isinstance(url, str) or len(url) > MAX_IMAGE_URL:
        return None
    url = url.strip()
    return url if url.lower().startswith("https://") or _DATA_IMAGE.match(url) else None


def _date(value: object) -> str | None:
    """The day `value` names, in Korea time (2 December 16:38 UTC is 3 December in Seoul)."""
    day = korea_date(_text(value)) if isinstance(value, str) else None
    return day.isoformat() if day else None
