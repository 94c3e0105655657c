"""What a learner's credentials say about their courses, read from the OB 3.0 JSON alone, and added up.

The same reading works for credentials issued here and anywhere else: skills are `achievement.tag` plus the
`targetName` of `achievement.alignment`; hours are an `ext:...hours` extension property when the issuer gives
one, else `credentialSubject.creditsEarned`, else `achievement.creditsAvailable` (OB 3.0 §B.1.1, §B.1.3).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from badges.clock import korea_date

MAX_SKILLS = 40  # per credential: hostile documents must not flood the page
MAX_SKILL_LENGTH = 80
MAX_HOURS = 100_000.0


@dataclass(frozen=True, slots=True)
class Course:
    """One completed course as its credential describes it."""

    title: str
    issuer_id: str
    issuer_name: str
    awarded_on: date | None
    hours: float | None
    skills: tuple[str, ...]
    description: str
    achievement_type: str


def course(doc: Mapping[str, Any]) -> Course:
    """The course a credential describes; missing or oddly typed fields become empty, never an error."""
    subject = _mapping(doc.get("credentialSubject"))
    achievement = _mapping(subject.get("achievement"))
    issuer = doc.get("issuer")
    issuer_map = _mapping(issuer)
    issuer_id = _text(issuer_map.get("id")) if issuer_map else _text(issuer)
    return Course(
        title=_text(achievement.get("name")) or _text(doc.get("name")),
        issuer_id=issuer_id, issuer_name=_text(issuer_map.get("name")) or issuer_id,
        awarded_on=_date(subject.get("activityEndDate")) or _date(doc.get("validFrom"))
        or _date(doc.get("issuanceDate")),
        hours=hours(subject, achievement), skills=skills(achievement),
        description=_text(achievement.get("description")),
        achievement_type=_text(achievement.get("achievementType")) or "Achievement")


def hours(subject: Mapping[str, Any], achievement: Mapping[str, Any]) -> float | None:
    """Hours of learning: an `ext:` hours extension, else creditsEarned, else creditsAvailable, else None."""
    for node in (subject, achievement):
        for key, value in node.items():
            if key.startswith("ext:") and key.lower().endswith("hours") and _number(value) is not None:
                return _number(value)
    earned = _number(subject.get("creditsEarned"))
    return earned if earned is not None else _number(achievement.get("creditsAvailable"))


def skills(achievement: Mapping[str, Any]) -> tuple[str, ...]:
    """The achievement's tags and alignment target names, trimmed, once each (case-insensitively), in order."""
    tags = achievement.get("tag")
    names: list[Any] = list(tags) if isinstance(tags, list) else [tags]
    alignments = achievement.get("alignment")
    for alignment in alignments if isinstance(alignments, list) else [alignments]:
        names.append(_mapping(alignment).get("targetName"))
    seen: dict[str, str] = {}
    for name in names:
        text = re.sub(r"\s+", " ", _text(name)).strip()[:MAX_SKILL_LENGTH]
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return tuple(seen.values())[:MAX_SKILLS]


@dataclass(frozen=True, slots=True)
class Totals:
    """A history added up: courses, hours, and how often each skill and organisation appears."""

    courses: int
    hours: float
    skills: tuple[tuple[str, int], ...]
    issuers: tuple[tuple[str, int], ...]


def totals(courses: Iterable[Course]) -> Totals:
    """The courses added up; skills and issuers most frequent first (then by name)."""
    listed = list(courses)
    skill_counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for c in listed:
        for s in c.skills:
            names.setdefault(s.casefold(), s)
            skill_counts[s.casefold()] += 1
    issuers = Counter(c.issuer_name for c in listed)
    return Totals(
        courses=len(listed), hours=sum(c.hours or 0.0 for c in listed),
        skills=tuple((names[k], n) for k, n in sorted(skill_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        issuers=tuple(sorted(issuers.items(), key=lambda kv: (-kv[1], kv[0]))))


def has_skill(c: Course, skill: str) -> bool:
    """True when the course lists `skill` (case-insensitively)."""
    return skill.casefold() in {s.casefold() for s in c.skills}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and 0 <= number <= MAX_HOURS else None


def _date(value: Any) -> date | None:
    return korea_date(value) if isinstance(value, str) else None  # the day in Korea, where the courses are held

