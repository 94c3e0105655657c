"""A whole cohort issued through the API: seconds from the request to the last credential, and the memory of the
process that issued it, for growing cohorts.

Run `python bench/bench_cohort.py [--sizes 1000,5000,10000] [--database postgresql|sqlite] [--redis URL]`.
It makes a throwaway instance (a fresh PostgreSQL database by default), starts gunicorn on 127.0.0.1 with one
worker, and for each size POSTs one cohort (Korean names, distinct e-mails) to /api/v1/achievements/<id>/cohorts
with an API token, then waits until the job is done. Each credential is validated, signed (eddsa-rdfc-2022),
stored and given a revocation index. With --redis the job runs in one `badges worker` process
instead of the app's own thread. Afterwards it checks that every row was issued, that no status index was given
twice, and verifies a sample of the credentials with the verification pipeline. Target (issue 6): 10,000 in
under 15 s on PostgreSQL, memory flat as the cohort grows.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench_load import bench_course, database, free_port
from sqlalchemy import func, select, text

import keys
from badges.verify import verify_credential
from bootstrap.wiring import build_services
from issuer import tokens
from store.db import transaction
from store.issuing import CohortJob
from store.models import Credential
from web.settings import Settings


def rss_kib(pid: int) -> tuple[int, int]:
    """(resident, peak resident) memory of process `pid` in KiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def issuing_pid(server: subprocess.Popen[bytes], worker: subprocess.Popen[bytes] | None) -> int:
    """The process that runs cohort jobs: the queue worker, or gunicorn's single worker process."""
    if worker is not None:
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False).stdout.split()
        return int(children[0]) if children else worker.pid  # rq forks a work horse per job
    return int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def post(url: str, token: str, body: object) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as answer:
        return answer.status, json.loads(answer.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="cohort sizes, comma-separated")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--redis", help="run the jobs on this Redis through one `badges worker`")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        kek = keys.new_kek()
        settings = Settings(database_url=url, secret_key="bench", key_encryption_key=kek, public_base_url=base,
                            instance_dir=Path(folder))
        svc = build_services(settings)
        now = datetime.now(UTC)
        with transaction(svc.sessions) as session:
            org, course = bench_course(session, svc, now)
            token = tokens.create_api_token(session, org=org, label="bench", now=now)
            course_id = course.public_id
        env = {**os.environ, "BADGES_DATABASE_URL": url, "BADGES_SECRET_KEY": "bench", "BADGES_PUBLIC_URL": base,
               "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(kek).decode(), "BADGES_INSTANCE": folder}
        if args.redis:
            env["BADGES_REDIS_URL"] = args.redis
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                                   "--timeout", "300", "--log-level", "warning", "bootstrap.app:serve()"], env=env)
        worker = subprocess.Popen([sys.executable, "-m", "bootstrap.cli", "worker"], env=env) if args.redis else None
        results = []
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/verify", timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            for size in sizes:
                rows = [{"name": f"수강생 {n:05d}", "email": f"learner{size}-{n}@example.kr"} for n in range(size)]
                started = time.perf_counter()
                status, answer = post(f"{base}/api/v1/achievements/{course_id}/cohorts", token,
                                      {"rows": rows, "completedAt": "2026-11-20"})
                accepted = time.perf_counter() - started
                assert status == 202 and answer["pending"] == size, answer
                peak_rss = 0
                while True:
                    with svc.engine.connect() as conn:
                        state = conn.scalar(select(CohortJob.state).where(CohortJob.id == answer["id"]))
                    peak_rss = max(peak_rss, rss_kib(issuing_pid(server, worker))[0])
                    if state == "done":
                        break
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                results.append((size, accepted, elapsed, peak_rss))
                print(f"{size:>6} rows: accepted in {accepted:5.2f} s, all issued in {elapsed:6.2f} s "
                      f"({size / elapsed:,.0f} credentials/s), issuing process peak RSS {peak_rss / 1024:,.0f} MiB",
                      flush=True)
            check(svc, sum(sizes))
        finally:
            for process in (worker, server):
                if process is not None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=30)
            svc.engine.dispose()
    print(f"\n{args.database}, {'RQ worker' if args.redis else 'in-process runner'}, {os.cpu_count()} cores")
    print(f"{'rows':>6}  {'accepted (s)':>12}  {'issued (s)':>10}  {'credentials/s':>13}  {'peak RSS (MiB)':>14}")
    for size, accepted, elapsed, peak in results:
        print(f"{size:>6}  {accepted:>12.2f}  {elapsed:>10.2f}  {size / elapsed:>13,.0f}  {peak / 1024:>14,.0f}")
    biggest = max(results)
    if biggest[0] >= 10_000:
        print(f"\ntarget: 10,000 in under 15 s: {biggest[2]:.1f} s for {biggest[0]:,} -> "
              f"{'met' if biggest[2] < 15 * biggest[0] / 10_000 else 'NOT met'}")
    return 0


def check(svc, expected: int) -> None:  # type: ignore[no-untyped-def]
    """Every row became a credential, no status index was given twice, and a sample verifies."""
    with transaction(svc.sessions) as session:
        count = session.scalar(select(func.count()).select_from(Credential))
        distinct = session.scalar(text("SELECT count(*) FROM (SELECT DISTINCT status_list_id, status_index "
                                       "FROM credentials) AS slots"))
        assert distinct == count, f"{count - distinct} status_index values were given twice"
        ids = session.scalars(select(Credential.id)).all()
        sample = [session.get(Credential, i).document for i in random.sample(ids, min(20, len(ids)))]
    assert count == expected, f"{count} credentials for {expected} rows"
    now = datetime.now(UTC)
    failed = [r for r in (verify_credential(d, resolve=svc.resolver, now=now) for d in sample) if not r.verified]
    assert not failed, failed[0].as_json()
    print(f"checked: {count:,} credentials, every status index distinct, {len(sample)} sampled verify")


if __name__ == "__main__":
    sys.exit(main())
