"""Headless Chromium (Debian's package) driven from the command line: screenshots and rendered DOM."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]


def chromium() -> str:
    """The Chromium binary; the test fails (not skips) without it, since setup installs it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run the test command from the README (it installs "
                    "Debian's chromium package), or `apt-get install chromium`.")
    return path


def _run(args: list[str], lang: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", f"--lang={lang}",
                               f"--accept-lang={lang}", *args],
                              capture_output=True, text=True, timeout=90, check=True)


def screenshot(url: str, path: Path, *, width: int = 412, height: int = 1800, lang: str = "ko") -> Path:
    """A PNG of `url` as a phone-sized window shows it, for a reader of `lang`."""
    _run([f"--screenshot={path}", f"--window-size={width},{height}", url], lang)
    return path


def dom(url: str, *, lang: str = "ko") -> str:
    """The DOM of `url` after the page has loaded, for a reader of `lang`."""
    return _run(["--dump-dom", url], lang).stdout
