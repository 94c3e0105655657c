"""Rate-limit counters kept in the database: a `limits` storage for deployments without Redis.

`limits` (the library under Flask-Limiter) keeps counts in memory, Redis, Memcached or MongoDB, never in SQL.
Without Redis the database is the one thing every app process shares, so this small storage keeps the counts
there and `limits`' own fixed-window strategy runs on it unchanged. Each increment is one statement
(INSERT … ON CONFLICT DO UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35): the row's lock serialises parallel
requests, so they cannot all read the same count and slip under the limit. Every call commits on a connection
of its own: a refused attempt must still count when the request that made it rolls back.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import Double, Engine, String, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

SWEEP_EVERY = 200  # increments between deletions of expired rows (one process's share of the upkeep)


class RateCounter(Base):
    """The count of one rate-limit key in its current window, and when that window ends."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)  # e.g. sign-in/account/<keyed hash>/5/900
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Double)  # seconds since the epoch, as `limits` counts time


class DatabaseStorage(Storage):
    """A `limits` storage on an SQLAlchemy engine (PostgreSQL or SQLite); fixed windows only."""

    STORAGE_SCHEME = None  # built with an engine, never from a storage URI

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._engine = engine
        self._clock = clock
        self._calls = itertools.count(1)
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's count (a new window of `expiry` seconds if the last one ended); the count."""
        now, table = self._clock(), RateCounter.__table__
        ended = table.c.expires_at <= now
        statement = self._insert(table).values(key=key, hits=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "hits": case((ended, amount), else_=table.c.hits + amount),
            "expires_at": case((ended, now + expiry), else_=table.c.expires_at)}).returning(table.c.hits)
        with self._engine.begin() as conn:
            hits = conn.scalar(statement)
            if next(self._calls) % SWEEP_EVERY == 0:
                conn.execute(delete(RateCounter).where(RateCounter.expires_at <= now))
        return int(hits or 0)

    def get(self, key: str) -> int:
        """The key's count in its current window (0 if none)."""
        with self._engine.connect() as conn:
            hits = conn.scalar(select(RateCounter.hits).where(RateCounter.key == key,
                                                              RateCounter.expires_at > self._clock()))
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (now if it has none)."""
        now = self._clock()
        with self._engine.connect() as conn:
            ends = conn.scalar(select(RateCounter.expires_at).where(RateCounter.key == key))
        return max(ends or now, now)

    def check(self) -> bool:
        """True if the database answers."""
        try:
            with self._engine.connect() as conn:
                conn.scalar(select(func.count()).select_from(RateCounter))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every count; how many keys there were."""
        with self._engine.begin() as conn:
            return conn.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        """Forget the key's count."""
        with self._engine.begin() as conn:
            conn.execute(delete(RateCounter).where(RateCounter.key == key))
