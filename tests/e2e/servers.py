"""Servers a test owns, so it may kill and restart them: a PostgreSQL cluster (initdb + pg_ctl in a temporary
directory), a Redis server, gunicorn serving the app and `badges worker` processes, each on a free port of
127.0.0.1, configured through the environment as a deployment is. The shared PostgreSQL (5432) and Redis (6379)
of the test run are never touched."""
from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from web.settings import Settings

PG_BIN = Path(os.environ.get("BADGES_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
BADGES = Path(sys.executable).with_name("badges")  # the console script, as an operator runs it
GUNICORN_CONF = Path(__file__).resolve().parents[2] / "bootstrap" / "gunicorn_conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: Settings, **variables: str) -> dict[str, str]:
    """This process's environment with `settings` in the variables a deployment sets (and `variables`), for the
    service's programs started by a test."""
    env = {**os.environ, "BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
           "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(),
           "BADGES_PUBLIC_URL": settings.public_base_url, "BADGES_INSTANCE": str(settings.instance_dir)}
    if settings.redis_url:
        env["BADGES_REDIS_URL"] = settings.redis_url
    return env | variables


def wait_for(condition: object, what: str, timeout: float = 30.0) -> None:
    """Poll `condition()` until it is true, failing after `timeout` seconds with `what`."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Postgres:
    """A PostgreSQL cluster of the drill's own (trust authentication, user postgres, no fsync: a test cluster)."""

    def __init__(self) -> None:
        # a folder of its own outside pytest's (which only root may enter): initdb and postgres refuse to run
        # as root, so under root (as in CI) they run as the postgres user, who must own the folder
        self.folder = Path(tempfile.mkdtemp(prefix="badges-drill-pg-"))
        self.data, self.log, self.port = self.folder / "data", self.folder / "postgres.log", free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster: `fast` (connections are ended, a clean shutdown) or `immediate` (as a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop the cluster (as a crash: nothing to keep) and delete its folder."""
        self.stop("immediate")
        shutil.rmtree(self.folder)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as, str(PG_BIN / program), *args], check=True, capture_output=True)


class RedisServer:
    """A redis-server of the drill's own, without persistence: stopping it loses whatever it held, as a Redis
    restarted without a snapshot does."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, "redis-server to answer")

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no snapshot, no goodbye to the clients
        self.process.wait()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Process:
    """A program of the service (gunicorn, `badges worker`) in a process group of its own, logging to a file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:  # PYTHONFAULTHANDLER: a SIGABRT writes every thread's stack to the log
            self.process = subprocess.Popen(command, env={**env, "PYTHONFAULTHANDLER": "1"}, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """kill -9 of the whole process group: nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (a warm shutdown: a job under way ends first); the exit status."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # where each thread is, in the log (PYTHONFAULTHANDLER), then kill -9
            os.killpg(self.process.pid, signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.kill()
            raise AssertionError(f"{self.log.name} did not stop:\n{self.log.read_text()}") from None


def gunicorn(env: dict[str, str], port: int, log: Path, *, workers: int = 1) -> Process:
    """gunicorn serving `bootstrap.app:serve()` on 127.0.0.1:`port` with the project's gunicorn settings, once it
    answers."""
    server = Process([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-w", str(workers),
                      "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--timeout", "120",
                      "bootstrap.app:serve()"], env, log)

    def answers() -> bool:
        # A probe waits for its answer rather than give up and try again: a worker booting under load still
        # answers an abandoned probe later, and a test counting requests would count it.
        assert server.alive(), log.read_text()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).close()
            return True
        except OSError:
            return False
    wait_for(answers, "gunicorn to answer", timeout=60)
    return server


def worker(env: dict[str, str], queue: str, log: Path) -> Process:
    """`badges worker --queue QUEUE`, waiting for jobs."""
    return Process([str(BADGES), "worker", "--queue", queue], env, log)
