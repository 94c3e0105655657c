"""Engines, sessions and transactions; the caller owns the transaction (SQLAlchemy 2.0 guidance)."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, func, insert, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from badges.jsontext import to_json
from store.freshness import watch_sessions

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MAX_ID = 2**31 - 1  # ids and version numbers are INTEGER columns (PostgreSQL's largest; SQLite overflows at 2**63)
READ_ONLY = "badges_read_only"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json_text)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite would start transactions only at the first write, so a read-then-write (allocating a
            # status index, flipping a bit) could act on stale data when several processes share the file.
            # Take the transaction into our hands and begin it IMMEDIATE: writers queue, nothing is lost.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json_text)


def fits_id(value: int) -> bool:
    """True when `value` can be an id (or version number) in the database: 0 to MAX_ID."""
    return 0 <= value <= MAX_ID


def _json_text(value: object) -> str:
    """JSON columns (audit details, cohort rows) written by orjson: thousands of rows per cohort."""
    return to_json(value).decode()


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same columns) into `table` in the session's transaction: PostgreSQL's COPY
    (a quarter of an executemany INSERT's CPU a row: the verification events' writer sends hundreds a second), one
    executemany INSERT elsewhere. Values go as they are: no column defaults, and no conversion by a column's type."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = tuple(rows[0])
    quote = connection.dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(name) for name in columns)}) FROM STDIN"
    dbapi = connection.dialect.loaded_dbapi
    try:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except dbapi.Error as e:  # as SQLAlchemy raises it (IntegrityError, OperationalError ...), like execute would
        raise DBAPIError.instance(statement, None, e, dbapi.Error) from e


def read_only(engine: Engine) -> Engine:
    """The same database for sessions that only read: on SQLite they begin DEFERRED, so they neither wait
    for nor block a writer (WAL) - e.g. the verifier reading a DID document while an issuing transaction
    is open in the same process. On PostgreSQL they run in autocommit: a read is one round trip, without a BEGIN
    and a ROLLBACK around it (a first scan of a badge: 3.2 to 2.6 ms). What they see is the same: under READ
    COMMITTED, PostgreSQL's default, each statement of a transaction takes its own snapshot anyway."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The one session factory for an engine; objects stay readable after commit, and a change to what
    verification reads moves the stamp that tells every process to forget it (store.freshness)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    watch_sessions(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back everything on any exception."""
    with factory() as session, session.begin():
        yield session


def own_sqlite_file(url: str) -> None:
    """Create the SQLite file of `url` with mode 0600 (SQLite itself would make it 0644), or tighten it to 0600;
    its -wal and -shm files take the same mode. Nothing for other databases or in-memory SQLite."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest Alembic revision (a SQLite file made owner-only first)."""
    own_sqlite_file(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def korea_month(session: Session, column: Any) -> Any:
    """ "YYYY-MM" of a UTC timestamp column in Korea time (UTC+9 all year: Korea keeps no summer time), in the
    database's own dialect, for grouping by the months people in Korea read."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Seoul", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+9 hours")  # SQLite keeps these as UTC text (store.models.UtcDateTime)
