"""Open Badges 2.0 assertions, as found in older backpacks: hosted (the issuer serves the assertion at its id)
and signed (a JWS checked with the issuer's published key). Neither needs JSON-LD processing.

The BadgeClass, Issuer, key and revocation list are fetched through the Resolver (safe fetch) and recorded in
`resolved`, so that the report can show what they say.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import InvalidTokenError
from jwt.api_jws import PyJWS

from badges.checks import Resolver, check_window, parse_instant
from badges.jsonld import JsonObject, context_urls
from badges.model import normalise_email
from badges.report import (CRYPTO_ERROR, MALFORMED, STATUS_VERIFICATION, CheckFailed, CheckNotApplicable,
                           CheckUndecided)

CONTEXT = "https://w3id.org/openbadges/v2"
HOSTED = ("hosted", "HostedBadge")
SIGNED = ("signed", "SignedBadge")
MIN_RSA_BITS = 2048
_NAMES = {"badge": "BadgeClass", "issuer": "Issuer", "key": "CryptographicKey", "revocations": "RevocationList"}


def is_assertion(doc: JsonObject) -> bool:
    """True when `doc` looks like an OB 2.0 Assertion (its context, or its type with a verification object)."""
    types = doc.get("type")
    typed = types == "Assertion" or (isinstance(types, list) and "Assertion" in types)
    return CONTEXT in context_urls(doc) or (typed and isinstance(doc.get("verification"), dict))


def verification_type(doc: JsonObject) -> str:
    """'hosted' or 'signed' (OB 2.0 VerificationObject.type, either spelling)."""
    verification = doc.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    return "signed" if kind in SIGNED else "hosted"


def check_context(doc: JsonObject) -> None:
    """The assertion names the (bundled) Open Badges 2.0 context."""
    if CONTEXT not in context_urls(doc):
        raise CheckFailed(MALFORMED, "context.unknown", f"An Open Badges 2.0 assertion must use {CONTEXT}.",
                          path="/@context")


def resolve_badge(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> tuple[JsonObject, JsonObject]:
    """(BadgeClass, Issuer) of the assertion, embedded or fetched; both recorded in `resolved`."""
    badge = _object(doc.get("badge"), "badge", resolve)
    issuer = _object(badge.get("issuer"), "issuer", resolve)
    resolved.update(badge=badge, issuer=issuer)
    return badge, issuer


def hosted_copy(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> JsonObject:
    """The issuer's own copy of a hosted assertion, from its id on an origin the issuer allows (OB 2.0 §Hosted)."""
    _, issuer = resolve_badge(doc, resolve, resolved)
    url = str(doc.get("id", ""))
    if not _is_web_url(url):
        raise CheckFailed(MALFORMED, "ob2.hosted_id_not_url", "A hosted assertion's id must be its https URL.",
                          path="/id")
    _check_origin(url, issuer)
    try:
        copy = resolve.document(url)
    except CheckUndecided as e:
        if e.problem.code != "document.gone":
            raise
        copy = {"id": url, "revoked": True}  # 410 Gone: the issuer withdrew the assertion
    resolved["hosted"] = copy
    return copy


def check_hosted(doc: JsonObject, copy: JsonObject) -> None:
    """The presented assertion says what the issuer's hosted copy says (the hosting is the proof)."""
    if copy.get("id") != doc.get("id"):
        raise CheckFailed(CRYPTO_ERROR, "ob2.hosted_mismatch",
                          f"The issuer serves a different assertion ({copy.get('id')!r:.80}) at this id.", path="/id")
    if copy.get("revoked") is True and "recipient" not in copy:
        return
    for name in ("recipient", "badge", "issuedOn", "expires"):
        if _id_of(copy.get(name)) != _id_of(doc.get(name)):
            raise CheckFailed(CRYPTO_ERROR, "ob2.hosted_mismatch",
                              f"The assertion's {name} differs from the issuer's hosted copy.", path=f"/{name}")


def signing_key(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> RSAPublicKey | Ed25519PublicKey:
    """The issuer's public key named by `verification.creator` (or its profile's publicKey), owned by the issuer."""
    _, issuer = resolve_badge(doc, resolve, resolved)
    verification = _mapping(doc.get("verification"))
    creator = verification.get("creator") or issuer.get("publicKey")
    key = _object(creator, "key", resolve)
    resolved["key"] = key
    if key.get("owner") != issuer.get("id"):
        raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_issuers_key",
                          f"The key's owner {key.get('owner')!r:.80} is not the issuer {issuer.get('id')!r:.80}.",
                          path="/verification/creator")
    try:
        public = load_pem_public_key(str(key.get("publicKeyPem", "")).encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CheckFailed(MALFORMED, "issuer_key.unsupported",
                          "The issuer's publicKeyPem is not a PEM public key.") from None
    if isinstance(public, RSAPublicKey) and public.key_size >= MIN_RSA_BITS or isinstance(public, Ed25519PublicKey):
        return public
    raise CheckFailed(CRYPTO_ERROR, "issuer_key.unsupported",
                      f"Only RSA keys of {MIN_RSA_BITS} bits or more and Ed25519 keys are accepted.")


def check_signature(token: str | None, key: RSAPublicKey | Ed25519PublicKey) -> None:
    """The assertion's JWS verifies with `key`: RS256 for RSA (as OB 2.0 prescribes), EdDSA for Ed25519."""
    if token is None:
        raise CheckFailed(CRYPTO_ERROR, "ob2.signature_missing", "A signed Open Badges 2.0 assertion must be "
                          "presented as its JWS (as baked in the image), not as bare JSON.")
    algorithm = "RS256" if isinstance(key, RSAPublicKey) else "EdDSA"
    try:
        PyJWS().decode_complete(token, key=key, algorithms=[algorithm])
    except InvalidTokenError as e:
        raise CheckFailed(CRYPTO_ERROR, "proof.signature_mismatch", f"The assertion's signature does not hold "
                          f"for the issuer's key with {algorithm}: {e}.") from None


def check_validity(doc: JsonObject, now: datetime, skew: timedelta) -> None:
    """issuedOn <= now <= expires, allowing `skew` either way."""
    start = _instant(doc.get("issuedOn"), "/issuedOn")
    end = _instant(doc.get("expires"), "/expires") if doc.get("expires") is not None else None
    check_window(start, end, now, skew, start_path="/issuedOn", end_path="/expires")


def check_hosted_status(resolved: dict[str, Any]) -> None:
    """Revoked when the issuer's hosted copy says so (or the URL answered 410 Gone)."""
    copy = resolved.get("hosted", {})
    if copy.get("revoked") is True:
        reason = copy.get("revocationReason")
        raise CheckFailed(STATUS_VERIFICATION, "status.revoked", "The issuer has revoked this badge"
                          + (f": {reason:.200}." if isinstance(reason, str) else "."))


def check_signed_status(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> None:
    """Revoked when the issuer's RevocationList names the assertion; not applicable when the issuer has none."""
    url = resolved.get("issuer", {}).get("revocationList")
    if not url:
        raise CheckNotApplicable("status.none")
    revocations = _object(url, "revocations", resolve)
    listed = revocations.get("revokedAssertions", [])
    if not isinstance(listed, list):
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_malformed", "revokedAssertions is not a list.")
    for entry in listed:
        if _id_of(entry) == doc.get("id"):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            raise CheckFailed(STATUS_VERIFICATION, "status.revoked", "The issuer has revoked this badge"
                              + (f": {reason:.200}." if isinstance(reason, str) else "."))


def check_recipient(doc: JsonObject, email: str) -> None:
    """The assertion's e-mail recipient is `email` (plain, or sha256$ of the address plus the salt)."""
    recipient = _mapping(doc.get("recipient"))
    identity, salt = str(recipient.get("identity", "")), str(recipient.get("salt") or "")
    if recipient.get("type") != "email":
        raise CheckUndecided(MALFORMED, "recipient.type_unsupported",
                             f"The recipient is identified by {recipient.get('type')!r:.40}, not an e-mail address.")
    if not recipient.get("hashed"):
        matches = normalise_email(identity) == normalise_email(email)
    elif identity.startswith("sha256$"):
        candidates = {email.strip(), normalise_email(email)}
        matches = any(hmac.compare_digest("sha256$" + hashlib.sha256((c + salt).encode()).hexdigest(),
                                          identity.lower()) for c in candidates)
    else:
        raise CheckUndecided(MALFORMED, "recipient.hash_unsupported",
                             "The recipient's identity is hashed with an algorithm other than SHA-256.")
    if not matches:
        raise CheckFailed(MALFORMED, "recipient.mismatch", "The badge was not issued to this e-mail address.",
                          path="/recipient")


def _object(value: object, name: str, resolve: Resolver) -> JsonObject:
    """An embedded object, or the document at a URL; CheckFailed when it is neither."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and _is_web_url(value):
        return resolve.document(value)
    raise CheckFailed(MALFORMED, "ob2.reference_malformed",
                      f"The {_NAMES[name]} must be embedded or given by its https URL.")


def _check_origin(url: str, issuer: JsonObject) -> None:
    """The assertion URL is on the issuer's origin, or one its VerificationObject allows (OB 2.0 §Verification)."""
    rules = _mapping(issuer.get("verification"))
    allowed = rules.get("allowedOrigins") or urlsplit(str(issuer.get("id", ""))).netloc
    origins = allowed if isinstance(allowed, list) else [allowed]
    prefixes = rules.get("startsWith") or []
    prefixes = prefixes if isinstance(prefixes, list) else [prefixes]
    if urlsplit(url).netloc not in origins or (prefixes and not any(url.startswith(str(p)) for p in prefixes)):
        raise CheckFailed(CRYPTO_ERROR, "ob2.origin_not_allowed",
                          f"The assertion is hosted at {urlsplit(url).netloc}, which its issuer does not allow.",
                          path="/id")


def _mapping(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _id_of(value: object) -> object:
    return value.get("id", value) if isinstance(value, dict) else value


def _instant(value: object, path: str) -> datetime:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 253402300800:
        return datetime.fromtimestamp(value, timezone.utc)  # OB 1.x / 2.0 also allow seconds since the epoch
    return parse_instant(value, path)
