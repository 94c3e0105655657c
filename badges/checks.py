"""The checks of a W3C Verifiable Credential (VC 2.0 or 1.1), each raising CheckFailed / CheckUndecided."""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import ModuleType
from typing import Protocol, TypedDict

from cachetools import LRUCache, cached
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import schemas
from badges import bounds, dids, legacy_proofs, model, proofs, status
from badges.errors import InvalidInput
from badges.jsonld import JsonObject, require_bundled
from badges.jsontext import to_json
from badges.report import (
    MALFORMED,
    PARSING_ERROR,
    RANGE_ERROR,
    STATUS_LIST_LENGTH,
    STATUS_VERIFICATION,
    CheckFailed,
    CheckNotApplicable,
    CheckUndecided,
)

# What a process remembers of the documents verifications read. Each memory is bounded by the bytes it holds, never
# only by its number of entries: anyone can sign a status list with a did:key, and 22 KB of GZIP expands to the
# 16 MiB status.decode_list allows (512 of them once kept 8 GiB). Documents are remembered by their SHA-256, so a
# key never holds a document itself.
BITS_KEPT = 32 * 1024 * 1024  # decoded status lists: 2,048 lists of the spec's 16 KiB, or two of the largest we read
PROOFS_KEPT = 4_096  # verified status list proofs and issuers' keys: a digest and a small value each
MAX_STATUS_ENTRIES = 4  # one per status purpose Bitstring Status List v1.0 names (an OB 3.0 credential has one)


def _digest(document: bytes | str) -> bytes:
    """The SHA-256 of `document` (text as UTF-8): what a memory keeps in its place."""
    return hashlib.sha256(document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document).digest()


class Resolver(Protocol):
    """Where DID documents, status lists and other documents come from; raise CheckUndecided when unreachable."""

    def did_document(self, did: str) -> JsonObject: ...

    def status_list(self, url: str) -> JsonObject: ...

    def document(self, url: str) -> JsonObject: ...


def check_bounds(doc: JsonObject, *, text: bytes | str | None = None, limits: bounds.Limits = bounds.CREDENTIAL,
                 code: str = "parse.too_complex") -> None:
    """The document (read from the JSON `text`, when given) is within `limits` (bounds.CREDENTIAL), which bound the
    work of every later check; CheckUndecided (PARSING_ERROR, `code`) otherwise: refusing the work says nothing
    about whether the document is genuine, so the verdict is "could not be checked"."""
    if text is not None and bounds.fits_surely(text, doc, limits):
        return
    try:
        bounds.check_shape(doc, limits, code=code)
    except bounds.TooComplex as e:
        raise CheckUndecided(PARSING_ERROR, e.code, e.detail, path=e.path) from None


class HeldStatus(Protocol):
    """A Resolver that also knows a state its issuer keeps outside any status list (an OB 3.0 credential has
    one status entry, so this service keeps suspensions itself); optional."""

    def held_status(self, credential_id: str, issuer: str) -> str | None: ...


def check_contexts(doc: JsonObject) -> None:
    """Every `@context` URL must be one we bundle: contexts are never fetched."""
    try:
        require_bundled(doc)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, e.code, e.detail, path=e.path) from None


def check_schema(doc: JsonObject, name: str) -> None:
    """`doc` matches schemas/json/<name>.json; the problem points at the first error."""
    error = schemas.first_error(name, doc)
    if error is not None:
        pointer, message = error
        raise CheckFailed(MALFORMED, "schema.invalid", f"{pointer}: {message}", path=pointer)


def check_shape(doc: JsonObject) -> None:
    """The credential matches schemas/json/ob-credential.json (an OB 3.0 credential, VC 2.0 or VC 1.1)."""
    check_schema(doc, "ob-credential")


def issuer_id(doc: JsonObject) -> str:
    """The credential's issuer identifier."""
    issuer = doc.get("issuer")
    return str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer)


def _suite(doc: JsonObject) -> ModuleType:
    """The proof module for the credential's proof type (eddsa-rdfc-2022 unless it says Ed25519Signature2020)."""
    proof = doc.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if isinstance(proof, dict) and proof.get("type") == legacy_proofs.PROOF_TYPE:
        return legacy_proofs
    return proofs


def issuer_key(doc: JsonObject, resolve: Resolver) -> Ed25519PublicKey:
    """The key that signed `doc`, if it is one of its issuer's assertion keys (CredentialIssuancePurpose)."""
    method = _suite(doc).proof_of(doc).get("verificationMethod")
    if not isinstance(method, str):
        raise CheckFailed(MALFORMED, "issuer_key.method_missing", "The proof names no verificationMethod.",
                          path="/proof/verificationMethod")
    return method_key(method, issuer_id(doc), resolve)


def method_key(method: str, issuer: str, resolve: Resolver, *, rsa: bool = False) -> Ed25519PublicKey:
    """The Ed25519 key (or, when `rsa`, possibly an RSA key) of verification method `method`, which must belong
    to `issuer` (did:key or did:web)."""
    did = method.split("#", 1)[0]
    if did != issuer:
        raise CheckFailed(proofs.CRYPTO_ERROR, "issuer_key.not_issuers_key",
                          f"The credential was signed by {did}, which is not its issuer {issuer}.",
                          path="/proof/verificationMethod")
    if did.startswith("did:key:"):
        document = dids.did_key_document(did)
    elif did.startswith("did:web:"):
        document = resolve.did_document(did)
    else:
        raise CheckFailed(MALFORMED, "issuer_key.method_unsupported",
                          f"Issuer keys are resolved from did:key and did:web only, not {did}.")
    return _assertion_key(to_json(document), method, rsa)  # type: ignore[return-value]


@cached(LRUCache(maxsize=PROOFS_KEPT), key=lambda document, method, rsa=False: (_digest(document), method, rsa),
        lock=threading.Lock())
def _assertion_key(document: bytes, method: str, rsa: bool = False) -> Ed25519PublicKey | RSAPublicKey:
    """dids.assertion_key for a DID document (its JSON text), remembered once found: every credential of an
    issuer and its status lists name the same key, and a changed document is read afresh."""
    return dids.assertion_key(json.loads(document), method, rsa=rsa)


def check_proof(doc: JsonObject, key: Ed25519PublicKey) -> None:
    """The credential's proof (eddsa-rdfc-2022 or Ed25519Signature2020) holds for this key."""
    _suite(doc).verify_proof(doc, public_key=key)


def parse_instant(value: object, path: str) -> datetime:
    """An XSD dateTime with a time zone; CheckFailed otherwise."""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        raise CheckFailed(MALFORMED, "validity.malformed", f"{value!r:.60} is not a date-time.", path=path) from None
    if instant.tzinfo is None:
        raise CheckFailed(MALFORMED, "validity.malformed", f"{value!r:.60} has no time zone.", path=path)
    return instant


def check_window(start: datetime | None, end: datetime | None, now: datetime, skew: timedelta, *,
                 start_path: str, end_path: str) -> None:
    """start <= now <= end, allowing `skew` either way; either bound may be absent."""
    if start is not None and start > now + skew:
        raise CheckFailed(RANGE_ERROR, "validity.not_yet_valid",
                          f"The credential is valid only from {start.isoformat()}.", path=start_path)
    if end is not None and end < now - skew:
        raise CheckFailed(RANGE_ERROR, "validity.expired", f"The credential expired on {end.isoformat()}.",
                          path=end_path)


def check_validity_period(doc: JsonObject, now: datetime, skew: timedelta) -> None:
    """validFrom <= now <= validUntil (VC 1.1: issuanceDate, expirationDate), allowing `skew` either way."""
    check_window(*_validity_period(doc), now, skew, **_period_paths(doc))


def _validity_period(doc: JsonObject) -> tuple[datetime | None, datetime | None]:
    """validFrom and validUntil (VC 1.1: issuanceDate, expirationDate), either absent."""
    start_name, end_name = _start_name(doc), _end_name(doc)
    start = parse_instant(doc[start_name], f"/{start_name}") if start_name in doc else None
    end = parse_instant(doc[end_name], f"/{end_name}") if end_name in doc else None
    return start, end


class _PeriodPaths(TypedDict):
    start_path: str
    end_path: str


def _period_paths(doc: JsonObject) -> _PeriodPaths:
    return {"start_path": f"/{_start_name(doc)}", "end_path": f"/{_end_name(doc)}"}


def _start_name(doc: JsonObject) -> str:
    return "validFrom" if "validFrom" in doc else "issuanceDate"


def _end_name(doc: JsonObject) -> str:
    return "validUntil" if "validUntil" in doc else "expirationDate"


StatusMethod = Callable[[JsonObject, JsonObject, Resolver, datetime, timedelta], None]


def check_status(doc: JsonObject, resolve: Resolver, now: datetime, skew: timedelta,
                 methods: Mapping[str, StatusMethod] | None = None) -> None:
    """Bitstring Status List §3.2 Validate Algorithm for every status entry, or the status method `methods`
    names for its type (called with the entry and the credential); other types are undecided. Then a state the
    issuer's own service keeps (HeldStatus: suspension)."""
    entries = doc.get("credentialStatus") or []
    if isinstance(entries, list) and len(entries) > MAX_STATUS_ENTRIES:
        # each entry may name another list to fetch, verify and expand: a credential naming 40 made one
        # verification expand 40 lists of 16 MiB
        raise CheckUndecided(STATUS_VERIFICATION, "status.too_many_entries", f"The credential has {len(entries)} "
                             f"status entries; at most {MAX_STATUS_ENTRIES} (one per status purpose) are checked.",
                             path="/credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        if methods and entry.get("type") in methods:
            methods[entry["type"]](entry, doc, resolve, now, skew)
            continue
        if entry.get("type") != "BitstringStatusListEntry":
            raise CheckUndecided(STATUS_VERIFICATION, "status.type_unsupported",
                                 f"Status type {entry.get('type')!r} cannot be checked here.")
        _check_entry(entry, issuer_id(doc), resolve, now, skew)
    _check_held(doc, resolve)
    if not entries:
        raise CheckNotApplicable("status.none")


def _check_held(doc: JsonObject, resolve: Resolver) -> None:
    """CheckFailed when the resolver knows the issuer holds the credential suspended (HeldStatus)."""
    held = getattr(resolve, "held_status", None)
    state = held(str(doc.get("id", "")), issuer_id(doc)) if callable(held) else None
    if state == "suspended":
        raise CheckFailed(STATUS_VERIFICATION, "status.suspended", "The issuer has suspended this credential "
                          "(recorded by the issuer's own service, not in a status list).")


def _check_entry(entry: JsonObject, issuer: str, resolve: Resolver, now: datetime, skew: timedelta) -> None:
    url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
    try:
        index = status.index_from_entry(entry)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, e.code, e.detail, path="/credentialStatus/statusListIndex") from None
    if not isinstance(url, str) or purpose not in ("revocation", "suspension"):
        raise CheckFailed(MALFORMED, "status.entry_malformed",
                          "The status entry needs a statusListCredential URL and a known statusPurpose.")
    list_credential = resolve.status_list(url)
    _check_same_issuer(list_credential, issuer)
    _verify_status_list_credential(list_credential, resolve, now, skew)
    subject = list_credential.get("credentialSubject", {})
    if not isinstance(subject, dict):
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_malformed",
                             "The status list credential's credentialSubject is not an object.")
    if subject.get("statusPurpose") != purpose:
        raise CheckUndecided(STATUS_VERIFICATION, "status.purpose_mismatch",
                             f"The status list is for {subject.get('statusPurpose')!r}, not {purpose!r}.")
    try:
        bits = _list_bits(subject.get("encodedList", ""))
    except InvalidInput as e:
        raise CheckUndecided(STATUS_VERIFICATION, e.code, e.detail) from None
    if len(bits) * 8 < status.DEFAULT_LENGTH or index >= len(bits) * 8:
        raise CheckUndecided(STATUS_LIST_LENGTH, "status.list_too_short",
                             f"The status list has {len(bits) * 8} entries; index {index} is out of range.")
    if status.get_bit(bits, index):
        word = "revoked" if purpose == "revocation" else "suspended"
        raise CheckFailed(STATUS_VERIFICATION, f"status.{word}", f"The issuer has {word} this credential.")


def _check_same_issuer(list_credential: JsonObject, issuer: str) -> None:
    """The status list credential is the credential's own issuer's: another issuer's list is no evidence of this
    credential's status (Bitstring Status List §3.2: the list is the issuer's statement), so the check fails."""
    if issuer_id(list_credential) != issuer:
        raise CheckFailed(STATUS_VERIFICATION, "status.foreign_list", f"The status list is issued by "
                          f"{issuer_id(list_credential)!r:.80}, not by the credential's issuer {issuer!r:.80}.",
                          path="/credentialStatus/statusListCredential")


def _verify_status_list_credential(doc: JsonObject, resolve: Resolver, now: datetime,
                                   skew: timedelta) -> None:
    """The status list credential is signed by its issuer and current; if not, status is undecided."""
    try:
        check_contexts(doc)
        types = doc.get("type")
        if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
            raise CheckFailed(MALFORMED, "status.list_wrong_type", "Not a BitstringStatusListCredential.")
        key = issuer_key(doc, resolve).public_bytes(Encoding.Raw, PublicFormat.Raw)
        check_window(*_status_list_proof(to_json(doc), key), now, skew, **_period_paths(doc))
    except CheckUndecided:
        raise
    except CheckFailed as e:
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_unverifiable",
                             f"The status list credential does not verify: {e.problem.detail}") from None


def _list_bits(encoded: object) -> bytes:
    """status.decode_list, remembered for the lists seen last up to BITS_KEPT bytes (many credentials share one
    list; an alliance of 257 members publishes two lists each, 16 KiB apiece once decoded: 8 MiB)."""
    return _cached_bits(encoded) if isinstance(encoded, str) else bytes(status.decode_list(encoded))  # type: ignore[arg-type]


@cached(LRUCache(maxsize=BITS_KEPT, getsizeof=len), key=_digest, lock=threading.Lock())
def _cached_bits(encoded: str) -> bytes:
    return bytes(status.decode_list(encoded))


@cached(LRUCache(maxsize=PROOFS_KEPT), key=lambda document, public_key: (_digest(document), public_key),
        lock=threading.Lock())
def _status_list_proof(document: bytes, public_key: bytes) -> tuple[datetime | None, datetime | None]:
    """check_proof for a status list credential (its JSON text) and raw key, remembered once it holds, with its
    validity period: every credential on the list names the same list, so one verification serves them all
    until it changes."""
    doc = json.loads(document)
    try:  # another issuer's list is as untrusted as a credential (checked once here)
        check_bounds(doc, text=document)
    except CheckUndecided as e:  # too complex to check: for a list, one that does not verify
        raise CheckFailed(e.problem.type, e.problem.code, e.problem.detail, path=e.problem.path) from None
    check_proof(doc, Ed25519PublicKey.from_public_bytes(public_key))
    return _validity_period(doc)


def check_recipient(doc: JsonObject, holder: str) -> None:
    """The credential names `holder` (an e-mail) among its subject's salted, hashed identifiers."""
    subject = doc.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    if not any(model.email_matches(holder, i) for i in identifiers if isinstance(identifiers, list)
               and isinstance(i, dict) and i.get("identityType") == "emailAddress"):
        raise CheckFailed(MALFORMED, "recipient.mismatch",
                          "The credential was not issued to this e-mail address.",
                          path="/credentialSubject/identifier")
