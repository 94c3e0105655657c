"""Debian's Chromium for browser tests: where it is and how it is started (see the `page` fixture)."""
from __future__ import annotations

import shutil

import pytest

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1"]


def chromium() -> str:
    """The Chromium binary; the test fails (not skips) without it, since scripts/test installs it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run scripts/test (it installs Debian's chromium package), "
                    "or `apt-get install chromium`.")
    return path
