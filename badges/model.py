"""Open Badges 3.0 / VC 2.0 documents built from plain inputs (pure functions, no IO)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
from email_validator import EmailNotValidError, validate_email

from badges import text
from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.proofs import xsd_datetime

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"  # defines 1EdTechJsonSchemaValidator2019
CREDENTIAL_CONTEXT = [VC_V2, OB_V3, OB_EXTENSIONS]
ACHIEVEMENT_CONTEXT = (VC_V2, OB_V3)  # of a hosted Achievement or issuer Profile (OB 3.0 examples)
SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = {"id": SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json",
                                 "type": "1EdTechJsonSchemaValidator2019"}
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


def checked_email(address: str, *, code: str, path: str = "/email") -> str:
    """`address` as normalise_email gives it, when it is an e-mail address by email-validator's rules (syntax
    and a domain that could receive mail; no DNS look-up); InvalidInput with `code` otherwise."""
    cleaned = normalise_email(address)
    try:
        validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError as e:
        raise InvalidInput(code, f"{address.strip()!r} is not an e-mail address ({e}).", path=path) from None
    return cleaned


def is_email(text: str) -> bool:
    """True when `text` is a whole e-mail address by checked_email's rules."""
    try:
        validate_email(normalise_email(text), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# White space (Unicode's, as pyld's `\s` sees it: a no-break space too) and control characters: refused in a web
# address even where RFC 3987 has them as letters, as pyld would leave the IRI out of what is signed
_NOT_IN_WEB_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


@cache
def _iri_format() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({"type": "string", "format": "iri"}, validate_formats=True)


def checked_web_address(url: str, *, code: str, path: str) -> str:
    """`url` when it is an absolute http(s) address with a host that is a valid IRI (RFC 3987: Korean letters are
    kept as they are, a space or any of < > " { } | ^ ` \\ is refused); InvalidInput with `code` otherwise.

    The one check for every web address a person types that ends up in a credential (evidence, alignment targets,
    an organisation's website): pyld leaves an IRI with a space out of the signed N-Quads and writes one with `<`
    into them as it is (badges.jsonld.SafeProcessor refuses both), so such an address must be refused when it is
    typed, not when the credential is signed. The IRI syntax is jsonschema-rs's "iri" format (the library the
    JSON Schemas are checked with): rfc3987 is GPL, rfc3986-validator refuses every non-ASCII letter, and
    rfc3987-syntax (jsonschema's non-GPL IRI check) takes some 30 ms an address."""
    try:
        parts = urlsplit(url)
        web = parts.scheme.lower() in ("https", "http") and bool(parts.hostname)
    except ValueError:  # an unclosed [IPv6 literal
        web = False
    if not web or _NOT_IN_WEB_ADDRESS.search(url) or not _iri_format().is_valid(url):
        raise InvalidInput(code, f"{url!r:.80} is not a web address: give the whole address, starting with https://, "
                           "without spaces (write one as %20), angle brackets, braces, quotation marks or any of "
                           "| ^ ` \\.", path=path)
    return url


def is_web_address(url: str) -> bool:
    """Whether checked_web_address accepts `url`."""
    try:
        checked_web_address(url, code="", path="")
    except InvalidInput:
        return False
    return True


def email_matches(email: str, identity: JsonObject) -> bool:
    """True when `email` hashes (with the identity's salt) to the identity's `identityHash`."""
    expected = identity.get("identityHash", "")
    if not identity.get("hashed", False):
        return isinstance(expected, str) and normalise_email(expected) == normalise_email(email)
    return hmac.compare_digest(identity_hash(email, str(identity.get("salt", ""))), str(expected))


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person who completed the course; the e-mail is only ever published salted and hashed, the name only
    when `publish_name` says the learner agreed to it."""

    name: str
    email: str
    salt: str = field(default_factory=lambda: secrets.token_hex(16))
    publish_name: bool = False

    def __post_init__(self) -> None:
        text.check_line(self.name, path="/recipient/name")
        text.check_line(self.email, path="/recipient/email")
        checked_email(self.email, code="recipient.email_invalid", path="/recipient/email")
        if not self.name.strip():
            raise InvalidInput("recipient.name_missing", "The recipient needs a name.", path="/recipient/name")

    @property
    def hashed_email(self) -> str:
        return identity_hash(self.email, self.salt)

    def identity_object(self) -> JsonObject:
        """OB 3.0 IdentityObject for the hashed e-mail."""
        return {"type": "IdentityObject", "identityHash": self.hashed_email,
                "identityType": "emailAddress", "hashed": True, "salt": self.salt}


IDENTIFIER_TYPES = frozenset({
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress", "nationalIdentityNumber",
    "isbn", "issn", "lisSourcedId", "oneRosterSourcedId", "sisSourcedId", "ltiContextId", "ltiDeploymentId",
    "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """OB 3.0 §B.1.10 Evidence of one award: a web page (URL), a narrative, or both, with an optional name."""

    url: str = ""
    narrative: str = ""
    name: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not (self.url.strip() or self.narrative.strip()):
            raise InvalidInput("credential.evidence_empty", "Each piece of evidence needs a URL or a narrative.",
                               path="/evidence")
        if self.url.strip():
            checked_web_address(self.url.strip(), code="credential.evidence_url_invalid", path="/evidence")

    def as_json(self) -> JsonObject:
        """The Evidence object (its `id` is the URL), without empty fields."""
        doc: JsonObject = {"type": ["Evidence"]}
        for key, value in (("id", self.url), ("name", self.name), ("description", self.description),
                           ("narrative", self.narrative)):
            if value.strip():
                doc[key] = value.strip()
        return doc


def identifier_entry(identifier: str, identifier_type: str) -> JsonObject:
    """OB 3.0 §B.1.15 IdentifierEntry; InvalidInput for an empty identifier or a type outside the vocabulary."""
    if not identifier.strip():
        raise InvalidInput("course.identifier_empty", "Each other identifier needs a value.",
                           path="/otherIdentifiers")
    if identifier_type not in IDENTIFIER_TYPES and not is_extension_term(identifier_type):
        raise InvalidInput("course.identifier_type_unknown", f"{identifier_type!r} is not an OB 3.0 identifier "
                           "type: use one of the vocabulary (e.g. identifier, systemId), or an extension written "
                           "'ext:' followed by ASCII letters, digits, '.', '-' or '_'.", path="/otherIdentifiers")
    return {"type": "IdentifierEntry", "identifier": identifier.strip(), "identifierType": identifier_type}


def achievement_credential(*, credential_id: str, issuer: JsonObject, achievement: JsonObject,
                           recipient: Recipient, valid_from: datetime,
                           valid_until: datetime | None = None,
                           status: JsonObject | list[JsonObject] | None = None,
                           completed: datetime | None = None, evidence: Sequence[Evidence] = (),
                           credits_earned: float | None = None,
                           results: Sequence[JsonObject] = ()) -> JsonObject:
    """An unsigned OpenBadgeCredential (OB 3.0 §8.1 AchievementCredential) for one recipient, naming the official
    AchievementCredential JSON Schema in `credentialSchema` (OB 3.0 §B.1.1); `results` are the person's OB 3.0
    Result objects (badges.results.results_json)."""
    subject: JsonObject = {"type": ["AchievementSubject"], "identifier": [recipient.identity_object()],
                           "achievement": achievement}
    if recipient.publish_name:
        subject["name"] = recipient.name
    if completed is not None:
        subject["activityEndDate"] = xsd_datetime(completed)
    if credits_earned is not None:
        subject["creditsEarned"] = credits_earned
    if results:
        subject["result"] = list(results)
    doc: JsonObject = {
        "@context": list(CREDENTIAL_CONTEXT), "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.get("name", ""), "issuer": issuer,
        "validFrom": xsd_datetime(valid_from), "credentialSubject": subject,
        "credentialSchema": [dict(ACHIEVEMENT_CREDENTIAL_SCHEMA)]}
    if valid_until is not None:
        doc["validUntil"] = xsd_datetime(valid_until)
    if status is not None:
        doc["credentialStatus"] = status
    if evidence:
        doc["evidence"] = [e.as_json() for e in evidence]
    return doc


def profile(*, did: str, name: str, url: str | None = None, email: str | None = None,
            description: str | None = None, image: str | None = None) -> JsonObject:
    """OB 3.0 issuer Profile whose `id` is the issuer's DID. A website saved before web addresses were checked
    (checked_web_address) that is not one is left out, rather than make every credential of its issuer unsignable."""
    if url and not is_web_address(url):
        url = None
    doc: JsonObject = {"id": did, "type": ["Profile"], "name": name}
    for key, value in (("url", url), ("email", email), ("description", description)):
        if value:
            doc[key] = value
    if image:
        doc["image"] = {"id": image, "type": "Image"}
    return doc


# An extension of an OB 3.0 vocabulary (EnumExt): the official schema's pattern `(ext:)[a-z|A-Z|0-9|.|-|_]+`,
# matched whole and without its stray '|': 'ext:' and ASCII letters, digits, '.', '-', '_'
EXTENSION_TERM = re.compile(r"ext:[A-Za-z0-9._-]+")


def is_extension_term(value: str) -> bool:
    """True for an `ext:` extension term the OB 3.0 schemas accept (ASCII only)."""
    return EXTENSION_TERM.fullmatch(value) is not None


def check_achievement_type(achievement_type: str) -> None:
    """InvalidInput unless the type is in the OB 3.0 vocabulary or an `ext:` extension term."""
    if achievement_type not in ACHIEVEMENT_TYPES and not is_extension_term(achievement_type):
        raise InvalidInput("achievement.type_unknown", f"{achievement_type!r} is not an OB 3.0 achievement type: "
                           "use one of the vocabulary, or an extension written 'ext:' followed by ASCII letters, "
                           "digits, '.', '-' or '_' (e.g. ext:Bootcamp).", path="/achievementType")


ALIGNMENT_TARGET_TYPES = ("ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
                          "CFRubricCriterionLevel", "CTDL")
HOURS = "ext:hours"  # OB 3.0 has no hours term: an `ext:` IRI property, as OB extensions are named


@dataclass(frozen=True, slots=True)
class Alignment:
    """OB 3.0 §B.1.2 Alignment: a competency framework item the achievement meets (e.g. an NCS unit)."""

    target_name: str
    target_url: str
    target_code: str = ""
    target_framework: str = ""
    target_type: str = ""
    target_description: str = ""

    def __post_init__(self) -> None:
        if not self.target_name.strip():
            raise InvalidInput("course.alignment_name_missing", "Each alignment needs a target name.",
                               path="/alignment/targetName")
        checked_web_address(self.target_url, code="course.alignment_url_invalid", path="/alignment/targetUrl")
        if self.target_type and self.target_type not in ALIGNMENT_TARGET_TYPES \
                and not is_extension_term(self.target_type):
            raise InvalidInput("course.alignment_type_unknown", f"{self.target_type!r} is not an OB 3.0 alignment "
                               "target type: use one of the vocabulary, or an extension written 'ext:' followed by "
                               "ASCII letters, digits, '.', '-' or '_' (e.g. ext:NCSUnit).",
                               path="/alignment/targetType")

    def as_json(self) -> JsonObject:
        """The Alignment object, without empty optional fields."""
        doc: JsonObject = {"type": ["Alignment"], "targetName": self.target_name, "targetUrl": self.target_url}
        for key, value in (("targetCode", self.target_code), ("targetFramework", self.target_framework),
                           ("targetType", self.target_type), ("targetDescription", self.target_description)):
            if value:
                doc[key] = value
        return doc


def achievement(*, achievement_id: str, name: str, description: str, criteria: str,
                achievement_type: str = "Course", image: str | None = None, language: str = "ko",
                version: str | None = None, credits: float | None = None, hours: float | None = None,
                tags: Sequence[str] = (), alignments: Sequence[Alignment] = (),
                related: Sequence[JsonObject] = (), human_code: str = "",
                other_identifiers: Sequence[JsonObject] = (), creator: JsonObject | None = None,
                result_descriptions: Sequence[JsonObject] = (), extra: dict[str, Any] | None = None) -> JsonObject:
    """OB 3.0 Achievement whose text is in `language`; `related` lists Related entries (the same achievement in
    other languages, earlier versions); `creator` is the Profile of whoever made it."""
    check_achievement_type(achievement_type)
    doc: JsonObject = {"id": achievement_id, "type": ["Achievement"], "achievementType": achievement_type,
                       "name": name, "description": description, "criteria": {"narrative": criteria},
                       "inLanguage": language}
    if version:
        doc["version"] = version
    if image:
        doc["image"] = {"id": image, "type": "Image", "caption": name}
    if credits is not None:
        doc["creditsAvailable"] = credits
    if hours is not None:
        doc[HOURS] = int(hours) if float(hours).is_integer() else hours
    if tags:
        doc["tag"] = list(tags)
    if alignments:
        doc["alignment"] = [a.as_json() for a in alignments]
    if related:
        doc["related"] = list(related)
    if human_code:
        doc["humanCode"] = human_code
    if other_identifiers:
        doc["otherIdentifier"] = list(other_identifiers)
    if creator:
        doc["creator"] = creator
    if result_descriptions:
        doc["resultDescription"] = list(result_descriptions)
    doc.update(extra or {})
    return doc
