"""Badge figures kept as counts (issue 17): badges issued and revoked per organisation, course and Korea-time
month (the alliance page, the member directory and each console dashboard), and how many distinct people hold a
badge of a member that is not revoked. Counting them from the credentials on every view reads every credential
(seconds at a million for the alliance, ~100,000 rows for the largest member); these tables are a few thousand
rows.

They are written in the transaction that changes what they count, by the one service path for it:
issuer.service.sign_and_store calls `issued`, change_status `revoked` (a revocation is final: reinstating lifts
a suspension only, which the figures do not count), `deleted` is for any path that deletes credential rows, and
store.membership.enrol calls `enrolled` (a new member's earlier badges start counting). Migration 0026 fills them
from the rows already there; `recount` computes the same from the credentials, so tests can compare.

Distinct learners: `learner_tallies` has one row per person (their keyed e-mail hash, `recipient_lookup`) with how
many live member badges they hold; the count of people goes up when a row goes from 0 to more, down when it
goes back to 0. That count is summed over a few shard rows (`learner_counts`, chosen by organisation), so two
members issuing at once do not queue on one row until they commit.

Verifications per organisation, Korea-time month and channel (`verification_tallies`, a console dashboard's
chart and total): written by verifier.events in the transaction that writes the events they count. Grouping the
largest member's events of a year took ~100 ms at a million events; these are 36 rows a member a year.
Migration 0027 fills them from the events already there.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.db import korea_month
from store.membership import AllianceMember
from store.models import Base, Credential, VerificationEvent

SHARDS = 16
KOREA = timedelta(hours=9)  # Korea keeps no summer time (store.db.korea_month)


class BadgeTally(Base):
    """Badges of a course issued in a Korea-time month (revoked ones included), and how many of them are revoked."""

    __tablename__ = "badge_tallies"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM" of issue
    badges: Mapped[int]
    revoked: Mapped[int]


class VerificationTally(Base):
    """Verifications of an organisation's credentials in a Korea-time month through one channel."""

    __tablename__ = "verification_tallies"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM" of the verification
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)  # as VerificationEvent.channel
    verifications: Mapped[int]


class LearnerTally(Base):
    """How many badges of alliance members, not revoked, a person holds."""

    __tablename__ = "learner_tallies"

    recipient_lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    live: Mapped[int]


class LearnerCount(Base):
    """People with at least one live member badge: the sum over the shards."""

    __tablename__ = "learner_counts"

    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    learners: Mapped[int]


def month_of(at: datetime) -> str:
    """The Korea-time "YYYY-MM" of an instant (naive ones are UTC, as SQLite returns them)."""
    return ((at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC) + KOREA).strftime("%Y-%m")


def issued(session: Session, *, org_id: int, achievement_id: int, at: datetime, lookups: Sequence[str]) -> None:
    """`lookups` (one per credential) were issued by the organisation for the course at `at`."""
    if not lookups:
        return
    _badges(session, {(org_id, achievement_id, month_of(at)): (len(lookups), 0)})
    if _is_member(session, org_id):
        _learners(session, org_id, Counter(lookups))


def revoked(session: Session, *, org_id: int, credentials: Sequence[Credential]) -> None:
    """The organisation's credentials (not revoked before) are revoked now."""
    if not credentials:
        return
    months = Counter((c.org_id, c.achievement_id, month_of(c.issued_at)) for c in credentials)
    _badges(session, {key: (0, n) for key, n in months.items()})
    if _is_member(session, org_id):
        _learners(session, org_id, Counter({k: -n for k, n in Counter(c.recipient_lookup
                                                                         for c in credentials).items()}))


def deleted(session: Session, credentials: Iterable[Credential]) -> None:
    """The credentials are being deleted: they no longer count, in their month nor as a live badge."""
    months: dict[tuple[int, int, str], tuple[int, int]] = {}
    live: dict[int, Counter[str]] = {}
    for c in credentials:
        key = (c.org_id, c.achievement_id, month_of(c.issued_at))
        badges, revoked = months.get(key, (0, 0))
        months[key] = (badges - 1, revoked - (c.revoked_at is not None))
        if c.revoked_at is None:
            live.setdefault(c.org_id, Counter())[c.recipient_lookup] -= 1
    _badges(session, months)
    for org_id, lookups in live.items():
        if _is_member(session, org_id):
            _learners(session, org_id, lookups)


def verified(session: Session, events: Iterable[Mapping[str, Any]]) -> None:
    """`events` (VerificationEvent's columns: org_id, channel, at) are being written."""
    counts = Counter((e["org_id"], month_of(e["at"]), e["channel"]) for e in events)
    _add(session, VerificationTally, {key: counts[key] for key in sorted(counts)}, ("org_id", "month", "channel"),
         "verifications")


def verifications(session: Session, org_id: int) -> dict[tuple[str, str], int]:
    """The organisation's verifications by (month, channel), every month."""
    return {(m, c): int(n) for m, c, n in session.execute(
        select(VerificationTally.month, VerificationTally.channel, VerificationTally.verifications)
        .where(VerificationTally.org_id == org_id))}


def verification_rows(session: Session) -> list[tuple[int, str, str, int]]:
    """Every (organisation, month, channel, verifications) kept, in order."""
    return [(o, m, c, int(n)) for o, m, c, n in session.execute(
        select(VerificationTally.org_id, VerificationTally.month, VerificationTally.channel,
               VerificationTally.verifications)
        .where(VerificationTally.verifications != 0)
        .order_by(VerificationTally.org_id, VerificationTally.month, VerificationTally.channel))]


def recounted_verification_rows(session: Session) -> list[tuple[int, str, str, int]]:
    """`verification_rows` as the events say."""
    month = korea_month(session, VerificationEvent.at)
    return [(o, m, c, int(n)) for o, m, c, n in session.execute(
        select(VerificationEvent.org_id, month, VerificationEvent.channel, func.count())
        .group_by(VerificationEvent.org_id, month, VerificationEvent.channel)
        .order_by(VerificationEvent.org_id, month, VerificationEvent.channel))]


def refill_verifications(session: Session) -> None:
    """Count every verification event again (after events were written around `verified`, as bench/dataset.py
    writes a year of them at once)."""
    session.execute(delete(VerificationTally))
    rows = recounted_verification_rows(session)
    if rows:
        session.execute(insert(VerificationTally), [
            {"org_id": o, "month": m, "channel": c, "verifications": n} for o, m, c, n in rows])


def enrolled(session: Session, org_id: int) -> None:
    """The organisation just became a member: its live badges issued so far start counting as learners'."""
    lookups = Counter(dict(session.execute(
        select(Credential.recipient_lookup, func.count()).where(Credential.org_id == org_id,
                                                                Credential.revoked_at.is_(None))
        .group_by(Credential.recipient_lookup)).all()))
    if lookups:
        _learners(session, org_id, lookups)


def badges_by_month(session: Session) -> list[tuple[str, int]]:
    """Badges of every member (any state) per Korea-time month, oldest first; months with none left out."""
    total = func.sum(BadgeTally.badges)
    return [(m, int(n)) for m, n in session.execute(
        select(BadgeTally.month, total).where(BadgeTally.org_id.in_(select(AllianceMember.org_id)))
        .group_by(BadgeTally.month).having(total > 0).order_by(BadgeTally.month))]


def learners(session: Session) -> int:
    """Distinct people holding a live badge of a member."""
    return int(session.scalar(select(func.coalesce(func.sum(LearnerCount.learners), 0))) or 0)


def rows(session: Session) -> list[tuple[int, int, str, int, int]]:
    """Every (organisation, course, month, badges, revoked) kept with any badge, in order."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(BadgeTally.org_id, BadgeTally.achievement_id, BadgeTally.month, BadgeTally.badges, BadgeTally.revoked)
        .where(BadgeTally.badges != 0).order_by(BadgeTally.org_id, BadgeTally.achievement_id, BadgeTally.month))]


def recounted_rows(session: Session) -> list[tuple[int, int, str, int, int]]:
    """`rows` as the credentials say."""
    month = korea_month(session, Credential.issued_at)
    return [(o, a, m, int(n), int(r)) for o, a, m, n, r in session.execute(
        select(Credential.org_id, Credential.achievement_id, month, func.count(), func.count(Credential.revoked_at))
        .group_by(Credential.org_id, Credential.achievement_id, month)
        .order_by(Credential.org_id, Credential.achievement_id, month))]


def recount(session: Session) -> tuple[list[tuple[str, int]], int]:
    """(badges by month, learners) counted from the credentials themselves: what the tallies must equal."""
    members_only = Credential.org_id.in_(select(AllianceMember.org_id))
    month = korea_month(session, Credential.issued_at)
    months = [(m, int(n)) for m, n in session.execute(
        select(month, func.count()).where(members_only).group_by(month).order_by(month))]
    people = session.scalar(select(func.count(func.distinct(Credential.recipient_lookup)))
                            .where(members_only, Credential.revoked_at.is_(None))) or 0
    return months, int(people)


def _is_member(session: Session, org_id: int) -> bool:
    return session.scalar(select(AllianceMember.id).where(AllianceMember.org_id == org_id)) is not None


def _learners(session: Session, org_id: int, changes: Counter[str]) -> None:
    """Add each change to the person's live count; the people count moves by those who went from none to some
    and from some to none. Keys in order, so two transactions lock shared rows in the same order."""
    rows = _add(session, LearnerTally, {(k,): changes[k] for k in sorted(changes) if changes[k]},
                ("recipient_lookup",), "live", returning=True)
    moved = sum((live > 0) - (live - changes[key] > 0) for key, live in rows)
    if moved:
        _add(session, LearnerCount, {(org_id % SHARDS,): moved}, ("shard",), "learners")


def _badges(session: Session, changes: dict[tuple[int, int, str], tuple[int, int]]) -> None:
    """Add (badges, revoked) to each (organisation, course, month) row."""
    if not changes:
        return
    table: Table = BadgeTally.__table__  # type: ignore[assignment]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values([
        {"org_id": o, "achievement_id": a, "month": m, "badges": b, "revoked": r}
        for (o, a, m), (b, r) in sorted(changes.items())])
    session.execute(statement.on_conflict_do_update(
        index_elements=["org_id", "achievement_id", "month"],
        set_={"badges": table.c.badges + statement.excluded.badges,
              "revoked": table.c.revoked + statement.excluded.revoked}))


def _add(session: Session, model: type[Base], changes: dict[tuple[Any, ...], int] | Counter[Any],
         keys: tuple[str, ...], column: str, *, returning: bool = False) -> list[tuple[Any, int]]:
    """Add each change to its row's `column`, making rows that are missing; with `returning`, each (first key,
    new value), from one multi-row upsert. Without, one upsert statement run for each row: the same statement
    every time, compiled once (the verification events' writer calls this every batch)."""
    if not changes:
        return []
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = [{**dict(zip(keys, key, strict=True)), column: n} for key, n in changes.items()]
    insert = dialect.insert(table) if not returning else dialect.insert(table).values(values)
    statement = insert.on_conflict_do_update(index_elements=list(keys),
                                             set_={column: table.c[column] + insert.excluded[column]})
    if not returning:  # the values as parameters: one statement, compiled once, run for each row
        session.execute(statement, values)
        return []
    return [(key, int(n)) for key, n in session.execute(statement.returning(table.c[keys[0]], table.c[column]))]
