"""Open Badges 3.0 / VC 2.0 documents built from plain inputs (pure functions, no IO)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.proofs import xsd_datetime

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT = [VC_V2, OB_V3]
ACHIEVEMENT_TYPES = frozenset({
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award",
    "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
    "CommunityService", "Competency", "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree",
    "Fieldwork", "GeneralEducationDevelopment", "JourneymanCertificate", "LearningProgram", "License",
    "Membership", "ProfessionalDoctorate", "QualityAssuranceCredential", "MasterCertificate",
    "MasterDegree", "MicroCredential", "ResearchDoctorate", "SecondarySchoolDiploma"})


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 `identityHash` of an e-mail address: 'sha256$' + hex(SHA-256(normalised e-mail + salt))."""
    return "sha256$" + hashlib.sha256((normalise_email(email) + salt).encode()).hexdigest()


def normalise_email(email: str) -> str:
    """The e-mail address as it is hashed: trimmed and lower-cased."""
    return email.strip().lower()


def email_matches(email: str, identity: JsonObject) -> bool:
    """True when `email` hashes (with the identity's salt) to the identity's `identityHash`."""
    expected = identity.get("identityHash", "")
    if not identity.get("hashed", False):
        return isinstance(expected, str) and normalise_email(expected) == normalise_email(email)
    return hmac.compare_digest(identity_hash(email, str(identity.get("salt", ""))), str(expected))


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person who completed the course; the e-mail is only ever published salted and hashed."""

    name: str
    email: str
    salt: str = field(default_factory=lambda: secrets.token_hex(16))

    def __post_init__(self) -> None:
        local, _, domain = self.email.strip().partition("@")
        if not local or "." not in domain or any(c.isspace() for c in self.email.strip()):
            raise InvalidInput("recipient.email_invalid",
                               f"{self.email!r} is not an e-mail address.", path="/recipient/email")
        if not self.name.strip():
            raise InvalidInput("recipient.name_missing", "The recipient needs a name.", path="/recipient/name")

    @property
    def hashed_email(self) -> str:
        return identity_hash(self.email, self.salt)

    def identity_object(self) -> JsonObject:
        """OB 3.0 IdentityObject for the hashed e-mail."""
        return {"type": "IdentityObject", "identityHash": self.hashed_email,
                "identityType": "emailAddress", "hashed": True, "salt": self.salt}


def achievement_credential(*, credential_id: str, issuer: JsonObject, achievement: JsonObject,
                           recipient: Recipient, valid_from: datetime,
                           valid_until: datetime | None = None,
                           status: JsonObject | None = None,
                           completed: datetime | None = None) -> JsonObject:
    """An unsigned OpenBadgeCredential (OB 3.0 §8.1 AchievementCredential) for one recipient."""
    subject: JsonObject = {
        "type": ["AchievementSubject"], "name": recipient.name,
        "identifier": [recipient.identity_object()], "achievement": achievement}
    if completed is not None:
        subject["activityEndDate"] = xsd_datetime(completed)
    doc: JsonObject = {
        "@context": list(CREDENTIAL_CONTEXT), "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.get("name", ""), "issuer": issuer,
        "validFrom": xsd_datetime(valid_from), "credentialSubject": subject}
    if valid_until is not None:
        doc["validUntil"] = xsd_datetime(valid_until)
    if status is not None:
        doc["credentialStatus"] = status
    return doc


def profile(*, did: str, name: str, url: str | None = None, email: str | None = None,
            description: str | None = None, image: str | None = None) -> JsonObject:
    """OB 3.0 issuer Profile whose `id` is the issuer's DID."""
    doc: JsonObject = {"id": did, "type": ["Profile"], "name": name}
    for key, value in (("url", url), ("email", email), ("description", description)):
        if value:
            doc[key] = value
    if image:
        doc["image"] = {"id": image, "type": "Image"}
    return doc


def check_achievement_type(achievement_type: str) -> None:
    """InvalidInput unless the type is in the OB 3.0 vocabulary or an `ext:` extension."""
    if achievement_type not in ACHIEVEMENT_TYPES and not achievement_type.startswith("ext:"):
        raise InvalidInput("achievement.type_unknown", f"{achievement_type!r} is not an OB 3.0 "
                           "achievement type.", path="/achievementType")


def achievement(*, achievement_id: str, name: str, description: str, criteria: str,
                achievement_type: str = "Course", image: str | None = None,
                language: str = "ko", translations: dict[str, str] | None = None,
                extra: dict[str, Any] | None = None) -> JsonObject:
    """OB 3.0 Achievement in `language`; `translations` maps other languages to the URL of that version."""
    check_achievement_type(achievement_type)
    doc: JsonObject = {"id": achievement_id, "type": ["Achievement"], "achievementType": achievement_type,
                       "name": name, "description": description, "criteria": {"narrative": criteria},
                       "inLanguage": language}
    if image:
        doc["image"] = {"id": image, "type": "Image", "caption": name}
    if translations:
        doc["related"] = [{"id": url, "type": ["Related"], "inLanguage": lang}
                          for lang, url in sorted(translations.items())]
    doc.update(extra or {})
    return doc
