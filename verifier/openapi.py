"""The verification operations of the OpenAPI document (web/openapi.py merges every feature's part)."""
from __future__ import annotations

from typing import Any

import schemas

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


PATHS: dict[str, Any] = {
    "/api/v1/verify": {
        "post": {
            "operationId": "verifyCredential",
            "tags": ["verify"],
            "summary": "Verify a credential and get a report of every check",
            "description": (
                "Accepts an Open Badges 3.0 credential (JSON-LD with a DataIntegrityProof eddsa-rdfc-2022 or "
                "Ed25519Signature2020 proof, or a VC-JWT), an Open Badges 2.0 assertion (hosted JSON, or a signed "
                "JWS), a baked PNG or SVG badge, or a link to any of these. The answer is 200 with the report "
                "whenever verification ran, whatever the verdict; 4xx only for a bad request. A check that could "
                "not be carried out is `unknown`, never `passed`. No authentication; rate-limited per client "
                "address (429 with Retry-After)."),
            "parameters": [{"name": "recipientEmail", "in": "query", "required": False,
                            "description": "The candidate's e-mail, when the body is the credential itself.",
                            "schema": {"type": "string", "maxLength": 320}}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/VerifyRequest"},
                    {"type": "object", "required": ["@context"], "description": "The credential itself"}]}},
                "application/jwt": {"schema": {"type": "string", "description": "A VC-JWT or OB 2.0 JWS"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {
                "200": {"description": "The verification ran: the report (or the printable summary as PDF)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerificationReport"}},
                                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                "413": _problem("The body is over 2 MB"),
                "422": _problem("Not JSON, not a credential, an unreadable image, or a link that cannot be opened"),
                "429": {**_problem("Too many requests from this address"),
                        "headers": {"Retry-After": {"schema": {"type": "integer"},
                                                    "description": "Seconds until requests are accepted again"}}},
            },
        },
    },
}

_CHECK_IDS = ["parse", "context", "schema", "issuer_key", "proof", "validity", "status", "recipient"]

SCHEMAS: dict[str, Any] = {
    "VerifyRequest": {k: v for k, v in schemas.json_schema("verify-request").items() if k != "$schema"},
    "Problem": {"type": "object", "required": ["type", "title", "status", "code", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable key, e.g. request.too_large"},
        "detail": {"type": "string", "description": "English"},
        "message": {"type": "string", "description": "In the request's language (Accept-Language, ?lang=)"},
        "path": {"type": "string", "description": "JSON pointer of the offending field"}}},
    "Check": {"type": "object", "required": ["id", "outcome", "required"], "properties": {
        "id": {"enum": _CHECK_IDS},
        "outcome": {"enum": ["passed", "failed", "unknown", "skipped"]},
        "required": {"type": "boolean", "description": "Whether the verdict depends on this check"},
        "reason": {"type": "string", "description": "Why it was skipped, e.g. status.none"},
        "problem": {"type": "object", "properties": {
            "type": {"type": "string"}, "code": {"type": "string"}, "detail": {"type": "string"},
            "path": {"type": "string"}}}}},
    "Summary": {"type": "object", "required": ["verdict", "format", "registeredMember"], "properties": {
        "verdict": {"type": "string"}, "format": {"type": "string"}, "credentialId": {"type": "string"},
        "holderName": {"type": "string"}, "achievementName": {"type": "string"},
        "description": {"type": "string"}, "criteria": {"type": "string"}, "issuerId": {"type": "string"},
        "issuerName": {"type": "string"},
        "registeredMember": {"type": "boolean",
                             "description": "The issuer is a member organisation of this deployment"},
        "member": {"type": "object"}, "issued": {"type": "string", "format": "date"},
        "validUntil": {"type": "string", "format": "date"}, "completed": {"type": "string", "format": "date"},
        "image": {"type": "string", "description": "The badge image: an https URL or a data: image URL"}}},
    "VerificationReport": {
        "type": "object", "required": ["verified", "verdict", "format", "checkedAt", "checks", "summary"],
        "properties": {
            "verified": {"type": "boolean", "description": "True only when every required check passed"},
            "verdict": {"enum": ["valid", "revoked", "suspended", "expired", "not_yet_valid", "not_genuine",
                                 "not_recipient", "unknown"]},
            "format": {"enum": ["vc-ld", "vc-jwt", "ob2-hosted", "ob2-signed", "unknown"]},
            "checkedAt": {"type": "string", "format": "date-time"},
            "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}},
            "summary": {"$ref": "#/components/schemas/Summary"},
            "credential": {"type": ["object", "null"], "description": "The credential as verified"},
            "resolved": {"type": "object", "description": "Documents fetched while checking (OB 2.0)"},
            "endorsements": {"$ref": "#/components/schemas/Endorsements"},
            "digitalLeadersClub": {"$ref": "#/components/schemas/DigitalLeadersClub"}}},
    "DigitalLeadersClub": {
        "type": "object", "required": ["certified", "verdict", "checks"],
        "description": "Present for a genuine badge of a member holding a Digital Leaders Club certification: the "
                       "alliance's EndorsementCredential about the issuer, verified now (proof, validity period, "
                       "revocation). It never changes the badge's verdict",
        "properties": {
            "certified": {"type": "boolean", "description": "Signed by the alliance, about this issuer, "
                                                            "current and unrevoked"},
            "verdict": {"type": "string"}, "validUntil": {"type": ["string", "null"], "format": "date"},
            "credentialId": {"type": ["string", "null"]},
            "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}}}},
    "Endorsements": {
        "type": "object", "required": ["checked", "notChecked"],
        "description": "EndorsementCredentials embedded in the badge (on it, its achievement or its issuer), each "
                       "verified on its own; they never change the badge's verdict",
        "properties": {
            "notChecked": {"type": "integer", "description": "Embedded beyond the 10 that are checked"},
            "checked": {"type": "array", "items": {"type": "object", "required": ["on", "verified", "verdict"],
                                                   "properties": {
                "on": {"enum": ["credential", "achievement", "issuer"]}, "endorserId": {"type": "string"},
                "endorserName": {"type": "string"}, "comment": {"type": "string"},
                "aboutThis": {"type": "boolean", "description": "It endorses what it is embedded on"},
                "verified": {"type": "boolean", "description": "Its proof, dates and status hold, and aboutThis"},
                "verdict": {"type": "string"},
                "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}}}}}}},
}
