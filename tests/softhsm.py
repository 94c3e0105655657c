"""A fresh SoftHSM2 token for each test: its own token folder and softhsm2.conf (SOFTHSM2_CONF), initialised with
`softhsm2-util --init-token --free`. Import the fixtures into a test module (or conftest) that uses them."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pkcs11
import pytest

import keys
from keys.hsm import Token, TokenConfig
from web.settings import Settings

LABEL = "badges-test"
PIN = "4831-7290"
SO_PIN = "so-5517-2068"
MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")


def softhsm_module() -> str:
    """The SoftHSM2 PKCS#11 module; fails the test (not skips) when SoftHSM2 is not installed."""
    found = next((path for path in MODULES if Path(path).exists()), None)
    if found is None or shutil.which("softhsm2-util") is None:
        pytest.fail("SoftHSM2 is not installed: run scripts/setup --test (Debian package softhsm2)", pytrace=False)
    return found


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenConfig]:
    """A new, empty token labelled LABEL with user PIN PIN, in a folder of this test's own."""
    module = softhsm_module()
    folder = tmp_path / "softhsm"
    (folder / "tokens").mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    pkcs11.lib(module).reinitialize()  # a module loaded by an earlier test reads this test's conf again
    yield TokenConfig(module, LABEL, PIN)
    pkcs11.lib(module).finalize()  # every session of this test's token ends with it


@pytest.fixture
def token(softhsm: TokenConfig) -> Iterator[Token]:
    """Our Token on the fresh SoftHSM2 token."""
    opened = Token(softhsm)
    yield opened
    opened.close()


def hsm_settings(settings: Settings, config: TokenConfig) -> Settings:
    """`settings` with new keys made in the token."""
    return replace(settings, key_custody=keys.PKCS11, pkcs11=config)
