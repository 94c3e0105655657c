"""The verification API and the QR landing page under load: requests per second and latency percentiles.

Run `python bench/bench_load.py [--connections 200] [--seconds 15] [--workers N] [--database sqlite]`.
It makes a throwaway instance (a fresh PostgreSQL database on BADGES_TEST_PG by default, or SQLite with
`--database sqlite`), issues one badge, starts gunicorn with N worker processes on 127.0.0.1 with the rate limit
off (BADGES_VERIFY_RATE_LIMIT=0: every request comes from one address), and drives it with `wrk` (Debian
package wrk) from the same machine: GET of the URL the badge's QR code holds, as a phone's browser asks for it,
and POST /api/v1/verify with the credential, as an applicant-tracking system sends it. One request of each kind
must answer 200 with the verdict "valid" before wrk starts. Under load, a socket error, a non-2xx answer or an
answer that is not 200 with the verdict "valid" is an error. Only loopback is ever targeted. Correctness tests
never assert on these figures.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.orm import Session

import keys
from badges.model import Recipient
from bootstrap.wiring import Services, build_services
from issuer import awards, service
from issuer.service import Award
from store.db import transaction, upgrade
from store.models import Achievement, Org
from web.settings import Settings

PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PHONE = {  # what a phone's browser sends when the camera app opens the link in a badge's QR code
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7",
}
API = {"Content-Type": "application/json", "Accept": "application/json"}
VALID_PAGE = 'data-verdict="valid"'  # web/templates/verifier/report.html
VALID_REPORT = '"verdict": "valid"'  # verifier/api.py: json.dumps with the default separators
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# wrk counts, per thread, answers that are not 200 with `expect` in the body, and prints the total at the end
# (wrk's own "Non-2xx or 3xx" line only counts statuses over 399).
CHECK_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, %(expect)s, 1, true) then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("Unexpected responses: %%d\\n", total))
end
"""


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    url: str
    method: str
    headers: Mapping[str, str]
    body: bytes | None
    expect: str  # in the body of every good answer


@dataclass(frozen=True, slots=True)
class Result:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    socket_errors: dict[str, int]
    non_2xx: int
    unexpected: int

    @property
    def errors(self) -> str:
        parts = [f"{kind} {n}" for kind, n in self.socket_errors.items() if n]
        parts += [f"non-2xx {self.non_2xx}"] * bool(self.non_2xx)
        parts += [f"not 200+valid {self.unexpected}"] * bool(self.unexpected)
        return ", ".join(parts) or "none"


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh migrated database: SQLite in `folder`, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        yield url
        return
    name = f"badges_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_course(session: Session, svc: Services, now: datetime) -> tuple[Org, Achievement]:
    """The benchmarks' organisation and its one course."""
    org = service.create_org(session, svc.issuing, slug="bench", name_ko="벤치 아카데미", name_en="Bench Academy",
                             now=now)
    return org, service.create_achievement(session, org=org, now=now, data=service.AchievementIn(
        "클라우드 기초", "Cloud Basics", "8주 과정", "An 8-week course", "수료", "Completed"))


def issue(settings: Settings) -> tuple[str, bytes]:
    """(the URL the badge's QR code holds, the signed credential) of one new badge."""
    svc = build_services(settings)
    now = datetime.now(UTC)
    with transaction(svc.sessions) as session:
        org, course = bench_course(session, svc, now)
        credential = awards.issue_one(session, svc.issuing, org=org, achievement=course, now=now, actor="cli",
                                      award=Award(Recipient("김서연", "seoyeon@example.kr"))).credential
    svc.engine.dispose()
    return svc.issuing.links.verify(credential.id), credential.document


@contextmanager
def gunicorn(settings: Settings, *, workers: int, port: int) -> Iterator[None]:
    """gunicorn serving the app for `settings` on 127.0.0.1:`port`, with no verification rate limit."""
    env = {**os.environ, "BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
           "BADGES_PUBLIC_URL": settings.public_base_url, "BADGES_INSTANCE": str(settings.instance_dir),
           "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(),
           "BADGES_VERIFY_RATE_LIMIT": "0"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--backlog", "2048", "--log-level", "warning", "bootstrap.app:serve()"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {server.returncode} before it served a request.")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not accept connections within 60 s.") from None
                time.sleep(0.2)
        yield
    finally:
        server.send_signal(signal.SIGTERM)  # workers finish the request in hand; queued ones are dropped
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_once(target: Target) -> None:
    """One request as wrk will send it; SystemExit unless it answers 200 with the verdict "valid"."""
    request = urllib.request.Request(target.url, data=target.body, method=target.method, headers=dict(target.headers))
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, body = answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode("utf-8", errors="replace")
    if status != 200 or target.expect not in body:
        raise SystemExit(f"{target.name}: {target.method} {target.url} answered {status} without "
                         f"{target.expect!r}, so the load test would measure the wrong thing:\n{body[:2000]}")


def wrk(target: Target, *, connections: int, seconds: int, folder: Path) -> Result:
    """Run wrk against `target` and read requests/s, p50, p99 and the errors from what it prints."""
    script = folder / f"{uuid.uuid4().hex}.lua"
    lines = [f"wrk.method = {lua_string(target.method)}"]
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in target.headers.items()]
    if target.body is not None:  # read from a file: LuaJIT string literals have no \u escapes
        (folder / f"{script.stem}.body").write_bytes(target.body)
        lines.append(f'local f = io.open({lua_string(str(folder / f"{script.stem}.body"))}, "rb") '
                     "wrk.body = f:read('*a') f:close()")
    script.write_text("\n".join(lines) + CHECK_LUA % {"expect": lua_string(target.expect)})
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "10s", "-s", str(script), target.url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or done.stderr.strip():
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return parse_wrk(done.stdout)


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_wrk(out: str) -> Result:
    """The figures in wrk's --latency report; SystemExit with the report when one is missing."""
    # wrk pads a value whose unit is one letter ("1.02s") with a space, so a line may end in whitespace.
    latency = {p: float(n) * UNITS_MS[unit] for p, n, unit in
               re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.MULTILINE)}
    requests = re.search(r"^\s*(\d+) requests in ", out, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", out, re.MULTILINE)
    unexpected = re.search(r"^Unexpected responses: (\d+)$", out, re.MULTILINE)
    if len(latency) != 2 or not (requests and rps and unexpected):
        raise SystemExit(f"Cannot read wrk's report:\n{out}")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(requests=int(requests[1]), rps=float(rps[1]), p50_ms=latency["50"], p99_ms=latency["99"],
                  socket_errors=dict(zip(("connect", "read", "write", "timeout"),
                                         map(int, sockets.groups() if sockets else (0,) * 4))),
                  non_2xx=int(non_2xx[1]) if non_2xx else 0, unexpected=int(unexpected[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn worker processes (default: 2 x cores + 1)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run (other work on them lowers "
          f"the figures); gunicorn with {args.workers} workers; {args.database}; wrk on the same machine with "
          f"{args.connections} connections for {args.seconds} s per endpoint", flush=True)
    with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
        base = f"http://127.0.0.1:{free_port()}"
        settings = Settings(database_url=url, secret_key="bench", key_encryption_key=keys.new_kek(),
                            public_base_url=base, instance_dir=Path(folder))
        landing, document = issue(settings)
        targets = (Target("QR landing  GET /v/<id>", landing, "GET", PHONE, None, VALID_PAGE),
                   Target("Verify API  POST /api/v1/verify", f"{base}/api/v1/verify", "POST", API, document,
                          VALID_REPORT))
        with gunicorn(settings, workers=args.workers, port=int(base.rsplit(":", 1)[1])):
            for target in targets:
                check_once(target)
            results = {}
            for target in targets:
                check_once(target)  # waits until the requests left over from the previous run have been served
                results[target.name] = wrk(target, connections=args.connections, seconds=args.seconds,
                                           folder=Path(folder))
    print(f"\n{'endpoint':<34}{'requests':>10}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}  errors")
    for name, r in results.items():
        print(f"{name:<34}{r.requests:>10}{r.rps:>12.1f}{r.p50_ms:>10.1f}{r.p99_ms:>10.1f}  {r.errors}")
    return 0 if all(r.errors == "none" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
