"""A printable summary paginates whatever a course says: long descriptions flow onto following pages."""
from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from tests.factories import issue, make_course, make_org
from wallet.pdf import PdfBadge, career_pdf

LINES = "\n".join(f"{n}주차: 실습 과제 {n}" for n in range(1, 56))  # 55 short lines
HANGUL = "가나다라마바사아자차카타파하" * 143  # 2,002 Hangul characters
ONE_WORD = "https://academy.example/" + "x" * 1990  # nowhere to break a line
MANY_LINES = "\n".join("줄" for _ in range(1000))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of every page (pdftotext fails on a PDF that does not open)."""
    assert pdf.startswith(b"%PDF")
    (tmp_path / "summary.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", str(tmp_path / "summary.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("description", [LINES, HANGUL, ONE_WORD, MANY_LINES],
                         ids=["55-lines", "2000-hangul", "one-word", "1000-lines"])
def test_the_verification_summary_of_a_long_course_description_runs_onto_more_pages(
        client: FlaskClient, svc: Services, tmp_path: Path, description: str) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org, description_ko=description, criteria_ko=description))
    answer = client.get(f"/v/{credential_id}/summary.pdf?lang=ko")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(pdf_text(answer.data, tmp_path).split())
    assert "".join(description[:40].split()) in text
    assert "".join(description[-12:].split()) in text  # the whole text, not only what fitted on page one


@pytest.mark.parametrize("title", [LINES, HANGUL, ONE_WORD], ids=["55-lines", "2000-hangul", "one-word"])
def test_the_career_pdf_of_a_badge_with_a_very_long_name_runs_onto_more_pages(tmp_path: Path, title: str) -> None:
    badge = PdfBadge(title=title, issuer="부산 아카데미", awarded_on=None, hours=40, skills=tuple(HANGUL[:60] * 3),
                     state="valid", verify_url="https://badges.example/v/1")
    pdf = career_pdf(lang="ko", learner_name="김민지", holder_did="did:key:z6Mk", badges=[badge, badge],
                     total_hours=80, generated=datetime(2026, 3, 2, tzinfo=UTC))
    text = "".join(pdf_text(pdf, tmp_path).split())
    assert "".join(title[:40].split()) in text and "교육이력" in text
