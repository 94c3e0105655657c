"""VC-JWT: a credential secured as a compact JWS (OB 3.0 §8.2 "JSON Web Token Proof Format"; VC-JOSE-COSE).

`alg` EdDSA (Ed25519) and RS256 (the spec's minimum, RSA keys of at least 2048 bits) are accepted, each only
with its own kind of key; `none`, HMAC and every other algorithm are refused before any key is used. The key
is the issuer's: named by `kid` in its DID document, or a `jwk` header that is the issuer's own key (its
did:key, or one of its did:web assertion keys). The JWS itself is parsed and checked by PyJWT; this module maps
its answers onto the named checks.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt import InvalidTokenError
from jwt.api_jws import PyJWS

from badges import dids
from badges.checks import Resolver, check_window, issuer_id, method_key, parse_instant
from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.report import CRYPTO_ERROR, MALFORMED, PARSING_ERROR, CheckFailed

ALGORITHM = "EdDSA"  # what we sign with
ALGORITHMS = {"EdDSA": Ed25519PublicKey, "RS256": RSAPublicKey}  # what we accept, each with its kind of key
REGISTERED = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")
PublicKey = Ed25519PublicKey | RSAPublicKey
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Token:
    """A compact JWS, decoded but not yet verified."""

    text: str
    header: JsonObject
    payload: JsonObject


def decode(text: str) -> Token:
    """The header and JSON payload of a compact JWS, unverified; CheckFailed (PARSING_ERROR) otherwise."""
    try:
        decoded = PyJWS().decode_complete(text, options={"verify_signature": False})
        payload = json.loads(decoded["payload"])
    except (InvalidTokenError, ValueError, RecursionError) as e:
        raise CheckFailed(PARSING_ERROR, "parse.jwt_malformed", f"The JWT cannot be decoded: {e}.") from None
    if not isinstance(payload, dict):
        raise CheckFailed(PARSING_ERROR, "parse.jwt_malformed", "The JWT payload is not a JSON object.")
    return Token(text, decoded["header"], payload)


def credential_of(token: Token) -> tuple[JsonObject, JsonObject]:
    """(credential, claims): the `vc` claim (OB 3.0 §8.2, VC-JWT 1.1) or the payload itself (VC-JOSE-COSE)."""
    if "vc" in token.payload:
        credential = token.payload["vc"]
        if not isinstance(credential, dict):
            raise CheckFailed(PARSING_ERROR, "parse.jwt_malformed", "The JWT's vc claim is not a JSON object.")
        return credential, {k: v for k, v in token.payload.items() if k != "vc"}
    return token.payload, {k: token.payload[k] for k in REGISTERED if k in token.payload}


def check_claims(claims: JsonObject, credential: JsonObject, *, required: bool = True) -> None:
    """The registered claims agree with the credential they wrap (OB 3.0 §8.2.4.1): iss is the issuer's id, jti
    the credential's id, sub its subject's id, nbf and exp its validFrom and validUntil (VC 1.1: issuanceDate,
    expirationDate). With `required` (a `vc` claim, as §8.2 has it), iss and nbf, and jti, sub and exp where the
    credential has what they mirror, must be there; otherwise (VC-JOSE-COSE) only those present are compared."""
    subject = credential.get("credentialSubject")
    start, end = (credential.get(name) for name in _period_names(credential))
    expected = {"iss": issuer_id(credential), "jti": credential.get("id"),
                "sub": subject.get("id") if isinstance(subject, dict) else None,
                "nbf": _seconds_of(start, "nbf"), "exp": _seconds_of(end, "exp")}
    for claim, value in expected.items():
        if claim not in claims:
            if required and (value is not None or claim in ("iss", "nbf")):
                raise CheckFailed(MALFORMED, "jwt.claim_missing", f"The JWT lacks the {claim!r} claim OB 3.0 "
                                  "§8.2 requires.", path=f"/{claim}")
        elif value is not None and claims[claim] != value and not _same_instant(claims[claim], value):
            raise CheckFailed(MALFORMED, "jwt.claim_mismatch",
                              f"The JWT claim {claim!r} is {claims[claim]!r:.80}, but the credential says "
                              f"{value!r:.80}.", path=f"/{claim}")


def _period_names(credential: JsonObject) -> tuple[str, str]:
    return ("validFrom", "validUntil") if "validFrom" in credential else ("issuanceDate", "expirationDate")


def _seconds_of(value: object, claim: str) -> int | None:
    """A credential date as NumericDate seconds (what nbf / exp must say), or None when absent."""
    return None if value is None else int(parse_instant(value, f"/{claim}").timestamp())


def _same_instant(claim: object, seconds: object) -> bool:
    """A NumericDate claim names the same second (fractions dropped, as seconds since the epoch are)."""
    return isinstance(claim, int | float) and not isinstance(claim, bool) and int(claim) == seconds


def signing_key(token: Token, issuer: str, resolve: Resolver) -> PublicKey:
    """The issuer's key named by the header's `kid` (a DID URL), or its `jwk` when that is the issuer's own key
    (a did:key issuer's key, or one of a did:web issuer's assertion keys); CheckFailed otherwise."""
    kid, jwk = token.header.get("kid"), token.header.get("jwk")
    if isinstance(kid, str) and kid:
        method = issuer + kid if kid.startswith("#") else kid
        if "#" not in method and method.startswith("did:key:"):
            method = dids.did_key_method(method)
        return method_key(method, issuer, resolve, rsa=True)
    if isinstance(jwk, dict):
        return _issuers_jwk(jwk, issuer, resolve)
    raise CheckFailed(MALFORMED, "issuer_key.method_missing", "The JWT header names no key (kid or jwk).",
                      path="/header/kid")


def _issuers_jwk(jwk: JsonObject, issuer: str, resolve: Resolver) -> PublicKey:
    """The header's jwk, if the issuer owns it: the key of its did:key, or one of its did:web assertion keys
    (a key that only the presented token names vouches for nothing)."""
    try:
        key = dids.public_jwk(jwk, rsa=True)
    except InvalidInput as e:
        raise CheckFailed(CRYPTO_ERROR if e.code == "issuer_key.rsa_too_short" else MALFORMED,
                          e.code if e.code.startswith("issuer_key.") else "issuer_key.unsupported", e.detail,
                          path="/header/jwk") from None
    if isinstance(key, Ed25519PublicKey) and dids.did_key(key) == issuer:
        return key
    if issuer.startswith("did:web:"):
        document = resolve.did_document(issuer)
        for method in _assertion_method_ids(document, issuer):
            try:
                if _spki(method_key(method, issuer, resolve, rsa=True)) == _spki(key):
                    return key
            except CheckFailed:
                continue  # another of the issuer's keys, unreadable or of a kind we do not take
    raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_issuers_key",
                      f"The JWT's jwk is not a key of its issuer {issuer}.", path="/header/jwk")


def _assertion_method_ids(document: JsonObject, did: str) -> list[str]:
    listed = document.get("assertionMethod", [])
    ids = [m if isinstance(m, str) else str(m.get("id", "")) if isinstance(m, dict) else ""
           for m in (listed if isinstance(listed, list) else [])]
    return [did + m if m.startswith("#") else m for m in ids if m]


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def verify_signature(token: Token, key: PublicKey) -> None:
    """The JWS is signed by `key` with its algorithm (EdDSA for Ed25519, RS256 for RSA); any other algorithm,
    `none` and HMAC included, is refused."""
    alg = token.header.get("alg")
    if alg not in ALGORITHMS or not isinstance(key, ALGORITHMS[alg]):
        raise CheckFailed(CRYPTO_ERROR, "jwt.alg_refused",
                          f"alg {alg!r:.40} is refused: only EdDSA with an Ed25519 key and RS256 with an RSA key "
                          "of at least 2048 bits are accepted.", path="/header/alg")
    try:
        PyJWS().decode_complete(token.text, key=key, algorithms=[alg])
    except InvalidTokenError:
        raise CheckFailed(CRYPTO_ERROR, "proof.signature_mismatch",
                          "The JWT signature does not match: it was changed after signing or signed by "
                          "another key.") from None


def check_times(claims: JsonObject, now: datetime, skew: timedelta) -> None:
    """nbf <= now <= exp (NumericDate seconds), allowing `skew`; absent claims are not checked."""
    start, end = (_numeric_date(claims, name) for name in ("nbf", "exp"))
    check_window(start, end, now, skew, start_path="/nbf", end_path="/exp")


def _numeric_date(claims: JsonObject, name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 253402300800:
        raise CheckFailed(MALFORMED, "validity.malformed", f"The JWT claim {name} is not a NumericDate.",
                          path=f"/{name}")
    return datetime.fromtimestamp(value, UTC)


def sign(credential: JsonObject, *, key: Ed25519PrivateKey, kid: str, claims: bool = True) -> str:
    """`credential` as a VC-JWT (OB 3.0 §8.2): header {alg EdDSA, typ JWT, kid}, the credential in `vc`."""
    payload: dict[str, Any] = {"vc": credential}
    if claims:
        payload.update(iss=issuer_id(credential), jti=credential.get("id"),
                       nbf=_seconds(credential.get("validFrom") or credential.get("issuanceDate")))
        subject = credential.get("credentialSubject", {})
        if isinstance(subject, dict) and subject.get("id"):
            payload["sub"] = subject["id"]
        if credential.get("validUntil") or credential.get("expirationDate"):
            payload["exp"] = _seconds(credential.get("validUntil") or credential.get("expirationDate"))
    body = json.dumps({k: v for k, v in payload.items() if v is not None}, ensure_ascii=False).encode()
    return PyJWS().encode(body, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})


def _seconds(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    return int(datetime.fromisoformat(value).timestamp())
