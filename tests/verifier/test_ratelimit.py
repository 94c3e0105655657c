"""Rate limits on verification: a fixed window per client address, 429 problem+json with Retry-After."""
from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from bootstrap.app import create_app
from web.ratelimit import FixedWindowLimiter, install
from web.settings import Settings


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_limiter_allows_the_limit_then_refuses_until_the_window_ends() -> None:
    clock = Clock(1000.0)
    limiter = FixedWindowLimiter(3, 60, clock=clock)
    assert [limiter.hit("10.0.0.1").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("10.0.0.1").retry_after_s == 20  # the window 960-1020 ends in 20 s
    assert limiter.hit("10.0.0.2").allowed  # another client has its own count
    clock.now = 1020.0
    assert limiter.hit("10.0.0.1").allowed


def test_the_limiter_refuses_newcomers_rather_than_grow_without_end() -> None:
    limiter = FixedWindowLimiter(5, 60, clock=Clock(), max_keys=2)
    assert limiter.hit("a").allowed and limiter.hit("b").allowed
    assert not limiter.hit("c").allowed
    assert limiter.hit("a").allowed


def test_the_api_answers_429_with_retry_after_once_a_client_is_over_the_limit(client: FlaskClient) -> None:
    clock = Clock(1000.0)
    install(client.application, FixedWindowLimiter(2, 60, clock=clock))
    codes = [client.post("/api/v1/verify", json={"credential": "{}"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.post("/api/v1/verify", json={"credential": "{}"}, headers={"Accept-Language": "ko"})
    assert refused.mimetype == "application/problem+json" and refused.headers["Retry-After"] == "20"
    assert refused.get_json()["code"] == "http.429" and "잠시 후" in refused.get_json()["message"]
    clock.now = 1020.0
    assert client.post("/api/v1/verify", json={"credential": "{}"}).status_code == 200


def test_the_page_and_the_qr_landing_count_against_the_same_limit(client: FlaskClient) -> None:
    install(client.application, FixedWindowLimiter(1, 60, clock=Clock()))
    assert client.post("/verify", data={"credential": "{}"}).status_code == 200
    refused = client.get("/v/00000000-0000-0000-0000-000000000000", headers={"Accept": "text/html"})
    assert refused.status_code == 429 and refused.mimetype == "text/html" and "Retry-After" in refused.headers


def test_the_verify_form_itself_is_never_limited(client: FlaskClient) -> None:
    install(client.application, FixedWindowLimiter(1, 60, clock=Clock()))
    assert {client.get("/verify").status_code for _ in range(3)} == {200}


def test_every_app_process_counts_against_the_same_limit(settings: Settings) -> None:
    apps = [create_app(replace(settings, verify_rate_limit=2)) for _ in range(2)]
    first, second = (app.test_client() for app in apps)
    codes = [c.post("/api/v1/verify", json={"credential": "{}"}).status_code for c in (first, second, first)]
    for app in apps:
        app.extensions["badges"].engine.dispose()
    assert codes == [200, 200, 429]
