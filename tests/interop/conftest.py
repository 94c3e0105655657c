"""Fixtures that run the JavaScript reference stack (interop/vc.mjs) in node."""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import schemas
from badges.jsonld import JsonObject

INTEROP = Path(__file__).resolve().parents[2] / "interop"
TIMEOUT_S = 60

Reference = Callable[[JsonObject], JsonObject]


@pytest.fixture(scope="session")
def node() -> str:
    """Path of the node executable; skips the test when node is not installed."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed, so the JavaScript reference cannot run")
    if not (INTEROP / "node_modules").is_dir():
        pytest.fail("interop/node_modules is missing: run `npm ci --prefix interop` first", pytrace=False)
    return path


@pytest.fixture(scope="session")
def reference(node: str) -> Reference:
    """A function sending one request to interop/vc.mjs and returning its JSON answer."""
    def run(request: JsonObject) -> JsonObject:
        done = subprocess.run([node, str(INTEROP / "vc.mjs")], input=json.dumps(request),
                              capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        if done.returncode != 0:
            pytest.fail(f"vc.mjs exited with {done.returncode}:\n{done.stderr}", pytrace=False)
        answer: JsonObject = json.loads(done.stdout)
        return answer
    return run


@pytest.fixture(scope="session")
def bundled_contexts() -> dict[str, JsonObject]:
    """Every context we bundle, by URL: the only contexts the reference may load."""
    return {url: schemas.context(url) for url in schemas.CONTEXT_FILES}
