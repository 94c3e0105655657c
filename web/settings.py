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
from badges import fetch, status
from badges.errors import InvalidInput
from badges.fetch import FetchPolicy
from keys.hsm import TokenConfig

VERIFY_RATE_LIMIT = 60
VERIFY_EVENTS_SECONDS = 0.5  # verifier.events: what a kill -9 of a worker can lose; 0 writes in the request
FETCH_TIMEOUT_S = 5.0
FETCH_MAX_BYTES = 512_000
CLOCK_SKEW = timedelta(minutes=5)
PLATFORM_SLUG = "alliance"
PLATFORM_NAME_KO = "디지털 인재 얼라이언스"
PLATFORM_NAME_EN = "Digital Talent Alliance"
KEK_FILE = "key_encryption_key"
OLD_KEKS_FILE = "key_encryption_key.old"  # development: KEKs a rotation moves away from, one a line
WORKSPACE_DAYS = 30


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
    verification_fetches: int = fetch.VERIFICATION_FETCHES  # other issuers' documents one verification fetches
    verification_fetch_s: float = fetch.VERIFICATION_S  # ... and the seconds all its fetches may take
    clock_skew: timedelta = CLOCK_SKEW
    insecure_fetch: bool = False  # http:// and loopback addresses allowed: local development and tests
    locales: tuple[str, ...] = ("ko", "en")
    smtp_url: str | None = None  # smtp://user:password@host:port (smtps:// for implicit TLS); None: no e-mail
    mail_from: str = "badges@localhost"
    redis_url: str | None = None  # a job queue on Redis when set; jobs run in-process otherwise
    secure_cookies: bool = False  # Secure flag on cookies (production, behind HTTPS)
    verify_rate_limit: int = VERIFY_RATE_LIMIT  # verifications per client address a minute (page, QR, API); 0: none
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto name the client (ProxyFix)
    key_custody: str = keys.SOFTWARE  # where new signing keys are kept unless an org says otherwise
    pkcs11: TokenConfig | None = None  # the PKCS#11 token (module, label, PIN), when there is one
    platform_slug: str = PLATFORM_SLUG  # the service's own identity (a reserved organisation row): signs CLRs
    platform_name_ko: str = PLATFORM_NAME_KO
    platform_name_en: str = PLATFORM_NAME_EN
    old_key_encryption_keys: tuple[bytes, ...] = ()  # still open keys sealed under them (a KEK rotation running)
    status_list_capacity: int = status.DEFAULT_LENGTH  # indexes handed out per status list (always 131,072 bits)
    metrics_token: str | None = None  # the bearer token /metrics asks for; None: /metrics is off (404)
    verify_events_seconds: float = VERIFY_EVENTS_SECONDS  # counted verifications wait at most this long to be written
    workspace_days: int = WORKSPACE_DAYS  # how long an employer's verification batch is kept, then deleted

    def fetch_policy(self, *, max_bytes: int | None = None) -> FetchPolicy:
        """The safe-fetch rules for other issuers' documents (`max_bytes` for a caller with its own cap):
        https and public addresses only, unless insecure_fetch (development and tests)."""
        return FetchPolicy(timeout_s=self.fetch_timeout_s, max_bytes=max_bytes or self.fetch_max_bytes,
                           allow_http=self.insecure_fetch, allow_private=self.insecure_fetch,
                           verification_fetches=self.verification_fetches,
                           verification_s=self.verification_fetch_s)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, instance_dir: Path) -> Settings:
        """BADGES_* variables; secrets come from env or from files in instance_dir, never from literals."""
        production = env.get("BADGES_ENV", "development") == "production"
        secret = env.get("BADGES_SECRET_KEY") or _instance_secret(instance_dir, "secret_key", production,
                                                                  "BADGES_SECRET_KEY")
        kek = _kek(env.get("BADGES_KEY_ENCRYPTION_KEY") or _instance_secret(
            instance_dir, KEK_FILE, production, "BADGES_KEY_ENCRYPTION_KEY"), "BADGES_KEY_ENCRYPTION_KEY")
        old_text = env.get("BADGES_OLD_KEY_ENCRYPTION_KEYS", "")
        if not old_text and not production and (instance_dir / OLD_KEKS_FILE).exists():
            old_text = (instance_dir / OLD_KEKS_FILE).read_text()
        old = tuple(k for k in dict.fromkeys(_kek(text, "BADGES_OLD_KEY_ENCRYPTION_KEYS")
                                             for text in old_text.replace(",", " ").split()) if k != kek)
        base_url = env.get("BADGES_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        custody, token = _key_custody(env, instance_dir, production)
        return cls(
            database_url=env.get("BADGES_DATABASE_URL", f"sqlite:///{instance_dir / 'badges.sqlite3'}"),
            secret_key=secret, key_encryption_key=kek, public_base_url=base_url, instance_dir=instance_dir,
            insecure_fetch=not production and env.get("BADGES_INSECURE_FETCH", "0") == "1",
            verify_rate_limit=_verify_rate_limit(env),
            trusted_proxies=int(_number(env, "BADGES_TRUSTED_PROXIES", 0, 0, 5, "how many reverse proxies (0 to 5) "
                                        "stand in front of the app and set X-Forwarded-For")),
            smtp_url=env.get("BADGES_SMTP_URL") or None, mail_from=env.get("BADGES_MAIL_FROM", "badges@localhost"),
            redis_url=env.get("BADGES_REDIS_URL") or None, secure_cookies=production,
            key_custody=custody, pkcs11=token,
            platform_slug=env.get("BADGES_PLATFORM_SLUG") or PLATFORM_SLUG,
            platform_name_ko=env.get("BADGES_PLATFORM_NAME_KO") or PLATFORM_NAME_KO,
            platform_name_en=env.get("BADGES_PLATFORM_NAME_EN") or PLATFORM_NAME_EN,
            old_key_encryption_keys=old, status_list_capacity=_status_list_capacity(env),
            metrics_token=env.get("BADGES_METRICS_TOKEN") or None, workspace_days=_workspace_days(env),
            verify_events_seconds=_verify_events_seconds(env))


def _key_custody(env: Mapping[str, str], instance_dir: Path, production: bool) -> tuple[str, TokenConfig | None]:
    """(key_custody, pkcs11) from BADGES_KEY_CUSTODY and BADGES_PKCS11_MODULE / _TOKEN_LABEL / _PIN (the PIN
    from the environment, or outside production from the instance file pkcs11_pin)."""
    custody = env.get("BADGES_KEY_CUSTODY", "").strip() or keys.SOFTWARE
    if custody not in keys.CUSTODIES:
        raise ConfigError(f"BADGES_KEY_CUSTODY must be one of {', '.join(keys.CUSTODIES)} (it is {custody!r}).")
    module = env.get("BADGES_PKCS11_MODULE", "").strip()
    if not module:
        if custody == keys.PKCS11:
            raise ConfigError("BADGES_KEY_CUSTODY=pkcs11 needs a token: set BADGES_PKCS11_MODULE (the PKCS#11 "
                              ".so, e.g. /usr/lib/softhsm/libsofthsm2.so), BADGES_PKCS11_TOKEN_LABEL and "
                              "BADGES_PKCS11_PIN.")
        return custody, None
    label = env.get("BADGES_PKCS11_TOKEN_LABEL", "").strip()
    if not label:
        raise ConfigError("BADGES_PKCS11_MODULE is set, so BADGES_PKCS11_TOKEN_LABEL must name the token.")
    pin = env.get("BADGES_PKCS11_PIN") or ""
    path = instance_dir / "pkcs11_pin"
    if not pin and production:
        raise ConfigError("BADGES_PKCS11_PIN is not set; production never reads secrets from files.")
    if not pin and path.exists():
        pin = path.read_text().strip()
    if not pin:
        raise ConfigError(f"The token's user PIN is missing: set BADGES_PKCS11_PIN or write it to {path}.")
    return custody, TokenConfig(module, label, pin)


def _kek(text: str, variable: str) -> bytes:
    try:
        return keys.check_kek(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError, InvalidInput):
        raise ConfigError(f"{variable} must be 32 random bytes in base64 (several, for the old ones, separated by "
                          "commas or spaces), e.g. python -c 'import base64,os;"
                          "print(base64.b64encode(os.urandom(32)).decode())'.") from None


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float, meaning: str, *,
            whole: bool = True) -> float:
    """The number the variable `name` gives (`default` when unset), within [low, high]; ConfigError saying it must
    be `meaning` otherwise."""
    text = env.get(name, "").strip() or str(default)
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"{name} must be {meaning} (it is {text!r}).")
    return value


def _status_list_capacity(env: Mapping[str, str]) -> int:
    return int(_number(env, "BADGES_STATUS_LIST_CAPACITY", status.DEFAULT_LENGTH, 1, status.DEFAULT_LENGTH,
                       f"a whole number of credentials per status list from 1 to {status.DEFAULT_LENGTH}; every "
                       f"list is still published at {status.DEFAULT_LENGTH} bits"))


def _verify_events_seconds(env: Mapping[str, str]) -> float:
    return _number(env, "BADGES_VERIFY_EVENTS_SECONDS", VERIFY_EVENTS_SECONDS, 0, 60, "how many seconds (0 to 60) "
                   "a counted verification may wait to be written, 0 to write it in the request", whole=False)


def _verify_rate_limit(env: Mapping[str, str]) -> int:
    return int(_number(env, "BADGES_VERIFY_RATE_LIMIT", VERIFY_RATE_LIMIT, 0, float("inf"), "a whole number of "
                       "verifications per client address per minute, or 0 for no limit"))


def _workspace_days(env: Mapping[str, str]) -> int:
    text = env.get("BADGES_WORKSPACE_DAYS", "").strip() or str(WORKSPACE_DAYS)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 3650):
        raise ConfigError(f"BADGES_WORKSPACE_DAYS must be a whole number of days from 1 to 3650 that employers' "
                          f"verification batches are kept (it is {text!r}).")
    return int(text)


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
                       (KEK_FILE, lambda: base64.b64encode(keys.new_kek()).decode())):
        path = instance_dir / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(make() + "\n")


def new_instance_kek(instance_dir: Path) -> bytes:
    """Development: a new KEK in the instance folder, the current one appended to key_encryption_key.old (so
    keys sealed under it still open until they are re-sealed); returns the new KEK."""
    current = instance_dir / KEK_FILE
    if not current.exists():
        raise ConfigError(f"{current} does not exist: run `badges init` first.")
    old = instance_dir / OLD_KEKS_FILE
    fd = os.open(old, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(current.read_text().strip() + "\n")
        f.flush()
        os.fsync(f.fileno())
    kek = keys.new_kek()
    fresh = instance_dir / f"{KEK_FILE}.new"
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(kek).decode() + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(fresh, current)  # atomic: the instance has the old KEK or the new one, never half of one
    return kek
