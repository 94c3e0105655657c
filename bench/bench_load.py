"""The verification API and the QR landing page under load: requests per second, latency percentiles, CPU.

Run `python bench/bench_load.py [--connections 200] [--seconds 15] [--workers N] [--credentials 1000]
[--rate 200] [--database sqlite | --database-url URL --public-url URL]`.
It makes a throwaway instance (a fresh PostgreSQL database on BADGES_TEST_PG by default, or SQLite with
`--database sqlite`) and issues `--credentials` badges, or takes that many valid badges of an existing database
(`--database-url`, e.g. the `bench_alliance` data set of bench/dataset.py, whose links begin with `--public-url`);
then it starts gunicorn with N worker processes on 127.0.0.1 with the rate limit off (BADGES_VERIFY_RATE_LIMIT=0:
every request comes from one address) and drives it from the same machine, every request naming the next of the
badges (wrk's Lua `request()` rotates through them): GET of the URL the badge's QR code holds, as a phone's
browser asks for it, and POST /api/v1/verify with the credential, as an applicant-tracking system sends it.

Two ways of driving it, for each endpoint:
- closed loop (`wrk`, Debian package wrk): `--connections` connections each sending its next request when the
  last was answered, for `--seconds`: the most requests per second;
- open loop (`--rate`, 0 to skip): requests sent at a fixed rate whatever the answers (each on a new connection,
  as phones do), their latency counted from when each was due, so a server that falls behind shows it (wrk2's
  way; wrk2 is not in Debian, hence bench.open_loop here).
Each prints p50/p90/p99/max and the CPU seconds per request of the gunicorn processes and of the PostgreSQL
backends serving this database (from /proc: less noisy than requests/s on a shared machine; the client's own CPU
and PostgreSQL's background processes are not counted). One request of each kind must answer 200 with the verdict
"valid" before the load starts. Under load, a socket error, a non-2xx answer or an answer that is not 200 with the
verdict "valid" is an error. Only loopback is ever targeted. Correctness tests never assert on these figures.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

import keys
from badges.errors import BadgeError
from badges.model import Recipient
from bootstrap.wiring import Services, build_services
from issuer import awards, service
from issuer.service import Award
from store.db import transaction, upgrade
from store.models import Achievement, Credential, Org
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
VALID_REPORT = '"verdict":"valid"'  # verifier/api.py: compact JSON (badges.jsontext.to_json)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GUNICORN_CONF = Path(__file__).resolve().parent.parent / "bootstrap" / "gunicorn_conf.py"
# wrk sends, per thread, the next of the badges (one request a line of a file: a path, or a path and a body; each
# request made once, when the thread starts: wrk shares the server's cores, and what it spends they lose), and
# counts the answers that are not 200 with `expect` in the body, printing the total at the end (wrk's own
# "Non-2xx or 3xx" line only counts statuses over 399).
ROTATE_LUA = """
local threads = {}
local items = {}
for line in io.lines(%(items)s) do items[#items + 1] = line end
function setup(thread) table.insert(threads, thread) end
local requests = {}
function init(args)
  unexpected = 0
  math.randomseed(os.time() + #threads)
  at = math.random(#items)
  for i, item in ipairs(items) do
    local tab = string.find(item, "\\t", 1, true)
    if tab then requests[i] = wrk.format(nil, string.sub(item, 1, tab - 1), nil, string.sub(item, tab + 1))
    else requests[i] = wrk.format(nil, item) end
  end
end
function request()
  at = at %% #items + 1
  return requests[at]
end
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
    base: str  # http://127.0.0.1:port
    method: str
    headers: Mapping[str, str]
    requests: Sequence[tuple[str, bytes | None]]  # (path, body) of each badge in turn
    expect: str  # in the body of every good answer


@dataclass(frozen=True, slots=True)
class Result:
    requests: int
    rps: float
    latency_ms: Mapping[str, float]  # p50, p90, p99, max
    socket_errors: dict[str, int]
    non_2xx: int
    unexpected: int
    cpu_ms: Mapping[str, float] | None = None  # CPU ms per request: gunicorn, postgres

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


def issue(settings: Settings, count: int = 1) -> list[tuple[str, bytes]]:
    """(the URL the badge's QR code holds, the signed credential) of `count` new badges."""
    svc = build_services(settings)
    now = datetime.now(UTC)
    with transaction(svc.sessions) as session:
        org, course = bench_course(session, svc, now)
    issued = []
    for start in range(0, count, 500):
        people = [Award(Recipient(f"학습자 {n}", f"learner{n}@example.kr")) for n in range(start, min(count, start + 500))]
        with transaction(svc.sessions) as session:
            results = awards.issue_many(session, svc.issuing, org=session.get_one(Org, org.id),
                                        achievement=session.get_one(Achievement, course.id), awards=people,
                                        actor="cli", now=now)
            for result in results:
                if isinstance(result, BadgeError):
                    raise SystemExit(f"The bench could not issue its badges: {result.detail}")
                issued.append((svc.issuing.links.verify(result.credential.id), result.credential.document))
    svc.engine.dispose()
    return issued


def existing(settings: Settings, count: int) -> list[tuple[str, bytes]]:
    """`count` valid badges of an existing database (neither revoked nor suspended), spread over its members."""
    svc = build_services(settings)
    with svc.sessions() as session:
        rows = session.execute(select(Credential.id, Credential.document)
                               .where(Credential.revoked_at.is_(None), Credential.suspended_at.is_(None))
                               .order_by(Credential.id).limit(count)).all()
    svc.engine.dispose()
    if not rows:
        raise SystemExit(f"{settings.database_url} holds no valid credential.")
    return [(svc.issuing.links.verify(row.id), row.document) for row in rows]


@contextmanager
def gunicorn(settings: Settings, *, workers: int, port: int, worker_class: str = "sync", threads: int = 1,
             extra_env: Mapping[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn serving the app for `settings` on 127.0.0.1:`port`, with no verification rate limit."""
    env = {**os.environ, "BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
           "BADGES_PUBLIC_URL": settings.public_base_url, "BADGES_INSTANCE": str(settings.instance_dir),
           "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(),
           "BADGES_VERIFY_RATE_LIMIT": "0", **(extra_env or {})}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
                               "-w", str(workers), "-k", worker_class, "--threads", str(threads),
                               "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
                               "bootstrap.app:serve()"], env=env, stderr=subprocess.DEVNULL)
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
        yield server
    finally:
        server.send_signal(signal.SIGTERM)  # workers finish the request in hand; queued ones are dropped
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_once(target: Target) -> None:
    """The first request as the load will send it; SystemExit unless it answers 200 with the verdict "valid"."""
    path, body = target.requests[0]
    request = urllib.request.Request(target.base + path, data=body, method=target.method,
                                     headers=dict(target.headers))
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, text = answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", errors="replace")
    if status != 200 or target.expect not in text:
        raise SystemExit(f"{target.name}: {target.method} {target.base}{path} answered {status} without "
                         f"{target.expect!r}, so the load test would measure the wrong thing:\n{text[:2000]}")


# --- CPU from /proc -------------------------------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (gunicorn's master and workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(child) for child in task.read_text().split()]
    return found


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds of each of `pids` still alive."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return used


def backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the database of `url` (empty for SQLite)."""
    if not url.startswith("postgresql"):
        return []
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                                               "AND pid <> pg_backend_pid()", (name,))]


class CpuMeter:
    """CPU seconds the app's processes and the database's backends use between start() and stop()."""

    def __init__(self, server: subprocess.Popen[bytes], database_url: str) -> None:
        self._server, self._url = server, database_url

    def start(self) -> None:
        self._app = cpu_seconds(descendants(self._server.pid))
        self._db = cpu_seconds(backends(self._url))

    def stop(self, requests: int) -> dict[str, float]:
        app, db = cpu_seconds(descendants(self._server.pid)), cpu_seconds(backends(self._url))
        used = {"gunicorn": sum(v - self._app.get(pid, 0.0) for pid, v in app.items()),
                "postgres": sum(v - self._db.get(pid, 0.0) for pid, v in db.items())}
        return {name: 1000 * seconds / max(requests, 1) for name, seconds in used.items()}


# --- closed loop: wrk ---------------------------------------------------------------------------------------------

def wrk(target: Target, *, connections: int, seconds: int, folder: Path) -> Result:
    """Run wrk against `target` and read requests/s, the latency percentiles and the errors from what it prints."""
    items = folder / f"{uuid.uuid4().hex}.items"
    items.write_bytes(b"".join(path.encode() + (b"\t" + body if body is not None else b"") + b"\n"
                               for path, body in target.requests))
    script = folder / f"{items.stem}.lua"
    lines = [f"wrk.method = {lua_string(target.method)}"]
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in target.headers.items()]
    script.write_text("\n".join(lines) + ROTATE_LUA % {"items": lua_string(str(items)),
                                                       "expect": lua_string(target.expect)})
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "10s", "-s", str(script), target.base + target.requests[0][0]]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or done.stderr.strip():
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return parse_wrk(done.stdout)


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_wrk(out: str) -> Result:
    """The figures in wrk's --latency report; SystemExit with the report when one is missing."""
    # wrk pads a value whose unit is one letter ("1.02s") with a space, so a line may end in whitespace.
    latency = {f"p{p}": float(n) * UNITS_MS[unit] for p, n, unit in
               re.findall(r"^\s+(50|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.MULTILINE)}
    most = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m|h)", out, re.MULTILINE)
    requests = re.search(r"^\s*(\d+) requests in ", out, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", out, re.MULTILINE)
    unexpected = re.search(r"^Unexpected responses: (\d+)$", out, re.MULTILINE)
    if len(latency) != 3 or not (most and requests and rps and unexpected):
        raise SystemExit(f"Cannot read wrk's report:\n{out}")
    latency["max"] = float(most[1]) * UNITS_MS[most[2]]
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(requests=int(requests[1]), rps=float(rps[1]), latency_ms=latency,
                  socket_errors=dict(zip(("connect", "read", "write", "timeout"),
                                         map(int, sockets.groups() if sockets else (0,) * 4))),
                  non_2xx=int(non_2xx[1]) if non_2xx else 0, unexpected=int(unexpected[1]))


# --- open loop: requests at a fixed rate --------------------------------------------------------------------------

def raw_request(target: Target, path: str, body: bytes | None) -> bytes:
    """The HTTP/1.1 request bytes for one badge, on a connection closed after the answer."""
    host = urlsplit(target.base).netloc
    headers = {"Host": host, **target.headers, "Connection": "close"}
    if body is not None:
        headers["Content-Length"] = str(len(body))
    head = f"{target.method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + (body or b"")


async def send_one(target: Target, request: bytes, due: float, latencies: list[float], failures: list[str]) -> None:
    host, port = urlsplit(target.base).hostname or "", urlsplit(target.base).port or 80
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        answer = await reader.read(-1)  # the server closes after the answer (Connection: close)
        writer.close()
    except OSError as e:
        failures.append(type(e).__name__)
        return
    latencies.append(time.perf_counter() - due)
    status = answer[9:12]
    if status != b"200" or target.expect.encode() not in answer:
        failures.append(f"status {status.decode('latin-1')}")


async def _open_loop(target: Target, *, rate: float, seconds: float) -> tuple[list[float], list[str], float]:
    requests = [raw_request(target, path, body) for path, body in target.requests]
    latencies: list[float] = []
    failures: list[str] = []
    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send_one(target, requests[n % len(requests)], due, latencies, failures)))
    await asyncio.gather(*tasks)
    return latencies, failures, time.perf_counter() - start


def open_loop(target: Target, *, rate: float, seconds: float) -> Result:
    """`rate` requests a second for `seconds`, each on its own connection whatever the earlier ones are doing;
    a latency is counted from when its request was due (no coordinated omission)."""
    latencies, failures, took = asyncio.run(_open_loop(target, rate=rate, seconds=seconds))
    ordered = sorted(latencies) or [float("nan")]
    pick = {f"p{p}": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] for p in (50, 90, 99)}
    errors = {name: failures.count(name) for name in set(failures) if not name.startswith("status")}
    return Result(requests=len(latencies) + len(errors), rps=len(latencies) / took,
                  latency_ms={**pick, "max": 1000 * ordered[-1]}, socket_errors=errors, non_2xx=0,
                  unexpected=sum(1 for f in failures if f.startswith("status")))


# --- the run ------------------------------------------------------------------------------------------------------

def targets(base: str, badges: Sequence[tuple[str, bytes]]) -> tuple[Target, Target]:
    """The QR landing page and the verification API, each over every badge in turn."""
    landing = [(urlsplit(url).path, None) for url, _ in badges]
    documents = [("/api/v1/verify", compact(document)) for _, document in badges]
    return (Target("QR landing  GET /v/<id>", base, "GET", PHONE, landing, VALID_PAGE),
            Target("Verify API  POST /api/v1/verify", base, "POST", API, documents, VALID_REPORT))


def compact(document: bytes) -> bytes:
    """The credential on one line (wrk's list of bodies is one a line); what it says, and signs, unchanged."""
    return document if b"\n" not in document else json.dumps(json.loads(document), ensure_ascii=False,
                                                             separators=(",", ":")).encode()


def measured(run: Result, meter: CpuMeter) -> Result:
    return Result(run.requests, run.rps, run.latency_ms, run.socket_errors, run.non_2xx, run.unexpected,
                  meter.stop(run.requests))


def report(title: str, results: Mapping[str, Result]) -> None:
    print(f"\n{title}\n{'endpoint':<34}{'requests':>9}{'req/s':>8}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}"
          f"{'CPU ms/req app':>16}{'db':>6}  errors")
    for name, r in results.items():
        cpu = r.cpu_ms or {"gunicorn": float("nan"), "postgres": float("nan")}
        print(f"{name:<34}{r.requests:>9}{r.rps:>8.0f}" + "".join(f"{r.latency_ms[k]:>8.1f}" for k in
              ("p50", "p90", "p99", "max")) + f"{cpu['gunicorn']:>16.2f}{cpu['postgres']:>6.2f}  {r.errors}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn worker processes (default: 2 x cores + 1)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's -k: sync or gthread")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn's --threads (gthread)")
    parser.add_argument("--credentials", type=int, default=1000, help="distinct badges the requests rotate over")
    parser.add_argument("--warmup", type=int, default=5,
                        help="seconds of unmeasured load before each endpoint's run, so every worker has seen the "
                             "badges (0: measure the first scans, when each worker reads each badge once)")
    parser.add_argument("--rate", type=float, default=200, help="open-loop requests a second (0: no open loop)")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--database-url", help="an existing database (e.g. postgresql+psycopg://postgres@"
                        "127.0.0.1:5432/bench_alliance) instead of a fresh one; nothing in it is changed but the "
                        "verification events the load adds")
    parser.add_argument("--public-url", default="https://badges.alliance.test",
                        help="with --database-url: the base URL its credentials' links begin with")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run (other work on them lowers "
          f"the figures); gunicorn with {args.workers} {args.worker_class} workers x {args.threads} threads; "
          f"{args.database_url or args.database}; {args.credentials} badges; wrk on the same machine with "
          f"{args.connections} connections for {args.seconds} s per endpoint after {args.warmup} s unmeasured; "
          f"open loop at {args.rate:g}/s",
          flush=True)
    with tempfile.TemporaryDirectory() as folder, (nullcontext_url(args.database_url) if args.database_url
                                                   else database(args.database, Path(folder))) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(database_url=url, secret_key="bench", key_encryption_key=keys.new_kek(),
                            public_base_url=args.public_url if args.database_url else base,
                            instance_dir=Path(folder))
        started = time.perf_counter()
        badges = existing(settings, args.credentials) if args.database_url else issue(settings, args.credentials)
        print(f"{len(badges)} badges ready in {time.perf_counter() - started:.1f} s", flush=True)
        closed, opened = {}, {}
        with gunicorn(settings, workers=args.workers, port=port, worker_class=args.worker_class,
                      threads=args.threads) as server:
            meter = CpuMeter(server, url)
            for target in targets(base, badges):
                check_once(target)  # also waits until the requests left over from the previous run were served
                if args.warmup:
                    wrk(target, connections=args.connections, seconds=args.warmup, folder=Path(folder))
                    check_once(target)
                meter.start()
                closed[target.name] = measured(wrk(target, connections=args.connections, seconds=args.seconds,
                                                   folder=Path(folder)), meter)
                if args.rate:
                    check_once(target)
                    meter.start()
                    opened[target.name] = measured(open_loop(target, rate=args.rate, seconds=args.seconds), meter)
    report(f"closed loop (wrk, {args.connections} connections), latency in ms", closed)
    if opened:
        report(f"open loop at {args.rate:g} requests/s (a new connection each), latency in ms from when due", opened)
    return 0 if all(r.errors == "none" for r in (*closed.values(), *opened.values())) else 1


@contextmanager
def nullcontext_url(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    sys.exit(main())
