"""VC-JWT: a credential secured as a compact JWS (OB 3.0 §8.2 "JSON Web Token Proof Format"; VC-JOSE-COSE).

Only Ed25519 (`alg` EdDSA) is accepted; `none`, HMAC and every other algorithm are refused before any key is
used. The JWS itself is parsed and checked by PyJWT; this module maps its answers onto the named checks.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt import InvalidTokenError
from jwt.api_jws import PyJWS

from badges import dids
from badges.checks import Resolver, check_window, issuer_id, method_key
from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.report import CRYPTO_ERROR, MALFORMED, PARSING_ERROR, CheckFailed

ALGORITHM = "EdDSA"
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
    return token.payload, {}


def check_claims(claims: JsonObject, credential: JsonObject) -> None:
    """The registered claims agree with the credential they wrap (OB 3.0 §8.2.4.1): iss, jti and sub."""
    subject = credential.get("credentialSubject")
    pairs = (("iss", issuer_id(credential)), ("jti", credential.get("id")),
             ("sub", subject.get("id") if isinstance(subject, dict) else None))
    for claim, expected in pairs:
        if claim in claims and expected is not None and claims[claim] != expected:
            raise CheckFailed(MALFORMED, "jwt.claim_mismatch",
                              f"The JWT claim {claim!r} is {claims[claim]!r:.80}, but the credential says "
                              f"{expected!r:.80}.", path=f"/{claim}")


def signing_key(token: Token, issuer: str, resolve: Resolver) -> Ed25519PublicKey:
    """The issuer's key named by the header's `kid` (a DID URL) or, for a did:key issuer, its `jwk`."""
    kid, jwk = token.header.get("kid"), token.header.get("jwk")
    if isinstance(kid, str) and kid:
        method = issuer + kid if kid.startswith("#") else kid
        if "#" not in method and method.startswith("did:key:"):
            method = dids.did_key_method(method)
        return method_key(method, issuer, resolve)
    if isinstance(jwk, dict):
        try:
            key = dids.jwk_public_key(jwk)
        except InvalidInput as e:
            raise CheckFailed(CRYPTO_ERROR, "issuer_key.unsupported", e.detail, path="/header/jwk") from None
        if dids.did_key(key) != issuer:
            raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_issuers_key",
                              f"The JWT's jwk is not the key of its issuer {issuer}.", path="/header/jwk")
        return key
    raise CheckFailed(MALFORMED, "issuer_key.method_missing", "The JWT header names no key (kid or jwk).",
                      path="/header/kid")


def verify_signature(token: Token, key: Ed25519PublicKey) -> None:
    """The JWS is signed with EdDSA by `key`; any other algorithm, `none` included, is refused."""
    alg = token.header.get("alg")
    if alg != ALGORITHM:
        raise CheckFailed(CRYPTO_ERROR, "jwt.alg_refused",
                          f"Only alg {ALGORITHM} (Ed25519) is accepted, not {alg!r:.40}.", path="/header/alg")
    try:
        PyJWS().decode_complete(token.text, key=key, algorithms=[ALGORITHM])
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
    return datetime.fromtimestamp(value, timezone.utc)


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
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
