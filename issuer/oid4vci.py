"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: each organisation is a Credential
Issuer (its identifier is its public page, /orgs/<slug>) and its own authorization server. No Flask: the
blueprint (issuer.oid4vci_api) turns OAuthError into the spec's JSON error responses.

The flow: the holder makes an offer in their wallet (store.offers); a wallet app redeems its pre-authorized code
(and transaction code) at the token endpoint for a single-use access token, fetches a c_nonce from the nonce
endpoint, and sends a proof of possession (a JWT of type openid4vci-proof+jwt, signed with EdDSA by a did:key
named in `kid` or given as `jwk`, audience this issuer, nonce that c_nonce) to the credential endpoint, which
answers with the stored credential bound to that DID and signed by the organisation (service.sign_holder_copy).

Proof JWTs are read with PyJWT (signature, audience, iat); only the key lookup (did:key or Ed25519 JWK) is ours,
through badges.dids / badges.multikey like every other key.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from badges import dids, model, multikey
from badges.errors import InvalidInput
from issuer import audit, service
from store import offers
from store.models import Credential, Org
from store.offers import CONFIGURATION_ID, PRE_AUTHORIZED_GRANT, CredentialOffer

TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
PROOF_MAX_AGE = timedelta(minutes=5)  # a proof's iat may be this old
CLOCK_LEEWAY = timedelta(seconds=60)
PROOF_TYPE = "openid4vci-proof+jwt"
MAX_REQUEST_BYTES = 16_384


class OAuthError(Exception):
    """An OAuth 2.0 / OpenID4VCI error response: `error` code, a description, the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def endpoints(ctx: service.Issuing, org: Org) -> dict[str, str]:
    base = offers.issuer_identifier(ctx.links, org.slug)
    return {"token_endpoint": f"{base}/oid4vci/token", "credential_endpoint": f"{base}/oid4vci/credential",
            "nonce_endpoint": f"{base}/oid4vci/nonce"}


def issuer_metadata(ctx: service.Issuing, org: Org) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2): one OB 3.0 configuration, ldp_vc, bound to a did:key by a JWT proof;
    names in Korean and English. `token_endpoint` is repeated here for wallets of the drafts (1.0 wallets read it
    from the authorization server metadata)."""
    base = offers.issuer_identifier(ctx.links, org.slug)
    logo = {"uri": f"{base}/logo", "alt_text": org.name_en or org.name_ko} if org.logo_type else None
    issuer_display = [{"name": name, "locale": lang, **({"logo": logo} if logo else {})}
                      for lang, name in (("ko", org.name_ko), ("en", org.name_en)) if name]
    display = [{"name": "디지털 배지", "locale": "ko", "description": f"{org.name_ko or org.name_en}의 Open Badges 3.0 배지",
                "background_color": "#12355b", "text_color": "#ffffff"},
               {"name": "Digital badge", "locale": "en", "description": f"An Open Badges 3.0 badge from "
                f"{org.name_en or org.name_ko}", "background_color": "#12355b", "text_color": "#ffffff"}]
    configuration = {
        "format": "ldp_vc",
        "credential_definition": {"@context": list(model.CREDENTIAL_CONTEXT),
                                  "type": ["VerifiableCredential", "OpenBadgeCredential"]},
        "cryptographic_binding_methods_supported": ["did:key"],
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA"]}},
        "credential_metadata": {"display": display},
        "display": display,  # where the drafts (and wallets built on them) look for it
    }
    return {"credential_issuer": base, **endpoints(ctx, org), "display": issuer_display,
            "credential_configurations_supported": {CONFIGURATION_ID: configuration}}


def authorization_server_metadata(ctx: service.Issuing, org: Org) -> dict[str, Any]:
    """RFC 8414 metadata of the organisation as its own authorization server (pre-authorized code only)."""
    base = offers.issuer_identifier(ctx.links, org.slug)
    return {"issuer": base, "token_endpoint": endpoints(ctx, org)["token_endpoint"],
            "grant_types_supported": [PRE_AUTHORIZED_GRANT], "response_types_supported": [],
            "pre-authorized_grant_anonymous_access_supported": True}


def redeem(session: Session, org: Org, form: Mapping[str, str], *, now: datetime) -> dict[str, Any]:
    """The token endpoint (§6): spend an offer's pre-authorized code (and its transaction code) for an access
    token that fetches the credential once. A wrong transaction code counts against the offer (the caller
    commits that even though this raises); past TX_CODE_ATTEMPTS the offer is spent."""
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"Only the pre-authorized code grant ({PRE_AUTHORIZED_GRANT}) "
                         "is supported.")
    code = form.get("pre-authorized_code", "")
    if not code:
        raise OAuthError("invalid_request", "The pre-authorized_code parameter is missing.")
    offer = offers.offer_by_code(session, code)
    if offer is None or offer.credential.org_id != org.id:
        raise OAuthError("invalid_grant", "The pre-authorized code is not valid for this issuer.")
    if offer.redeemed_at is not None:
        raise OAuthError("invalid_grant", "The pre-authorized code was already used; make a new offer.")
    if offer.expires_at < now:
        raise OAuthError("invalid_grant", "The offer has expired; make a new offer.")
    _check_tx_code(offer, form.get("tx_code"), now=now)
    if offer.credential.revoked_at is not None:
        raise OAuthError("invalid_grant", "The credential was revoked.")
    token = secrets.token_urlsafe(32)
    offer.redeemed_at, offer.token_hash = now, offers.digest(token)
    offer.token_expires_at = now + TOKEN_LIFETIME
    return {"access_token": token, "token_type": "Bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}


def _check_tx_code(offer: CredentialOffer, tx_code: str | None, *, now: datetime) -> None:
    if offer.tx_code_hash is None:
        if tx_code:
            raise OAuthError("invalid_request", "This offer asks for no transaction code, but one was sent.")
        return
    if not tx_code:
        raise OAuthError("invalid_request", "This offer needs its transaction code (tx_code).")
    if secrets.compare_digest(offers.tx_code_digest(offer, tx_code), offer.tx_code_hash):
        return
    offer.tx_code_failures += 1
    if offer.tx_code_failures >= offers.TX_CODE_ATTEMPTS:
        offer.redeemed_at = now  # spent: no more guesses
        raise OAuthError("invalid_grant", "The transaction code is wrong, too many times; make a new offer.")
    raise OAuthError("invalid_grant", "The transaction code is wrong.")


def nonce(session: Session, *, now: datetime) -> dict[str, str]:
    """The nonce endpoint (§7): a fresh c_nonce for the next proof."""
    return {"c_nonce": offers.new_nonce(session, now=now, lifetime=NONCE_LIFETIME)}


def issue(session: Session, ctx: service.Issuing, org: Org, *, authorization: str | None, body: bytes,
          now: datetime) -> dict[str, Any]:
    """The credential endpoint (§8): the offered credential bound to the DID whose key signed the proof."""
    offer = _offer_of_token(session, org, authorization, now=now)
    request = _request(body)
    jwt_proof = _one_proof(request)
    holder = holder_of_proof(session, jwt_proof, audience=offers.issuer_identifier(ctx.links, org.slug), now=now)
    credential: Credential = offer.credential
    if credential.revoked_at is not None:
        raise OAuthError("credential_request_denied", "The credential was revoked.")
    copy = service.sign_holder_copy(session, ctx, credential=credential, holder_did=holder, now=now)
    offer.issued_copy_id = copy.id
    audit.record(session, org_id=org.id, actor=offer.created_by, action="credential.oid4vci_issue", now=now,
                 target=credential.id, holder=holder, copy=f"urn:uuid:{copy.id}")
    return {"credentials": [{"credential": json.loads(copy.document)}]}


def _offer_of_token(session: Session, org: Org, authorization: str | None, *, now: datetime) -> CredentialOffer:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError("invalid_token", "Send the access token as Authorization: Bearer <token>.", 401)
    offer = offers.offer_by_token(session, token.strip())
    if offer is None or offer.credential.org_id != org.id:
        raise OAuthError("invalid_token", "The access token is not valid for this issuer.", 401)
    if offer.issued_copy_id is not None:
        raise OAuthError("invalid_token", "The access token was already used.", 401)
    if offer.token_expires_at is None or offer.token_expires_at < now:
        raise OAuthError("invalid_token", "The access token has expired.", 401)
    return offer


def _request(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_REQUEST_BYTES:
        raise OAuthError("invalid_credential_request", f"The request is over {MAX_REQUEST_BYTES} bytes.")
    try:
        request = json.loads(body)
    except ValueError:
        raise OAuthError("invalid_credential_request", "The request is not JSON.") from None
    if not isinstance(request, dict):
        raise OAuthError("invalid_credential_request", "The request is not a JSON object.")
    if "credential_identifier" in request:
        raise OAuthError("unknown_credential_identifier", "This issuer issues no credential identifiers; send "
                         f"credential_configuration_id {CONFIGURATION_ID!r}.")
    configuration = request.get("credential_configuration_id")
    if configuration is None:
        raise OAuthError("invalid_credential_request", "The credential_configuration_id is missing.")
    if configuration != CONFIGURATION_ID:
        raise OAuthError("unknown_credential_configuration", f"Unknown configuration {configuration!r}; this "
                         f"issuer offers {CONFIGURATION_ID!r}.")
    return request


def _one_proof(request: dict[str, Any]) -> str:
    """The one JWT proof of the request: `proofs` {"jwt": [...]} (1.0) or `proof` {"proof_type": "jwt"} (drafts)."""
    many, one = request.get("proofs"), request.get("proof")
    if many is not None and one is not None:
        raise OAuthError("invalid_credential_request", "Send either proofs or proof, not both.")
    if many is None and one is None:
        raise OAuthError("invalid_proof", "The proof of possession of the holder's key is missing (proofs).")
    if many is not None:
        if not isinstance(many, dict) or set(many) != {"jwt"} or not isinstance(many["jwt"], list):
            raise OAuthError("invalid_proof", "Only JWT proofs are supported: proofs must be {\"jwt\": [...]}.")
        if len(many["jwt"]) != 1:
            raise OAuthError("invalid_proof", "Send exactly one JWT proof: this issuer does not issue batches.")
        proof = many["jwt"][0]
    else:
        if not isinstance(one, dict) or one.get("proof_type") != "jwt":
            raise OAuthError("invalid_proof", "Only JWT proofs are supported (proof_type jwt).")
        proof = one.get("jwt")
    if not isinstance(proof, str) or not proof:
        raise OAuthError("invalid_proof", "The JWT proof is not a string.")
    return proof


def holder_of_proof(session: Session, token: str, *, audience: str, now: datetime) -> str:
    """The did:key whose Ed25519 key signed the proof JWT (§F.1), checked: type, algorithm, signature, audience
    this issuer, issued in the last minutes, and a c_nonce of ours not used before (which it uses up)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as e:
        raise OAuthError("invalid_proof", f"The proof is not a JWT: {e}.") from None
    if header.get("typ") != PROOF_TYPE:
        raise OAuthError("invalid_proof", f"The proof's typ must be {PROOF_TYPE}.")
    if header.get("alg") != "EdDSA":
        raise OAuthError("invalid_proof", "The proof must be signed with EdDSA (Ed25519).")
    holder, key = _proof_key(header)
    try:
        claims = jwt.decode(token, key, algorithms=["EdDSA"], audience=audience, leeway=CLOCK_LEEWAY,
                            options={"require": ["aud", "iat"]})
    except jwt.InvalidAudienceError:
        raise OAuthError("invalid_proof", f"The proof's audience (aud) must be this issuer, {audience}.") from None
    except jwt.InvalidTokenError as e:
        raise OAuthError("invalid_proof", f"The proof does not hold: {e}.") from None
    issued = claims["iat"]
    if not isinstance(issued, int | float) or issued < (now - PROOF_MAX_AGE).timestamp():
        raise OAuthError("invalid_proof", "The proof is too old (iat); make a new one.")
    c_nonce = claims.get("nonce")
    if not isinstance(c_nonce, str) or not offers.use_nonce(session, c_nonce, now=now):
        raise OAuthError("invalid_nonce", "The proof's nonce is not a current c_nonce of this issuer; fetch one "
                         "from the nonce endpoint.")
    return holder


def _proof_key(header: dict[str, Any]) -> tuple[str, Ed25519PublicKey]:
    """(holder did:key, its public key) from the proof header's `kid` (a did:key URL) or `jwk`."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise OAuthError("invalid_proof", "The proof header must name its key by exactly one of kid and jwk.")
    try:
        if jwk is not None:
            if not isinstance(jwk, dict):
                raise OAuthError("invalid_proof", "The proof's jwk is not a JSON object.")
            key = dids.jwk_public_key(jwk)
            return dids.did_key(key), key
        if not isinstance(kid, str) or not kid.startswith("did:key:"):
            raise OAuthError("invalid_proof", "The proof's kid must be a did:key URL (did:key:z...#z...).")
        did, _, fragment = kid.partition("#")
        if fragment and fragment != did.removeprefix("did:key:"):
            raise OAuthError("invalid_proof", "The proof's kid names no key of its did:key.")
        return did, multikey.public_key(did.removeprefix("did:key:"))
    except InvalidInput as e:
        raise OAuthError("invalid_proof", f"The proof's key is not an Ed25519 key: {e.detail}") from None
