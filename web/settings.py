"""Configuration: read once from the environment (and the instance folder), frozen, passed down."""
from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import keys
from badges.errors import InvalidInput
from badges.fetch import FetchPolicy

VERIFY_RATE_LIMIT = 60
FETCH_TIMEOUT_S = 5.0
FETCH_MAX_BYTES = 512_000
CLOCK_SKEW = timedelta(minutes=5)


class ConfigError(Exception):
    """The configuration cannot work; the message says which variable to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str
    key_encryption_key: bytes
    public_base_url: str
    instance_dir: Path
    max_request_bytes: int = 1_000_000
    fetch_timeout_s: float = FETCH_TIMEOUT_S
    fetch_max_bytes: int = FETCH_MAX_BYTES
    clock_skew: timedelta = CLOCK_SKEW
    insecure_fetch: bool = False  # http:// and loopback addresses allowed: local development and tests
    locales: tuple[str, ...] = ("ko", "en")
    smtp_url: str | None = None  # smtp://user:password@host:port (smtps:// for implicit TLS); None: no e-mail
    mail_from: str = "badges@localhost"
    redis_url: str | None = None  # a job queue on Redis when set; jobs run in-process otherwise
    secure_cookies: bool = False  # Secure flag on cookies (production, behind HTTPS)
    verify_rate_limit: int = VERIFY_RATE_LIMIT  # verifications per client address a minute (page, QR, API); 0: none
    metrics_token: str | None = None  # the bearer token /metrics asks for; None: /metrics is off (404)

    def fetch_policy(self, *, max_bytes: int | None = None) -> FetchPolicy:
        """The safe-fetch rules for other issuers' documents (`max_bytes` for a caller with its own cap):
        https and public addresses only, unless insecure_fetch (development and tests)."""
        return FetchPolicy(timeout_s=self.fetch_timeout_s, max_bytes=max_bytes or self.fetch_max_bytes,
                           allow_http=self.insecure_fetch, allow_private=self.insecure_fetch)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, instance_dir: Path) -> Settings:
        """BADGES_* variables; secrets come from env or from files in instance_dir, never from literals."""
        production = env.get("BADGES_ENV", "development") == "production"
        secret = env.get("BADGES_SECRET_KEY") or _instance_secret(instance_dir, "secret_key", production,
                                                                  "BADGES_SECRET_KEY")
        kek_text = env.get("BADGES_KEY_ENCRYPTION_KEY") or _instance_secret(
            instance_dir, "key_encryption_key", production, "BADGES_KEY_ENCRYPTION_KEY")
        try:
            kek = keys.check_kek(base64.b64decode(kek_text, validate=True))
        except (binascii.Error, ValueError, InvalidInput):
            raise ConfigError("BADGES_KEY_ENCRYPTION_KEY must be 32 random bytes in base64 "
                              "(python -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')."
                              ) from None
        base_url = env.get("BADGES_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        return cls(
            database_url=env.get("BADGES_DATABASE_URL", f"sqlite:///{instance_dir / 'badges.sqlite3'}"),
            secret_key=secret, key_encryption_key=kek, public_base_url=base_url, instance_dir=instance_dir,
            insecure_fetch=not production and env.get("BADGES_INSECURE_FETCH", "0") == "1",
            verify_rate_limit=_verify_rate_limit(env),
            smtp_url=env.get("BADGES_SMTP_URL") or None, mail_from=env.get("BADGES_MAIL_FROM", "badges@localhost"),
            redis_url=env.get("BADGES_REDIS_URL") or None, secure_cookies=production,
            metrics_token=env.get("BADGES_METRICS_TOKEN") or None)


def _verify_rate_limit(env: Mapping[str, str]) -> int:
    text = env.get("BADGES_VERIFY_RATE_LIMIT", "").strip() or str(VERIFY_RATE_LIMIT)
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if limit < 0:
        raise ConfigError(f"BADGES_VERIFY_RATE_LIMIT must be a whole number of verifications per client address "
                          f"per minute, or 0 for no limit (it is {text!r}).")
    return limit


def _instance_secret(instance_dir: Path, name: str, production: bool, variable: str) -> str:
    if production:
        raise ConfigError(f"{variable} is not set; production never generates or reads secrets from files.")
    path = instance_dir / name
    if not path.exists():
        raise ConfigError(f"{path} does not exist: run `badges init` (or set {variable}).")
    return path.read_text().strip()


def init_instance(instance_dir: Path) -> None:
    """Create the instance folder (mode 0700, an existing one tightened) with a generated secret key and KEK
    (mode 0600), keeping existing ones."""
    instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(instance_dir, 0o700)  # it holds the secrets and the SQLite database: nobody else may list or read it
    for name, make in (("secret_key", lambda: secrets.token_urlsafe(48)),
                       ("key_encryption_key", lambda: base64.b64encode(keys.new_kek()).decode())):
        path = instance_dir / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(make() + "\n")
