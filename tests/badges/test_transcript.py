"""Reading courses from OB 3.0 JSON (issued here or anywhere): hours, skills, dates, and adding them up."""
from __future__ import annotations

from datetime import date

from badges import transcript
from tests.test_layering import WEB_AND_DATABASE, imported_after


def credential(**achievement: object) -> dict:  # type: ignore[type-arg]
    subject = {"activityEndDate": "2025-02-14T09:00:00Z", "achievement": {"name": "딥러닝 입문", **achievement}}
    return {"issuer": {"id": "did:web:ai.example", "name": "Seoul AI Lab"}, "validFrom": "2025-03-01T00:00:00Z",
            "credentialSubject": subject}


def test_hours_come_from_an_ext_hours_property_before_credits() -> None:
    assert transcript.course(credential(**{"ext:hours": 60, "creditsAvailable": 3})).hours == 60
    assert transcript.course(credential(creditsAvailable=24)).hours == 24
    earned = credential(creditsAvailable=24)
    earned["credentialSubject"]["creditsEarned"] = 12
    assert transcript.course(earned).hours == 12
    assert transcript.course(credential()).hours is None


def test_skills_are_tags_and_alignment_names_once_each_in_order() -> None:
    c = transcript.course(credential(tag=["Python", " deep  learning ", "python"],
                                     alignment=[{"targetName": "Deep Learning"}, {"targetName": "NCS 응용SW"}]))
    assert c.skills == ("Python", "deep learning", "NCS 응용SW")


def test_the_date_is_the_completion_date_else_the_start_of_validity() -> None:
    assert transcript.course(credential()).awarded_on == date(2025, 2, 14)
    undated = credential()
    del undated["credentialSubject"]["activityEndDate"]
    assert transcript.course(undated).awarded_on == date(2025, 3, 1)


def test_odd_or_hostile_values_are_ignored_rather_than_failing() -> None:
    c = transcript.course({"issuer": 7, "credentialSubject": {"achievement": {
        "name": ["not", "a", "string"], "tag": [{"x": 1}, None, "ok", "x" * 500], "alignment": "nope",
        "ext:hours": float("nan"), "creditsAvailable": True}}, "validFrom": "yesterday"})
    assert (c.title, c.issuer_name, c.hours, c.awarded_on) == ("", "", None, None)
    assert c.skills == ("ok", "x" * transcript.MAX_SKILL_LENGTH)
    assert transcript.course({"credentialSubject": {"achievement": {"tag": [str(i) for i in range(99)]}}}).skills \
        == tuple(str(i) for i in range(transcript.MAX_SKILLS))
    assert transcript.course({"credentialSubject": {"achievement": {"ext:hours": -5}}}).hours is None


def test_totals_add_hours_and_count_skills_and_issuers_most_frequent_first() -> None:
    courses = [transcript.course(credential(**{"ext:hours": 40, "tag": ["Python", "SQL"]})),
               transcript.course(credential(**{"ext:hours": 20.5, "tag": ["python"]})),
               transcript.course(credential(tag=["Go"]))]
    totals = transcript.totals(courses)
    assert (totals.courses, totals.hours) == (3, 60.5)
    assert totals.skills == (("Python", 2), ("Go", 1), ("SQL", 1))
    assert totals.issuers == (("Seoul AI Lab", 3),)


def test_the_new_core_modules_keep_clear_of_the_web_and_the_database() -> None:
    assert imported_after("import badges.transcript, badges.presentations") & set(WEB_AND_DATABASE) == set()
