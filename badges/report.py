"""A verification report: every named check with its outcome, built as the checks run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from badges.errors import VC_DM, Problem

STATUS_LIST = "https://www.w3.org/TR/vc-bitstring-status-list#"
PARSING_ERROR = VC_DM + "PARSING_ERROR"
CRYPTO_ERROR = VC_DM + "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED = VC_DM + "MALFORMED_VALUE_ERROR"
RANGE_ERROR = VC_DM + "RANGE_ERROR"
STATUS_RETRIEVAL = STATUS_LIST + "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION = STATUS_LIST + "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH = STATUS_LIST + "STATUS_LIST_LENGTH_ERROR"
STATUS_VERDICTS = ("status.revoked", "status.suspended")  # any other failed status check is not genuine


class CheckId(StrEnum):
    PARSE = "parse"
    CONTEXT = "context"
    SCHEMA = "schema"
    ISSUER_KEY = "issuer_key"
    PROOF = "proof"
    VALIDITY = "validity"
    STATUS = "status"
    RECIPIENT = "recipient"


class CredentialFormat(StrEnum):
    """How the credential was presented; every format is checked by the same named checks."""

    VC_LD = "vc-ld"  # JSON-LD VC with an embedded proof (DataIntegrityProof eddsa-rdfc-2022, Ed25519Signature2020)
    VC_JWT = "vc-jwt"  # VC secured as a compact JWS (OB 3.0 §8.2, VC-JOSE-COSE)
    OB2_HOSTED = "ob2-hosted"  # Open Badges 2.0 assertion, verified against the issuer's hosted copy
    OB2_SIGNED = "ob2-signed"  # Open Badges 2.0 assertion as a JWS, verified with the issuer's public key
    UNKNOWN = "unknown"  # not recognised (the parse check says why)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


class CheckFailed(Exception):
    """The evidence says no: the check ran and the credential does not pass it."""

    def __init__(self, type_: str, code: str, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.problem = Problem(type_, code, detail, path)


class CheckUndecided(CheckFailed):
    """The check could not be carried out (e.g. a status list that cannot be fetched)."""


class CheckNotApplicable(Exception):
    """The check does not apply to this credential (e.g. it has no status list): skipped, not required."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Check:
    id: CheckId
    outcome: Outcome
    problem: Problem | None = None
    required: bool = True
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The check as JSON for the API."""
        out: dict[str, Any] = {"id": str(self.id), "outcome": str(self.outcome),
                               "required": self.required}
        if self.problem:
            out["problem"] = self.problem.as_json()
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class VerificationReport:
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None
    checked_at: datetime
    format: CredentialFormat = CredentialFormat.VC_LD
    resolved: dict[str, Any] | None = None  # documents the checks retrieved, e.g. an OB 2.0 BadgeClass and Issuer

    @property
    def verified(self) -> bool:
        """True only when every required check passed."""
        return all(c.outcome is Outcome.PASSED for c in self.checks if c.required)

    @property
    def verdict(self) -> str:
        """One word for people: valid, revoked, suspended, expired, not_genuine or unknown."""
        if self.verified:
            return "valid"
        for check in self.checks:
            if check.outcome is Outcome.FAILED:
                if check.id is CheckId.STATUS and check.problem and check.problem.code in STATUS_VERDICTS:
                    return check.problem.code.removeprefix("status.")
                if check.id is CheckId.VALIDITY and check.problem:
                    return "expired" if check.problem.code == "validity.expired" else "not_yet_valid"
                if check.id is CheckId.RECIPIENT:
                    return "not_recipient"
                return "not_genuine"
        return "unknown"

    def check(self, check_id: CheckId | str) -> Check:
        """The check with this id (every report lists every check)."""
        return next(c for c in self.checks if c.id == check_id)

    def as_json(self) -> dict[str, Any]:
        """The report as the JSON the API returns."""
        return {"verified": self.verified, "verdict": self.verdict, "format": str(self.format),
                "checkedAt": self.checked_at.isoformat().replace("+00:00", "Z"),
                "checks": [c.as_json() for c in self.checks]}
