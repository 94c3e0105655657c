"""Verification events written in batches: a scan of a QR code answers without waiting for its row.

Every genuine verification of one of our credentials is counted (verifier.service.record). Writing its row inside
the request cost a connection, an INSERT and a commit each time - most of a cached verification's database work.
So each process keeps the rows it has counted in memory and one background thread writes them, many at a time
(one COPY on PostgreSQL, one executemany INSERT elsewhere, and the dashboard's counts: store.tallies.verified, in
the same transaction), every `interval` seconds or as soon as `batch` rows wait.

Nothing is counted twice or dropped on purpose:
- a row leaves memory only once the transaction that wrote it has committed; a failed write (the database down)
  keeps the rows and is tried again;
- never more than `max_pending` rows wait: past that, the request that adds one writes them all itself (and a
  database that is down then answers that request 503, as before);
- at exit (SIGTERM: gunicorn's graceful stop, `atexit`) whatever waits is written;
- a forked child starts with nothing pending (its parent still owns and writes its own rows).

What a kill -9 (or a crash of the machine) can lose: the rows of that process not yet written, at most the
verifications of its last `interval` seconds (or `batch` rows).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from store import tallies
from store.db import insert_rows
from store.models import VerificationEvent

INTERVAL_SECONDS = 0.5  # how long a counted verification may wait in memory before it is written
BATCH = 500  # rows that wake the writer at once
MAX_PENDING = 20_000  # rows kept in memory at most (a few MB); past that the request writes them itself
RETRY_SECONDS = 2.0  # the pause after a failed write (the database down) before the next try
log = logging.getLogger("badges.events")
EVENTS: Table = VerificationEvent.__table__  # type: ignore[assignment]


class EventRecorder:
    """The verification events of one process, written by one background thread (see the module docstring).
    `interval=0` writes each row in the request that counts it (no thread)."""

    def __init__(self, factory: sessionmaker[Session], *, interval: float = INTERVAL_SECONDS, batch: int = BATCH,
                 max_pending: int = MAX_PENDING) -> None:
        self._factory = factory
        self._interval = interval
        self._batch = batch
        self._max_pending = max_pending
        self._pid = -1  # the process whose thread runs; set at the first row
        self._start()
        _recorders.add(self)

    def _start(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._in_flight = 0  # rows taken by the write under way
        self._wake = threading.Condition()
        self._writing = threading.Lock()  # one write at a time: the thread's, or a flush's
        self._closed = False

    def add(self, **row: Any) -> None:
        """Count one verification: `row` holds VerificationEvent's columns (org_id, credential_id, channel,
        verdict, at)."""
        if self._interval <= 0 or self._closed:
            self._write([row])
            return
        if self._pid != os.getpid():
            self._after_fork()
        with self._wake:
            self._pending.append(row)
            waiting = len(self._pending)
            if waiting >= self._batch:
                self._wake.notify()
        if waiting > self._max_pending:  # the writer is not keeping up (or the database is away): push back
            self.flush()

    def pending(self) -> int:
        """Rows counted but not written yet (those being written included)."""
        with self._wake:
            return len(self._pending) + self._in_flight

    def flush(self) -> int:
        """Write every pending row now; how many were written. Raises what the database raises (the rows stay)."""
        with self._writing:
            with self._wake:
                rows, self._pending = self._pending, []
                self._in_flight = len(rows)
            try:
                if rows:
                    self._write(rows)
            except BaseException:
                with self._wake:
                    self._pending[:0] = rows
                raise
            finally:
                with self._wake:
                    self._in_flight = 0
            return len(rows)

    def close(self) -> None:
        """Write what is pending and stop the thread (at exit)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._pid == os.getpid():
            try:
                self.flush()
            except SQLAlchemyError:
                log.exception("verification events could not be written at exit", extra={"lost": self.pending()})

    def _write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        try:
            with self._factory() as session, session.begin():
                insert_rows(session, EVENTS, rows)
                tallies.verified(session, rows)
        except IntegrityError:  # a credential or organisation deleted since: write the others one by one
            self._write_each(rows)

    def _write_each(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._factory() as session, session.begin():
            for row in rows:
                try:
                    with session.begin_nested():
                        session.execute(insert(VerificationEvent), [row])
                        tallies.verified(session, [row])
                except IntegrityError:
                    log.warning("a verification event of a deleted credential is not written",
                                extra={"credential_id": row.get("credential_id")})

    def _after_fork(self) -> None:
        """In a new process (a gunicorn worker forked from a preloaded app): nothing pending, a thread of its own."""
        self._start()
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="verification-events", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._closed and len(self._pending) < self._batch:
                    self._wake.wait(self._interval)
                if self._closed:
                    return
            try:
                self.flush()
            except SQLAlchemyError as e:  # no traceback: formatting one in a thread races the main thread's ast (3.11)
                log.warning("verification events not written yet; trying again: %s", type(e).__name__)
                with self._wake:
                    self._wake.wait(RETRY_SECONDS)


_recorders: weakref.WeakSet[EventRecorder] = weakref.WeakSet()


def flush_all() -> None:
    """Write what every recorder of this process holds now (e.g. before a test empties the tables it counts in)."""
    for recorder in list(_recorders):
        if recorder._pid == os.getpid():
            recorder.flush()


@atexit.register
def _flush_all() -> None:
    """A process stopping normally (gunicorn's SIGTERM, Ctrl-C, the end of a command) writes what it counted."""
    for recorder in list(_recorders):
        recorder.close()
