"""Verification events written in batches (verifier.events): every counted verification is written exactly once,
by the process's thread, by a flush, by the request itself past the bound, or at exit; a failed write keeps them;
the dashboard's counts (store.tallies) always say what the events say."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bootstrap.wiring import Services
from store import tallies
from store.db import make_engine, session_factory
from store.models import VerificationEvent
from tests.factories import NOW, issue, make_course, make_org
from verifier.events import EventRecorder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def credential(svc: Services) -> tuple[int, str]:
    org, _ = make_org(svc, "acme")
    return org.id, issue(svc, org, make_course(svc, org))


def row(credential: tuple[int, str], channel: str = "api") -> dict[str, object]:
    return {"org_id": credential[0], "credential_id": credential[1], "channel": channel, "verdict": "valid", "at": NOW}


def written(svc: Services) -> int:
    """The events written, after checking the dashboard's counts (store.tallies) say the same."""
    with svc.sessions() as session:
        assert tallies.verification_rows(session) == tallies.recounted_verification_rows(session)
        return session.scalar(select(func.count()).select_from(VerificationEvent)) or 0


def until_written(recorder: EventRecorder) -> None:
    """Wait (generously: the machine may be busy) until the recorder's thread has written what it holds."""
    deadline = time.monotonic() + 30
    while recorder.pending() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_the_thread_writes_every_counted_verification_once(svc: Services, credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=0.05, batch=7)
    for n in range(40):
        recorder.add(**row(credential, ("api", "qr", "page")[n % 3]))
    until_written(recorder)
    assert (recorder.pending(), written(svc)) == (0, 40)
    assert recorder.flush() == 0  # nothing left, nothing written twice
    recorder.close()
    assert written(svc) == 40


def test_nothing_is_written_before_its_time_but_a_flush_writes_it_all(svc: Services,
                                                                     credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=3600)
    for _ in range(3):
        recorder.add(**row(credential))
    assert (recorder.pending(), written(svc)) == (3, 0)
    assert recorder.flush() == 3
    assert (recorder.pending(), written(svc)) == (0, 3)


def test_past_the_bound_the_request_writes_them_itself(svc: Services, credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=3600, max_pending=4)
    for _ in range(4):
        recorder.add(**row(credential))
    assert written(svc) == 0
    recorder.add(**row(credential))  # the fifth: over the bound
    assert (recorder.pending(), written(svc)) == (0, 5)


def test_zero_seconds_writes_in_the_request(svc: Services, credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=0)
    recorder.add(**row(credential))
    assert (recorder.pending(), written(svc)) == (0, 1)


def test_a_failed_write_keeps_the_rows_for_the_next_try(svc: Services, credential: tuple[int, str],
                                                        tmp_path: Path) -> None:
    away = session_factory(make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}"))
    recorder = EventRecorder(away, interval=3600)
    recorder.add(**row(credential))
    recorder.add(**row(credential))
    with pytest.raises(OperationalError):
        recorder.flush()
    assert recorder.pending() == 2
    recorder._factory = svc.sessions  # the database is back
    assert recorder.flush() == 2
    assert written(svc) == 2


def test_a_row_whose_credential_is_gone_does_not_hold_back_the_others(svc: Services,
                                                                      credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=3600)
    recorder.add(**row(credential))
    recorder.add(**{**row(credential), "credential_id": "00000000-0000-0000-0000-000000000000"})
    recorder.add(**row(credential))
    recorder.flush()
    assert (recorder.pending(), written(svc)) == (0, 2)


def test_a_process_writes_what_it_counted_when_it_exits(svc: Services, credential: tuple[int, str]) -> None:
    script = (f"from store.db import make_engine, session_factory\n"
              f"from verifier.events import EventRecorder\n"
              f"from tests.factories import NOW\n"
              f"recorder = EventRecorder(session_factory(make_engine({svc.settings.database_url!r})), interval=3600)\n"
              f"for _ in range(25):\n"
              f"    recorder.add(org_id={credential[0]}, credential_id={credential[1]!r}, channel='qr',"
              f" verdict='valid', at=NOW)\n"
              f"assert recorder.pending() == 25\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr
    assert written(svc) == 25


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_starts_with_nothing_pending(svc: Services, credential: tuple[int, str]) -> None:
    recorder = EventRecorder(svc.sessions, interval=3600)
    recorder.add(**row(credential))
    child = os.fork()
    if child == 0:  # the child: its own rows only
        try:
            svc.engine.dispose(close=False)  # the parent's connections stay the parent's
            recorder.add(**row(credential, "qr"))
            os._exit(0 if recorder.pending() == 1 and recorder.flush() == 1 else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert recorder.flush() == 1  # the parent's own row, once
    with svc.sessions() as session:
        assert sorted(session.scalars(select(VerificationEvent.channel))) == ["api", "qr"]
