"""Memory of a gunicorn worker under verifications: its RSS after 1,000 of them, and its peak after 100,000.

Run `python bench/bench_memory.py [--total 100000] [--credentials 1000] [--concurrency 8]`. It makes a throwaway
PostgreSQL database (as bench/bench_load.py does), issues `--credentials` badges, starts gunicorn with one worker
and posts the badges in turn to /api/v1/verify, `--concurrency` at a time, each on a new connection. It prints the
worker's RSS (VmRSS of /proc/<pid>/status) after the first 1,000 and every 10% after, and at the end its peak
(VmHWM) as a share of the RSS after 1,000: what the process keeps per verification (the caches of
store.freshness are bounded, the verification events of verifier.events are written away) should not grow with
their number. Every answer must be 200 with the verdict "valid". Correctness tests never assert on these figures.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench_load import (
    Target,
    check_once,
    database,
    descendants,
    free_port,
    gunicorn,
    issue,
    raw_request,
    send_one,
    targets,
)

import keys
from web.settings import Settings

WARM = 1_000


def kib(pid: int, field: str) -> int:
    """A VmRSS / VmHWM line of /proc/<pid>/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"/proc/{pid}/status has no {field}")


async def verify_many(target: Target, *, start: int, count: int, concurrency: int) -> int:
    """`count` verifications, `concurrency` at a time; how many did not answer 200 with "valid"."""
    requests = [raw_request(target, path, body) for path, body in target.requests]
    latencies: list[float] = []
    failures: list[str] = []
    next_one = start

    async def client() -> None:
        nonlocal next_one
        while next_one < start + count:
            n, next_one = next_one, next_one + 1
            await send_one(target, requests[n % len(requests)], time.perf_counter(), latencies, failures)
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--credentials", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database("postgresql", Path(folder)) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(database_url=url, secret_key="bench", key_encryption_key=keys.new_kek(),
                            public_base_url=base, instance_dir=Path(folder))
        _, api = targets(base, issue(settings, args.credentials))
        with gunicorn(settings, workers=1, port=port) as server:
            check_once(api)
            worker = descendants(server.pid)[-1]
            done, failed, started = 0, 0, time.perf_counter()
            warm_rss = 0
            steps = [WARM] + [max(WARM, args.total * k // 10) for k in range(1, 11)]
            for goal in sorted(set(steps)):
                failed += asyncio.run(verify_many(api, start=done, count=goal - done, concurrency=args.concurrency))
                done = goal
                rss = kib(worker, "VmRSS")
                warm_rss = warm_rss or rss
                print(f"{done:>8} verifications  RSS {rss / 1024:7.1f} MiB  peak {kib(worker, 'VmHWM') / 1024:7.1f} "
                      f"MiB  {done / (time.perf_counter() - started):6.0f}/s  failures {failed}", flush=True)
            peak = kib(worker, "VmHWM")
    growth = 100 * (peak - warm_rss) / warm_rss
    print(f"\npeak RSS after {done} verifications: {peak / 1024:.1f} MiB, {growth:+.1f}% of the RSS after {WARM} "
          f"({warm_rss / 1024:.1f} MiB); goal: within 10%")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
