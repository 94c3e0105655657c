"""Debian's Chromium for browser tests: where it is and how it is started (see the `page` fixture)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def keep(screenshot: Path, name: str) -> None:
    """Also keep `screenshot` as BADGES_SHOTS/`name`.png when that variable names a folder (README's pictures of the
    three journeys come from tools/screenshots, which sets it)."""
    folder = os.environ.get("BADGES_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(folder) / f"{name}.png")
