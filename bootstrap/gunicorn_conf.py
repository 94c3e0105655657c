"""gunicorn settings for serving the app with several worker processes:
`gunicorn -c bootstrap/gunicorn_conf.py -w 4 'bootstrap.app:serve()'`.

Sync workers (the default, `-w 2 x cores + 1`): one request at a time per process. `-k gthread --threads N` is
safe (one canonicalization at a time per process, badges.jsonld) but was slower here: 2 x 8 threads served
fewer requests with more CPU each than 5 sync workers (bench/bench_load.py, README "Verification over HTTP").
A worker stopped with SIGTERM writes the verification events it still holds before it exits (verifier.events, atexit).

With PROMETHEUS_MULTIPROC_DIR set (an empty directory, emptied again before each start), every worker writes its
metrics there and /metrics adds them up (web.metrics); a worker that exits has its live gauges dropped here, as
prometheus_client's multiprocess mode asks.

A response leaves in one TCP segment (TCP_CORK from `pre_request` to `post_request`, tcp(7)): gunicorn writes the
head and the body with two calls, which with TCP_NODELAY went out as two segments, the client woken for each; one
fewer send and wake-up per request served the verification API ~5% more requests/s here (bench/bench_load.py).
Corking holds back only a partial segment and never past `post_request` (or 200 ms, the kernel's cap).
"""
from __future__ import annotations

import os
import socket
from typing import Any

from prometheus_client import multiprocess

# Each worker's heartbeat file, touched at every request, in memory rather than on the container's disk (gunicorn's
# FAQ, "blocking OS calls"); ~1% of a request here.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def pre_request(worker: Any, req: Any) -> None:
    _cork(getattr(getattr(req, "unreader", None), "sock", None), True)


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    _cork(getattr(resp, "sock", None) or getattr(getattr(req, "unreader", None), "sock", None), False)


def _cork(sock: socket.socket | None, on: bool) -> None:
    """Hold back (or send) a TCP socket's partial segments; nothing for a Unix socket (`-b unix:...`)."""
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, on)
        except OSError:  # the client has gone; gunicorn's own write or close reports it
            pass
