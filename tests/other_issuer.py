"""Another issuer, on another system: its keys, DID document, status list and credentials in every format the
verifier accepts (OB 3.0 JSON-LD with eddsa-rdfc-2022 or Ed25519Signature2020, VC-JWT, OB 2.0 hosted and
signed). Its documents are published into a dict of URL -> (status, body), which tests serve from memory
(MemoryResolver) or over real HTTP on 127.0.0.1 (tests/verifier/remote.py)."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.api_jws import PyJWS

from badges import dids, legacy_proofs, model, multikey, ob2, proofs, status, vc_jwt
from badges.jsonld import JsonObject
from badges.report import STATUS_RETRIEVAL, CheckUndecided

ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
EMAIL = "jiwoo.park@example.kr"
INDEX = 7
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"  # VC 1.1 contexts do not define BitstringStatusListEntry
VCRL_TERMS = {"revokedCredentials": "https://purl.imsglobal.org/spec/vcrl/v1p0/#revokedCredentials"}  # inline
_RSA: list[RSAPrivateKey] = []  # RSA key generation is slow: one key for the whole test run


def rsa_key() -> RSAPrivateKey:
    if not _RSA:
        _RSA.append(generate_private_key(public_exponent=65537, key_size=2048))
    return _RSA[0]


class OtherIssuer:
    """An issuer at `base` (e.g. http://127.0.0.1:PORT) with a did:web, a revocation list and OB 2.0 documents."""

    def __init__(self, base: str, *, seed: int = 9) -> None:
        self.base = base.rstrip("/")
        self.key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        self.did = dids.did_web(self.base)  # its document lives at /.well-known/did.json
        self.method = f"{self.did}#key-1"
        self.signer = proofs.Ed25519Signer(self.key, self.method)
        self.list_url = f"{self.base}/status/1"
        self.bits = status.new_list()
        self.documents: dict[str, tuple[int, bytes]] = {}
        self.publish(f"{self.base}/.well-known/did.json", dids.did_document(
            self.did, [("key-1", multikey.public_multikey(self.key.public_key()))]))
        self.publish_list()
        self.publish_ob2_issuer()

    def path_of(self, url: str) -> str:
        return urlsplit(url).path

    def publish(self, url: str, document: Any, status_code: int = 200) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
        self.documents[url] = (status_code, body)

    # --- OB 3.0 -------------------------------------------------------------------------------------

    def credential(self, *, context: list[str] | None = None, valid_until: datetime | None = None,
                   with_status: bool = True, image: str | None = None) -> JsonObject:
        """An unsigned OB 3.0 credential for 박지우 (VC 2.0 unless `context` says VC 1.1)."""
        doc = model.achievement_credential(
            credential_id="urn:uuid:0b6d0f5e-2f1a-4c9b-8e3d-7a1c2b3d4e5f",
            issuer=model.profile(did=self.did, name="Other Academy 다른 아카데미", url="https://other.example"),
            achievement=model.achievement(achievement_id=f"{self.base}/achievements/data-101", name="데이터 분석 입문",
                                          description="파이썬으로 데이터를 분석하는 8주 과정",
                                          criteria="모든 실습을 제출했습니다.", image=image),
            recipient=model.Recipient(name="박지우", email=EMAIL, salt="0f1e2d3c4b5a6978",
                                      publish_name=True), valid_from=ISSUED,
            valid_until=valid_until,
            status=status.status_entry(list_url=self.list_url, index=INDEX) if with_status else None)
        if context is not None and context[0] == VC_V1:
            doc["@context"] = context
            del doc["credentialSchema"]  # its 1EdTech type needs the OB extensions context, not in this list
            doc["issuanceDate"] = doc.pop("validFrom")
            if "validUntil" in doc:
                doc["expirationDate"] = doc.pop("validUntil")
        return doc

    def data_integrity(self, **kwargs: Any) -> JsonObject:
        return proofs.sign(self.credential(**kwargs), signer=self.signer, created=ISSUED)

    def ed25519_2020(self, **kwargs: Any) -> JsonObject:
        """A VC 1.1 credential with the older Ed25519Signature2020 proof, as some wallets hold."""
        unsigned = self.credential(context=[VC_V1, OB_V3, STATUS_V1, legacy_proofs.SUITE_CONTEXT], **kwargs)
        return legacy_proofs.sign(unsigned, signer=self.signer, created=ISSUED)

    def vc_jwt(self, credential: JsonObject | None = None, **kwargs: Any) -> str:
        return vc_jwt.sign(credential or self.credential(**kwargs), key=self.key, kid=self.method)

    def publish_rsa_key(self, key: RSAPrivateKey | None = None, fragment: str = "key-rsa") -> str:
        """Add an RSA JsonWebKey2020 assertion key to the DID document (beside key-1); its method id."""
        numbers = (key or rsa_key()).public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _b64int(numbers.n), "e": _b64int(numbers.e)}
        url = f"{self.base}/.well-known/did.json"
        document = json.loads(self.documents[url][1])
        method = {"id": f"{self.did}#{fragment}", "type": "JsonWebKey2020", "controller": self.did,
                  "publicKeyJwk": jwk}
        document["verificationMethod"].append(method)
        document["assertionMethod"].append(method["id"])
        self.publish(url, document)
        return method["id"]

    def vc_jwt_rs256(self, credential: JsonObject | None = None, *, key: RSAPrivateKey | None = None,
                     headers: JsonObject | None = None, **kwargs: Any) -> str:
        """A VC-JWT signed RS256 (OB 3.0 §8.2's minimum) with `key` (the run's RSA key), the claims §8.2 asks."""
        credential = credential or self.credential(**kwargs)
        claims = json.loads(PyJWS().decode_complete(self.vc_jwt(credential), options={"verify_signature": False})
                            ["payload"])
        return PyJWS().encode(json.dumps(claims, ensure_ascii=False).encode(), key or rsa_key(), algorithm="RS256",
                              headers=headers if headers is not None else {"kid": f"{self.did}#key-rsa"})

    def revoke(self, index: int = INDEX) -> None:
        status.set_bit(self.bits, index, True)
        self.publish_list()

    def publish_list(self) -> JsonObject:
        unsigned = {"@context": [model.VC_V2], "id": self.list_url,
                    "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": self.did,
                    "validFrom": proofs.xsd_datetime(ISSUED), "credentialSubject": status.status_list_subject(
                        list_url=self.list_url, purpose="revocation", bits=self.bits)}
        signed = proofs.sign(unsigned, signer=self.signer, created=ISSUED)
        self.publish(self.list_url, signed)
        return signed

    def revocation_entry(self) -> JsonObject:
        """A `1EdTechRevocationList` credentialStatus naming the issuer's revocation list (published empty first)."""
        url = f"{self.base}/revocations/1"
        if url not in self.documents:
            self.publish_revocation_list([])
        return {"id": url, "type": "1EdTechRevocationList"}

    def publish_revocation_list(self, revoked: list[Any], *, issuer: str | None = None,
                                signed: bool = False) -> JsonObject:
        """The 1EdTech revocation list (vcrl 1.0) naming `revoked` (ids or {id, revocationReason} objects)."""
        url = f"{self.base}/revocations/1"
        types = ["VerifiableCredential", "1EdTechRevocationList"] if signed else ["1EdTechRevocationList"]
        context: list[Any] = [model.VC_V2, VCRL_TERMS] if signed else [model.VC_V2]
        document: JsonObject = {"@context": context, "id": url, "type": types,
                                "issuer": issuer or self.did, "revokedCredentials": revoked}
        if signed:
            document = proofs.sign(document, signer=self.signer, created=ISSUED)
        self.publish(url, document)
        return document

    # --- OB 2.0 -------------------------------------------------------------------------------------

    def publish_ob2_issuer(self) -> None:
        pem = rsa_key().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        self.ob2_issuer = f"{self.base}/ob2/issuer.json"
        self.ob2_key = f"{self.base}/ob2/key.json"
        self.ob2_badge = f"{self.base}/ob2/badge.json"
        self.ob2_revocations = f"{self.base}/ob2/revocations.json"
        self.publish(self.ob2_issuer, {"@context": ob2.CONTEXT, "type": "Issuer", "id": self.ob2_issuer,
                                       "name": "Legacy Academy 레거시 아카데미", "url": "https://legacy.example",
                                       "email": "badges@legacy.example", "publicKey": self.ob2_key,
                                       "revocationList": self.ob2_revocations})
        self.publish(self.ob2_key, {"@context": ob2.CONTEXT, "type": "CryptographicKey", "id": self.ob2_key,
                                    "owner": self.ob2_issuer, "publicKeyPem": pem})
        self.publish(self.ob2_badge, {"@context": ob2.CONTEXT, "type": "BadgeClass", "id": self.ob2_badge,
                                      "name": "웹 개발 기초", "description": "HTML, CSS, JavaScript 기초 과정",
                                      "image": f"{self.base}/ob2/badge.png",
                                      "criteria": {"narrative": "최종 과제를 통과했습니다."}, "issuer": self.ob2_issuer})
        self.publish(self.ob2_revocations, {"@context": ob2.CONTEXT, "type": "RevocationList",
                                            "id": self.ob2_revocations, "issuer": self.ob2_issuer,
                                            "revokedAssertions": []})

    def ob2_assertion(self, *, hosted: bool = True, number: int = 1) -> JsonObject:
        """An OB 2.0 assertion for EMAIL (hashed with a salt); hosted ones are published at their id."""
        salt = "deadsea"
        assertion: JsonObject = {
            "@context": ob2.CONTEXT, "type": "Assertion",
            "id": f"{self.base}/ob2/assertions/{number}" if hosted
            else f"urn:uuid:7d2f1c3e-0000-4000-8000-00000000000{number}",
            "recipient": {"type": "email", "hashed": True, "salt": salt,
                          "identity": "sha256$" + hashlib.sha256((EMAIL + salt).encode()).hexdigest()},
            "badge": self.ob2_badge, "issuedOn": "2025-11-20T10:00:00+09:00",
            "verification": {"type": "hosted"} if hosted else {"type": "signed", "creator": self.ob2_key}}
        if hosted:
            self.publish(assertion["id"], assertion)
        return assertion

    def ob2_signed(self, assertion: JsonObject | None = None) -> str:
        """A signed OB 2.0 assertion: its JWS (RS256), as baked into an image."""
        body = json.dumps(assertion or self.ob2_assertion(hosted=False)).encode()
        return PyJWS().encode(body, rsa_key(), algorithm="RS256")

    def ob2_revoke(self, assertion_id: str, reason: str = "발급 오류") -> None:
        self.publish(self.ob2_revocations, {"@context": ob2.CONTEXT, "type": "RevocationList",
                                            "id": self.ob2_revocations, "issuer": self.ob2_issuer,
                                            "revokedAssertions": [{"id": assertion_id, "revocationReason": reason}]})


class MemoryResolver:
    """A Resolver over an issuer's published documents, without any network (410 is 'document.gone')."""

    def __init__(self, *issuers: OtherIssuer) -> None:
        self.issuers = issuers

    def _get(self, url: str) -> JsonObject:
        for issuer in self.issuers:
            if url in issuer.documents:
                code, body = issuer.documents[url]
                if code == 410:
                    raise CheckUndecided(STATUS_RETRIEVAL, "document.gone", f"{url} is gone.")
                if code == 200:
                    return copy.deepcopy(json.loads(body))
        raise CheckUndecided(STATUS_RETRIEVAL, "document.unreachable", f"{url} could not be retrieved.")

    def did_document(self, did: str) -> JsonObject:
        try:
            return self._get(dids.did_web_url(did, scheme=urlsplit(self.issuers[0].base).scheme))
        except CheckUndecided:
            raise CheckUndecided("https://www.w3.org/TR/did-resolution#notFound", "issuer_key.unresolvable",
                                 f"No DID document for {did}.") from None

    def status_list(self, url: str) -> JsonObject:
        try:
            return self._get(url)
        except CheckUndecided:
            raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable", f"{url} could not be retrieved.") from None

    def document(self, url: str) -> JsonObject:
        return self._get(url)


def _b64int(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def later(days: int) -> datetime:
    return NOW + timedelta(days=days)


def endorsement(endorsed_id: str, *, seed: int = 40, comment: str = "현업 요구에 맞는 충실한 과정입니다.",
                number: int = 1) -> JsonObject:
    """An EndorsementCredential (OB 3.0) of `endorsed_id`, signed by a did:key endorser (eddsa-rdfc-2022)."""
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    did = dids.did_key(key.public_key())
    unsigned = {"@context": [model.VC_V2, model.OB_V3], "id": f"urn:uuid:5e1f0c2a-0000-4000-8000-{number:012d}",
                "type": ["VerifiableCredential", "EndorsementCredential"], "name": "산업계 추천",
                "issuer": {"id": did, "type": ["Profile"], "name": "한국소프트웨어산업협회"},
                "validFrom": proofs.xsd_datetime(ISSUED),
                "credentialSubject": {"id": endorsed_id, "type": ["EndorsementSubject"],
                                      "endorsementComment": comment}}
    return proofs.sign(unsigned, signer=proofs.Ed25519Signer(key, dids.did_key_method(did)), created=ISSUED)
