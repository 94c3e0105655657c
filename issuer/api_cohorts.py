"""The JSON API for issuing in bulk: cohorts as background jobs, status changes of many credentials, and the
notification outbox. Scoped to the bearer token's organisation, like issuer.api."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify
from sqlalchemy.orm import Session

from badges.errors import BadgeError, NotFound
from issuer import audit, cohorts, courses, jobs, notify, service
from issuer.api import state_json, token_org
from store.credentials import get_credential
from store.issuing import CohortJob, get_job, job_results, row_counts
from web.http import read_json, services, transaction, utcnow
from web.i18n import translate

bp = Blueprint("issuer_api_cohorts", __name__, url_prefix="/api/v1")
COHORT_BYTES = 2_000_000  # 10,000 rows of name, e-mail and date fit with room to spare


@bp.post("/achievements/<public_id>/cohorts")
def submit_cohort(public_id: str) -> tuple[Response, int, dict[str, str]]:
    """Check the rows and queue a job issuing the valid ones (or only check them, with dryRun)."""
    body = read_json(schema="cohort-request", max_bytes=COHORT_BYTES)
    now = utcnow()
    default = date.fromisoformat(body["completedAt"]) if body.get("completedAt") else None
    with transaction() as session:
        org = token_org(session, "issue")
        achievement = service.get_achievement(session, org_id=org.id, public_id=public_id)
        specs, base = courses.latest_results(services().issuing.links, achievement)
        rows = cohorts.rows_from_json(body["rows"], default_completed=default, today=now.date(), specs=specs,
                                      base=base)
        checking = session.begin_nested()  # a dry run is rolled back: nothing of it is kept
        job = jobs.create_job(session, services().issuing, org=org, achievement=achievement, rows=rows,
                              source="api", actor=g.actor, now=now, notify_recipients=bool(body.get("notify")),
                              publish_names=body.get("publishName") is True)
        if body.get("dryRun"):
            report = {**_report(session, job), "id": None, "state": "checked"}
            checking.rollback()
            return jsonify(report), 200, {}
        checking.commit()
        jobs.confirm(session, job, actor=g.actor, now=now)
        job_id, report = job.id, _report(session, job)
    runner().submit(job_id)
    return jsonify(report), 202, {"Location": f"/api/v1/cohorts/{job_id}"}


@bp.get("/cohorts/<id:job_id>")
def cohort(job_id: int) -> Response:
    with transaction() as session:
        return jsonify(_report(session, _job(session, token_org(session, "read").id, job_id)))


@bp.post("/cohorts/<id:job_id>/resume")
def resume(job_id: int) -> tuple[Response, int]:
    with transaction() as session:
        org, now = token_org(session, "issue"), utcnow()
        job = _job(session, org.id, job_id)
        jobs.resume(session, job, runner(), now=now)
        audit.record(session, org_id=org.id, actor=g.actor, action="cohort.resume", target=f"job:{job_id}", now=now)
        return jsonify(_report(session, job)), 202


@bp.post("/credentials/bulk")
def change_many() -> Response:
    """Revoke, suspend or reinstate many credentials; each gets its own result, the lists are signed once."""
    body = read_json(schema="status-request", max_bytes=64_000)
    action, reason = body["action"], body.get("reason", "")
    with transaction() as session:
        org, now = token_org(session, "revoke"), utcnow()
        results = service.change_status(session, services().issuing, org=org, credential_ids=body["ids"],
                                        action=action, reason=reason, actor=g.actor, now=now)
        out = []
        for credential_id, error in results:
            if error is None:
                out.append({"credential": credential_id, "ok": True,
                            **state_json(get_credential(session, credential_id, org_id=org.id))})
            else:
                out.append({"credential": credential_id, "ok": False, "problem": _problem(error)})
        return jsonify({"action": action, "results": out})


@bp.get("/outbox")
def outbox() -> Response:
    with transaction() as session:
        mails = notify.unsent(session, org_id=token_org(session, "read").id)
        return jsonify([_mail(m) for m in mails])


@bp.post("/outbox/retry")
def retry() -> Response:
    body = read_json(schema="outbox-retry-request", max_bytes=16_000)
    with transaction() as session:
        org, now = token_org(session, "issue"), utcnow()
        ids = notify.retryable(session, org_id=org.id, mail_ids=body.get("ids"))
        audit.record(session, org_id=org.id, actor=g.actor, action="notify.retry", mails=len(ids), now=now)
    return jsonify([_mail(m) for m in notify.deliver(services(), ids)])


def runner() -> jobs.Runner:
    """The app's job runner (see bootstrap.app.create_app)."""
    return current_app.extensions[jobs.EXTENSION]


def _job(session: Session, org_id: int, job_id: int) -> CohortJob:
    job = get_job(session, org_id=org_id, job_id=job_id)
    if job is None:
        raise NotFound("cohort.not_found", f"There is no cohort job {job_id} here.")
    return job


def _report(session: Session, job: CohortJob) -> dict[str, Any]:
    links = services().issuing.links
    counts = row_counts(session, job.id)
    total = sum(counts.values())
    rows = [{"row": r.line, "state": r.state, "credential": links.credential(r.credential_id) if r.credential_id
             else None, **({"problem": {"code": r.error_code, "detail": r.error_detail, "column": r.error_column,
                                        "message": _message(r)}} if r.error_code else {})}
            for r in job_results(session, job.id)]
    return {"id": job.id, "state": job.state,
            "course": links.achievement(job.achievement.public_id), "total": total,
            "done": total - counts["pending"], **counts, "stalled": jobs.stalled(job, utcnow()), "rows": rows}


def _problem(error: BadgeError) -> dict[str, Any]:
    """The error as web.errors renders problems (RFC 9457 fields, `message` in the request's language)."""
    message = translate(error.code)
    return {**error.problem.as_json(), "title": type(error).__name__, "status": error.status,
            "message": message if message != error.code else error.detail}


def _message(row: Any) -> str:
    text = translate(row.error_code, column=row.error_column or "", **(row.error_values or {}))
    return (row.error_detail or "") if text == row.error_code else text


def _mail(mail: Any) -> dict[str, Any]:
    return {"id": mail.id, "credential": services().issuing.links.credential(mail.credential_id),
            "to": mail.to_display, "state": mail.state, "attempts": mail.attempts, "error": mail.last_error}
