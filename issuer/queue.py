"""Cohort jobs on a real queue: RQ on Redis, for app servers that hand long jobs to separate worker processes.

The app's `RqRunner.submit(job_id)` enqueues a call of `perform(job_id)`: the job id is all that goes to Redis,
never a row, a key or a setting. A worker (`badges worker`, which calls `work`) runs `perform`, which is
`jobs.run` with the services the worker was started with. Correctness does not rest on the queue: the job's lease in the
database keeps two workers off one job, and a worker that dies leaves a job that is resumed like any other.

Faults a worker rides out without a restart: Redis going away (RQ's loop stops on some Redis errors, e.g. writing
a job's end; `work` starts a new RQ worker once Redis answers again, waiting 1, 2, 4 ... up to 30 s between tries)
and lost queue entries (every SWEEP seconds a worker submits again the jobs the database says nobody works on and
the queue does not hold: a Redis restarted without its data, an app killed between its commit and the queue, a
worker killed mid-job once its lease ran out). The database's own outages are waited out by jobs.run.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy.exc import SQLAlchemyError

from badges.errors import Unavailable
from issuer import jobs
from issuer.context import Context

QUEUE = "badges-cohorts"
JOB_TIMEOUT = 3600  # seconds; a cohort of 10,000 rows takes well under a minute
RESULT_TTL = 86_400  # a finished job's record stays a day in Redis (the job's report lives in the database)
FAILURE_TTL = 7 * 86_400
SWEEP = 5.0  # seconds between a worker's looks for jobs that nobody works on and the queue lost
RECONNECT_MAX = 30.0  # longest wait between two tries to reach Redis again
log = logging.getLogger(__name__)
_services: Context | None = None  # this worker process's, given to `work`


class RqRunner:
    """Queues each job on Redis for `badges worker` processes; implements jobs.Runner."""

    def __init__(self, redis_url: str, queue_name: str = QUEUE) -> None:
        self._where = _safe_location(redis_url)
        self.queue = Queue(queue_name, connection=_connect(redis_url))

    def ping(self) -> None:
        """Unavailable unless Redis answers (the app checks at start-up rather than lose jobs later)."""
        try:
            self.queue.connection.ping()
        except RedisError as e:
            reason = str(e).rstrip(".")
            raise Unavailable("queue.unavailable", f"BADGES_REDIS_URL is set, but Redis at {self._where} does not "
                              f"answer ({reason}).") from None

    def waiting(self) -> set[int]:
        """The ids of the cohort jobs that wait in the queue, or in its schedule for later."""
        ids = self.queue.get_job_ids() + self.queue.scheduled_job_registry.get_job_ids()
        found = Job.fetch_many(ids, connection=self.queue.connection) if ids else []
        return {int(job.args[0]) for job in found if job is not None and job.func_name == f"{__name__}.perform"}

    def submit(self, job_id: int, *, delay: float = 0.0) -> None:
        options = {"job_timeout": JOB_TIMEOUT, "result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL}
        try:
            if delay > 0:  # a worker's scheduler moves it to the queue when it is due
                self.queue.enqueue_in(timedelta(seconds=delay), perform, job_id, **options)
            else:
                self.queue.enqueue(perform, job_id, **options)
        except RedisError:
            raise Unavailable("queue.unavailable", f"The job queue (Redis at {self._where}) does not answer. The "
                              f"job is saved: a worker starts it once the queue is back.") from None


def perform(job_id: int) -> bool:
    """The queued call, in a worker: issue the job's pending rows; False when another runner holds the job."""
    return jobs.run(job_id, services=_worker_services())  # a run that stops on an exception frees the job itself


def work(services: Context, *, queue_name: str = QUEUE, burst: bool = False) -> bool:
    """Run jobs from the queue in this process with `services` (and RQ's scheduler, for delayed jobs) until
    stopped (SIGTERM, SIGINT), or until the queue is empty with `burst`; True if any job ran. Unless `burst`,
    a lost Redis is waited for and lost jobs are submitted again (see the module's docstring)."""
    global _services
    assert services.settings.redis_url is not None
    runner = RqRunner(services.settings.redis_url, queue_name)
    runner.ping()
    _services = services
    if not burst:  # a burst worker empties the queue it finds; the long-running ones look after the rest
        threading.Thread(target=_sweep, args=(services, runner), name="cohort-sweep", daemon=True).start()
    worked, wait, stop = False, 1.0, threading.Event()
    while True:
        # No fork per job: the services (engine, connection pool, keys) are built once and serve every job.
        worker = _Worker([runner.queue], connection=runner.queue.connection)
        try:
            worked |= worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except RedisError as e:  # its clean-up, when Redis is the reason it stopped
            log.warning("worker stopped: %s", e)
        if burst or worker.stopping:
            return worked
        for signum in (signal.SIGTERM, signal.SIGINT):  # RQ's own handlers belong to the worker that stopped
            signal.signal(signum, lambda _signum, _frame: stop.set())
        while True:  # RQ's loop stopped on a Redis error it does not retry itself: wait for Redis, start again
            log.warning("Redis at %s is away; trying again in %.0f s", _safe_location(services.settings.redis_url),
                        wait)
            if stop.wait(wait):
                return worked
            wait = min(2 * wait, RECONNECT_MAX)
            try:
                runner.ping()
                break
            except Unavailable:
                continue
        wait = 1.0


class _Worker(SimpleWorker):
    """RQ's in-process worker, remembering whether it was asked to stop (rather than stopped by an error).

    It does not listen on RQ's command channel (`rq` CLI's shutdown and kill-horse commands): `badges worker` is
    stopped by signals from its supervisor, and the channel's Redis pub/sub thread could keep a stopping worker
    from exiting (its unsubscribe and close race the thread reading the same connection; rq issue 1613)."""

    stopping = False

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        super().request_stop(signum, frame)


def _sweep(services: Context, runner: RqRunner) -> None:
    """Every SWEEP seconds, submit again the jobs nobody works on that the queue does not hold."""
    while True:
        try:
            resumed = jobs.resume_stalled(services, runner, waiting=runner.waiting())
            if resumed:
                log.info("submitted again the cohort jobs %s, which nobody was working on", resumed)
        except (RedisError, SQLAlchemyError, Unavailable) as e:  # Redis or the database away: next time
            log.warning("could not look for stalled cohort jobs: %s", type(e).__name__)
        threading.Event().wait(SWEEP)


def _worker_services() -> Context:
    """The services `work` was given (jobs run in the worker's own process: RQ's SimpleWorker)."""
    if _services is None:
        raise RuntimeError("issuer.queue.perform runs in a `badges worker` process, which gives it its services.")
    return _services


def _connect(redis_url: str) -> Redis:
    return Redis.from_url(redis_url, socket_connect_timeout=5)


def _safe_location(redis_url: str) -> str:
    """host:port/db of a Redis URL, without the password it may carry (for messages)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or '?'}:{parts.port or 6379}{parts.path or ''}"
