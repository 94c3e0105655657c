"""Probes for load balancers: /healthz and /readyz, and a database that does not answer gets 503 with Retry-After
(not a stack trace), on both databases."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from flask import Flask

from bootstrap.app import create_app
from web.settings import Settings

REDIS_URL = os.environ.get("BADGES_TEST_REDIS", "redis://127.0.0.1:6379/0")


def test_a_serving_app_is_healthy_and_ready(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert (client.get("/readyz").status_code, client.get("/readyz").get_json()) == (200, {"status": "ok"})


def test_ready_counts_redis_when_the_deployment_uses_it(settings: Settings) -> None:
    app = create_app(replace(settings, redis_url=REDIS_URL))
    try:
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        app.extensions["badges"].engine.dispose()


def test_a_database_that_does_not_answer_gives_503_with_retry_after(tmp_path: Path) -> None:
    down = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/badges", secret_key="s",
                    key_encryption_key=bytes(32), public_base_url="http://badges.test", instance_dir=tmp_path)
    client = create_app(down).test_client()
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()["down"], ready.headers["Retry-After"]) == (503, ["database"], "5")
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    api = client.get("/api/v1/achievements", headers={"Authorization": "Bearer bdg_x"})
    assert (api.status_code, api.mimetype, api.headers["Retry-After"]) == (503, "application/problem+json", "5")
    assert api.get_json()["code"] == "service.database_unavailable"
    page = client.get("/orgs/acme", headers={"Accept-Language": "ko"})
    assert page.status_code == 503 and "데이터베이스가 응답하지 않습니다" in page.get_data(as_text=True)
