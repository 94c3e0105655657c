"""The issuing JSON API; every call is scoped to the organisation of its bearer token."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.errors import BadgeError, InvalidInput
from badges.model import Recipient
from issuer import service, tokens
from issuer.console import Forbidden
from store.credentials import get_credential
from store.models import Achievement, Credential, Org
from web.http import read_json, services, transaction, utcnow

bp = Blueprint("issuer_api", __name__, url_prefix="/api/v1")


class Unauthorized(BadgeError):
    status = 401
    type = "about:blank"


def token_org(session: Session, scope: str) -> Org:
    """The organisation of the request's bearer token, if the token has `scope`; 401 / 403 otherwise.
    The token's audit name is left in g.actor."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    token = tokens.find_token(session, presented.strip()) if scheme.lower() == "bearer" and presented else None
    if token is None:
        raise Unauthorized("auth.token_invalid", "Send a valid API token as 'Authorization: Bearer <token>'; "
                           "an organisation owner can create one with `badges token`.")
    if not token.allows(scope):
        raise Forbidden("auth.scope_missing", f"This token may not {scope}; its scopes are {token.scopes}. "
                        "Create a token with that scope.")
    g.actor = f"token:{token.id}"
    return token.org


def _completed(value: str | None) -> datetime | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


@bp.post("/achievements/<public_id>/credentials")
def issue(public_id: str) -> Response:
    body = read_json(schema="issue-request", max_bytes=64_000)
    with transaction() as session:
        org = token_org(session, "issue")
        achievement = service.get_achievement(session, org_id=org.id, public_id=public_id)
        try:
            completed = _completed(body.get("completedAt"))
        except ValueError:
            raise InvalidInput("issue.completed_invalid", "completedAt is not a real date.",
                               path="/completedAt") from None
        issued = service.issue_badge(
            session, services().issuing, org=org, achievement=achievement, completed=completed,
            recipient=Recipient(body["recipient"]["name"], body["recipient"]["email"]),
            idempotency_key=body.get("id"), now=utcnow())
    credential = issued.credential
    return Response(credential.document, status=201 if issued.created else 200,
                    mimetype="application/json",
                    headers={"Location": services().issuing.links.credential(credential.id)})


@bp.post("/achievements")
def create_achievement() -> tuple[Response, int]:
    body = read_json(schema="achievement-request", max_bytes=64_000)
    data = service.AchievementIn(
        **{f"{field}_{lang}": body[field].get(lang, "") for field in ("name", "description", "criteria")
           for lang in ("ko", "en")},
        achievement_type=body.get("achievementType", "Course"), valid_months=body.get("validMonths"))
    with transaction() as session:
        achievement = service.create_achievement(session, org=token_org(session, "courses"), data=data, now=utcnow())
        document = service.achievement_document(services().issuing, achievement)
    return jsonify(document), 201


@bp.get("/achievements")
def list_achievements() -> Response:
    with transaction() as session:
        org = token_org(session, "read")
        rows = session.scalars(select(Achievement).where(Achievement.org_id == org.id)
                               .order_by(Achievement.id)).all()
        return jsonify([service.achievement_document(services().issuing, a) for a in rows])


@bp.get("/credentials/<credential_id>")
def credential_state(credential_id: str) -> Response:
    with transaction() as session:
        credential = get_credential(session, credential_id, org_id=token_org(session, "read").id)
        return jsonify(_state(credential))


@bp.post("/credentials/<credential_id>/revoke")
def revoke(credential_id: str) -> Response:
    body = read_json(schema="revoke-request", max_bytes=8_000)
    with transaction() as session:
        org = token_org(session, "revoke")
        credential = service.revoke(session, services().issuing, org=org, credential_id=credential_id,
                                    reason=body["reason"], now=utcnow())
        return jsonify(_state(credential))


def _state(credential: Credential) -> dict[str, object]:
    links = services().issuing.links
    return {"id": links.credential(credential.id), "state": "revoked" if credential.revoked_at else "active",
            "issuedAt": credential.issued_at.isoformat(), "revokedAt":
                credential.revoked_at.isoformat() if credential.revoked_at else None,
            "revocationReason": credential.revocation_reason, "verifyUrl": links.verify(credential.id)}
