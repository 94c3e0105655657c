"""Real parallel requests against a live server: one session (cookie and CSRF token), many threads at once."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request


def open_form(base_url: str, path: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a fresh visit to the form at `path`."""
    with urllib.request.urlopen(base_url + path) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    assert token, f"no CSRF token on {path}"
    return cookie, token[1]


def post_at_once(base_url: str, path: str, form: dict[str, str], n: int) -> list[int]:
    """The status codes of `n` POSTs of `form` to `path`, sent by `n` threads released together."""
    cookie, token = open_form(base_url, path)
    body = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
    start, codes = threading.Barrier(n), [0] * n

    def one(i: int) -> None:
        request = urllib.request.Request(base_url + path, data=body, headers={"Cookie": cookie})
        start.wait()
        try:
            with urllib.request.urlopen(request) as response:
                codes[i] = response.status
        except urllib.error.HTTPError as e:
            codes[i] = e.code

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return codes
