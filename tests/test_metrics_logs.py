"""Operations: /metrics (off unless a token is set, then only with it) counts credentials issued, verifications by
verdict and channel, request latencies, failed mails and the cohort backlog; every request is logged as one JSON
line with its request id, which goes back in X-Request-Id; no token, password or e-mail address reaches a log."""
from __future__ import annotations

import io
import json
import logging
import socket
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from bootstrap.app import create_app
from bootstrap.wiring import Services
from tests.e2e import servers
from tests.factories import PASSWORD, make_course, make_org, make_staff, sign_in
from web import logs
from web.settings import Settings

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def watched(settings: Settings) -> Iterator[Flask]:
    """The app with BADGES_METRICS_TOKEN set and mail going to an SMTP server (with a password) that is down."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(replace(settings, metrics_token=TOKEN, smtp_url=f"smtp://mailer:mail-pa55word@127.0.0.1:{port}"))
    yield app
    app.extensions["badges"].engine.dispose()


@pytest.fixture
def logged() -> io.StringIO:
    """What this process logs during the test, as the serving entry points configure it (JSON lines)."""
    out = io.StringIO()
    logs.configure(out, level=logging.DEBUG)
    return out  # the root logger's handlers and level are given back after the test (tests/conftest.py)


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def api(app: Flask) -> tuple[FlaskClient, Services, str, dict[str, str]]:
    svc = app.extensions["badges"]
    org, token = make_org(svc, with_token=True)
    return app.test_client(), svc, make_course(svc, org).public_id, {"Authorization": f"Bearer {token}"}


def test_metrics_are_off_unless_a_token_is_set_and_then_need_it(app: Flask, watched: Flask) -> None:
    assert app.test_client().get("/metrics").status_code == 404  # the default: nothing to see
    client = watched.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = client.get("/metrics", headers=headers)
        assert (refused.status_code, refused.headers["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
        assert "badges_" not in refused.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_issuing_and_verifying_move_the_counters_with_their_labels(watched: Flask) -> None:
    client, _, course, auth = api(watched)
    before = scrape(client)
    issued = client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": "김민지", "email": "minji@example.com"}, "notify": True})
    assert issued.status_code == 201
    again = client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": "김민지", "email": "minji@example.com"}})
    assert again.status_code == 200  # the same award: found, not issued
    credential = issued.get_json()
    assert client.post("/api/v1/verify", json={"credential": credential}).get_json()["verified"]
    assert client.get(f"/v/{credential['id'].rsplit('/', 1)[1]}").status_code == 200  # the QR landing
    tampered = {**credential, "name": "Forged"}
    assert not client.post("/api/v1/verify", json={"credential": tampered}).get_json()["verified"]
    after = scrape(client)

    assert moved(before, after, "badges_credentials_issued_total", source="single") == 1
    assert moved(before, after, "badges_verifications_total", channel="api", verdict="valid") == 1
    assert moved(before, after, "badges_verifications_total", channel="qr", verdict="valid") == 1
    assert moved(before, after, "badges_verifications_total", channel="api", verdict="not_genuine") == 1
    assert moved(before, after, "badges_mails_failed_total", reason="send_failed") == 1  # the SMTP server is down
    route = {"route": "/api/v1/verify", "method": "POST", "status": "200"}
    assert moved(before, after, "badges_http_request_duration_seconds_count", **route) == 2
    assert moved(before, after, "badges_http_request_duration_seconds_sum", **route) > 0
    assert after[("badges_cohort_rows_pending", ())] == 0
    assert after[("badges_cohort_jobs", (("state", "queued"),))] == 0


def test_a_request_is_logged_as_json_with_its_request_id(client: FlaskClient, logged: io.StringIO) -> None:
    given = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"})
    made = client.get("/orgs/nobody/did.json")
    refused = client.get("/healthz", headers={"X-Request-Id": "no spaces or <tags> please"})
    lines = [json.loads(line) for line in logged.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "badges.request"]

    assert given.headers["X-Request-Id"] == "lb-7f3a.42"
    assert len(made.headers["X-Request-Id"]) == 32 and refused.headers["X-Request-Id"] != "no spaces or <tags> please"
    assert [(line["request_id"], line["route"], line["status"]) for line in requests] == [
        ("lb-7f3a.42", "/healthz", 200), (made.headers["X-Request-Id"], "/orgs/<slug>/did.json", 404),
        (refused.headers["X-Request-Id"], "/healthz", 200)]
    assert {"time", "level", "message", "method", "duration_ms"} <= set(requests[0])


def test_no_token_password_or_e_mail_address_reaches_the_logs(watched: Flask, logged: io.StringIO) -> None:
    client, svc, course, auth = api(watched)
    org_token = auth["Authorization"].removeprefix("Bearer ")
    issued = client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": "김민지", "email": "minji.secret@example.com"}, "notify": True})
    assert issued.status_code == 201
    staff = make_staff(svc, None, email="lee.staff@acme.example")
    sign_in(client, staff.email, PASSWORD)
    sign_in(client, staff.email, "a-wrong-pa55word")
    try:  # whatever the code logs, an error's text and its traceback included
        raise RuntimeError(f"could not reach minji.secret@example.com with {org_token} via "
                           "smtp://mailer:mail-pa55word@mail.example password=hunter2")
    except RuntimeError:
        logging.getLogger("issuer.test").exception("sending failed for minji.secret@example.com")
    text = logged.getvalue()

    assert all(json.loads(line) for line in text.splitlines())
    assert "badges.request" in text and "[e-mail]" in text and "Traceback" in text
    for secret in (org_token, PASSWORD, "a-wrong-pa55word", "mail-pa55word", "hunter2", "minji.secret@example.com",
                   "lee.staff@acme.example", TOKEN):
        assert secret not in text


def test_gunicorn_workers_add_up_their_counters_in_multiprocess_mode(settings: Settings, tmp_path: Path) -> None:
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    counters = tmp_path / "prometheus"
    counters.mkdir()
    env = servers.environment(replace(settings, public_base_url=url, instance_dir=tmp_path),
                              BADGES_METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(counters))

    def health_checks() -> float:
        request = urllib.request.Request(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            families = text_string_to_metric_families(response.read().decode())
        return sum(sample.value for family in families for sample in family.samples
                   if sample.name == "badges_http_request_duration_seconds_count"
                   and sample.labels["route"] == "/healthz")

    server = servers.gunicorn(env, port, tmp_path / "gunicorn.log", workers=2)
    try:
        before = health_checks()
        # Both workers answer: one waits for the rest of a request sent in half (a sync worker serves one
        # connection at a time), so the other answers everything sent meanwhile; then the half is finished.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as half:
            half.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(lambda _: urllib.request.urlopen(f"{url}/healthz", timeout=10).close(), range(12)))
            half.sendall(b"Connection: close\r\n\r\n")
            assert half.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        sent = 12 + 1
        totals = {health_checks() - before for _ in range(4)}  # whichever worker answers adds up every file
    finally:
        assert server.stop() == 0, server.log.read_text()
    assert len(list(counters.glob("*.db"))) >= 2  # two processes counted
    assert totals == {sent}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.lists(st.sampled_from(["a", "B", " ", "@", ".", ":", "/", "_", "=", "bdg", "Bearer", "basic", "PassWd",
                                      "secret", "TOKEN", "x.kr", "://", "'", '"']), max_size=24).map("".join))
def test_the_quick_look_for_secrets_scrubs_what_every_pattern_would(text: str) -> None:
    everything = text
    for pattern, replacement in logs._SECRETS:
        everything = pattern.sub(replacement, everything)
    assert logs.scrub(text) == everything


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(st.lists(st.sampled_from(["a", "한", " ", "@", ".", ":", "/", "_", "bdg", "Bearer", "PassWd",
                                                 "x.kr", "://", '"', "\\", "\n", "\x01"]), max_size=12).map("".join),
                       min_size=1, max_size=4))
def test_a_line_is_scrubbed_as_each_of_its_strings_would_be(values: list[str]) -> None:
    # every string of a line is scrubbed, whatever it holds (quotes, backslashes, control and non-ASCII characters)
    stream = io.StringIO()
    handler = logs.configure(stream)
    try:
        logging.getLogger("badges.test").info("note", extra={f"field{n}": v for n, v in enumerate(values)})
    finally:
        logging.getLogger().removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert [line[f"field{n}"] for n in range(len(values))] == [logs.scrub(v) for v in values]
