"""The issuing JSON API; every call is scoped to the organisation of its bearer token."""
from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import model, results
from badges.errors import BadgeError, InvalidInput
from badges.model import Recipient
from issuer import audit, awards, courses, notify, renewals, service, tokens
from issuer.console import Forbidden
from store.credentials import get_credential
from store.models import Achievement, Credential, Org
from web.http import read_json, services, transaction, utcnow

bp = Blueprint("issuer_api", __name__, url_prefix="/api/v1")
COURSE_BYTES = 800_000  # a course body may carry its image (512 KB) as a data: URL
ALIGNMENT_KEYS = {"targetName": "target_name", "targetUrl": "target_url", "targetCode": "target_code",
                  "targetFramework": "target_framework", "targetType": "target_type",
                  "targetDescription": "target_description"}


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
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


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
        now = utcnow()
        # the award key always applies; the client's `id` also names this request (see issuer.awards)
        issued = awards.issue_one(
            session, services().issuing, org=org, achievement=achievement, actor=g.actor, now=now,
            notify_recipients=bool(body.get("notify")), award=service.Award(
                Recipient(body["recipient"]["name"], body["recipient"]["email"],
                          publish_name=body.get("publishName") is True),
                completed, request_id=body.get("id"), credits_earned=body.get("creditsEarned"),
                evidence=evidence_in(body), results=results_in(body.get("results", []))))
    credential = issued.credential
    headers = {"Location": services().issuing.links.credential(credential.id)}
    if issued.mail_id is not None:  # sent after the commit; a failure stays in the outbox (GET /api/v1/outbox)
        headers["Notification-State"] = notify.deliver(services(), [issued.mail_id])[0].state
    return Response(credential.document, status=201 if issued.created else 200,
                    mimetype="application/json", headers=headers)


@bp.post("/achievements")
def create_achievement() -> tuple[Response, int]:
    body = read_json(schema="achievement-request", max_bytes=COURSE_BYTES)
    data = course_in(body)
    with transaction() as session:
        org, now = token_org(session, "courses"), utcnow()
        achievement = service.create_achievement(session, org=org, data=data, now=now)
        audit.record(session, org_id=org.id, actor=g.actor, action="course.create", target=achievement.public_id,
                     name=achievement.name_ko or achievement.name_en, now=now)
        document = service.achievement_document(services().issuing, achievement)
    return jsonify(document), 201


@bp.get("/achievements/<public_id>")
def course(public_id: str) -> Response:
    with transaction() as session:
        achievement = service.get_achievement(session, org_id=token_org(session, "read").id, public_id=public_id)
        return jsonify(_course(achievement))


@bp.post("/achievements/<public_id>/versions")
def new_version(public_id: str) -> tuple[Response, int]:
    body = read_json(schema="achievement-request", max_bytes=COURSE_BYTES)
    data = course_in(body)
    with transaction() as session:
        org, now = token_org(session, "courses"), utcnow()
        achievement = service.get_achievement(session, org_id=org.id, public_id=public_id)
        version = courses.new_version(session, org=org, achievement=achievement, data=data, now=now)
        if version is not None:
            audit.record(session, org_id=org.id, actor=g.actor, action="course.version", target=public_id,
                         version=version.version, now=now)
        return jsonify(_course(achievement)), 200 if version is None else 201


@bp.post("/achievements/<public_id>/<any(archive, restore):action>")
def archive(public_id: str, action: str) -> Response:
    with transaction() as session:
        org, now = token_org(session, "courses"), utcnow()
        achievement = service.get_achievement(session, org_id=org.id, public_id=public_id)
        changed = courses.archive(achievement, now=now) if action == "archive" else courses.restore(achievement)
        if changed:
            audit.record(session, org_id=org.id, actor=g.actor, action=f"course.{action}", target=public_id, now=now)
        return jsonify(_course(achievement))


def evidence_in(body: dict[str, Any]) -> tuple[model.Evidence, ...]:
    """The evidence of a checked issue-request body."""
    return tuple(model.Evidence(url=e.get("url", ""), narrative=e.get("narrative", ""), name=e.get("name", ""))
                 for e in body.get("evidence", []))


def results_in(items: list[dict[str, Any]]) -> tuple[results.ResultIn, ...]:
    """The results of a checked issue-request (or cohort row): each with its score or level as text."""
    return tuple(results.ResultIn(item["resultDescription"], _text(item.get("value", item.get("achievedLevel", ""))))
                 for item in items)


def specs_in(items: list[dict[str, Any]]) -> tuple[results.ResultSpec, ...]:
    """The result descriptions of a checked achievement-request body (checked further by courses)."""
    return tuple(results.ResultSpec(
        key=d.get("key", ""), result_type=d["resultType"], name_ko=d["name"].get("ko", ""),
        name_en=d["name"].get("en", ""), value_min=_text(d.get("valueMin", "")), value_max=_text(d.get("valueMax", "")),
        required_value=_text(d.get("requiredValue", "")), required_level=d.get("requiredLevel", ""),
        levels=tuple(results.Level(lv.get("key", ""), lv["name"].get("ko", ""), lv["name"].get("en", ""),
                                   lv.get("description", {}).get("ko", ""), lv.get("description", {}).get("en", ""))
                     for lv in d.get("rubricCriterionLevel", [])))
        for d in items)


def _text(value: object) -> str:
    """A JSON number or string as the text of a score (850, 72.5)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def course_in(body: dict[str, Any]) -> courses.AchievementIn:
    """The course described by a checked achievement-request body."""
    try:
        alignments = tuple(model.Alignment(**{ALIGNMENT_KEYS[k]: v for k, v in a.items()})
                           for a in body.get("alignments", []))
    except InvalidInput as e:
        raise InvalidInput(e.code, e.detail, path="/alignments") from None
    image = body.get("image")
    return courses.AchievementIn(
        **{f"{field}_{lang}": body[field].get(lang, "") for field in ("name", "description", "criteria")
           for lang in ("ko", "en")},
        achievement_type=body.get("achievementType", "Course"), valid_months=body.get("validMonths"),
        hours=body.get("hours"), credits=body.get("credits"), tags=tuple(body.get("tags", [])),
        alignments=alignments, image=base64.b64decode(image.split(",", 1)[1]) if image else None,
        human_code=body.get("humanCode", ""),
        other_identifiers=tuple((e["identifier"], e["identifierType"]) for e in body.get("otherIdentifiers", [])),
        result_descriptions=specs_in(body.get("resultDescriptions", [])))


def _course(achievement: Achievement) -> dict[str, Any]:
    links = services().issuing.links
    return {"id": links.achievement(achievement.public_id), "publicId": achievement.public_id,
            "version": achievement.version, "archived": achievement.archived_at is not None,
            "versions": [{"version": v.version, "id": courses.version_url(links, achievement.public_id, v.version),
                          "createdAt": v.created_at.isoformat()} for v in achievement.versions],
            "achievement": service.achievement_document(services().issuing, achievement)}


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
        return jsonify(state_json(credential))


@bp.post("/credentials/<credential_id>/revoke")
def revoke(credential_id: str) -> Response:
    body = read_json(schema="revoke-request", max_bytes=8_000)
    with transaction() as session:
        org, now = token_org(session, "revoke"), utcnow()
        credential = service.revoke(session, services().issuing, org=org, credential_id=credential_id,
                                    reason=body["reason"], actor=g.actor, now=now)
        return jsonify(state_json(credential))


@bp.post("/credentials/<credential_id>/suspend")
def suspend(credential_id: str) -> Response:
    body = read_json(schema="revoke-request", max_bytes=8_000)
    with transaction() as session:
        org, now = token_org(session, "revoke"), utcnow()
        credential = service.suspend(session, services().issuing, org=org, credential_id=credential_id,
                                    reason=body["reason"], actor=g.actor, now=now)
        return jsonify(state_json(credential))


@bp.post("/credentials/<credential_id>/reinstate")
def reinstate(credential_id: str) -> Response:
    with transaction() as session:
        org, now = token_org(session, "revoke"), utcnow()
        credential = service.reinstate(session, services().issuing, org=org, credential_id=credential_id,
                                       actor=g.actor, now=now)
        return jsonify(state_json(credential))


@bp.post("/credentials/<credential_id>/renew")
def renew(credential_id: str) -> Response:
    """A new credential for the same course and person, valid anew (issuer.renewals)."""
    body = read_json(schema="renew-request", max_bytes=8_000)
    try:
        until = _completed(body.get("validUntil"))
    except ValueError:
        raise InvalidInput("renew.valid_until_invalid", "validUntil is not a real date and time.",
                           path="/validUntil") from None
    with transaction() as session:
        org = token_org(session, "issue")
        issued = renewals.renew(session, services().issuing, org=org, credential_id=credential_id,
                                name=body["recipient"]["name"], email=body["recipient"]["email"], actor=g.actor,
                                now=utcnow(), valid_until=until, notify=bool(body.get("notify")))
    headers = {"Location": services().issuing.links.credential(issued.credential.id)}
    if issued.mail_id is not None:
        headers["Notification-State"] = notify.deliver(services(), [issued.mail_id])[0].state
    return Response(issued.credential.document, status=201 if issued.created else 200, mimetype="application/json",
                    headers=headers)


def state_json(credential: Credential) -> dict[str, object]:
    """A credential's state as the API reports it (also used by the cohort and bulk endpoints)."""
    links = services().issuing.links

    def when(instant: datetime | None) -> str | None:
        return instant.isoformat() if instant else None

    return {"id": links.credential(credential.id), "state": credential.state(utcnow()),
            "issuedAt": when(credential.issued_at), "validUntil": when(credential.valid_until),
            "revokedAt": when(credential.revoked_at), "revocationReason": credential.revocation_reason,
            "suspendedAt": when(credential.suspended_at), "suspensionReason": credential.suspension_reason,
            "verifyUrl": links.verify(credential.id),
            **({"renews": links.credential(credential.renews_id)} if credential.renews_id else {})}
