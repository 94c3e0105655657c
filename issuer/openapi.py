"""The issuing operations of the OpenAPI document (web/openapi.py merges every feature's part)."""
from __future__ import annotations

from typing import Any

import schemas

SECURITY_SCHEMES: dict[str, Any] = {"bearerToken": {
    "type": "http", "scheme": "bearer",
    "description": "An API token of one organisation (`badges token`, or the console's API tokens page), limited "
                   "to its scopes: read, issue, revoke, courses."}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, scope: str, summary: str, responses: dict[str, Any], *,
               body: str | None = None, description: str = "", parameters: tuple[str, ...] = ()) -> dict[str, Any]:
    """One operation: a bearer token with `scope`, the usual 401 / 403 / 404, and the given responses."""
    operation: dict[str, Any] = {
        "operationId": operation_id, "tags": ["issue"], "summary": summary,
        "description": (description + " " if description else "") + f"Needs a token with the `{scope}` scope.",
        "security": [{"bearerToken": []}],
        "parameters": [{"name": p, "in": "path", "required": True, "schema": PARAMETERS[p]} for p in parameters],
        "responses": {**responses, "401": _problem("No valid API token"),
                      "403": _problem(f"The token lacks the `{scope}` scope"),
                      "404": _problem("Nothing with this id in the token's organisation")}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
        operation["responses"]["413"] = _problem("The body is too large")
        operation["responses"]["422"] = _problem("The body is not JSON or does not match the schema; `path` "
                                                 "points at the first problem")
    return operation


PARAMETERS: dict[str, dict[str, Any]] = {
    "publicId": {"type": "string", "description": "The course's public id (the last part of its URL)"},
    "credentialId": {"type": "string", "description": "The credential's id (the last part of its URL)"},
    "jobId": {"type": "integer"},
}
COURSE = _json("The course: its stable URL, versions, and the latest version as an OB 3.0 Achievement", _ref("Course"))
STATE = _json("The credential's state", _ref("CredentialState"))
JOB = _json("The cohort job with the result of every row", _ref("CohortJob"))

PATHS: dict[str, Any] = {
    "/api/v1/achievements": {
        "get": _operation("listAchievements", "read", "List the organisation's courses (latest versions)", {
            "200": _json("OB 3.0 Achievements", {"type": "array", "items": _ref("Achievement")})}),
        "post": _operation("createAchievement", "courses", "Create a course (version 1)", {
            "201": _json("The course's version 1 as an OB 3.0 Achievement", _ref("Achievement"))},
            body="AchievementRequest"),
    },
    "/api/v1/achievements/{publicId}": {
        "get": _operation("getAchievement", "read", "A course with its versions", {"200": COURSE},
                          parameters=("publicId",)),
    },
    "/api/v1/achievements/{publicId}/versions": {
        "post": _operation("createAchievementVersion", "courses", "Edit a course as a new version", {
            "201": COURSE, "200": _json("Nothing changed: no version was made", _ref("Course"))},
            body="AchievementRequest", parameters=("publicId",),
            description="Badges already issued keep the version they embed; new badges use the new one."),
    },
    "/api/v1/achievements/{publicId}/archive": {
        "post": _operation("archiveAchievement", "courses", "Stop issuing a course (issued badges stay valid)",
                           {"200": COURSE}, parameters=("publicId",)),
    },
    "/api/v1/achievements/{publicId}/restore": {
        "post": _operation("restoreAchievement", "courses", "Allow issuing an archived course again",
                           {"200": COURSE}, parameters=("publicId",)),
    },
    "/api/v1/achievements/{publicId}/credentials": {
        "post": _operation("issueCredential", "issue", "Issue a badge to one person", {
            "201": {**_json("The signed credential, exactly as stored", _ref("Credential")), "headers": {
                "Location": {"schema": {"type": "string"}, "description": "The credential's URL"},
                "Notification-State": {"schema": {"enum": ["sent", "failed"]},
                                       "description": "With notify: whether the e-mail was sent"}}},
            "200": _json("The award (course, e-mail, completion date) or the same `id` with the same data was "
                         "issued before: the first credential", _ref("Credential")),
            "409": _problem("The course is archived, the `id` was used for other data, or the person has this award "
                            "under another name")},
            body="IssueRequest", parameters=("publicId",)),
    },
    "/api/v1/achievements/{publicId}/cohorts": {
        "post": _operation("issueCohort", "issue", "Issue a badge to many people in the background", {
            "202": {**JOB, "headers": {"Location": {"schema": {"type": "string"},
                                                    "description": "Where to follow the job"}}},
            "200": _json("dryRun: every row checked, nothing kept", _ref("CohortJob")),
            "409": _problem("The course is archived")},
            body="CohortRequest", parameters=("publicId",),
            description="Rows with errors are reported and skipped; the others are issued. A person who already "
                        "has this course's badge for the same completion date is not issued again, so sending "
                        "the same rows twice is safe."),
    },
    "/api/v1/cohorts/{jobId}": {
        "get": _operation("getCohort", "read", "Follow a cohort job", {"200": JOB}, parameters=("jobId",)),
    },
    "/api/v1/cohorts/{jobId}/resume": {
        "post": _operation("resumeCohort", "issue", "Resume a job that stopped (rows already issued stay issued)", {
            "202": JOB, "409": _problem("The job is still running or has finished")}, parameters=("jobId",)),
    },
    "/api/v1/credentials/{credentialId}": {
        "get": _operation("getCredentialState", "read", "A credential's state", {"200": STATE},
                          parameters=("credentialId",)),
    },
    "/api/v1/credentials/{credentialId}/revoke": {
        "post": _operation("revokeCredential", "revoke", "Revoke a credential (permanent)", {
            "200": STATE, "409": _problem("Already revoked")}, body="RevokeRequest", parameters=("credentialId",),
            description="The revocation status list is re-signed in the same request."),
    },
    "/api/v1/credentials/{credentialId}/suspend": {
        "post": _operation("suspendCredential", "revoke", "Suspend a credential until it is reinstated", {
            "200": STATE, "409": _problem("Revoked, or already suspended")},
            body="RevokeRequest", parameters=("credentialId",),
            description="OB 3.0 credentials carry one status entry (revocation), so a suspension is kept by this "
                        "service: its pages, QR landing and verification API report it; other verifiers cannot. "
                        "Credentials issued with a suspension entry also get their suspension bit set."),
    },
    "/api/v1/credentials/{credentialId}/reinstate": {
        "post": _operation("reinstateCredential", "revoke", "Lift a suspension", {
            "200": STATE, "409": _problem("Not suspended, or revoked")}, parameters=("credentialId",)),
    },
    "/api/v1/credentials/{credentialId}/renew": {
        "post": _operation("renewCredential", "issue", "Renew a credential: a new one for the same course and person", {
            "201": _json("The renewal", _ref("Credential")), "200": _json("Renewed before: that renewal",
                                                                           _ref("Credential")),
            "409": _problem("Revoked, or a newer credential of the award exists")},
            body="RenewRequest", parameters=("credentialId",),
            description="The renewal is valid from now until `validUntil` (else for the course's months) and "
                        "names the credential it renews; the old one is left to expire."),
    },
    "/api/v1/credentials/bulk": {
        "post": _operation("changeCredentials", "revoke", "Revoke, suspend or reinstate many credentials", {
            "200": _json("One result per credential", _ref("BulkResult"))}, body="StatusRequest",
            description="Each status list touched is re-signed once, in the same request."),
    },
    "/api/v1/outbox": {
        "get": _operation("listOutbox", "read", "Notification e-mails not sent yet, with the last error", {
            "200": _json("Unsent e-mails", {"type": "array", "items": _ref("OutboxMail")})}),
    },
    "/api/v1/outbox/retry": {
        "post": _operation("retryOutbox", "issue", "Send unsent notification e-mails again", {
            "200": _json("The e-mails tried, as they are now", {"type": "array", "items": _ref("OutboxMail")})},
            body="OutboxRetryRequest"),
    },
}


def _request(name: str) -> dict[str, Any]:
    """A request schema of schemas/json, its local $defs inlined (they would not resolve inside components)."""
    schema = {k: v for k, v in schemas.json_schema(name).items() if k != "$schema"}
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "AchievementRequest": _request("achievement-request"),
    "IssueRequest": _request("issue-request"),
    "RevokeRequest": _request("revoke-request"),
    "RenewRequest": _request("renew-request"),
    "CohortRequest": _request("cohort-request"),
    "StatusRequest": _request("status-request"),
    "OutboxRetryRequest": _request("outbox-retry-request"),
    "Achievement": {"type": "object", "description": "An OB 3.0 Achievement (one version of a course)",
                    "required": ["id", "type", "name", "criteria"]},
    "Credential": {"type": "object", "description": "A signed OB 3.0 OpenBadgeCredential",
                   "required": ["@context", "id", "type", "issuer", "credentialSubject", "proof"]},
    "Course": {"type": "object", "required": ["id", "publicId", "version", "archived", "versions", "achievement"],
               "properties": {
                   "id": {"type": "string", "description": "The course's stable public URL"},
                   "publicId": {"type": "string"}, "version": {"type": "integer"}, "archived": {"type": "boolean"},
                   "versions": {"type": "array", "items": {"type": "object", "properties": {
                       "version": {"type": "integer"}, "id": {"type": "string"},
                       "createdAt": {"type": "string", "format": "date-time"}}}},
                   "achievement": _ref("Achievement")}},
    "CredentialState": {"type": "object", "required": ["id", "state", "issuedAt", "verifyUrl"], "properties": {
        "id": {"type": "string"}, "state": {"enum": ["active", "suspended", "revoked", "expired"]},
        "issuedAt": {"type": "string", "format": "date-time"}, "validUntil": _TIME, "revokedAt": _TIME,
        "revocationReason": {"type": ["string", "null"]}, "suspendedAt": _TIME,
        "suspensionReason": {"type": ["string", "null"]}, "verifyUrl": {"type": "string"}}},
    "CohortJob": {"type": "object", "required": ["id", "state", "total", "done", "rows"], "properties": {
        "id": {"type": ["integer", "null"]},
        "state": {"enum": ["queued", "running", "done", "checked"]},
        "course": {"type": "string"}, "total": {"type": "integer"}, "done": {"type": "integer"},
        "pending": {"type": "integer"}, "issued": {"type": "integer"}, "duplicate": {"type": "integer"},
        "failed": {"type": "integer"}, "invalid": {"type": "integer"}, "stalled": {"type": "boolean"},
        "rows": {"type": "array", "items": {"type": "object", "required": ["row", "state"], "properties": {
            "row": {"type": "integer", "description": "1-based position in `rows`"},
            "state": {"enum": ["invalid", "pending", "issued", "duplicate", "failed"]},
            "credential": {"type": ["string", "null"]},
            "problem": {"type": "object", "properties": {
                "code": {"type": "string"}, "detail": {"type": ["string", "null"]},
                "column": {"type": ["string", "null"]}, "message": {"type": "string"}}}}}}}},
    "BulkResult": {"type": "object", "properties": {
        "action": {"type": "string"},
        "results": {"type": "array", "items": {"type": "object", "required": ["credential", "ok"], "properties": {
            "credential": {"type": "string"}, "ok": {"type": "boolean"}, "state": {"type": "string"},
            "problem": _ref("Problem")}}}}},
    "OutboxMail": {"type": "object", "properties": {
        "id": {"type": "integer"}, "credential": {"type": "string"},
        "to": {"type": "string", "description": "Masked, e.g. m***@example.com"},
        "state": {"enum": ["pending", "sent", "failed"]}, "attempts": {"type": "integer"},
        "error": {"type": ["string", "null"]}}},
}
