"""gunicorn settings for serving the app with several worker processes:
`gunicorn -c bootstrap/gunicorn_conf.py -w 4 'bootstrap.app:serve()'`.

Sync workers (the default, `-w 2 x cores + 1`): one request at a time per process. `-k gthread --threads N` is
safe (one canonicalization at a time per process, badges.jsonld) but was slower here: 2 x 8 threads served
fewer requests with more CPU each than 5 sync workers (bench/bench_load.py, README "Verification over HTTP").
A worker stopped with SIGTERM writes the verification events it still holds before it exits (verifier.events, atexit).

With PROMETHEUS_MULTIPROC_DIR set (an empty directory, emptied again before each start), every worker writes its
metrics there and /metrics adds them up (web.metrics); a worker that exits has its live gauges dropped here, as
prometheus_client's multiprocess mode asks.
"""
from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

# Each worker's heartbeat file, touched at every request, in memory rather than on the container's disk (gunicorn's
# FAQ, "blocking OS calls"); ~1% of a request here.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
