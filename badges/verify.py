"""The one verification pipeline: raw bytes in, a report of every named check out."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld.jsonld import JsonLdError

import schemas
from badges import dids, model, proofs, status
from badges.errors import InvalidInput
from badges.jsonld import JsonObject, require_bundled
from badges.report import (MALFORMED, PARSING_ERROR, RANGE_ERROR, STATUS_LIST_LENGTH, STATUS_VERIFICATION,
                           Check, CheckFailed, CheckId, CheckUndecided, Outcome, VerificationReport)

HALTING = {CheckId.PARSE, CheckId.CONTEXT, CheckId.SCHEMA, CheckId.ISSUER_KEY, CheckId.PROOF}
MAX_CREDENTIAL_BYTES = 1_000_000


class Resolver(Protocol):
    """Where DID documents and status list credentials come from; raise CheckUndecided when unreachable."""

    def did_document(self, did: str) -> JsonObject: ...

    def status_list(self, url: str) -> JsonObject: ...


def verify_credential(raw: bytes | str, *, resolve: Resolver, now: datetime,
                      skew: timedelta = timedelta(minutes=5), holder: str | None = None) -> VerificationReport:
    """Run every check on `raw` in order; later checks are skipped once a halting one does not pass."""
    run = _Run()
    doc = run(CheckId.PARSE, parse_credential, raw)
    run(CheckId.CONTEXT, check_contexts, doc)
    run(CheckId.SCHEMA, check_shape, doc)
    key = run(CheckId.ISSUER_KEY, issuer_key, doc, resolve)
    run(CheckId.PROOF, check_proof, doc, key)
    run(CheckId.VALIDITY, check_validity_period, doc, now, skew)
    if doc is not None and not doc.get("credentialStatus") and not run.halted_by:
        run.skip(CheckId.STATUS, code="status.none", required=False)
    else:
        run(CheckId.STATUS, check_status, doc, resolve, now, skew)
    if holder is None:
        run.skip(CheckId.RECIPIENT, code="recipient.not_requested", required=False)
    else:
        run(CheckId.RECIPIENT, check_recipient, doc, holder)
    return VerificationReport(tuple(run.checks), doc, now)


class _Run:
    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.halted_by: CheckId | None = None

    def __call__(self, check_id: CheckId, fn: Callable[..., Any], *args: Any) -> Any:
        if self.halted_by:
            return self.skip(check_id, code=f"skipped.after_{self.halted_by}")
        try:
            value = fn(*args)
        except CheckUndecided as e:
            self._record(check_id, Outcome.UNKNOWN, e)
        except CheckFailed as e:
            self._record(check_id, Outcome.FAILED, e)
        else:
            self.checks.append(Check(check_id, Outcome.PASSED))
            return value
        return None

    def skip(self, check_id: CheckId, *, code: str, required: bool = True) -> None:
        self.checks.append(Check(check_id, Outcome.SKIPPED, required=required, reason=code))

    def _record(self, check_id: CheckId, outcome: Outcome, error: CheckFailed) -> None:
        self.checks.append(Check(check_id, outcome, error.problem))
        if check_id in HALTING:
            self.halted_by = check_id


def parse_credential(raw: bytes | str) -> JsonObject:
    """The credential as a JSON object; CheckFailed for oversized, non-JSON or non-object input."""
    if len(raw) > MAX_CREDENTIAL_BYTES:
        raise CheckFailed(PARSING_ERROR, "parse.too_large",
                          f"The credential is over {MAX_CREDENTIAL_BYTES} bytes.")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise CheckFailed(PARSING_ERROR, "parse.not_json", f"The credential is not valid JSON: {e}.") from None
    if not isinstance(doc, dict):
        raise CheckFailed(PARSING_ERROR, "parse.not_object", "The credential must be a JSON object.")
    return doc


def check_contexts(doc: JsonObject) -> None:
    """Every `@context` URL must be one we bundle: contexts are never fetched."""
    try:
        require_bundled(doc)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, e.code, e.detail, path=e.path) from None


def check_shape(doc: JsonObject) -> None:
    """The credential matches schemas/json/ob-credential.json; the problem points at the first error."""
    validator = jsonschema.Draft202012Validator(schemas.json_schema("ob-credential"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        raise CheckFailed(MALFORMED, "schema.invalid", f"{pointer}: {error.message}", path=pointer)


def issuer_id(doc: JsonObject) -> str:
    """The credential's issuer identifier."""
    issuer = doc.get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else str(issuer)


def issuer_key(doc: JsonObject, resolve: Resolver) -> Ed25519PublicKey:
    """The key that signed `doc`, if it is one of its issuer's assertion keys (CredentialIssuancePurpose)."""
    method = proofs.proof_of(doc).get("verificationMethod")
    if not isinstance(method, str):
        raise CheckFailed(MALFORMED, "issuer_key.method_missing", "The proof names no verificationMethod.",
                          path="/proof/verificationMethod")
    did = method.split("#", 1)[0]
    if did != issuer_id(doc):
        raise CheckFailed(proofs.CRYPTO_ERROR, "issuer_key.not_issuers_key",
                          f"The credential was signed by {did}, which is not its issuer {issuer_id(doc)}.",
                          path="/proof/verificationMethod")
    if did.startswith("did:key:"):
        document = dids.did_key_document(did)
    elif did.startswith("did:web:"):
        document = resolve.did_document(did)
    else:
        raise CheckFailed(MALFORMED, "issuer_key.method_unsupported",
                          f"Issuer keys are resolved from did:key and did:web only, not {did}.")
    return dids.assertion_key(document, method)


def check_proof(doc: JsonObject, key: Ed25519PublicKey) -> None:
    """The eddsa-rdfc-2022 proof holds for this key."""
    proofs.verify_proof(doc, public_key=key)


def parse_instant(value: str, path: str) -> datetime:
    """An XSD dateTime with a time zone; CheckFailed otherwise."""
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise CheckFailed(MALFORMED, "validity.malformed", f"{value!r} is not a date-time.", path=path) from None
    if instant.tzinfo is None:
        raise CheckFailed(MALFORMED, "validity.malformed", f"{value!r} has no time zone.", path=path)
    return instant


def check_validity_period(doc: JsonObject, now: datetime, skew: timedelta) -> None:
    """validFrom <= now <= validUntil, allowing `skew` either way (VC 2.0: both are optional)."""
    if "validFrom" in doc and parse_instant(doc["validFrom"], "/validFrom") > now + skew:
        raise CheckFailed(RANGE_ERROR, "validity.not_yet_valid",
                          f"The credential is valid only from {doc['validFrom']}.", path="/validFrom")
    if "validUntil" in doc and parse_instant(doc["validUntil"], "/validUntil") < now - skew:
        raise CheckFailed(RANGE_ERROR, "validity.expired",
                          f"The credential expired on {doc['validUntil']}.", path="/validUntil")


def check_status(doc: JsonObject, resolve: Resolver, now: datetime, skew: timedelta) -> None:
    """Bitstring Status List §3.2 Validate Algorithm for every status entry; unknown types are undecided."""
    entries = doc["credentialStatus"]
    for entry in entries if isinstance(entries, list) else [entries]:
        if entry.get("type") != "BitstringStatusListEntry":
            raise CheckUndecided(STATUS_VERIFICATION, "status.type_unsupported",
                                 f"Status type {entry.get('type')!r} cannot be checked here.")
        _check_entry(entry, resolve, now, skew)


def _check_entry(entry: JsonObject, resolve: Resolver, now: datetime, skew: timedelta) -> None:
    url, purpose = entry.get("statusListCredential"), entry.get("statusPurpose")
    try:
        index = status.index_from_entry(entry)
    except InvalidInput as e:
        raise CheckFailed(MALFORMED, e.code, e.detail, path="/credentialStatus/statusListIndex") from None
    if not isinstance(url, str) or purpose not in ("revocation", "suspension"):
        raise CheckFailed(MALFORMED, "status.entry_malformed",
                          "The status entry needs a statusListCredential URL and a known statusPurpose.")
    list_credential = resolve.status_list(url)
    _verify_status_list_credential(list_credential, resolve, now, skew)
    subject = list_credential.get("credentialSubject", {})
    if not isinstance(subject, dict):
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_malformed",
                             "The status list credential's credentialSubject is not an object.")
    if subject.get("statusPurpose") != purpose:
        raise CheckUndecided(STATUS_VERIFICATION, "status.purpose_mismatch",
                             f"The status list is for {subject.get('statusPurpose')!r}, not {purpose!r}.")
    try:
        bits = status.decode_list(subject.get("encodedList", ""))
    except InvalidInput as e:
        raise CheckUndecided(STATUS_VERIFICATION, e.code, e.detail) from None
    if len(bits) * 8 < status.DEFAULT_LENGTH or index >= len(bits) * 8:
        raise CheckUndecided(STATUS_LIST_LENGTH, "status.list_too_short",
                             f"The status list has {len(bits) * 8} entries; index {index} is out of range.")
    if status.get_bit(bits, index):
        word = "revoked" if purpose == "revocation" else "suspended"
        raise CheckFailed(STATUS_VERIFICATION, f"status.{word}", f"The issuer has {word} this credential.")


def _verify_status_list_credential(doc: JsonObject, resolve: Resolver, now: datetime,
                                   skew: timedelta) -> None:
    """The status list credential is signed by its issuer and current; if not, status is undecided."""
    try:
        check_contexts(doc)
        if "BitstringStatusListCredential" not in doc.get("type", []):
            raise CheckFailed(MALFORMED, "status.list_wrong_type", "Not a BitstringStatusListCredential.")
        check_proof(doc, issuer_key(doc, resolve))
        check_validity_period(doc, now, skew)
    except CheckUndecided:
        raise
    except CheckFailed as e:
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_unverifiable",
                             f"The status list credential does not verify: {e.problem.detail}") from None


def check_recipient(doc: JsonObject, holder: str) -> None:
    """The credential names `holder` (an e-mail) among its subject's salted, hashed identifiers."""
    identifiers = doc["credentialSubject"].get("identifier", [])
    if not any(model.email_matches(holder, i) for i in identifiers
               if isinstance(i, dict) and i.get("identityType") == "emailAddress"):
        raise CheckFailed(MALFORMED, "recipient.mismatch",
                          "The credential was not issued to this e-mail address.",
                          path="/credentialSubject/identifier")
