"""The console, wallet and alliance pages on the alliance-scale data set (bench/dataset.py): p50/p95 over repeated
renders, and the query plans of the slowest statement of each page.

Run `PYTHONPATH=. python bench/bench_queries.py DBNAME [--rounds 30] [--plans]` after `bench/dataset.py DBNAME`.
`--quick` is 5 rounds, for CI. Each page is fetched through the Flask test client on the real app (create_app
with the data set's settings), so what is timed is what a request costs in the process: the route, its queries
on PostgreSQL and the template, without the HTTP server. The console pages are those of the largest member
(member-000, ~9% of the badges) signed in as its owner; the wallet timeline is person 0's (100 badges).
Every SQL statement of a page is recorded (SQLAlchemy's cursor events); with --plans the slowest one is shown
with EXPLAIN (ANALYZE, BUFFERS). Targets (issue 17): 100 ms p95, the wallet timeline 50 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from dataset import PERSON0, settings_for
from sqlalchemy import event, select, text

from bootstrap.app import create_app, settle
from store.db import transaction
from store.models import Credential, Org
from store.wallet import LearnerEmail
from tests.factories import enter_as
from wallet.web import KIND
from web.security import CSRF_FIELD, generation_key


@dataclass
class Recorder:
    """The statements of the request being timed, with their durations."""

    on: bool = False
    statements: list[tuple[float, str, Any]] = field(default_factory=list)
    _start: float = 0.0

    def before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self._start = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on and not many:
            self.statements.append((time.perf_counter() - self._start, statement, parameters))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slowest statement")
    parser.add_argument("--quick", action="store_true", help="5 rounds, with plans")
    args = parser.parse_args(argv)
    rounds = 5 if args.quick else args.rounds
    app = create_app(settings_for(args.database))
    settle()  # as bootstrap.app.serve does
    svc = app.extensions["badges"]
    recorder = Recorder()
    event.listen(svc.engine, "before_cursor_execute", recorder.before)
    event.listen(svc.engine, "after_cursor_execute", recorder.after)
    with transaction(svc.sessions) as session:
        org = session.scalars(select(Org).where(Org.slug == "member-000")).one()
        total = session.scalar(select(text("count(*)")).select_from(Credential).where(Credential.org_id == org.id))
        learner_id = session.scalars(select(LearnerEmail.learner_id)
                                     .where(LearnerEmail.verified_address == PERSON0)).one()
        name = session.scalars(select(Credential.recipient_name).where(Credential.org_id == org.id)
                               .order_by(Credential.id).limit(1)).one() or "김"
    staff, learner = app.test_client(), app.test_client()
    enter_as(staff, svc, org, email=f"owner-{uuid.uuid4().hex[:8]}@member-000.example.kr", role="owner")
    with learner.session_transaction() as cookie:
        cookie[KIND], cookie[generation_key(KIND)], cookie[CSRF_FIELD] = learner_id, 0, "bench"
    deep = max(1, (total or 0) // 50 // 2)
    console = f"/console/{org.slug}"
    pages = [("credentials, first page", staff, f"{console}/credentials", 100),
             (f"credentials, page {deep}", staff, f"{console}/credentials?page={deep}", 100),
             (f"search by name ({name[:2]})", staff, f"{console}/credentials?q={name[:2]}", 100),
             ("search by e-mail", staff, f"{console}/credentials?q={PERSON0}", 100),
             ("search by part of an e-mail", staff, f"{console}/credentials?q={PERSON0.split('@')[0]}@", 100),
             ("dashboard", staff, console, 100),
             ("audit log", staff, f"{console}/audit", 100),
             ("wallet timeline (100 badges)", learner, "/wallet", 50),
             ("member directory", staff, "/members", 100),
             ("alliance figures", staff, "/alliance", 100)]
    print(f"{args.database}: {org.slug} has {total:,} credentials; {rounds} rounds per page "
          "(milliseconds of wall time, the machine may be busy)")
    print(f"{'page':34} {'p50':>7} {'p95':>7} {'target':>7}  queries")
    slow: list[tuple[str, tuple[float, str, Any]]] = []
    missed = 0
    for label, client, path, target in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:500])
        times = []
        for n in range(rounds):
            recorder.on, recorder.statements = n == 0, []
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            if n == 0:
                reads = [s for s in recorder.statements if s[1].lstrip().upper().startswith(("SELECT", "WITH"))]
                slow.append((label, max(reads, key=lambda s: s[0])))
                queries = len(recorder.statements)
        recorder.on = False
        p95 = percentile(times, 0.95)
        missed += p95 > target
        print(f"{label:34} {statistics.median(times):7.1f} {p95:7.1f} {target:7d}  {queries}"
              f"{'  OVER TARGET' if p95 > target else ''}")
    if args.plans or args.quick:
        with svc.engine.connect() as conn:
            for label, (seconds, statement, parameters) in slow:
                print(f"\n== {label}: slowest statement {seconds * 1000:.1f} ms\n{statement}")
                raw = conn.connection.dbapi_connection
                assert raw is not None
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print("\n".join(row[0] for row in cursor.fetchall()))
    svc.engine.dispose()
    print(f"\n{missed} page(s) over target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
