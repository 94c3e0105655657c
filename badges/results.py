"""Assessments with results (OB 3.0 §B.1.20 Result, §B.1.21 ResultDescription, §B.1.22 RubricCriterionLevel):
what a course says its results can be, and each person's result, checked against it. Pure: no IO.

A ResultSpec is a score with its range (resultType ScaledScore, RawScore or Percent, valueMin and valueMax, and
optionally requiredValue, the minimum to pass) or a level on a rubric of named levels (RubricCriterionLevel, its
levels from low to high, optionally requiredLevel). Its `id` in the Achievement is the course version's URL with a
fragment (#result-<key>, #result-<key>-level-<key>), the same in every language of the version, so a credential's
`Result.resultDescription` and `achievedLevel` point into the Achievement it embeds.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from badges import text
from badges.errors import InvalidInput
from badges.jsonld import JsonObject

SCORE_TYPES = ("ScaledScore", "RawScore", "Percent")
LEVEL_TYPE = "RubricCriterionLevel"
RESULT_TYPES = (*SCORE_TYPES, LEVEL_TYPE)
MAX_DESCRIPTIONS = 5
MAX_LEVELS = 20
MAX_NAME = 200
KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
LANGUAGES = ("ko", "en")


@dataclass(frozen=True, slots=True)
class Level:
    """One named level of a rubric, e.g. TOPCIT "수준 3" / "Level 3"; `key` is the short id in its URL."""

    key: str
    name_ko: str = ""
    name_en: str = ""
    description_ko: str = ""
    description_en: str = ""


@dataclass(frozen=True, slots=True)
class ResultSpec:
    """One kind of result a course records (an OB 3.0 ResultDescription), as staff describe it."""

    key: str
    result_type: str
    name_ko: str = ""
    name_en: str = ""
    value_min: str = ""
    value_max: str = ""
    required_value: str = ""
    levels: tuple[Level, ...] = ()
    required_level: str = ""  # the key of the lowest level that passes

    def as_stored(self) -> dict[str, Any]:
        """The spec as a course version stores it (JSON)."""
        return {"key": self.key, "resultType": self.result_type, "name_ko": self.name_ko, "name_en": self.name_en,
                "valueMin": self.value_min, "valueMax": self.value_max, "requiredValue": self.required_value,
                "requiredLevel": self.required_level,
                "levels": [{"key": lv.key, "name_ko": lv.name_ko, "name_en": lv.name_en,
                            "description_ko": lv.description_ko, "description_en": lv.description_en}
                           for lv in self.levels]}

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> ResultSpec:
        """The spec of a stored one (as_stored)."""
        return cls(key=stored["key"], result_type=stored["resultType"], name_ko=stored.get("name_ko", ""),
                   name_en=stored.get("name_en", ""), value_min=stored.get("valueMin", ""),
                   value_max=stored.get("valueMax", ""), required_value=stored.get("requiredValue", ""),
                   required_level=stored.get("requiredLevel", ""),
                   levels=tuple(Level(**lv) for lv in stored.get("levels", [])))

    def name(self, language: str) -> str:
        """Its name in `language`, else in the other."""
        return (self.name_ko if language == "ko" else self.name_en) or self.name_ko or self.name_en

    def level(self, key: str) -> Level | None:
        return next((lv for lv in self.levels if lv.key == key), None)


@dataclass(frozen=True, slots=True)
class ResultIn:
    """One person's result as given when issuing: which description (its key or id) and the score, or the
    level (its key, its Korean or English name, or its id)."""

    description: str
    value: str


def checked_specs(specs: Sequence[ResultSpec], languages: Iterable[str]) -> list[ResultSpec]:
    """The specs with keys filled in and values normalised; InvalidInput (path /resultDescriptions) saying what is
    wrong: an unknown type, a missing name in a language of the course, a range upside down, an unknown level."""
    if len(specs) > MAX_DESCRIPTIONS:
        raise _bad("result.too_many", f"A course can describe up to {MAX_DESCRIPTIONS} results.")
    out: list[ResultSpec] = []
    for number, spec in enumerate(specs, start=1):
        out.append(_checked_spec(spec, number, tuple(languages)))
    keys = [s.key for s in out]
    if len(set(keys)) != len(keys):
        raise _bad("result.key_repeated", "Two result descriptions have the same key; give each its own.")
    return out


def _checked_spec(spec: ResultSpec, number: int, languages: tuple[str, ...]) -> ResultSpec:
    key = spec.key.strip() or f"r{number}"
    if not KEY.fullmatch(key):
        raise _bad("result.key_invalid", f"{key[:40]!r} cannot be a result key: use up to 40 ASCII letters, "
                   "digits, '-' or '_'.")
    if spec.result_type not in RESULT_TYPES:
        raise _bad("result.type_unknown", f"{spec.result_type!r:.60} is not a result type this service records: "
                   f"use one of {', '.join(RESULT_TYPES)}.")
    names = _names(spec.name_ko, spec.name_en, languages, what=f"result description {number}")
    if spec.result_type == LEVEL_TYPE:
        levels = _levels(spec.levels, languages)
        required = spec.required_level.strip()
        if required and required not in {lv.key for lv in levels}:
            found = _find_level(levels, required)
            if found is None:
                raise _bad("result.required_level_unknown", f"The level required to pass, {required[:40]!r}, is "
                           "not one of the rubric's levels.")
            required = found.key
        return ResultSpec(key, LEVEL_TYPE, *names, levels=levels, required_level=required)
    low, high = spec.value_min.strip(), spec.value_max.strip()
    if spec.result_type == "Percent":
        low, high = low or "0", high or "100"
    if not (low and high):
        raise _bad("result.range_missing", "A score needs its lowest and highest possible values (e.g. 0 and 1000).")
    low_n, high_n = _number(low, "/resultDescriptions"), _number(high, "/resultDescriptions")
    if low_n >= high_n:
        raise _bad("result.range_invalid", f"The lowest score ({low}) must be below the highest ({high}).")
    required_value = spec.required_value.strip()
    if required_value and not low_n <= _number(required_value, "/resultDescriptions") <= high_n:
        raise _bad("result.required_out_of_range", f"The score required to pass ({required_value}) must be "
                   f"between {low} and {high}.")
    return ResultSpec(key, spec.result_type, *names, value_min=_plain(low_n), value_max=_plain(high_n),
                      required_value=_plain(_number(required_value, "/resultDescriptions")) if required_value else "")


def _names(ko: str, en: str, languages: tuple[str, ...], *, what: str) -> tuple[str, str]:
    cleaned = []
    for language, value in (("ko", ko), ("en", en)):
        value = " ".join(text.check_line(value, path="/resultDescriptions").split())
        if len(value) > MAX_NAME:
            raise _bad("result.name_too_long", f"Keep the names of results and levels to {MAX_NAME} characters.")
        if language in languages and not value:
            raise _bad("result.name_missing", f"The course is written in {'Korean' if language == 'ko' else 'English'}"
                       f", so {what} needs a name in it too.")
        cleaned.append(value)
    return cleaned[0], cleaned[1]


def _levels(levels: Sequence[Level], languages: tuple[str, ...]) -> tuple[Level, ...]:
    if not 2 <= len(levels) <= MAX_LEVELS:
        raise _bad("result.levels_count", f"A rubric needs 2 to {MAX_LEVELS} levels, from the lowest to the highest.")
    out = []
    for number, level in enumerate(levels, start=1):
        key = level.key.strip() or str(number)
        if not KEY.fullmatch(key):
            raise _bad("result.key_invalid", f"{key[:40]!r} cannot be a level key: use up to 40 ASCII letters, "
                       "digits, '-' or '_'.")
        names = _names(level.name_ko, level.name_en, languages, what=f"level {number}")
        descriptions = [text.check_prose(d.strip(), path="/resultDescriptions")[:1000]
                        for d in (level.description_ko, level.description_en)]
        out.append(Level(key, *names, *descriptions))
    if len({lv.key for lv in out}) != len(out):
        raise _bad("result.key_repeated", "Two levels of the rubric have the same key; give each its own.")
    return tuple(out)


def description_id(base: str, spec: ResultSpec) -> str:
    """The ResultDescription's id: the course version's URL with a fragment."""
    return f"{base}#result-{spec.key}"


def level_id(base: str, spec: ResultSpec, level: Level) -> str:
    """The RubricCriterionLevel's id."""
    return f"{base}#result-{spec.key}-level-{level.key}"


def description_json(spec: ResultSpec, *, base: str, language: str) -> JsonObject:
    """OB 3.0 ResultDescription of `spec` with its text in `language` (values as strings, as the schema has them)."""
    doc: JsonObject = {"id": description_id(base, spec), "type": ["ResultDescription"],
                       "name": spec.name(language), "resultType": spec.result_type}
    if spec.result_type == LEVEL_TYPE:
        doc["rubricCriterionLevel"] = [_level_json(spec, lv, base=base, language=language) for lv in spec.levels]
        required = spec.level(spec.required_level)
        if required is not None:
            doc["requiredLevel"] = level_id(base, spec, required)
    else:
        doc["valueMin"], doc["valueMax"] = spec.value_min, spec.value_max
        if spec.required_value:
            doc["requiredValue"] = spec.required_value
    return doc


def _level_json(spec: ResultSpec, level: Level, *, base: str, language: str) -> JsonObject:
    name = (level.name_ko if language == "ko" else level.name_en) or level.name_ko or level.name_en
    doc: JsonObject = {"id": level_id(base, spec, level), "type": ["RubricCriterionLevel"], "name": name,
                       "level": level.key}
    description = (level.description_ko if language == "ko" else level.description_en)
    if description:
        doc["description"] = description
    return doc


def results_json(specs: Sequence[ResultSpec], given: Sequence[ResultIn], *, base: str) -> list[JsonObject]:
    """OB 3.0 Result objects for one person's results; InvalidInput (path /results) when one does not fit the
    course: an unknown description, a description given twice, a score that is not a number or outside the
    range or below the minimum to pass, an unknown level or one below the level required."""
    out: list[JsonObject] = []
    seen: set[str] = set()
    for item in given:
        spec = next((s for s in specs if item.description.strip() in (s.key, description_id(base, s))), None)
        if spec is None:
            known = ", ".join(s.key for s in specs) or "none"
            raise InvalidInput("result.description_unknown", f"The course describes no result "
                               f"{item.description[:60]!r} (its results: {known}).", path="/results")
        if spec.key in seen:
            raise InvalidInput("result.repeated", f"The result {spec.key!r} is given twice.", path="/results")
        seen.add(spec.key)
        out.append(_result(spec, item.value.strip(), base))
    order = [description_id(base, s) for s in specs]
    return sorted(out, key=lambda r: order.index(r["resultDescription"]))  # in the course's order


def _result(spec: ResultSpec, value: str, base: str) -> JsonObject:
    doc: JsonObject = {"type": ["Result"], "resultDescription": description_id(base, spec)}
    if spec.result_type == LEVEL_TYPE:
        level = _find_level(spec.levels, value, spec=spec, base=base)
        if level is None:
            names = ", ".join(lv.name_en or lv.name_ko or lv.key for lv in spec.levels)
            raise InvalidInput("result.level_unknown", f"{value[:60]!r} is not a level of {spec.name('en')!r} "
                               f"(its levels: {names}).", path="/results")
        keys = [lv.key for lv in spec.levels]
        if spec.required_level and keys.index(level.key) < keys.index(spec.required_level):
            raise InvalidInput("result.below_required", f"Level {level.key!r} is below the level required to pass "
                               f"({spec.required_level!r}), so the badge cannot be issued.", path="/results")
        doc["achievedLevel"] = level_id(base, spec, level)
        return doc
    try:
        number = _number(value, "/results")
    except InvalidInput:
        raise InvalidInput("result.value_invalid", f"{value[:40]!r} is not a number; give the score as digits "
                           "(e.g. 650).", path="/results") from None
    if not Decimal(spec.value_min) <= number <= Decimal(spec.value_max):
        raise InvalidInput("result.out_of_range", f"The score {value[:40]} is outside {spec.name('en')!r}'s range "
                           f"{spec.value_min} to {spec.value_max}.", path="/results")
    if spec.required_value and number < Decimal(spec.required_value):
        raise InvalidInput("result.below_required", f"The score {value[:40]} is below the {spec.required_value} "
                           "required to pass, so the badge cannot be issued.", path="/results")
    doc["value"] = _plain(number)
    return doc


def _find_level(levels: Sequence[Level], value: str, *, spec: ResultSpec | None = None,
                base: str = "") -> Level | None:
    """The level named by its key, its Korean or English name (case and spaces ignored), or its id."""
    wanted = "".join(value.split()).casefold()
    for level in levels:
        if spec is not None and value == level_id(base, spec, level):
            return level
        if wanted and wanted in {"".join(n.split()).casefold() for n in (level.key, level.name_ko, level.name_en) if n}:
            return level
    return None


def _number(value: str, path: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "")) if len(value) <= 40 else Decimal("nan")
    except InvalidOperation:
        number = Decimal("nan")
    if not number.is_finite():
        raise InvalidInput("result.number_invalid", f"{value[:40]!r} is not a number.", path=path)
    return number


def _plain(number: Decimal) -> str:
    """A number as plain digits: 1000, not 1E+3; 72.5, not 72.50."""
    return format(number.normalize(), "f")


def _bad(code: str, detail: str) -> InvalidInput:
    return InvalidInput(code, detail, path="/resultDescriptions")


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One result of a credential as pages and reports show it: the name of its description, the score with its
    range, or the level's name with its place on the rubric (e.g. 4 of 5)."""

    name: str
    value: str = ""
    value_min: str = ""
    value_max: str = ""
    level: str = ""
    position: int = 0  # the level's place on the rubric, from 1 (lowest); 0 when unknown
    levels: int = 0  # how many levels the rubric has

    def as_json(self) -> dict[str, Any]:
        """The line as the verification API's summary gives it (without empty fields)."""
        names = {"value_min": "valueMin", "value_max": "valueMax"}
        return {names.get(k, k): getattr(self, k) for k in self.__dataclass_fields__ if getattr(self, k)}


def summary(achievement: Any, subject: Any) -> tuple[ResultLine, ...]:
    """The credential's results (credentialSubject.result) described by its Achievement's resultDescription.
    The document is untrusted: every value is coerced to short text, and at most MAX_DESCRIPTIONS * 2 are read."""
    achievement = achievement if isinstance(achievement, dict) else {}
    subject = subject if isinstance(subject, dict) else {}
    descriptions = {d.get("id"): d for d in _as_list(achievement.get("resultDescription")) if isinstance(d, dict)}
    lines = []
    for result in _as_list(subject.get("result"))[:MAX_DESCRIPTIONS * 2]:
        if not isinstance(result, dict):
            continue
        description = descriptions.get(result.get("resultDescription"), {})
        levels = [lv for lv in _as_list(description.get("rubricCriterionLevel")) if isinstance(lv, dict)]
        ids = [lv.get("id") for lv in levels]
        achieved = result.get("achievedLevel")
        place = ids.index(achieved) + 1 if achieved is not None and achieved in ids else 0
        lines.append(ResultLine(
            name=_short(description.get("name")), value=_short(result.get("value")),
            value_min=_short(description.get("valueMin")) if "value" in result else "",
            value_max=_short(description.get("valueMax")) if "value" in result else "",
            level=_short(levels[place - 1].get("name")) if place else _short(achieved),
            position=place, levels=len(levels) if place else 0))
    return tuple(line for line in lines if line.value or line.level)


def _short(value: Any) -> str:
    return " ".join(value.split())[:200] if isinstance(value, str) else \
        str(value)[:40] if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]
