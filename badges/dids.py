"""did:key and did:web: identifiers, DID documents, and finding an assertion key in one."""
from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from badges import multikey
from badges.errors import InvalidInput
from badges.jsonld import JsonObject
from badges.report import CRYPTO_ERROR, MALFORMED, CheckFailed

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
MIN_RSA_BITS = 2048  # OB 3.0 §8.2: RS256 with keys of at least 2048 bits
MAX_RSA_BITS = 8192  # a larger modulus only makes a verification slow (a hostile document's cheap weapon)
_RSA_PRIVATE = ("d", "p", "q", "dp", "dq", "qi")


def did_key(public_key: Ed25519PublicKey) -> str:
    """The did:key of an Ed25519 public key (did:key:z6Mk...)."""
    return "did:key:" + multikey.public_multikey(public_key)


def did_key_method(did: str) -> str:
    """The verification method id of a did:key: the DID, '#', the multikey."""
    return f"{did}#{did.removeprefix('did:key:')}"


def did_web(base_url: str, *path: str) -> str:
    """The did:web for a document at <base_url>/<path...>/did.json (or /.well-known/did.json)."""
    parts = urlsplit(base_url)
    segments = [quote(parts.netloc, safe="")]
    segments += [quote(s, safe="") for s in parts.path.strip("/").split("/") if s]
    segments += [quote(s, safe="") for s in path]
    return "did:web:" + ":".join(segments)


MAX_REMEMBERED_DID = 512  # characters: a did:web of a real issuer is far shorter


def did_web_url(did: str, *, scheme: str = "https") -> str:
    """did:web §3.2.2 Read: the URL of the DID document for `did`; InvalidInput if it is not a did:web."""
    # issuers recur in every verification, so their URLs are remembered; a DID is any credential's text, up to
    # 1 MB, so only ones of a real issuer's length are (1,024 of 1 MB each would keep 2 GB)
    return _remembered_url(did, scheme) if len(did) <= MAX_REMEMBERED_DID else _did_web_url(did, scheme)


def _did_web_url(did: str, scheme: str) -> str:
    if not did.startswith("did:web:") or "#" in did or "/" in did:
        raise InvalidInput("did.web_malformed", f"{did!r} is not a did:web identifier.")
    host, *path = did.removeprefix("did:web:").split(":")
    host = unquote(host)
    if not host or any(c in host for c in "/?#@ "):
        raise InvalidInput("did.web_malformed", f"{did!r} does not name a host.")
    path_part = "/".join(unquote(p) for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"{scheme}://{host}/{path_part}"


_remembered_url = lru_cache(maxsize=1024)(_did_web_url)


def did_document(did: str, public_keys: list[tuple[str, str]]) -> JsonObject:
    """A DID document listing (fragment, publicKeyMultibase) keys as Multikey assertion methods."""
    methods = [{"id": f"{did}#{fragment}", "type": "Multikey", "controller": did,
                "publicKeyMultibase": mk} for fragment, mk in public_keys]
    ids = [m["id"] for m in methods]
    return {"@context": list(DID_CONTEXT), "id": did, "verificationMethod": methods,
            "assertionMethod": ids, "authentication": ids}


def did_key_document(did: str) -> JsonObject:
    """did:key §3.1.1 Create: the DID document a did:key stands for; CheckFailed if not Ed25519."""
    mk = did.removeprefix("did:key:")
    try:
        multikey.public_key(mk)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, "issuer_key.did_key_unsupported", f"{did}: {e.detail}") from None
    return did_document(did, [(mk, mk)])


def jwk_public_key(jwk: JsonObject) -> Ed25519PublicKey:
    """The Ed25519 key of an OKP JWK (RFC 8037); raises InvalidInput for any other kind of key."""
    x = jwk.get("x")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(x, str) or "d" in jwk:
        raise InvalidInput("multikey.not_ed25519", "The key is not an Ed25519 public JWK (kty OKP, crv Ed25519).")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("multikey.not_ed25519", "The JWK's x is not base64url.") from None
    if len(raw) != 32:
        raise InvalidInput("multikey.not_ed25519", "The JWK's x is not a 32-byte Ed25519 key.")
    return Ed25519PublicKey.from_public_bytes(raw)


def rsa_jwk_public_key(jwk: JsonObject) -> RSAPublicKey:
    """The RSA key of a public RSA JWK (RFC 7518 §6.3) of at least MIN_RSA_BITS; raises InvalidInput."""
    n, e = jwk.get("n"), jwk.get("e")
    if jwk.get("kty") != "RSA" or not isinstance(n, str) or not isinstance(e, str) or any(
            k in jwk for k in _RSA_PRIVATE):
        raise InvalidInput("issuer_key.unsupported", "The key is not a public RSA JWK (kty RSA, n, e).")
    try:
        numbers = RSAPublicNumbers(_b64url_int(e), _b64url_int(n))
        key = numbers.public_key()
    except (binascii.Error, ValueError):
        raise InvalidInput("issuer_key.unsupported", "The RSA JWK's n or e is not a valid base64url number.") from None
    if key.key_size > MAX_RSA_BITS:
        raise InvalidInput("issuer_key.unsupported", f"The RSA key has {key.key_size} bits; at most {MAX_RSA_BITS} "
                           "are accepted.")
    if key.key_size < MIN_RSA_BITS:
        raise InvalidInput("issuer_key.rsa_too_short", f"The RSA key has {key.key_size} bits; at least "
                           f"{MIN_RSA_BITS} are required.")
    return key


def public_jwk(jwk: JsonObject, *, rsa: bool = False) -> Ed25519PublicKey | RSAPublicKey:
    """The key of an Ed25519 JWK or, when `rsa`, of an RSA JWK of at least MIN_RSA_BITS; raises InvalidInput."""
    return rsa_jwk_public_key(jwk) if rsa and jwk.get("kty") == "RSA" else jwk_public_key(jwk)


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def assertion_key(document: JsonObject, method_id: str, *, rsa: bool = False) -> Ed25519PublicKey | RSAPublicKey:
    """The public key of `method_id` if the DID document lists it for assertionMethod; else CheckFailed.
    Ed25519 keys only, unless `rsa` (VC-JWT RS256) also admits RSA JWKs of at least MIN_RSA_BITS."""
    did = method_id.split("#", 1)[0]
    if not all(isinstance(document.get(name, []), list) for name in ("verificationMethod", "assertionMethod")):
        raise CheckFailed(MALFORMED, "issuer_key.document_malformed",
                          "The DID document's verificationMethod and assertionMethod must be lists.")
    if document.get("id") != did:
        raise CheckFailed(CRYPTO_ERROR, "issuer_key.document_mismatch",
                          f"The DID document is for {document.get('id')!r}, not {did!r}.")
    listed = {m if isinstance(m, str) else str(m.get("id")) if isinstance(m, dict) else ""
              for m in document.get("assertionMethod", [])}
    absolute = {f"{did}{m}" if isinstance(m, str) and m.startswith("#") else m for m in listed}
    if method_id not in absolute:
        raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_assertion_method",
                          f"{method_id} is not one of the issuer's assertion keys.", path="/proof/verificationMethod")
    candidates = [m for m in document.get("verificationMethod", []) + document.get("assertionMethod", [])
                  if isinstance(m, dict)]
    for method in candidates:
        mid = str(method.get("id", ""))
        if (f"{did}{mid}" if mid.startswith("#") else mid) == method_id:
            if method.get("controller") != did:
                raise CheckFailed(CRYPTO_ERROR, "issuer_key.wrong_controller",
                                  f"{method_id} is controlled by {method.get('controller')!r}, not {did}.")
            try:
                if isinstance(method.get("publicKeyJwk"), dict):  # JsonWebKey2020 and JsonWebKey methods
                    return public_jwk(method["publicKeyJwk"], rsa=rsa)
                return multikey.public_key(str(method.get("publicKeyMultibase", "")))
            except InvalidInput as e:
                weak = e.code == "issuer_key.rsa_too_short"
                raise CheckFailed(CRYPTO_ERROR if weak else MALFORMED, e.code if weak else "issuer_key.unsupported",
                                  f"{method_id}: {e.detail}") from None
    raise CheckFailed(CRYPTO_ERROR, "issuer_key.not_found", f"The DID document has no key {method_id}.")
