"""The alliance-scale bench scripts still work (they are run by hand at full size; see README "At alliance
scale"): bench/dataset.py builds a 500-credential data set in a temporary PostgreSQL database and
bench/bench_queries.py --quick times every page on it and prints their query plans."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_dataset_and_query_benches_run() -> None:
    name = f"badges_bench_scale_{uuid.uuid4().hex[:8]}"
    try:
        built = run("bench/dataset.py", name, "--credentials", "500")
        assert "257 members, 500 credentials" in built
        with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}") as conn:
            counts = conn.execute("SELECT (SELECT count(*) FROM credentials), (SELECT count(*) FROM alliance_members),"
                                  " (SELECT count(DISTINCT (status_list_id, status_index)) FROM credentials),"
                                  " (SELECT count(*) FROM wallet_items WHERE learner_id = 1),"
                                  " (SELECT count(*) FROM verification_events),"
                                  " (SELECT sum(verifications) FROM verification_tallies)").fetchone()
        assert counts == (500, 257, 500, 100, 500, 500)  # every event counted for the dashboards
        timed = run("bench/bench_queries.py", name, "--quick")
        for page in ("credentials, first page", "search by e-mail", "search by part of an e-mail", "dashboard", "audit log",
                     "wallet timeline (100 badges)", "member directory", "alliance figures"):
            assert page in timed
        assert timed.count("Execution Time") == 10, timed
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
