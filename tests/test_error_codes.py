"""Every error code the code base raises has Korean and English text, so a Korean form never shows an English
detail. The codes are collected from the source (its syntax trees), so a code added later is checked as it appears."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from bootstrap.catalogue import CATALOGUES

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = {key: entry for catalogue in CATALOGUES for key, entry in catalogue.items()}
PACKAGES = ("badges", "keys", "schemas", "store", "web", "issuer", "verifier", "wallet", "bootstrap")
BASE_ERRORS = {"BadgeError", "InvalidInput", "TooLarge", "NotFound", "Conflict", "Unavailable"}
CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
# Errors raised with a code that is not written out where they are raised: what each can be. An empty tuple is a
# code passed through (a parameter whose callers' `code=` are collected, or an error re-raised with its own code).
DYNAMIC: dict[tuple[str, str], tuple[str, ...]] = {
    ("badges/model.py", "code"): (),
    ("badges/bounds.py", "code"): (),
    ("issuer/courses.py", "code"): ("course.name_missing_for_language", "course.description_missing",
                                    "course.criteria_missing"),
    ("issuer/courses.py", "f'course.{name}_invalid'"): ("course.hours_invalid", "course.credits_invalid"),
    ("issuer/console_courses.py", "f'course.{name}_invalid'"): ("course.valid_months_invalid", "course.hours_invalid",
                                                                "course.credits_invalid"),
    ("issuer/console_courses.py", "e.code"): (),
    ("issuer/api.py", "e.code"): (),
    ("verifier/pages.py", "unreadable.problem.code"): (),
    ("badges/results.py", "code"): ("result.key_invalid", "result.key_repeated", "result.levels_count",
                                    "result.name_missing", "result.name_too_long", "result.range_invalid",
                                    "result.range_missing", "result.required_level_unknown",
                                    "result.required_out_of_range", "result.too_many", "result.type_unknown"),
    ("issuer/cohorts.py", "code"): ("cohort.row.result_out_of_range", "cohort.row.result_level_unknown",
                                    "cohort.row.result_below_required", "cohort.row.result_invalid"),
    ("verifier/workspace.py", "*SHARE_LINK"): ("workspace.share_link",),
    ("wallet/account_pages.py", "code"): ("wallet.delete_wrong_password", "wallet.delete_not_confirmed"),
}


def sources() -> list[tuple[str, ast.Module]]:
    return [(str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path)))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def error_classes(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """The BadgeError classes, the ones the code base defines (Forbidden, Throttled, ...) included."""
    found = set(BASE_ERRORS)
    grew = True
    while grew:
        grew = False
        for _, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in found and any(
                        (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "") in found
                        for b in node.bases):
                    found.add(node.name)
                    grew = True
    return found | {"RowProblem"}  # a cohort row's problem: a code shown to the person fixing the file


def expand(node: ast.expr) -> list[str] | None:
    """The codes an f-string can make when each of its holes is a choice between constants; None otherwise."""
    if not isinstance(node, ast.JoinedStr):
        return None
    texts = [""]
    for part in node.values:
        if isinstance(part, ast.Constant):
            texts = [t + str(part.value) for t in texts]
            continue
        assert isinstance(part, ast.FormattedValue)
        value = part.value
        if isinstance(value, ast.IfExp) and isinstance(value.body, ast.Constant) and isinstance(value.orelse,
                                                                                                 ast.Constant):
            texts = [t + str(choice) for t in texts for choice in (value.body.value, value.orelse.value)]
        else:
            return None
    return texts


def raised_codes() -> tuple[dict[str, str], list[str]]:
    """Every code raised (code -> where), and the dynamic codes DYNAMIC does not explain."""
    trees = sources()
    classes = error_classes(trees)
    codes: dict[str, str] = {}
    unexplained = []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in classes and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.setdefault(first.value, f"{path}:{node.lineno}")
                elif (made := expand(first)) is not None:
                    codes.update({code: f"{path}:{node.lineno}" for code in made})
                elif (path, ast.unparse(first)) in DYNAMIC:
                    codes.update({code: f"{path}:{node.lineno}" for code in DYNAMIC[path, ast.unparse(first)]})
                else:
                    unexplained.append(f"{path}:{node.lineno} {ast.unparse(first)}")
            for keyword in node.keywords:  # checked_email(..., code="staff.email_invalid") and the like
                if (keyword.arg == "code" and isinstance(keyword.value, ast.Constant)
                        and isinstance(keyword.value.value, str) and CODE.fullmatch(keyword.value.value)):
                    codes.setdefault(keyword.value.value, f"{path}:{node.lineno}")
    return codes, unexplained


def test_the_collector_finds_the_codes_it_should() -> None:
    # guards the test below against passing vacuously: codes raised in each way the collector reads
    codes, _ = raised_codes()
    assert {"revoke.reason_missing", "revoke.already_suspended", "revoke.not_suspended", "staff.email_invalid",
            "console.role_required", "course.hours_invalid", "cohort.row.repeated", "fetch.private_address"} <= set(codes)
    assert len(codes) > 150


def test_every_dynamic_code_is_explained() -> None:
    _, unexplained = raised_codes()
    assert unexplained == [], "add what these codes can be to DYNAMIC"


def test_every_raised_error_code_has_korean_and_english_text() -> None:
    codes, _ = raised_codes()
    missing = sorted(f"{code} ({where})" for code, where in codes.items()
                     if not (MESSAGES.get(code, {}).get("ko") and MESSAGES.get(code, {}).get("en")))
    assert missing == []


def test_korean_text_is_korean() -> None:
    # a Korean entry copied from the English would pass the test above and still show English on a Korean form
    codes, _ = raised_codes()
    english = sorted(code for code in codes if code in MESSAGES and not re.search("[가-힣]", MESSAGES[code]["ko"]))
    assert english == []
