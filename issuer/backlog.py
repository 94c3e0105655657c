"""The cohort backlog as Prometheus gauges, read at each scrape of /metrics: jobs waiting or running, the rows they
still have to issue, and (with BADGES_REDIS_URL) the length of the Redis queue the workers take them from."""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from issuer.context import Context
from issuer.jobs import Runner
from store.db import transaction
from store.issuing import CohortJob, CohortRow, JobState, RowState

UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


class Backlog(Collector):
    """Gauges of the unfinished cohort jobs (from the database) and of the job queue (from Redis, if used)."""

    def __init__(self, services: Context, runner: Runner) -> None:
        self._services, self._runner = services, runner

    def collect(self) -> Iterator[Metric]:
        with transaction(self._services.sessions) as session:
            jobs = dict(session.execute(select(CohortJob.state, func.count()).where(
                CohortJob.state.in_(UNFINISHED)).group_by(CohortJob.state)).all())
            rows = session.scalar(select(func.count()).select_from(CohortRow).join(CohortJob).where(
                CohortJob.state.in_(UNFINISHED), CohortRow.state == RowState.PENDING)) or 0
        by_state = GaugeMetricFamily("badges_cohort_jobs", "Cohort jobs not finished, by state.", labels=["state"])
        for state in UNFINISHED:
            by_state.add_metric([str(state)], jobs.get(state, 0))
        yield by_state
        yield GaugeMetricFamily("badges_cohort_rows_pending", "Rows of unfinished cohort jobs still to issue.",
                                value=rows)
        queue = getattr(self._runner, "queue", None)  # issuer.queue.RqRunner's RQ queue
        if queue is not None:
            yield GaugeMetricFamily("badges_queue_depth", "Jobs waiting in the Redis queue for a worker.",
                                    value=queue.count)
