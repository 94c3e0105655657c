"""The one verification pipeline: raw bytes in, a report of every named check out.

The parse check recognises the format (a JSON-LD VC with an embedded proof, a VC-JWT, an Open Badges 2.0
assertion, hosted or signed); each format then supplies its own way of carrying out the same named checks, so
every format yields the same report shape.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from badges import bounds, ob2, proof_sets, revocation_list, vc_jwt
from badges.checks import (
    Resolver,
    check_bounds,
    check_contexts,
    check_recipient,
    check_schema,
    check_status,
    check_validity_period,
    issuer_id,
    parse_instant,
)
from badges.jsonld import JsonObject
from badges.jsontext import from_json
from badges.report import (
    PARSING_ERROR,
    Check,
    CheckFailed,
    CheckId,
    CheckNotApplicable,
    CheckUndecided,
    CredentialFormat,
    Outcome,
    VerificationReport,
)

__all__ = ["HALTING", "MAX_CREDENTIAL_BYTES", "Presented", "Resolver", "check_contexts", "issuer_id",
           "parse_credential", "parse_instant", "parse_presented", "verify_credential"]

HALTING = {CheckId.PARSE, CheckId.CONTEXT, CheckId.SCHEMA, CheckId.ISSUER_KEY, CheckId.PROOF}
PASSED = {check_id: Check(check_id, Outcome.PASSED) for check_id in CheckId}  # frozen values: one of each will do
MAX_CREDENTIAL_BYTES = 1_000_000
STATUS_METHODS = {revocation_list.ENTRY_TYPE: revocation_list.check_entry}  # beside Bitstring Status List


@dataclass(frozen=True, slots=True)
class Presented:
    """What was handed in, once recognised: the credential (or OB 2.0 assertion) and how it is secured."""

    format: CredentialFormat
    credential: JsonObject
    token: vc_jwt.Token | None = None  # the compact JWS it came as (VC-JWT, OB 2.0 signed)
    claims: JsonObject = field(default_factory=dict)  # JWT claims around the `vc` claim
    resolved: dict[str, Any] = field(default_factory=dict)  # documents fetched by the checks (OB 2.0)
    schema: str = "ob-credential"  # what a VC must look like: a badge, or (embedded in one) an endorsement


class Steps(NamedTuple):
    """How one format carries out each named check after parsing."""

    context: Callable[[Presented], None]
    shape: Callable[[Presented], None]
    issuer_key: Callable[[Presented, Resolver], Any]
    proof: Callable[[Presented, Any], None]
    validity: Callable[[Presented, datetime, timedelta], None]
    status: Callable[[Presented, Resolver, datetime, timedelta], None]
    recipient: Callable[[Presented, str], None]


def verify_credential(raw: bytes | str, *, resolve: Resolver, now: datetime,
                      skew: timedelta = timedelta(minutes=5), holder: str | None = None,
                      schema: str = "ob-credential", limits: bounds.Limits = bounds.CREDENTIAL,
                      max_bytes: int = MAX_CREDENTIAL_BYTES) -> VerificationReport:
    """Run every check on `raw` in order; later checks are skipped once a halting one does not pass. A VC must
    match schemas/json/<schema>.json (an OB 3.0 badge unless told, e.g. endorsement-credential) and keep within
    `limits` and `max_bytes` (a credential's, unless told: a CLR holding many is larger)."""
    run = _Run()
    presented: Presented | None = run(CheckId.PARSE, parse_presented, raw, limits, max_bytes)
    if presented is not None and schema != presented.schema:
        presented = replace(presented, schema=schema)
    steps = STEPS[presented.format] if presented else VC_LD
    run(CheckId.CONTEXT, steps.context, presented)
    run(CheckId.SCHEMA, steps.shape, presented)
    key = run(CheckId.ISSUER_KEY, steps.issuer_key, presented, resolve)
    run(CheckId.PROOF, steps.proof, presented, key)
    run(CheckId.VALIDITY, steps.validity, presented, now, skew)
    run(CheckId.STATUS, steps.status, presented, resolve, now, skew)
    if holder is None:
        run.skip(CheckId.RECIPIENT, code="recipient.not_requested", required=False)
    else:
        run(CheckId.RECIPIENT, steps.recipient, presented, holder)
    if presented is None:
        return VerificationReport(tuple(run.checks), None, now, CredentialFormat.UNKNOWN)
    return VerificationReport(tuple(run.checks), presented.credential, now, presented.format,
                              dict(presented.resolved) or None)


class _Run:
    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.halted_by: CheckId | None = None

    def __call__(self, check_id: CheckId, fn: Callable[..., Any], *args: Any) -> Any:
        if self.halted_by:
            return self.skip(check_id, code=f"skipped.after_{self.halted_by}")
        try:
            value = fn(*args)
        except CheckNotApplicable as e:
            return self.skip(check_id, code=e.reason, required=False)
        except CheckUndecided as e:
            self._record(check_id, Outcome.UNKNOWN, e)
        except CheckFailed as e:
            self._record(check_id, Outcome.FAILED, e)
        else:
            self.checks.append(PASSED[check_id])
            return value
        return None

    def skip(self, check_id: CheckId, *, code: str, required: bool = True) -> None:
        self.checks.append(Check(check_id, Outcome.SKIPPED, required=required, reason=code))

    def _record(self, check_id: CheckId, outcome: Outcome, error: CheckFailed) -> None:
        self.checks.append(Check(check_id, outcome, error.problem))
        if check_id in HALTING:
            self.halted_by = check_id


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_credential(raw: bytes | str, max_bytes: int = MAX_CREDENTIAL_BYTES) -> JsonObject:
    """The credential as a JSON object; CheckFailed for oversized, non-JSON or non-object input."""
    if len(raw) > max_bytes:
        raise CheckFailed(PARSING_ERROR, "parse.too_large", f"The credential is over {max_bytes} bytes.")
    try:
        doc = from_json(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise CheckFailed(PARSING_ERROR, "parse.not_json", f"The credential is not valid JSON: {e}.") from None
    if not isinstance(doc, dict):
        raise CheckFailed(PARSING_ERROR, "parse.not_object", "The credential must be a JSON object.")
    return doc


def parse_presented(raw: bytes | str, limits: bounds.Limits = bounds.CREDENTIAL,
                    max_bytes: int = MAX_CREDENTIAL_BYTES) -> Presented:
    """The format step: JSON (a JSON-LD VC or an OB 2.0 assertion) or a compact JWS (a VC-JWT or a signed OB 2.0
    assertion) within `limits` (badges.bounds.CREDENTIAL); CheckFailed (PARSING_ERROR) for anything else."""
    presented = _recognise(raw, max_bytes)
    check_bounds(presented.credential, text=raw if presented.token is None else None,  # a JWS is not the JSON
                 limits=limits)
    return presented


def _recognise(raw: bytes | str, max_bytes: int = MAX_CREDENTIAL_BYTES) -> Presented:
    if len(raw) > max_bytes:
        raise CheckFailed(PARSING_ERROR, "parse.too_large", f"The credential is over {max_bytes} bytes.")
    if raw.lstrip()[:1] not in (b"{", "{"):  # JSON is never a JWS
        text = (raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw).strip()
        if vc_jwt.COMPACT_JWS.fullmatch(text):
            token = vc_jwt.decode(text)
            if ob2.is_assertion(token.payload):
                return Presented(CredentialFormat.OB2_SIGNED, token.payload, token)
            credential, claims = vc_jwt.credential_of(token)
            return Presented(CredentialFormat.VC_JWT, credential, token, claims)
    doc = parse_credential(raw, max_bytes)
    if ob2.is_assertion(doc):
        kind = CredentialFormat.OB2_SIGNED if ob2.verification_type(doc) == "signed" else CredentialFormat.OB2_HOSTED
        return Presented(kind, doc)
    return Presented(CredentialFormat.VC_LD, doc)



def _jwt_shape(p: Presented) -> None:
    check_schema(p.credential, p.schema)
    vc_jwt.check_claims(p.claims, p.credential, required="vc" in _token(p).payload)


def _jwt_validity(p: Presented, now: datetime, skew: timedelta) -> None:
    vc_jwt.check_times(p.claims, now, skew)
    check_validity_period(p.credential, now, skew)


def _token(p: Presented) -> vc_jwt.Token:
    """The JWS a VC-JWT came as (parse_presented always sets it for that format)."""
    if p.token is None:
        raise CheckFailed(PARSING_ERROR, "parse.jwt_malformed", "The credential came without its JWT.")
    return p.token


def _ob2_signed_proof(p: Presented, key: Any) -> None:
    ob2.check_signature(p.token.text if p.token else None, key)


VC_LD = Steps(
    context=lambda p: check_contexts(p.credential),
    shape=lambda p: check_schema(p.credential, p.schema),
    issuer_key=lambda p, resolve: proof_sets.issuer_keys(p.credential, resolve),
    proof=lambda p, keyed: proof_sets.check_any(keyed),
    validity=lambda p, now, skew: check_validity_period(p.credential, now, skew),
    status=lambda p, resolve, now, skew: check_status(p.credential, resolve, now, skew, STATUS_METHODS),
    recipient=lambda p, holder: check_recipient(p.credential, holder))

VC_JWT = VC_LD._replace(
    shape=_jwt_shape,
    issuer_key=lambda p, resolve: vc_jwt.signing_key(_token(p), issuer_id(p.credential), resolve),
    proof=lambda p, key: vc_jwt.verify_signature(_token(p), key),
    validity=_jwt_validity)

OB2_HOSTED = Steps(
    context=lambda p: ob2.check_context(p.credential),
    shape=lambda p: check_schema(p.credential, "ob2-assertion"),
    issuer_key=lambda p, resolve: ob2.hosted_copy(p.credential, resolve, p.resolved),
    proof=lambda p, copy: ob2.check_hosted(p.credential, copy),
    validity=lambda p, now, skew: ob2.check_validity(p.credential, now, skew),
    status=lambda p, resolve, now, skew: ob2.check_hosted_status(p.resolved),
    recipient=lambda p, holder: ob2.check_recipient(p.credential, holder))

OB2_SIGNED = OB2_HOSTED._replace(
    issuer_key=lambda p, resolve: ob2.signing_key(p.credential, resolve, p.resolved),
    proof=_ob2_signed_proof,
    status=lambda p, resolve, now, skew: ob2.check_signed_status(p.credential, resolve, p.resolved))

STEPS = {CredentialFormat.VC_LD: VC_LD, CredentialFormat.VC_JWT: VC_JWT,
         CredentialFormat.OB2_HOSTED: OB2_HOSTED, CredentialFormat.OB2_SIGNED: OB2_SIGNED}
