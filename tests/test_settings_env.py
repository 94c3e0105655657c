"""Settings read from the environment: BADGES_VERIFY_RATE_LIMIT sets the verification limit, 0 turns it off;
BADGES_TRUSTED_PROXIES, the proxies whose forwarded client address counts."""
from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from bootstrap.app import create_app
from web.settings import ConfigError, Settings


def environment(settings: Settings, **variables: str) -> dict[str, str]:
    return {"BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
            "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(), **variables}


@pytest.fixture
def app_for(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """create_app(Settings.from_env(...)) for the given variables; engines are disposed afterwards."""
    apps: list[Flask] = []

    def make(**variables: str) -> Flask:
        app = create_app(Settings.from_env(environment(settings, **variables), instance_dir=tmp_path))
        app.config["TESTING"] = True
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["badges"].engine.dispose()


def test_the_verify_rate_limit_is_60_a_minute_unless_the_environment_says_otherwise(
        settings: Settings, tmp_path: Path) -> None:
    assert Settings.from_env(environment(settings), instance_dir=tmp_path).verify_rate_limit == 60
    assert Settings.from_env(environment(settings, BADGES_VERIFY_RATE_LIMIT="600"),
                             instance_dir=tmp_path).verify_rate_limit == 600


def test_the_app_refuses_verifications_over_the_limit_from_the_environment(app_for: Callable[..., Flask]) -> None:
    client = app_for(BADGES_VERIFY_RATE_LIMIT="2").test_client()
    codes = [client.post("/api/v1/verify", json={"credential": "{}"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_verify_rate_limit_of_0_means_no_limit(app_for: Callable[..., Flask]) -> None:
    client = app_for(BADGES_VERIFY_RATE_LIMIT="0").test_client()
    codes = {client.post("/api/v1/verify", json={"credential": "{}"}).status_code for _ in range(61)}
    assert codes == {200}  # the default limit would have refused the 61st


@pytest.mark.parametrize("value", ["sixty", "-1", "1.5", "60/min"])
def test_a_verify_rate_limit_that_is_not_a_whole_number_is_refused_with_the_variable_named(
        settings: Settings, tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"BADGES_VERIFY_RATE_LIMIT must be a whole number .* 0 for no limit"):
        Settings.from_env(environment(settings, BADGES_VERIFY_RATE_LIMIT=value), instance_dir=tmp_path)


def test_verification_events_wait_half_a_second_unless_the_environment_says_otherwise(
        settings: Settings, tmp_path: Path) -> None:
    assert Settings.from_env(environment(settings), instance_dir=tmp_path).verify_events_seconds == 0.5
    assert Settings.from_env(environment(settings, BADGES_VERIFY_EVENTS_SECONDS="0"),
                             instance_dir=tmp_path).verify_events_seconds == 0  # written in the request


@pytest.mark.parametrize("value", ["soon", "-1", "61", "nan", "inf"])
def test_a_wait_for_verification_events_that_is_not_0_to_60_seconds_is_refused(
        settings: Settings, tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="BADGES_VERIFY_EVENTS_SECONDS"):
        Settings.from_env(environment(settings, BADGES_VERIFY_EVENTS_SECONDS=value), instance_dir=tmp_path)


def test_the_trusted_proxies_come_from_the_environment_and_a_wrong_count_is_refused(
        settings: Settings, tmp_path: Path) -> None:
    assert Settings.from_env(environment(settings), instance_dir=tmp_path).trusted_proxies == 0
    assert Settings.from_env(environment(settings, BADGES_TRUSTED_PROXIES="2"), instance_dir=tmp_path).trusted_proxies == 2
    for value in ("one", "-1", "6"):
        with pytest.raises(ConfigError, match=r"BADGES_TRUSTED_PROXIES must be how many reverse proxies \(0 to 5\)"):
            Settings.from_env(environment(settings, BADGES_TRUSTED_PROXIES=value), instance_dir=tmp_path)
