"""What a process may keep in memory of what verification reads, and when it must forget it.

Verifying one of our own credentials reads its issuer's DID document, its status list, its suspension and its
organisation: a few rows that change rarely (a revocation, a suspension, a key rotation, a profile edit) and are
read on every scan of a QR code. So a process keeps them, and one stamp says when to forget them:

- every flush that changes such a row (a status list's signed document, a signing key, an organisation, a
  credential's revocation or suspension) adds one to the single row of `published_state`, in the same
  transaction (`watch_sessions` installs that on a session factory);
- a `Remembered` cache reads the stamp at most every POLL_SECONDS and forgets everything when it moved; the
  process that commits such a change forgets at once, without waiting for its next look.

A revocation committed anywhere is therefore seen by every process within POLL_SECONDS of its commit, and at once
by the process that made it. A read that began before the cache last forgot is never kept (see `Remembered.get`),
so a slow read of the old state cannot outlive the change.
"""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from cachetools import LRUCache
from sqlalchemy import BigInteger, Connection, Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from store.membership import AllianceMember, MembershipChange
from store.models import Base, Credential, DlcCertification, Org, SigningKey, StatusList

POLL_SECONDS = 0.25  # how stale another process's commit may look here (the documented bound is one second)
MAX_ENTRIES = 20_000  # documents, suspensions and credential owners kept per process (least recently used go first)
T = TypeVar("T")

# What verification reads: a change to any of these attributes (or a new or deleted row of these classes other than
# a credential) moves the stamp. Handing out a status index or issuing a credential does not.
WATCHED: dict[type, tuple[str, ...]] = {
    StatusList: ("document",),
    SigningKey: ("public_multibase", "fragment", "retired_at"),
    Org: ("did", "slug", "name_ko", "name_en", "url", "email", "description_ko", "description_en", "logo_type"),
    Credential: ("revoked_at", "suspended_at", "revocation_reason", "suspension_reason"),
    AllianceMember: ("state", "role", "kind"),  # "member now" on reports
    MembershipChange: (),  # a new row: "member at the time of issue" may change
    DlcCertification: ("revoked_at", "document"),  # the Digital Leaders Club check on members' badges
}


class PublishedState(Base):
    """The one stamp of what verification reads (see the module's docstring)."""

    __tablename__ = "published_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def stamp(session: Session) -> int:
    """The stamp now (0 before anything moved it)."""
    return session.scalar(select(PublishedState.version).where(PublishedState.id == 1)) or 0


def bump(session: Session) -> None:
    """Move the stamp, in the session's transaction (an upsert: the row is made by the first change)."""
    table = cast(Table, PublishedState.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(id=1, version=1)
    session.execute(statement.on_conflict_do_update(index_elements=[table.c.id],
                                                    set_={"version": table.c.version + 1}))
    session.info["published_changed"] = True


def changes_published(session: Session) -> bool:
    """True when the session's pending flush touches what verification reads."""
    for obj in (*session.new, *session.deleted):
        if type(obj) in WATCHED and not (type(obj) is Credential and obj in session.new):
            return True
    for obj in session.dirty:
        attributes = WATCHED.get(type(obj))
        if attributes and session.is_modified(obj) and _changed(obj, attributes):
            return True
    return False


def _changed(obj: object, attributes: tuple[str, ...]) -> bool:
    state: Any = obj.__dict__.get("_sa_instance_state")
    return any(state.attrs[name].history.has_changes() for name in attributes)


_watchers: dict[str, weakref.WeakSet[Remembered]] = {}
_watchers_lock = threading.Lock()


def watch_sessions(factory: sessionmaker[Session]) -> None:
    """Make every session of `factory` move the stamp when it changes what verification reads, and make the
    caches of this process over the same database forget at its commit."""
    from sqlalchemy import event

    def before_flush(session: Session, _context: object, _instances: object) -> None:
        if not session.info.get("published_changed") and changes_published(session):
            bump(session)

    def after_commit(session: Session) -> None:
        if session.info.pop("published_changed", False):
            for cache in list(_watchers.get(_key(session.get_bind()), ())):
                cache.forget()

    def after_rollback(session: Session) -> None:
        session.info.pop("published_changed", None)

    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _previous: after_rollback(session))


def _key(bind: Engine | Connection) -> str:
    """Which database: caches and sessions over the same one (whatever their execution options) share a key."""
    return bind.engine.url.render_as_string(hide_password=True)


class Remembered:
    """A process's memory of what verification reads from one database, forgotten when the stamp moves."""

    def __init__(self, factory: sessionmaker[Session], *, poll: float = POLL_SECONDS,
                 max_entries: int = MAX_ENTRIES) -> None:
        self._factory = factory
        self._poll = poll
        self._lock = threading.Lock()
        self._entries: LRUCache[Hashable, Any] = LRUCache(maxsize=max_entries)
        self._generation = 0
        self._stamp: int | None = None
        self._looked_at = float("-inf")
        with _watchers_lock:
            _watchers.setdefault(_key(factory.kw["bind"]), weakref.WeakSet()).add(self)

    def forget(self) -> None:
        """Forget everything (a change was committed in this process)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1
            self._stamp = None
            self._looked_at = float("-inf")

    def look(self, session: Callable[[], Session]) -> None:
        """Read the stamp (on `session()`, asked for only then) if POLL_SECONDS have passed since the last look, and
        forget everything if it moved."""
        now = time.monotonic()
        if now - self._looked_at < self._poll:
            return
        current = stamp(session())
        with self._lock:
            if current != self._stamp:
                self._entries.clear()
                self._generation += 1
                self._stamp = current
            self._looked_at = now

    @property
    def generation(self) -> int:
        """How many times this memory has forgotten; take it before a read whose results `keep` will be given."""
        return self._generation

    def keep(self, key: Hashable, value: Any, generation: int) -> None:
        """Remember `value`, read along with something else, unless the memory forgot since `generation`."""
        with self._lock:
            if generation == self._generation:
                self._entries[key] = value

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """What `read` gives for `key`, remembered; a read that began before the last forgetting is not kept."""
        with self._lock:
            if key in self._entries:
                value: T = self._entries[key]
                return value
            generation = self._generation
        value = read()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = value
        return value
