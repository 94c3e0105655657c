"""Courses in the console: list and read (viewer), create, edit as a new version, archive (issuer)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from badges import images, model, results
from badges.errors import BadgeError, InvalidInput
from issuer import audit, courses
from issuer.console import console_view, current
from store.console import Role
from store.models import Achievement, Credential
from web.http import services, transaction, utcnow
from web.i18n import tell

bp = Blueprint("console_courses", __name__, url_prefix="/console/<org_slug>/courses")
ALIGNMENT_FIELDS = ("target_framework", "target_code", "target_name", "target_url", "target_type")
BLANK_ALIGNMENTS = 2  # empty alignment rows offered under the filled ones
TEXT_FIELDS = ("name_ko", "name_en", "description_ko", "description_en", "criteria_ko", "criteria_en")


@bp.get("")
@console_view(Role.VIEWER)
def index(org_slug: str) -> str:
    archived = request.args.get("archived") == "1"
    with transaction() as session:
        rows = courses.list_courses(session, org_id=current().org.id, archived=archived)
        counts = dict(session.execute(select(Credential.achievement_id, func.count()).where(
            Credential.org_id == current().org.id).group_by(Credential.achievement_id)).all())
        return render_template("issuer/console/courses.html", console=current(), courses=rows, counts=counts,
                               archived=archived, links=services().issuing.links)


@bp.get("/new")
@console_view(Role.ISSUER)
def new(org_slug: str) -> str:
    return _form_page(form=_blank_form(), errors={}, course=None)


@bp.post("")
@console_view(Role.ISSUER)
def create(org_slug: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    try:
        data = course_from_form(request.form, request.files.get("image"))
        with transaction() as session:
            achievement = courses.create_achievement(session, org=console.org, data=data,
                                                     now=now)
            audit.record(session, org_id=console.org.id, actor=console.actor, action="course.create",
                         target=achievement.public_id, name=achievement.name_ko or achievement.name_en, now=now)
            public_id = achievement.public_id
    except BadgeError as e:
        return _form_page(form=request.form, errors=_errors(e), course=None), e.status
    tell("course.created", name=data.name_ko or data.name_en)
    return redirect(url_for(".show", org_slug=org_slug, public_id=public_id))


@bp.get("/<public_id>")
@console_view(Role.VIEWER)
def show(org_slug: str, public_id: str) -> str:
    with transaction() as session:
        achievement = courses.get_achievement(session, org_id=current().org.id, public_id=public_id)
        per_version = dict(session.execute(select(Credential.version_id, func.count()).where(
            Credential.achievement_id == achievement.id).group_by(Credential.version_id)).all())
        return render_template("issuer/console/course.html", console=current(), course=achievement,
                               versions=list(reversed(achievement.versions)), per_version=per_version,
                               links=services().issuing.links)


@bp.get("/<public_id>/edit")
@console_view(Role.ISSUER)
def edit(org_slug: str, public_id: str) -> str:
    with transaction() as session:
        achievement = courses.get_achievement(session, org_id=current().org.id, public_id=public_id)
        return _form_page(form=_course_form(achievement), errors={}, course=achievement)


@bp.post("/<public_id>/edit")
@console_view(Role.ISSUER)
def save_version(org_slug: str, public_id: str) -> Response | tuple[str, int]:
    console, now = current(), utcnow()
    with transaction() as session:
        achievement = courses.get_achievement(session, org_id=console.org.id, public_id=public_id)
        try:
            with session.begin_nested():
                data = course_from_form(request.form, request.files.get("image"),
                                        previous_identifiers=achievement.other_identifiers or [],
                                        previous_results=courses.result_specs(achievement))
                version = courses.new_version(session, org=console.org,
                                              achievement=achievement, data=data, now=now)
        except BadgeError as e:
            return _form_page(form=request.form, errors=_errors(e), course=achievement), e.status
        if version is None:
            tell("course.unchanged")
        else:
            audit.record(session, org_id=console.org.id, actor=console.actor, action="course.version",
                         target=public_id, version=version.version, now=now)
            tell("course.new_version", n=version.version)
    return redirect(url_for(".show", org_slug=org_slug, public_id=public_id))


@bp.post("/<public_id>/archive")
@console_view(Role.ISSUER)
def archive(org_slug: str, public_id: str) -> Response:
    return _set_archived(org_slug, public_id, archived=True)


@bp.post("/<public_id>/restore")
@console_view(Role.ISSUER)
def restore(org_slug: str, public_id: str) -> Response:
    return _set_archived(org_slug, public_id, archived=False)


def _set_archived(org_slug: str, public_id: str, *, archived: bool) -> Response:
    console, now = current(), utcnow()
    with transaction() as session:
        achievement = courses.get_achievement(session, org_id=console.org.id, public_id=public_id)
        changed = courses.archive(achievement, now=now) if archived else courses.restore(achievement)
        if changed:
            audit.record(session, org_id=console.org.id, actor=console.actor, now=now, target=public_id,
                         action="course.archive" if archived else "course.restore")
    tell("course.archived_done" if archived else "course.restored_done")
    return redirect(url_for(".show", org_slug=org_slug, public_id=public_id))


def course_from_form(form: Mapping[str, str], upload: FileStorage | None, *,
                     previous_identifiers: list[dict[str, str]] | tuple[()] = (),
                     previous_results: list[results.ResultSpec] | tuple[()] = ()) -> courses.AchievementIn:
    """The course described by the form (other identifiers, set through the API, kept from `previous_identifiers`;
    the form edits the first score and the first rubric, further result descriptions are kept from
    `previous_results`); InvalidInput with the field as path for unreadable values."""
    alignments = []
    for i in range(courses.MAX_ALIGNMENTS):
        values = {f: form.get(f"alignment-{i}-{f}", "").strip() for f in ALIGNMENT_FIELDS}
        if any(values.values()):
            try:
                alignments.append(model.Alignment(**values))
            except InvalidInput as e:
                raise InvalidInput(e.code, e.detail, path=f"/alignment-{i}") from None
    image = upload.read(images.MAX_BYTES + 1) if upload is not None and upload.filename else None
    return courses.AchievementIn(
        **{name: form.get(name, "") for name in TEXT_FIELDS},
        achievement_type=form.get("achievement_type_other", "").strip() or form.get("achievement_type", "Course"),
        valid_months=_number(form, "valid_months", int),
        hours=_number(form, "hours", float), credits=_number(form, "credits", float),
        tags=tuple(t for line in form.get("tags", "").splitlines() for t in line.split(",")),
        alignments=tuple(alignments), image=image, generate_image=form.get("generate_image") == "1",
        human_code=form.get("human_code", ""),
        other_identifiers=tuple((e["identifier"], e["identifierType"]) for e in previous_identifiers),
        result_descriptions=_results_from_form(form, list(previous_results)))


def _results_from_form(form: Mapping[str, str], previous: list[results.ResultSpec]) -> tuple[results.ResultSpec, ...]:
    """The score (a type, names, range, minimum to pass) and the rubric (names, one level a line as
    "수준 1 | Level 1", lowest first, the level required) the form describes, with the others kept."""
    score_key, level_key = form.get("score_key", "").strip(), form.get("level_key", "").strip()
    specs = [p for p in previous if p.key not in (score_key, level_key)]
    if form.get("score_type", "").strip():
        specs.insert(0, results.ResultSpec(
            key=score_key or "score", result_type=form["score_type"].strip(), name_ko=form.get("score_name_ko", ""),
            name_en=form.get("score_name_en", ""), value_min=form.get("score_min", ""),
            value_max=form.get("score_max", ""), required_value=form.get("score_required", "")))
    lines = [line.strip() for line in form.get("levels", "").splitlines() if line.strip()]
    if lines:
        levels = []
        for n, line in enumerate(lines, start=1):
            ko, _, en = (part.strip() for part in line.partition("|"))
            levels.append(results.Level(str(n), ko, en or ko))
        kept = {lv.name_ko: lv.key for p in previous if p.key == level_key for lv in p.levels}
        levels = [results.Level(kept.get(lv.name_ko, lv.key), lv.name_ko, lv.name_en) for lv in levels]
        specs.insert(1 if form.get("score_type", "").strip() else 0, results.ResultSpec(
            key=level_key or "level", result_type=results.LEVEL_TYPE, name_ko=form.get("level_name_ko", ""),
            name_en=form.get("level_name_en", ""), levels=tuple(levels),
            required_level=form.get("level_required", "")))
    return tuple(specs)


def _number(form: Mapping[str, str], name: str, kind: type[int | float]) -> Any:
    text = form.get(name, "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise InvalidInput(f"course.{name}_invalid", f"{text!r} is not a number.", path=f"/{name}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"course.{name}_invalid", f"{text!r} is not a number.", path=f"/{name}")
    return value


def _errors(e: BadgeError) -> dict[str, BadgeError]:
    """The error under the form field it is about (image problems carry no path)."""
    field = {"name": "name_ko", "validMonths": "valid_months", "achievementType": "achievement_type",
             "alignments": "alignment-0", "alignment": "alignment-0"}
    key = (e.path or "/image").strip("/").split("/")[0]
    return {field.get(key, key): e}


def _blank_form() -> dict[str, Any]:
    return {"achievement_type": "Course", **{f"alignment-{i}-{f}": "" for i in range(BLANK_ALIGNMENTS)
                                            for f in ALIGNMENT_FIELDS}}


def _course_form(achievement: Achievement) -> dict[str, Any]:
    form: dict[str, Any] = {name: getattr(achievement, name) for name in TEXT_FIELDS}
    form.update(achievement_type=achievement.achievement_type, tags=", ".join(achievement.tags),
                human_code=achievement.human_code or "",
                valid_months=achievement.valid_months or "", hours=_plain(achievement.hours),
                credits=_plain(achievement.credits))
    for i, alignment in enumerate(achievement.alignments):
        form.update({f"alignment-{i}-{f}": alignment.get(f, "") for f in ALIGNMENT_FIELDS})
    specs = courses.result_specs(achievement)
    score = next((p for p in specs if p.result_type != results.LEVEL_TYPE), None)
    rubric = next((p for p in specs if p.result_type == results.LEVEL_TYPE), None)
    if score is not None:
        form.update(score_key=score.key, score_type=score.result_type, score_name_ko=score.name_ko,
                    score_name_en=score.name_en, score_min=score.value_min, score_max=score.value_max,
                    score_required=score.required_value)
    if rubric is not None:
        required = rubric.level(rubric.required_level)
        form.update(level_key=rubric.key, level_name_ko=rubric.name_ko, level_name_en=rubric.name_en,
                    levels="\n".join(f"{lv.name_ko} | {lv.name_en}" for lv in rubric.levels),
                    level_required=(required.name_ko or required.key) if required else "")
    return form


def _plain(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _form_page(*, form: Mapping[str, Any], errors: dict[str, BadgeError], course: Achievement | None) -> str:
    filled = [i for i in range(courses.MAX_ALIGNMENTS)
              if any(form.get(f"alignment-{i}-{f}") for f in ALIGNMENT_FIELDS)]
    rows = min(courses.MAX_ALIGNMENTS, (max(filled) + 1 if filled else 0) + BLANK_ALIGNMENTS)
    return render_template("issuer/console/course_form.html", console=current(), form=form, errors=errors,
                           course=course, alignment_rows=range(rows), alignment_fields=ALIGNMENT_FIELDS,
                           types=sorted(model.ACHIEVEMENT_TYPES), target_types=model.ALIGNMENT_TARGET_TYPES,
                           score_types=results.SCORE_TYPES,
                           links=services().issuing.links)
