"""The alliance-scale bench data set (issue 17): 257 member organisations, several courses each, N credentials
with real signatures, 2% of them revoked, wallet accounts holding their badges and a year of verification events,
built on a fresh PostgreSQL database.

Run `PYTHONPATH=. python bench/dataset.py DBNAME [--credentials 1000000] [--workers 2]` (the database is dropped if
it exists and created anew on BADGES_TEST_PG's server, postgresql://postgres@127.0.0.1:5432 by default). It prints
the seconds each step takes. `--quick` is `--credentials 500`.

How the credentials are made: through issuer.service.sign_and_store, the project's one signing path, called with
batches of 1,000 awards per course, so its own status-list allocation (advisory lock, spare list before a list
fills), its own documents (badges.model + badges.proofs.sign_many with the organisation's signer) and its own
one-statement executemany insert are what is measured, with no second way of building a credential to keep in
step. The organisations are shared between `--workers` processes (multiprocessing; each signs whole
organisations, so allocation per organisation is never contended). Issuance dates are spread over the past year
(each batch is issued "at" its own instant). The generated course medals are drawn once per topic and shared
between members (PNG encoding would otherwise take a minute). The issuer.awards layer above sign_and_store (look-up of earlier
awards, the audit entry and the outbox e-mail per award) is left out: the data set would otherwise carry a
million outbox e-mails; each credential still has its award key (issuer.awards.award_key).

2% of each organisation's credentials are revoked through issuer.service.change_status (one call per
organisation: its audit entries, and every status list touched re-signed once). Wallets, their e-mail addresses
and badges, and the verification events are bulk rows (COPY and INSERT ... SELECT): a wallet's own key is a
placeholder (its did and sealed key are never used by the pages measured), its items are "issued" ones found by
the confirmed e-mail as wallet.service collects them. Sizes scale with --credentials: wallets 30%, people 50%,
verification events 100% of the credentials. Person 0 (bench.person0@example.kr) holds 100 badges: the wallet
timeline bench signs in as them.

Organisation sizes follow a Zipf-like law (the largest member has ~9% of the badges), so the console benches
run on a large organisation, not an average one. The KEK is derived from the database name (a bench data set, not
a deployment), so bench_queries.py can rebuild the same Services.
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import select

from badges import artwork
from badges.model import Recipient
from bootstrap.wiring import Services, build_services
from issuer import awards, service
from issuer.service import AchievementIn, Award
from store import membership, tallies
from store.db import transaction, upgrade
from store.links import Links
from store.models import Achievement, Credential, Org
from web.settings import Settings

PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MEMBERS = 257
BATCH = 1000
YEAR = timedelta(days=365)
END = datetime(2026, 11, 30, 12, tzinfo=UTC)  # the data set's "now": a year of badges and events before it
HEAVY_BADGES = 100  # badges of person 0, the wallet timeline's learner
PERSON0 = "bench.person0@example.kr"

SURNAMES = [("김", "kim", 21), ("이", "lee", 15), ("박", "park", 8), ("최", "choi", 5), ("정", "jung", 5),
            ("강", "kang", 2), ("조", "cho", 2), ("윤", "yoon", 2), ("장", "jang", 2), ("임", "lim", 2),
            ("한", "han", 1), ("오", "oh", 1), ("서", "seo", 1), ("신", "shin", 1), ("권", "kwon", 1),
            ("황", "hwang", 1), ("안", "ahn", 1), ("송", "song", 1), ("류", "ryu", 1), ("홍", "hong", 1)]
SYLLABLES = [("민", "min"), ("서", "seo"), ("지", "ji"), ("현", "hyun"), ("수", "su"), ("영", "young"),
             ("준", "jun"), ("우", "woo"), ("예", "ye"), ("은", "eun"), ("하", "ha"), ("윤", "yun"),
             ("도", "do"), ("연", "yeon"), ("진", "jin"), ("성", "sung"), ("혜", "hye"), ("재", "jae"),
             ("유", "yu"), ("아", "a"), ("주", "ju"), ("원", "won"), ("채", "chae"), ("희", "hee")]
TOPICS = [("클라우드 네이티브 개발", "Cloud Native Development"), ("데이터 분석 기초", "Data Analysis Basics"),
          ("인공지능 모델링", "AI Modelling"), ("정보보안 실무", "Information Security in Practice"),
          ("프론트엔드 웹 개발", "Front-end Web Development"), ("백엔드 API 설계", "Back-end API Design"),
          ("빅데이터 파이프라인", "Big Data Pipelines"), ("모바일 앱 개발", "Mobile App Development"),
          ("데브옵스 엔지니어링", "DevOps Engineering"), ("UX 디자인", "UX Design"),
          ("블록체인 응용", "Blockchain Applications"), ("사물인터넷 시스템", "IoT Systems")]
PLACES = [("한빛", "Hanbit"), ("새솔", "Saesol"), ("누리", "Nuri"), ("가람", "Garam"), ("다온", "Daon"),
          ("미르", "Mir"), ("온새", "Onsae"), ("하람", "Haram"), ("예솔", "Yesol"), ("라온", "Raon")]
KINDS = [("아카데미", "Academy", membership.MemberKind.COMPANY), ("대학교", "University", membership.MemberKind.UNIVERSITY),
         ("협회", "Association", membership.MemberKind.ASSOCIATION), ("진흥원", "Agency", membership.MemberKind.AGENCY)]


@dataclass(frozen=True, slots=True)
class Sizes:
    credentials: int

    @property
    def people(self) -> int:
        return max(2, self.credentials // 2)

    @property
    def wallets(self) -> int:
        return max(1, self.credentials * 3 // 10)

    @property
    def events(self) -> int:
        return self.credentials


def kek_for(name: str) -> bytes:
    return hashlib.sha256(b"badges bench data set:" + name.encode()).digest()


def settings_for(name: str) -> Settings:
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    return Settings(database_url=url, secret_key="bench-" + name, key_encryption_key=kek_for(name),
                    public_base_url="https://badges.alliance.test", instance_dir=Path("/tmp") / f"badges-{name}")


def person(n: int) -> tuple[str, str]:
    """Person n's (Korean name, e-mail): the same for every process."""
    if n == 0:
        return "김민지", PERSON0
    pick = random.Random(n)
    surname = pick.choices(SURNAMES, weights=[w for *_, w in SURNAMES])[0]
    first, second = pick.choice(SYLLABLES), pick.choice(SYLLABLES)
    return surname[0] + first[0] + second[0], f"{first[1]}{second[1]}.{surname[1]}{n}@example.kr"


def person_of(seq: int, sizes: Sizes) -> int:
    """Who the seq-th credential (0-based, over the whole data set) is issued to: person 0 gets HEAVY_BADGES
    spread evenly, the others are drawn at random."""
    step = max(1, sizes.credentials // HEAVY_BADGES)
    if seq % step == 0 and seq // step < HEAVY_BADGES:
        return 0
    return 1 + random.Random(seq * 7919 + 1).randrange(sizes.people - 1)


def shares(total: int, members: int) -> list[int]:
    """Credentials per organisation: Zipf-like (weight 1/rank^0.8), summing to `total`."""
    weights = [1 / (rank ** 0.8) for rank in range(1, members + 1)]
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[0] += total - sum(counts)
    return counts


@contextmanager
def step(name: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"{name} ...", end="", flush=True)
    yield
    print(f" {time.perf_counter() - start:8.1f} s", flush=True)


def fresh_database(name: str) -> Settings:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    settings = settings_for(name)
    upgrade(settings.database_url)
    return settings


def make_members(svc: Services, start: datetime) -> list[int]:
    """257 member organisations with 3-8 courses each; their ids."""
    ids = []
    pick = random.Random(257)
    drawn: dict[str, bytes] = {}
    draw = artwork.badge_png
    # a course's generated medal costs ~30 ms of PNG encoding: one per topic is drawn and shared (bench data)
    artwork.badge_png = lambda title, *args, **kwargs: drawn.get(title) or drawn.setdefault(
        title, draw(title, *args, **kwargs))
    with transaction(svc.sessions) as session:
        for n in range(MEMBERS):
            place, kind = PLACES[n % len(PLACES)], KINDS[n % len(KINDS)]
            org = service.create_org(session, svc.issuing, slug=f"member-{n:03d}", name_ko=f"{place[0]} {kind[0]} {n}",
                                     name_en=f"{place[1]} {kind[1]} {n}", url=f"https://member-{n:03d}.example.kr",
                                     email=f"contact@member-{n:03d}.example.kr", now=start)
            membership.enrol(session, org=org, role=membership.MemberRole.TRAINING, kind=kind[2], actor="cli",
                             now=start)
            for topic in pick.sample(TOPICS, pick.randint(3, 8)):
                service.create_achievement(session, org=org, now=start, data=AchievementIn(
                    name_ko=topic[0], name_en=topic[1], description_ko=f"{topic[0]} 과정",
                    description_en=f"The {topic[1]} course", criteria_ko="최종 프로젝트 통과",
                    criteria_en="Passed the final project", valid_months=pick.choice([None, 24, 36])))
            ids.append(org.id)
    artwork.badge_png = draw
    return ids


_services: Services | None = None


def _worker_services(name: str) -> Services:
    global _services
    if _services is None:
        _services = build_services(settings_for(name))
    return _services


def sign_org(job: tuple[str, int, int, int, int]) -> int:
    """Sign `count` credentials of one organisation through issuer.service.sign_and_store, in batches of BATCH
    (one course and one transaction per batch); seq numbers from `first`."""
    name, org_id, first, count, total = job
    svc, sizes = _worker_services(name), Sizes(total)
    with transaction(svc.sessions) as session:
        courses = list(session.scalars(select(Achievement.id).where(Achievement.org_id == org_id)
                                       .order_by(Achievement.id)))
        # --resume: the batches committed by an earlier run are kept (each batch is one transaction)
        taken = set(session.scalars(select(Credential.idempotency_key).where(Credential.org_id == org_id)))
    done = len(taken)
    while done < count:
        size = min(BATCH, count - done)
        seq = first + done
        issued_at = END - YEAR + YEAR * (seq / total)
        with transaction(svc.sessions) as session:
            org = session.get_one(Org, org_id)
            course = session.get_one(Achievement, courses[(seq // BATCH) % len(courses)])
            batch = []
            for n in range(seq, seq + size):
                who, email = person(person_of(n, sizes))
                completed = (issued_at - timedelta(days=n % 5)).date()
                key = awards.award_key(svc.issuing, course_public_id=course.public_id, email=email, completed=completed)
                while key in taken:  # the same person completed the same course that day: a day earlier then
                    completed -= timedelta(days=1)
                    key = awards.award_key(svc.issuing, course_public_id=course.public_id, email=email,
                                           completed=completed)
                taken.add(key)
                batch.append((Award(Recipient(who, email, publish_name=n % 3 == 0),
                                    completed=awards.completion_instant(completed)), key))
            service.sign_and_store(session, svc.issuing, org=org, achievement=course, version=course.versions[-1],
                                   awards=batch, now=issued_at)
        done += size
    return count


def revoke_org(job: tuple[str, int]) -> int:
    """Revoke 2% of the organisation's credentials through change_status (each list re-signed once)."""
    name, org_id = job
    svc = _worker_services(name)
    with transaction(svc.sessions) as session:
        org = session.get_one(Org, org_id)
        ids = list(session.scalars(select(Credential.id).where(Credential.org_id == org_id)
                                   .order_by(Credential.id)))
        chosen = random.Random(org_id).sample(ids, len(ids) // 50)
        if chosen:
            service.change_status(session, svc.issuing, org=org, credential_ids=chosen, action="revoke",
                                  reason="부정 취득 확인 / obtained by fraud", actor="cli", now=END - timedelta(days=3))
    return len(chosen)


def drop_secondary_indexes(dsn: str) -> list[str]:
    """Drop the credentials' indexes that signing does not read (it needs the unique ones, and org_id to resume),
    so the bulk load does not maintain them row by row; their definitions, to build them after."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'credentials' "
                             "AND indexdef NOT LIKE 'CREATE UNIQUE%' AND indexname <> 'ix_credentials_org_id'"
                             ).fetchall()
        for name, _ in found:
            conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def build_indexes(svc: Services) -> int:
    """Build the credentials' indexes the model has and the database lacks (those dropped for the load, also
    after a --resume); how many."""
    with svc.engine.begin() as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
        missing = [i for i in Credential.__table__.indexes if not conn.dialect.has_index(conn, "credentials", i.name)]
        for index in missing:
            index.create(conn)
    return len(missing)


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def wallets(conn: psycopg.Connection, sizes: Sizes, settings: Settings) -> None:
    """Wallet accounts for people 0..wallets-1, each with a confirmed address, holding the badges issued to it."""
    created = END - YEAR
    copy_rows(conn, "learners", ("id", "name", "password_hash", "did", "sealed_key", "created_at", "session_generation"),
              ((n + 1, person(n)[0], "!", f"did:key:bench-{n}", b"", created, 0) for n in range(sizes.wallets)))
    copy_rows(conn, "learner_emails", ("id", "learner_id", "address", "verified_address", "verified_at", "created_at"),
              ((n + 1, n + 1, person(n)[1], person(n)[1], created, created) for n in range(sizes.wallets)))
    for table in ("learners", "learner_emails"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.execute("""
        INSERT INTO wallet_items (public_id, learner_id, credential_key, credential_id, origin, recipient_confirmed,
                                  verdict, report, checked_at, hidden, on_profile, added_at)
        SELECT md5(c.id), e.learner_id, %(prefix)s || c.id, c.id, 'issued', true,
               CASE WHEN c.revoked_at IS NULL THEN 'valid' ELSE 'revoked' END, convert_to('{}', 'UTF8'),
               c.issued_at, false, false, c.issued_at
        FROM credentials c JOIN learner_emails e ON e.verified_address = c.recipient_email""",
                 {"prefix": Links(settings.public_base_url).credential("")})  # the document's id, not parsed


def events(conn: psycopg.Connection, sizes: Sizes) -> None:
    """A year of verification events: random credentials, channels and instants; revoked ones answer so."""
    conn.execute("""
        INSERT INTO verification_events (org_id, credential_id, channel, verdict, at)
        SELECT c.org_id, c.id, (ARRAY['qr', 'qr', 'page', 'api'])[1 + floor(random() * 4)::int],
               CASE WHEN c.revoked_at IS NULL THEN 'valid' ELSE 'revoked' END,
               greatest(c.issued_at, %(end)s - random() * interval '365 days')
        FROM (SELECT id FROM credentials ORDER BY random() LIMIT %(n)s) pick
        JOIN credentials c USING (id)""", {"end": END, "n": sizes.events})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="the PostgreSQL database to (re)create")
    parser.add_argument("--credentials", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="500 credentials")
    parser.add_argument("--resume", action="store_true",
                        help="keep the database and the credentials an interrupted run signed; sign the rest")
    args = parser.parse_args(argv)
    sizes = Sizes(500 if args.quick else args.credentials)
    print(f"{args.database}: {MEMBERS} members, {sizes.credentials:,} credentials, {sizes.wallets:,} wallets, "
          f"{sizes.events:,} verification events; {args.workers} worker processes")
    began = time.perf_counter()
    if args.resume:
        settings = settings_for(args.database)
        with step("database migrated"):  # to this checkout's schema (new counts are filled from the rows)
            upgrade(settings.database_url)
        svc = build_services(settings)
        with transaction(svc.sessions) as session:
            org_ids = list(session.scalars(select(Org.id).where(Org.slug.like("member-%")).order_by(Org.slug)))
    else:
        with step("database created and migrated"):
            settings = fresh_database(args.database)
        svc = build_services(settings)
        with step("members and their courses"):
            org_ids = make_members(svc, END - YEAR - timedelta(days=30))
    counts = shares(sizes.credentials, MEMBERS)
    firsts = [sum(counts[:i]) for i in range(MEMBERS)]
    jobs = sorted(((args.database, org_id, first, count, sizes.credentials)
                   for org_id, first, count in zip(org_ids, firsts, counts) if count), key=lambda j: -j[3])
    context = multiprocessing.get_context("fork")
    svc.engine.dispose()
    dsn = PG_ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
    deferred = [] if args.resume else drop_secondary_indexes(dsn)
    with context.Pool(args.workers) as pool:
        with step(f"credentials signed and stored ({sizes.credentials:,})"):
            signed = sum(pool.imap_unordered(sign_org, jobs))
        with step(f"credential indexes built after the load ({len(deferred)} dropped)"):
            build_indexes(svc)
        with step("2% revoked, status lists re-signed once per member"):
            revoked = sum(pool.imap_unordered(revoke_org, [(args.database, org_id) for org_id in org_ids]))
    assert signed == sizes.credentials, (signed, sizes.credentials)
    with psycopg.connect(dsn, autocommit=True) as conn:
        with step(f"wallets ({sizes.wallets:,}) holding their badges"):
            wallets(conn, sizes, settings)
        with step(f"verification events ({sizes.events:,}) over a year, and their counts"):
            events(conn, sizes)
            with transaction(svc.sessions) as session:
                tallies.refill_verifications(session)
        with step("VACUUM ANALYZE"):
            conn.execute("VACUUM ANALYZE")
        items = conn.execute("SELECT count(*) FROM wallet_items").fetchone()
    print(f"{revoked:,} revoked, {items[0] if items else 0:,} wallet items; "
          f"total {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
