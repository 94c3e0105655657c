"""Open Badges 2.0 assertions, as found in older backpacks: hosted (the issuer serves the assertion at its id)
and signed (a JWS checked with the issuer's published key). Neither needs JSON-LD processing.

The BadgeClass, Issuer, key and revocation list are fetched through the Resolver (safe fetch) and recorded in
`resolved`, so that the report can show what they say. Identity comes only from fetched documents: the issuer's
Profile is always fetched from its id, and keys only from URLs that Profile lists, on origins it allows; an
Issuer or key embedded in the presented assertion is never trusted.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import InvalidTokenError
from jwt.api_jws import PyJWS

from badges import bounds
from badges.checks import Resolver, check_bounds, check_window, parse_instant
from badges.jsonld import JsonObject, context_urls
from badges.model import normalise_email
from badges.report import (
    CRYPTO_ERROR,
    MALFORMED,
    PARSING_ERROR,
    STATUS_VERIFICATION,
    CheckFailed,
    CheckNotApplicable,
    CheckUndecided,
)

CONTEXT = "https://w3id.org/openbadges/v2"
PublicKey = RSAPublicKey | Ed25519PublicKey
HOSTED = ("hosted", "HostedBadge")
SIGNED = ("signed", "SignedBadge")
MIN_RSA_BITS = 2048
MAX_KEYS = 5  # keys fetched and tried for one assertion: each is a fetch and a signature check (12,000 cost 22 s)
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


def issuer_profile(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> JsonObject:
    """The issuer Profile named by the assertion's BadgeClass, always fetched from the issuer's own id (an embedded
    Issuer is never trusted); both recorded in `resolved`; CheckFailed when the Profile there has another id."""
    badge, url = _badge_and_issuer(doc, resolve)
    issuer = resolve.document(url)
    # a Profile is read (its keys, origins, revocation list) as the presented credential is: within the same bounds
    check_bounds(issuer, limits=bounds.CREDENTIAL, code="ob2.issuer_too_complex")
    if issuer.get("id") != url:
        raise CheckFailed(CRYPTO_ERROR, "ob2.issuer_mismatch", f"The Profile served at {url} is that of "
                          f"{issuer.get('id')!r:.80}.", path="/badge/issuer")
    resolved.update(badge=badge, issuer=issuer)
    return issuer


def hosted_copy(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> JsonObject:
    """The issuer's own copy of a hosted assertion, from its id on an origin the issuer's fetched Profile allows
    (OB 2.0 §Verification, HostedBadge); its BadgeClass must name the same issuer."""
    url = str(doc.get("id", ""))
    if not _is_web_url(url):
        raise CheckFailed(MALFORMED, "ob2.hosted_id_not_url", "A hosted assertion's id must be its https URL.",
                          path="/id")
    issuer = issuer_profile(doc, resolve, resolved)
    _check_origin(url, issuer)
    try:
        copy = resolve.document(url)
    except CheckUndecided as e:
        if e.problem.code != "document.gone":
            raise
        copy = {"id": url, "revoked": True}  # 410 Gone: the issuer withdrew the assertion
    resolved["hosted"] = copy
    if "badge" in copy:
        badge, issuer_url = _badge_and_issuer(copy, resolve)
        if issuer_url != issuer["id"]:
            raise CheckFailed(CRYPTO_ERROR, "ob2.hosted_mismatch", f"The issuer's hosted copy names the issuer "
                              f"{issuer_url!r:.80}, not {issuer['id']!r:.80}.", path="/badge")
        resolved["badge"] = badge  # what the issuer's own copy says, not what was presented
    return copy


def check_hosted(doc: JsonObject, copy: JsonObject) -> None:
    """The presented assertion says what the issuer's hosted copy says (the hosting is the proof)."""
    if copy.get("id") != doc.get("id"):
        raise CheckFailed(CRYPTO_ERROR, "ob2.hosted_mismatch",
                          f"The issuer serves a different assertion ({copy.get('id')!r:.80}) at this id.", path="/id")
    if withdrawn(copy):
        return
    for name in ("recipient", "badge", "issuedOn", "expires"):
        if _id_of(copy.get(name)) != _id_of(doc.get(name)):
            raise CheckFailed(CRYPTO_ERROR, "ob2.hosted_mismatch",
                              f"The assertion's {name} differs from the issuer's hosted copy.", path=f"/{name}")


def withdrawn(copy: JsonObject) -> bool:
    """True when the issuer's copy of a hosted assertion only says it is revoked (410 Gone, or a bare revoked
    assertion): it then vouches for nothing else the presented assertion says."""
    return copy.get("revoked") is True and "recipient" not in copy


def signing_key(doc: JsonObject, resolve: Resolver, resolved: dict[str, Any]) -> list[PublicKey]:
    """The public keys that may have signed the assertion: `verification.creator`, or else every key the fetched
    issuer Profile lists (at most MAX_KEYS, CheckUndecided past that); each listed by that Profile, on an origin it
    allows, fetched and owned by it."""
    issuer = issuer_profile(doc, resolve, resolved)
    listed = [str(_id_of(k)) for k in _as_list(issuer.get("publicKey"))]
    creator = _id_of(_mapping(doc.get("verification")).get("creator"))
    if creator is not None and creator not in listed:
        raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_listed", f"The key {creator!r:.80} is not one of "
                          "the keys the issuer's Profile lists.", path="/verification/creator")
    urls = [str(creator)] if creator is not None else listed
    if not urls:
        raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_listed", "The issuer's Profile lists no publicKey.",
                          path="/verification/creator")
    if len(urls) > MAX_KEYS:  # refusing the work says nothing about the signature: the verdict is "unknown"
        raise CheckUndecided(PARSING_ERROR, "ob2.too_many_keys", f"The issuer's Profile lists {len(urls):,} keys and "
                             f"the assertion does not name its own (verification.creator); at most {MAX_KEYS} are "
                             "tried.", path="/verification/creator")
    keys = [_listed_key(url, issuer, resolve) for url in urls]
    resolved["key"] = keys[0][0]
    return [public for _, public in keys]


def _listed_key(url: str, issuer: JsonObject, resolve: Resolver) -> tuple[JsonObject, PublicKey]:
    """(CryptographicKey, public key) fetched from `url`, which must be on an origin `issuer` allows and owned
    by it (OB 2.0 §Verification, SignedBadge)."""
    if not _is_web_url(url) or urlsplit(url).netloc not in _allowed_origins(issuer):
        raise CheckFailed(CRYPTO_ERROR, "ob2.key_origin_not_allowed", f"The key {url!r:.80} is not on an "
                          "origin its issuer allows.", path="/verification/creator")
    key = resolve.document(url)
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
        return key, public
    raise CheckFailed(CRYPTO_ERROR, "issuer_key.unsupported",
                      f"Only RSA keys of {MIN_RSA_BITS} bits or more and Ed25519 keys are accepted.")


def check_signature(token: str | None, keys: list[PublicKey]) -> None:
    """The assertion's JWS verifies with one of `keys`: RS256 for RSA (as OB 2.0 prescribes), EdDSA for Ed25519."""
    if token is None:
        raise CheckFailed(CRYPTO_ERROR, "ob2.signature_missing", "A signed Open Badges 2.0 assertion must be "
                          "presented as its JWS (as baked in the image), not as bare JSON.")
    errors = []
    for key in keys:
        algorithm = "RS256" if isinstance(key, RSAPublicKey) else "EdDSA"
        try:
            PyJWS().decode_complete(token, key=key, algorithms=[algorithm])
            return
        except InvalidTokenError as e:
            errors.append(f"{algorithm}: {e}")
    raise CheckFailed(CRYPTO_ERROR, "proof.signature_mismatch", "The assertion's signature does not hold for "
                      f"the issuer's key ({'; '.join(errors)}).")


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


def _badge_and_issuer(assertion: JsonObject, resolve: Resolver) -> tuple[JsonObject, str]:
    """(BadgeClass, issuer id) of an assertion: the BadgeClass embedded or fetched, the issuer only by its id."""
    badge = _object(assertion.get("badge"), "badge", resolve)
    url = _id_of(badge.get("issuer"))
    if not isinstance(url, str) or not _is_web_url(url):
        raise CheckFailed(MALFORMED, "ob2.reference_malformed", "The BadgeClass must name its Issuer by the "
                          "https URL of the issuer's Profile.", path="/badge/issuer")
    return badge, url


def _allowed_origins(issuer: JsonObject) -> list[str]:
    """The origins (host and port) the fetched Profile allows: its VerificationObject's allowedOrigins, or else
    the origin of its own id (OB 2.0 §Verification)."""
    allowed = _mapping(issuer.get("verification")).get("allowedOrigins")
    return [str(o) for o in _as_list(allowed)] or [urlsplit(str(issuer.get("id", ""))).netloc]


def _check_origin(url: str, issuer: JsonObject) -> None:
    """The assertion URL is on an origin the issuer allows and starts with one of its VerificationObject's
    startsWith prefixes, if it has any (OB 2.0 §Verification, HostedBadge)."""
    prefixes = [str(p) for p in _as_list(_mapping(issuer.get("verification")).get("startsWith"))]
    if urlsplit(url).netloc not in _allowed_origins(issuer) or (prefixes and not any(map(url.startswith, prefixes))):
        raise CheckFailed(CRYPTO_ERROR, "ob2.origin_not_allowed",
                          f"The assertion is hosted at {urlsplit(url).netloc}, which its issuer does not allow.",
                          path="/id")


def _as_list(value: object) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


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
        return datetime.fromtimestamp(value, UTC)  # OB 1.x / 2.0 also allow seconds since the epoch
    return parse_instant(value, path)
