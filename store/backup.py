"""Backing up and restoring the database: SQLite through its online backup API, PostgreSQL through pg_dump's
custom format and pg_restore. Both copy a consistent snapshot while the app keeps serving.

What is not in the database, and so not in these files: the instance's secrets (the key-encryption key
without which no signing key opens, the secret key of sessions and links; see `instance_secrets`). A backup
never holds them unless asked, and then in a file of its own.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import URL, inspect, literal, make_url, select, table, text
from sqlalchemy.orm import Session

from badges.errors import Conflict, InvalidInput, Unavailable
from store import key_custody
from store.db import make_engine, own_sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
TIMEOUT_S = 3600


@dataclass(frozen=True, slots=True)
class Target:
    """A database URL, understood: its kind and, for SQLite, its file."""

    url: str

    @property
    def sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def file(self) -> Path:
        database = make_url(self.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            raise InvalidInput("backup.sqlite_memory", "Only a SQLite database in a file can be backed up or "
                               "restored.")
        return Path(database)


def backup(url: str, dest: Path) -> str:
    """Write a consistent copy of the database at `url` to `dest` (a new file, mode 0600); its kind, "sqlite"
    or "postgresql". The app may keep serving meanwhile."""
    target = Target(url)
    if dest.exists():
        raise Conflict("backup.exists", f"{dest} exists already; choose a new file (a backup never overwrites one).")
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        if target.sqlite:
            _sqlite_copy(target.file, dest, self_contained=True)
            return "sqlite"
        _run(["pg_dump", "--format=custom", f"--file={dest}", "--no-password"], url)
        return "postgresql"
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def restore(url: str, src: Path, *, force: bool = False) -> None:
    """Put the backup `src` into the database at `url`: refused (Conflict) when that database holds tables
    already, unless `force`, and (InvalidInput) when `src` is not a backup of this kind of database. PostgreSQL
    restores in one transaction (all or nothing); SQLite copies page by page under the database's write lock."""
    target = Target(url)
    kind = backup_kind(src)
    expected = "sqlite" if target.sqlite else "postgresql"
    if kind != expected:
        raise InvalidInput("backup.wrong_kind", f"{src} is {_describe(kind)}, but the database to restore into is "
                           f"{expected}; restore a {expected} backup (made by `badges backup` against it).")
    filled = populated_tables(url)
    if filled and not force:
        raise Conflict("restore.not_empty", f"The database to restore into is not empty ({len(filled)} of its tables "
                       f"hold rows, e.g. {', '.join(filled[:3])}); restoring would replace what it holds. Restore "
                       "into a new, empty database, or pass --force to replace its contents.")
    if target.sqlite:
        own_sqlite_file(url)
        _sqlite_copy(src, target.file)
        return
    _run(["pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
          "--no-password", str(src)], url, dbname_flag=True)


def backup_kind(path: Path) -> str | None:
    """"sqlite" or "postgresql" (a pg_dump custom archive) by the file's first bytes; None for anything else."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise InvalidInput("backup.unreadable", f"{path} cannot be read: {e.strerror}.") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def populated_tables(url: str) -> list[str]:
    """The tables of the database at `url` that hold rows, Alembic's own aside: [] for a database just created
    or migrated (`badges init`), or a SQLite file not created yet."""
    target = Target(url)
    if target.sqlite and not target.file.exists():
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
            return [name for name in names if conn.execute(select(literal(1)).select_from(table(name)).limit(1))
                    .first() is not None]
    finally:
        engine.dispose()


def _describe(kind: str | None) -> str:
    return {"sqlite": "a SQLite database", "postgresql": "a PostgreSQL (pg_dump) archive"}.get(
        kind or "", "not a backup this service made")


def _sqlite_copy(src: Path, dest: Path, *, self_contained: bool = False) -> None:
    """SQLite's online backup API: a consistent copy of `src` into `dest`, whatever writes happen meanwhile;
    `self_contained` turns the copy's write-ahead log off, so it is one file."""
    source = sqlite3.connect(src)
    target = sqlite3.connect(dest)
    try:
        source.execute("PRAGMA schema_version").fetchone()  # a clear error now for a file that is not SQLite
        source.backup(target)
        if self_contained:
            target.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.DatabaseError as e:
        raise InvalidInput("backup.sqlite_unreadable", f"{src} is not a readable SQLite database: {e}.") from None
    finally:
        target.close()
        source.close()


def _run(command: list[str], url: str, *, dbname_flag: bool = False) -> None:
    """Run a PostgreSQL client program against `url`: the connection goes in the environment (the password in
    PGPASSWORD, never on the command line, where `ps` would show it)."""
    program = shutil.which(command[0])
    if program is None:
        raise Unavailable("backup.pg_tools_missing", f"{command[0]} is not installed; install PostgreSQL's client "
                          "programs (Debian: postgresql-client) in the same major version as the server.")
    parsed = make_url(url)
    env = {**os.environ, **_libpq_env(parsed)}
    args = [program, *command[1:]]
    if dbname_flag:
        args.insert(1, f"--dbname={parsed.database}")
    else:
        args.append(parsed.database or "")
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise Unavailable("backup.pg_failed", f"{command[0]} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


LIBPQ_PARAMETERS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                    "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT"}


def _libpq_env(url: URL) -> dict[str, str]:
    env = {"PGHOST": url.host or "", "PGPORT": str(url.port or ""), "PGUSER": url.username or "",
           "PGPASSWORD": url.password or ""}
    env.update({LIBPQ_PARAMETERS[k]: str(v) for k, v in url.query.items() if k in LIBPQ_PARAMETERS})
    return {k: v for k, v in env.items() if v}


def manifest(url: str, dest: Path, *, kind: str, keks: Sequence[bytes], made_at: datetime) -> dict[str, object]:
    """What a backup holds and what must be kept beside it, as JSON for `<backup>.manifest.json`: the schema
    revision, the file's SHA-256, and by KEK fingerprint how many sealed keys need that KEK to open."""
    digest = hashlib.sha256()
    with dest.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            revision = session.scalar(text("SELECT version_num FROM alembic_version"))
            census = key_custody.kek_census(session, keks)
    finally:
        engine.dispose()
    return {"file": dest.name, "kind": kind, "made_at": made_at.isoformat(), "schema_revision": revision,
            "sha256": digest.hexdigest(), "bytes": dest.stat().st_size,
            "sealed_keys_by_kek_fingerprint": census,
            "not_in_this_backup": [
                ("BADGES_KEY_ENCRYPTION_KEY (the KEK: without it no signing key in this backup opens; its "
                "fingerprint is the first 8 bytes of SHA-256('badges-kek-id' + KEK), listed above)"),
                "BADGES_OLD_KEY_ENCRYPTION_KEYS, while a KEK rotation is unfinished",
                "BADGES_SECRET_KEY (sessions, e-mailed links: without it everyone signs in again)",
                ("the rest of the configuration (BADGES_PUBLIC_URL: every credential's URL and did:web derive "
                "from it; BADGES_SMTP_URL; BADGES_REDIS_URL)")]}
