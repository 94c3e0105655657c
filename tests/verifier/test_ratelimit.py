"""Rate limits on verification: a fixed window per client address, 429 problem+json with Retry-After."""
from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient
from limits.storage import MemoryStorage

from bootstrap.app import create_app
from web.ratelimit import Limits, Rule, SharedLimiter, install
from web.settings import Settings


def limiter(limit: int) -> SharedLimiter:
    """A verification limit counted in memory (`limits`' own storage): one test's count, nobody else's."""
    return SharedLimiter(Limits(MemoryStorage()), Rule("verify", limit, 60))


def test_the_api_answers_429_with_retry_after_once_a_client_is_over_the_limit(client: FlaskClient) -> None:
    counted = limiter(2)
    install(client.application, counted)
    codes = [client.post("/api/v1/verify", json={"credential": "{}"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.post("/api/v1/verify", json={"credential": "{}"}, headers={"Accept-Language": "ko"})
    assert refused.mimetype == "application/problem+json" and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["code"] == "http.429" and "잠시 후" in refused.get_json()["message"]
    counted.limits.clear(counted.rule, "127.0.0.1")  # the window over
    assert client.post("/api/v1/verify", json={"credential": "{}"}).status_code == 200


def test_the_page_and_the_qr_landing_count_against_the_same_limit(client: FlaskClient) -> None:
    install(client.application, limiter(1))
    assert client.post("/verify", data={"credential": "{}"}).status_code == 200
    refused = client.get("/v/00000000-0000-0000-0000-000000000000", headers={"Accept": "text/html"})
    assert refused.status_code == 429 and refused.mimetype == "text/html" and "Retry-After" in refused.headers


def test_the_verify_form_itself_is_never_limited(client: FlaskClient) -> None:
    install(client.application, limiter(1))
    assert {client.get("/verify").status_code for _ in range(3)} == {200}


def test_every_app_process_counts_against_the_same_limit(settings: Settings) -> None:
    apps = [create_app(replace(settings, verify_rate_limit=2)) for _ in range(2)]
    first, second = (app.test_client() for app in apps)
    codes = [c.post("/api/v1/verify", json={"credential": "{}"}).status_code for c in (first, second, first)]
    for app in apps:
        app.extensions["badges"].engine.dispose()
    assert codes == [200, 200, 429]


def test_behind_trusted_proxies_each_forwarded_client_has_its_own_count(settings: Settings) -> None:
    def codes(proxies: int) -> list[int]:
        app = create_app(replace(settings, trusted_proxies=proxies))
        install(app, limiter(1))
        client = app.test_client()
        try:  # two clients behind one proxy (127.0.0.1), each sending one verification
            return [client.post("/api/v1/verify", json={"credential": "{}"},
                                headers={"X-Forwarded-For": address}).status_code
                    for address in ("203.0.113.7", "198.51.100.20")]
        finally:
            app.extensions["badges"].engine.dispose()
    assert codes(1) == [200, 200]
    assert codes(0) == [200, 429]  # no proxy trusted: a client cannot pick its own address by a header
