"""Courses: create, edit as a new version, archive, and their OB 3.0 Achievement documents. No Flask.

A course keeps one public URL (/achievements/<public_id>) for its whole life. Every edit makes a new numbered
version with a URL of its own (/achievements/<public_id>/versions/<n>), which is the `id` of the Achievement
that credentials embed; a credential points at its version and never changes when the course does.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import artwork, images, model, results
from badges import text as textcheck
from badges.errors import InvalidInput, NotFound
from badges.jsonld import JsonObject
from store.links import Links
from store.models import Achievement, AchievementVersion, Org

MAX_TEXT = 5000
MAX_NAME = 300
MAX_TAGS = 30
MAX_TAG_LENGTH = 60
MAX_ALIGNMENTS = 20
MAX_RELATED_VERSIONS = 10  # earlier versions listed in a version's `related`
MAX_IDENTIFIERS = 10


@dataclass(frozen=True, slots=True)
class AchievementIn:
    """A course as staff describe it; `image` is an uploaded PNG or SVG (None keeps or generates one)."""

    name_ko: str
    name_en: str
    description_ko: str
    description_en: str
    criteria_ko: str
    criteria_en: str
    achievement_type: str = "Course"
    valid_months: int | None = None
    hours: float | None = None
    credits: float | None = None
    tags: tuple[str, ...] = ()
    alignments: tuple[model.Alignment, ...] = ()
    image: bytes | None = None
    generate_image: bool = False  # replace an uploaded image with a generated one
    human_code: str = ""  # OB 3.0 humanCode, e.g. the course code staff and learners use
    other_identifiers: tuple[tuple[str, str], ...] = ()  # (identifier, identifierType): OB 3.0 otherIdentifier
    result_descriptions: tuple[results.ResultSpec, ...] = ()  # an assessment's scores and rubric levels


def create_achievement(session: Session, *, org: Org, data: AchievementIn, now: datetime) -> Achievement:
    """A new course with its version 1; InvalidInput or TooLarge (with the field as path) for bad data."""
    content = _content(org, data, previous=None)
    achievement = Achievement(public_id=str(uuid.uuid4()), org_id=org.id, version=1, created_at=now, **content)
    achievement.versions.append(AchievementVersion(version=1, created_at=now, **content))
    session.add(achievement)
    session.flush()
    return achievement


def new_version(session: Session, *, org: Org, achievement: Achievement, data: AchievementIn,
                now: datetime) -> AchievementVersion | None:
    """The next version of the course with `data`, or None when nothing changed; issued credentials keep
    the version they embed. InvalidInput or TooLarge for bad data."""
    if achievement.org_id != org.id:
        raise NotFound("achievement.not_found", f"There is no course {achievement.public_id!r} here.")
    content = _content(org, data, previous=achievement)
    if all(getattr(achievement, name) == value for name, value in content.items()):
        return None
    achievement.version += 1
    for name, value in content.items():
        setattr(achievement, name, value)
    version = AchievementVersion(version=achievement.version, created_at=now, **content)
    achievement.versions.append(version)
    session.flush()
    return version


def archive(achievement: Achievement, *, now: datetime) -> bool:
    """Stop issuing the course (issued badges stay valid); False if it was archived already."""
    if achievement.archived_at is not None:
        return False
    achievement.archived_at = now
    return True


def restore(achievement: Achievement) -> bool:
    """Allow issuing the course again; False if it was not archived."""
    if achievement.archived_at is None:
        return False
    achievement.archived_at = None
    return True


def get_achievement(session: Session, *, org_id: int | None, public_id: str) -> Achievement:
    """The achievement, within `org_id` when given (tenant isolation); NotFound otherwise."""
    query = select(Achievement).where(Achievement.public_id == public_id)
    if org_id is not None:
        query = query.where(Achievement.org_id == org_id)
    achievement = session.scalar(query)
    if achievement is None:
        raise NotFound("achievement.not_found", f"There is no course {public_id!r} here.")
    return achievement


def get_version(session: Session, achievement: Achievement, number: int | None = None) -> AchievementVersion:
    """Version `number` of the course (its latest when None); NotFound otherwise."""
    version = session.scalar(select(AchievementVersion).where(
        AchievementVersion.achievement_id == achievement.id,
        AchievementVersion.version == (achievement.version if number is None else number)))
    if version is None:
        raise NotFound("course.version_not_found", f"The course has no version {number}.")
    return version


def list_courses(session: Session, *, org_id: int, archived: bool | None = None) -> list[Achievement]:
    """The organisation's courses, newest first; only archived (True) or active (False) ones when asked."""
    query = select(Achievement).where(Achievement.org_id == org_id)
    if archived is not None:
        query = query.where(Achievement.archived_at.is_not(None) if archived else Achievement.archived_at.is_(None))
    return list(session.scalars(query.order_by(Achievement.id.desc())))


def version_url(links: Links, public_id: str, number: int) -> str:
    """The URL (and Achievement id) of one version of a course."""
    return f"{links.achievement(public_id)}/versions/{number}"


def image_url(links: Links, public_id: str, number: int, image_type: str) -> str:
    """Where one version's image is served."""
    return f"{version_url(links, public_id, number)}/image.{'svg' if image_type == images.SVG else 'png'}"


def achievement_document(links: Links, version: AchievementVersion, *, language: str | None = None,
                         creator: JsonObject | None = None) -> JsonObject:
    """OB 3.0 Achievement of one course version in `language` (its first language when None or when the course is
    not written in it): `inLanguage` always names the language of its text, and `related` points at the version
    in the course's other language (OB 3.0 §B.1.17 Related) and at earlier versions."""
    written = version_languages(version)
    language = language if language in written else written[0]
    public_id = version.achievement.public_id
    url = version_url(links, public_id, version.version)
    earlier = range(version.version - 1, max(0, version.version - 1 - MAX_RELATED_VERSIONS), -1)
    translations = [{"id": language_url(url, other, written), "type": ["Related"], "inLanguage": other,
                     "version": str(version.version)} for other in written if other != language]
    return model.achievement(
        achievement_id=language_url(url, language, written), language=language,
        achievement_type=version.achievement_type, version=str(version.version),
        image=image_url(links, public_id, version.version, version.image_type) if version.image else None,
        credits=version.credits, hours=version.hours, tags=tuple(version.tags),
        alignments=tuple(alignment_of(a) for a in version.alignments),
        related=translations + [{"id": version_url(links, public_id, n), "type": ["Related"], "version": str(n)}
                                for n in earlier],
        human_code=version.human_code or "", creator=creator,
        other_identifiers=[model.identifier_entry(e["identifier"], e["identifierType"])
                           for e in version.other_identifiers or []],
        result_descriptions=[results.description_json(spec, base=url, language=language)
                             for spec in result_specs(version)],
        **{f: getattr(version, f"{f}_{language}") for f in ("name", "description", "criteria")})


def version_languages(version: AchievementVersion) -> list[str]:
    """The languages a course version is written in, its first language first (Korean when it has a Korean
    name); a version saved before every language needed all its text counts a language by its name."""
    return [lang for lang in ("ko", "en") if getattr(version, f"name_{lang}")] or ["ko"]


def language_url(url: str, language: str, written: list[str]) -> str:
    """The id of the version's Achievement in `language`: the version URL in its first language, ?lang= else."""
    return url if language == written[0] else f"{url}?lang={language}"


def result_specs(version: AchievementVersion | Achievement) -> list[results.ResultSpec]:
    """The result descriptions a course version froze (none for a plain course)."""
    return [results.ResultSpec.from_stored(stored) for stored in version.result_descriptions or []]


def latest_results(links: Links, achievement: Achievement) -> tuple[list[results.ResultSpec], str]:
    """The result descriptions of the course's latest version and the URL their ids start with (what an upload
    or an API cohort is checked against before it is issued)."""
    return result_specs(achievement), version_url(links, achievement.public_id, achievement.version)


def alignment_of(stored: dict[str, str]) -> model.Alignment:
    """The Alignment value of one stored alignment."""
    return model.Alignment(**{k: stored.get(k, "") for k in model.Alignment.__dataclass_fields__})


def _content(org: Org, data: AchievementIn, *, previous: Achievement | None) -> dict[str, Any]:
    """The checked column values of `data` (the image uploaded, kept from `previous`, or drawn)."""
    model.check_achievement_type(data.achievement_type)
    text = {name: getattr(data, name).strip() for name in
            ("name_ko", "name_en", "description_ko", "description_en", "criteria_ko", "criteria_en")}
    for name, value in text.items():
        check = textcheck.check_line if name.startswith("name") else textcheck.check_prose
        check(value, path=f"/{name}")
        limit = MAX_NAME if name.startswith("name") else MAX_TEXT
        if len(value) > limit:
            raise InvalidInput("course.too_long", f"Keep this to {limit} characters (it has {len(value)}).",
                               path=f"/{name}")
    if not (text["name_ko"] or text["name_en"]):
        raise InvalidInput("achievement.name_missing", "The course needs a name in Korean or English.",
                           path="/name_ko")
    for language in languages(text):
        _check_complete(text, language)
    if data.valid_months is not None and not 1 <= data.valid_months <= 1200:
        raise InvalidInput("achievement.valid_months", "Validity must be 1 to 1200 months, or none.",
                           path="/validMonths")
    content: dict[str, Any] = {
        **text, "achievement_type": data.achievement_type, "valid_months": data.valid_months,
        "hours": _amount(data.hours, "hours", 100_000), "credits": _amount(data.credits, "credits", 1_000),
        "tags": _tags(data.tags), "alignments": _alignments(data.alignments),
        "human_code": data.human_code.strip()[:100], "other_identifiers": _identifiers(data.other_identifiers),
        "result_descriptions": [spec.as_stored() for spec in
                                results.checked_specs(data.result_descriptions, languages(text))]}
    content.update(_image(org, data, previous=previous, name=text["name_ko"] or text["name_en"]))
    return content


def languages(text: dict[str, str]) -> list[str]:
    """The languages ("ko", "en") a course is written in: those with any of its name, description, criteria."""
    return [lang for lang in ("ko", "en") if any(text.get(f"{f}_{lang}") for f in ("name", "description", "criteria"))]


def _check_complete(text: dict[str, str], language: str) -> None:
    """InvalidInput unless the course has its name, description and criteria in `language` (OB 3.0 requires a
    description and criteria, and a document labelled in one language must not carry another's text)."""
    for field, code, what in (("name", "course.name_missing_for_language", "name"),
                              ("description", "course.description_missing", "description"),
                              ("criteria", "course.criteria_missing", "criteria narrative")):
        if not text[f"{field}_{language}"]:
            raise InvalidInput(code, f"The course is written in {'Korean' if language == 'ko' else 'English'} but "
                               f"has no {what} in it: OB 3.0 needs a non-empty one.", path=f"/{field}_{language}")


def _amount(value: float | None, name: str, limit: float) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not 0 < value <= limit:
        raise InvalidInput(f"course.{name}_invalid", f"{name.title()} must be a number above 0 and at most "
                           f"{limit:g}, or left empty.", path=f"/{name}")
    return value


def _tags(tags: tuple[str, ...]) -> list[str]:
    kept: dict[str, str] = {}
    for tag in tags:
        clean = textcheck.check_line(" ".join(tag.split()), path="/tags")
        if len(clean) > MAX_TAG_LENGTH:
            raise InvalidInput("course.tag_too_long", f"The skill {clean[:20]!r}… is longer than {MAX_TAG_LENGTH} "
                               "characters.", path="/tags")
        if clean:
            kept.setdefault(clean.casefold(), clean)
    if len(kept) > MAX_TAGS:
        raise InvalidInput("course.too_many_tags", f"A course can list up to {MAX_TAGS} skills.", path="/tags")
    return list(kept.values())


def _alignments(alignments: tuple[model.Alignment, ...]) -> list[dict[str, str]]:
    if len(alignments) > MAX_ALIGNMENTS:
        raise InvalidInput("course.too_many_alignments", f"A course can list up to {MAX_ALIGNMENTS} alignments.",
                           path="/alignments")
    for a in alignments:
        for name in model.Alignment.__dataclass_fields__:
            textcheck.check_line(getattr(a, name), path="/alignments")
        if any(len(getattr(a, f)) > 500 for f in model.Alignment.__dataclass_fields__):
            raise InvalidInput("course.too_long", "Keep each alignment field to 500 characters.",
                               path="/alignments")
    return [{k: getattr(a, k) for k in model.Alignment.__dataclass_fields__ if getattr(a, k)} for a in alignments]


def _identifiers(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    if len(pairs) > MAX_IDENTIFIERS:
        raise InvalidInput("course.too_many_identifiers", f"A course can list up to {MAX_IDENTIFIERS} other "
                           "identifiers.", path="/otherIdentifiers")
    entries = [model.identifier_entry(identifier[:200], identifier_type) for identifier, identifier_type in pairs]
    return [{"identifier": e["identifier"], "identifierType": e["identifierType"]} for e in entries]


def _image(org: Org, data: AchievementIn, *, previous: Achievement | None, name: str) -> dict[str, Any]:
    if data.image is not None:
        checked = images.check_image(data.image)
        return {"image": checked.data, "image_type": checked.mimetype, "image_generated": False}
    if previous is not None and not data.generate_image and not previous.image_generated:
        return {"image": previous.image, "image_type": previous.image_type, "image_generated": False}
    png = artwork.badge_png(name, org.name_en or org.name_ko, font_path=artwork.korean_font(), hue=org.id)
    return {"image": png, "image_type": images.PNG, "image_generated": True}
