"""Cohort jobs on a real queue: RQ on Redis, for app servers that hand long jobs to separate worker processes.

The app's `RqRunner.submit(job_id)` enqueues a call of `perform(job_id)`: the job id is all that goes to Redis,
never a row, a key or a setting. A worker (`badges worker`, which calls `work`) runs `perform`, which is
`jobs.run` with the services the worker was started with. Correctness does not rest on the queue: the job's lease in the
database keeps two workers off one job, and a worker that dies leaves a job that is resumed like any other.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from badges.errors import Unavailable
from issuer import jobs
from issuer.context import Context

QUEUE = "badges-cohorts"
JOB_TIMEOUT = 3600  # seconds; a cohort of 10,000 rows takes well under a minute
RESULT_TTL = 86_400  # a finished job's record stays a day in Redis (the job's report lives in the database)
FAILURE_TTL = 7 * 86_400
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

    def submit(self, job_id: int, *, delay: float = 0.0) -> None:
        options = {"job_timeout": JOB_TIMEOUT, "result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL}
        try:
            if delay > 0:  # a worker's scheduler moves it to the queue when it is due
                self.queue.enqueue_in(timedelta(seconds=delay), perform, job_id, **options)
            else:
                self.queue.enqueue(perform, job_id, **options)
        except RedisError:
            raise Unavailable("queue.unavailable", f"The job queue (Redis at {self._where}) does not answer. The "
                              f"job is saved: resume it once the queue is back.") from None


def perform(job_id: int) -> bool:
    """The queued call, in a worker: issue the job's pending rows; False when another runner holds the job."""
    return jobs.run(job_id, services=_worker_services())  # a run that stops on an exception frees the job itself


def work(services: Context, *, queue_name: str = QUEUE, burst: bool = False) -> bool:
    """Run jobs from the queue in this process with `services` (and RQ's scheduler, for delayed jobs) until
    stopped, or until the queue is empty with `burst`; True if any job ran."""
    global _services
    assert services.settings.redis_url is not None
    runner = RqRunner(services.settings.redis_url, queue_name)
    runner.ping()
    _services = services
    # No fork per job: the services (engine, connection pool, keys) are built once and serve every job.
    worker = SimpleWorker([runner.queue], connection=runner.queue.connection)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


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
