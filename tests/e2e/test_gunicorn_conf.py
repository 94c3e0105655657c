"""bootstrap/gunicorn_conf.py's hooks: an answer leaves in one TCP segment, and a Unix socket is left alone."""
from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

from bootstrap import gunicorn_conf
from tests.e2e import servers
from web.settings import Settings


def test_gunicorn_sends_an_answer_head_and_body_together(settings: Settings, tmp_path: Path) -> None:
    port = servers.free_port()
    env = servers.environment(replace(settings, public_base_url=f"http://127.0.0.1:{port}", instance_dir=tmp_path))
    server = servers.gunicorn(env, port, tmp_path / "gunicorn.log")
    try:
        # Without the cork the head goes out first, on its own, and the first read gets it alone (as it did here).
        firsts = []
        for _ in range(200):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                firsts.append(client.recv(65536))
    finally:
        assert server.stop() == 0, server.log.read_text()
    for first in firsts:
        head, _, body = first.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == b'{"status":"ok"}\n', first


def test_the_cork_is_set_and_released_on_tcp_and_skipped_on_unix_sockets() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener, \
            socket.create_connection(listener.getsockname()) as client:
        gunicorn_conf._cork(client, True)
        assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 1
        gunicorn_conf._cork(client, False)
        assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK) == 0
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        gunicorn_conf._cork(left, True)  # left as it is (TCP_CORK is no option of a Unix socket)
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    gunicorn_conf._cork(None, True)
