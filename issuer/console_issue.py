"""Issuing in the console: to one person from a form, or to a cohort from a CSV / Excel file (preview, confirm,
progress, per-row report, failed rows as CSV)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from badges.errors import BadgeError, Conflict, InvalidInput, NotFound
from badges.model import Evidence, Recipient
from badges.results import LEVEL_TYPE, ResultIn
from issuer import audit, awards, cohorts, courses, jobs
from issuer.console import console_view, current, deliver_now
from issuer.service import Award
from store.console import Role
from store.issuing import CohortJob, JobState, OutboxMail, RowState, get_job, job_rows, row_counts
from web import sheets
from web.http import after_commit, services, transaction, utcnow
from web.i18n import locale, tell, translate

bp = Blueprint("console_issue", __name__, url_prefix="/console/<org_slug>")
SHOWN_ROWS = 500  # rows listed per state on the preview and report pages; the CSV has them all
REPORTED = (RowState.INVALID, RowState.FAILED)  # rows in the failed-rows download


@bp.get("/issue")
@console_view(Role.VIEWER)
def issue_form(org_slug: str) -> str:
    return _issue_page(form={"course": request.args.get("course", ""), "completed": utcnow().date().isoformat(),
                             "notify": "1" if services().settings.smtp_url else ""}, errors={}, section="")


@bp.post("/issue")
@console_view(Role.ISSUER)
def issue_one(org_slug: str) -> Response | tuple[str, int]:
    console, now, form = current(), utcnow(), request.form
    try:
        with transaction() as session:
            org = console.org
            achievement = courses.get_achievement(session, org_id=org.id, public_id=form.get("course", ""))
            recipient = Recipient(form.get("name", "").strip(), form.get("email", "").strip(),
                                  publish_name=form.get("publish_name") == "1")
            completed = awards.completion_instant(_date(form.get("completed", ""), now.date()))
            issued = awards.issue_one(session, services().issuing, org=org, achievement=achievement,
                                      award=Award(recipient, completed, evidence=_evidence(form),
                                                  credits_earned=_credits(form.get("credits_earned", "")),
                                                  results=_results(form, achievement)),
                                      actor=console.actor, now=now, reissue_revoked=True,
                                      notify_recipients=form.get("notify") == "1")
    except BadgeError as e:
        return _issue_page(form=form, errors={_field(e, section="one"): e}, section="one"), e.status
    tell("issue.done" if issued.created else "issue.already_issued")
    if (mail_id := issued.mail_id) is not None:
        after_commit(lambda: deliver_now(mail_id))
    return redirect(url_for("console_credentials.show", org_slug=org_slug, credential_id=issued.credential.id))


@bp.post("/cohorts")
@console_view(Role.ISSUER)
def upload(org_slug: str) -> Response | tuple[str, int]:
    console, now, form = current(), utcnow(), request.form
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput("cohort.file_missing", "Choose the CSV or Excel file of the cohort.", path="/file")
        data = upload.read(cohorts.MAX_FILE_BYTES + 1)
        default = _date(form["completed"], now.date()) if form.get("completed") else None
        sheet = cohorts.read_table(data, filename=upload.filename)
        with transaction() as session:
            org = console.org
            achievement = courses.get_achievement(session, org_id=org.id, public_id=form.get("course", ""))
            specs, base = courses.latest_results(services().issuing.links, achievement)
            rows = cohorts.check_rows(sheet, default_completed=default, today=now.date(), specs=specs, base=base)
            job = jobs.create_job(session, services().issuing, org=org, achievement=achievement, rows=rows,
                                  source="upload", actor=console.actor, now=now, filename=upload.filename, data=data,
                                  encoding=sheet.encoding, notify_recipients=form.get("notify") == "1",
                                  publish_names=form.get("publish_names") == "1")
            job_id = job.id
    except BadgeError as e:
        return _issue_page(form=form, errors={_field(e, section="cohort"): e}, section="cohort"), e.status
    return redirect(url_for(".cohort", org_slug=org_slug, job_id=job_id))


@bp.get("/cohorts")
@console_view(Role.VIEWER)
def cohort_list(org_slug: str) -> str:
    with transaction() as session:
        found = session.scalars(select(CohortJob).where(CohortJob.org_id == current().org.id)
                                .order_by(CohortJob.id.desc()).limit(100)).all()
        listed = [(job, row_counts(session, job.id)) for job in found]
        return render_template("issuer/console/cohorts.html", console=current(), jobs=listed, now=utcnow())


@bp.get("/cohorts/sample.<any(csv, xlsx):kind>")
@console_view(Role.VIEWER)
def sample(org_slug: str, kind: str) -> Response:
    """A cohort file to start from, with the column names (Korean, or English with ?lang=en) the importer reads."""
    headers, rows = cohorts.sample(locale())
    body, mimetype = ((sheets.spreadsheet_csv([headers, *rows]), sheets.CSV_MIMETYPE) if kind == "csv" else
                      (sheets.spreadsheet_xlsx(headers, rows, title="cohort"), sheets.XLSX_MIMETYPE))
    name = f"{translate('cohort.sample_file')}.{kind}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"cohort-sample.{kind}\"; filename*=UTF-8''{quote(name)}"})


@bp.get("/cohorts/<id:job_id>")
@console_view(Role.VIEWER)
def cohort(org_slug: str, job_id: int) -> str:
    with transaction() as session:
        job = _job(session, job_id)
        rows = job_rows(session, job.id)
        by_state: dict[str, list[Any]] = {state.value: [] for state in RowState}
        for row in rows:
            by_state[row.state].append(row)
        return render_template("issuer/console/cohort.html", console=current(), job=job, by_state=by_state,
                               counts={s: len(r) for s, r in by_state.items()}, total=len(rows), shown=SHOWN_ROWS,
                               stalled=jobs.stalled(job, utcnow()), mails=_mail_counts(session, job.id),
                               links=services().issuing.links)


@bp.get("/cohorts/<id:job_id>/status")
@console_view(Role.VIEWER)
def cohort_status(org_slug: str, job_id: int) -> Response:
    with transaction() as session:
        job = _job(session, job_id)
        return jsonify(status_of(job, row_counts(session, job.id), stalled=jobs.stalled(job, utcnow())))


@bp.post("/cohorts/<id:job_id>/confirm")
@console_view(Role.ISSUER)
def confirm(org_slug: str, job_id: int) -> Response:
    console, now = current(), utcnow()
    try:
        with transaction() as session:
            jobs.confirm(session, _job(session, job_id), actor=console.actor, now=now)
    except Conflict as e:
        tell(e.code, "error")
        return redirect(url_for(".cohort", org_slug=org_slug, job_id=job_id))
    after_commit(lambda: runner().submit(job_id))  # the runner reads the job in a transaction of its own
    return redirect(url_for(".cohort", org_slug=org_slug, job_id=job_id))


@bp.post("/cohorts/<id:job_id>/cancel")
@console_view(Role.ISSUER)
def cancel(org_slug: str, job_id: int) -> Response:
    try:
        with transaction() as session:
            jobs.cancel(_job(session, job_id))
    except Conflict as e:
        tell(e.code, "error")
        return redirect(url_for(".cohort", org_slug=org_slug, job_id=job_id))
    tell("cohort.cancelled")
    return redirect(url_for(".issue_form", org_slug=org_slug))


@bp.post("/cohorts/<id:job_id>/resume")
@console_view(Role.ISSUER)
def resume(org_slug: str, job_id: int) -> Response:
    console, now = current(), utcnow()
    try:
        with transaction() as session:
            job = _job(session, job_id)
            jobs.resume(session, job, runner(), now=now)
            audit.record(session, org_id=console.org.id, actor=console.actor, action="cohort.resume",
                         target=f"job:{job_id}", now=now)
    except Conflict as e:
        tell(e.code, "error")
    else:
        tell("cohort.resumed")
    return redirect(url_for(".cohort", org_slug=org_slug, job_id=job_id))


@bp.get("/cohorts/<id:job_id>/failed.csv")
@console_view(Role.VIEWER)
def failed_rows(org_slug: str, job_id: int) -> Response:
    with transaction() as session:
        job = _job(session, job_id)
        rows = job_rows(session, job.id)
        headers = list(rows[0].raw) if rows else list(cohorts.COLUMNS)
        failed = [(r.line, r.raw, row_error(r, "ko"), row_error(r, "en")) for r in rows if r.state in REPORTED]
    name = f"failed-rows-{job_id}.csv"
    return Response(cohorts.failed_rows_csv(headers, failed), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def status_of(job: CohortJob, counts: dict[str, int], *, stalled: bool) -> dict[str, Any]:
    """The progress of a job as JSON (the console's progress bar and the API share it)."""
    total = sum(counts.values())
    done = total - counts[RowState.PENDING]
    return {"id": job.id, "state": job.state, "stalled": stalled, "total": total, "done": done,
            "percent": round(100 * done / total) if total else 100, **counts, "error": job.error}


def row_error(row: Any, lang: str) -> str:
    """A row's error in `lang`: the catalogue message with the row's values, else the English detail."""
    if not row.error_code:
        return ""
    text = translate(row.error_code, lang, column=row.error_column or "", **(row.error_values or {}))
    return (row.error_detail or "") if text == row.error_code else text


def runner() -> jobs.Runner:
    """The app's job runner (see bootstrap.app.create_app)."""
    return current_app.extensions[jobs.EXTENSION]


def _job(session: Session, job_id: int) -> CohortJob:
    job = get_job(session, org_id=current().org.id, job_id=job_id)
    if job is None:
        raise NotFound("cohort.not_found", f"There is no upload {job_id} here.")
    return job


def _mail_counts(session: Session, job_id: int) -> dict[str, int]:
    return {state: n for state, n in session.execute(select(OutboxMail.state, func.count()).where(
        OutboxMail.job_id == job_id).group_by(OutboxMail.state))}


def _evidence(form: Mapping[str, str]) -> tuple[Evidence, ...]:
    """The form's one piece of evidence (a link, a narrative or both), if any."""
    url, narrative = form.get("evidence_url", "").strip(), form.get("evidence_narrative", "").strip()
    return (Evidence(url=url, narrative=narrative[:5000]),) if url or narrative else ()


def _results(form: Mapping[str, str], achievement: Any) -> tuple[ResultIn, ...]:
    """The form's score and level, for the course's first score and first rubric (InvalidInput from issuing
    when the course has no such result, or the value does not fit it)."""
    specs = courses.result_specs(achievement)
    given = []
    for field, is_level in (("result_score", False), ("result_level", True)):
        value = form.get(field, "").strip()
        if value:
            spec = next((s for s in specs if (s.result_type == LEVEL_TYPE) == is_level), None)
            given.append(ResultIn(spec.key if spec else field.removeprefix("result_"), value))
    return tuple(given)


def _credits(text: str) -> float | None:
    """The credits earned typed in the form (empty: none); InvalidInput unless a number above 0, at most 1000."""
    if not text.strip():
        return None
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 1000:
        raise InvalidInput("course.credits_invalid", f"{text!r} is not a number of credits.", path="/creditsEarned")
    return value


def _date(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("issue.completed_invalid", f"{text!r} is not a date; use the date picker or write "
                           "2026-03-02.", path="/completed") from None
    if day > today:
        raise InvalidInput("issue.completed_future", "The completion date is in the future.", path="/completed")
    return day


def _field(e: BadgeError, *, section: str) -> str:
    """The form field an error is shown under; file-level problems of an upload go under the file."""
    if e.code in ("achievement.not_found", "course.archived"):
        return "course"
    if e.path == "/completed":
        return "completed"
    if section == "cohort":
        return "file"
    return {"/recipient/email": "email", "/recipient/name": "name", "/evidence": "evidence_url",
            "/creditsEarned": "credits_earned", "/results": "results"}.get(e.path or "", "form")


def _issue_page(*, form: Any, errors: dict[str, BadgeError], section: str) -> str:
    """The issuing page; `errors` belong to the form named by `section` ("one" or "cohort")."""
    with transaction() as session:
        active = courses.list_courses(session, org_id=current().org.id, archived=False)
        recent = session.scalars(select(CohortJob).where(
            CohortJob.org_id == current().org.id, CohortJob.state != JobState.CANCELLED)
            .order_by(CohortJob.id.desc()).limit(5)).all()
        return render_template("issuer/console/issue.html", console=current(), courses=active, form=form,
                               errors=errors, section=section, recent=recent,
                               max_rows=cohorts.MAX_ROWS, smtp=bool(services().settings.smtp_url))
