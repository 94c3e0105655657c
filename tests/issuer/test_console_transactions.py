"""A console request runs in one database transaction and reads its organisation (with the member's role) once,
however many blocks of the view read or write."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from bootstrap.wiring import Services
from tests.factories import console_post, enter_as, issue, make_course, make_org

READS_ORGS = re.compile(r"^\s*SELECT\b.*\b(FROM|JOIN)\s+orgs\b", re.IGNORECASE | re.DOTALL)


@dataclass
class Counted:
    begins: int = 0
    org_reads: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counting(svc: Services) -> Iterator[Counted]:
    """Transactions begun and SELECTs of the orgs table on the app's engine while the block runs."""
    counted = Counted()

    def begin(conn: Any) -> None:
        counted.begins += 1

    def cursor(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counted.statements.append(statement)
        counted.org_reads += bool(READS_ORGS.match(statement))

    event.listen(svc.engine, "begin", begin)
    event.listen(svc.engine, "before_cursor_execute", cursor)
    try:
        yield counted
    finally:
        event.remove(svc.engine, "begin", begin)
        event.remove(svc.engine, "before_cursor_execute", cursor)


@pytest.fixture
def console(client: FlaskClient, svc: Services) -> dict[str, str]:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    credential_id = issue(svc, org, course)
    enter_as(client, svc, org, email="owner@acme.example", role="owner")
    return {"course": course.public_id, "credential": credential_id}


@pytest.mark.parametrize("path", ["/console/acme", "/console/acme/credentials", "/console/acme/credentials/{credential}",
                                  "/console/acme/issue", "/console/acme/courses", "/console/acme/courses/{course}",
                                  "/console/acme/cohorts", "/console/acme/people", "/console/acme/profile",
                                  "/console/acme/keys", "/console/acme/tokens", "/console/acme/audit",
                                  "/console/acme/outbox"])
def test_a_console_page_is_one_transaction_that_reads_the_organisation_once(
        client: FlaskClient, svc: Services, console: dict[str, str], path: str) -> None:
    with counting(svc) as counted:
        response = client.get(path.format(**console))
    assert response.status_code == 200
    assert (counted.begins, counted.org_reads) == (1, 1), counted.statements


def test_issuing_from_the_console_form_is_one_transaction(client: FlaskClient, svc: Services,
                                                          console: dict[str, str]) -> None:
    with counting(svc) as counted:
        response = console_post(client, "/console/acme/issue", {
            "course": console["course"], "name": "박지우", "email": "jiwoo@example.com", "completed": "2026-02-27"})
    assert response.status_code == 302
    assert (counted.begins, counted.org_reads) == (1, 1), counted.statements


def test_a_view_block_that_fails_rolls_back_alone_and_the_page_still_answers(
        client: FlaskClient, svc: Services, console: dict[str, str]) -> None:
    with counting(svc) as counted:
        response = console_post(client, "/console/acme/issue", {
            "course": console["course"], "name": "박지우", "email": "not-an-address", "completed": "2026-02-27"})
    assert response.status_code == 422 and "박지우" in response.get_data(as_text=True)
    assert (counted.begins, counted.org_reads) == (1, 1), counted.statements
