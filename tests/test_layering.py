"""The dependency rule (STYLE.md §3.2): the core never pulls in the web framework or the database."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import badges

WEB_AND_DATABASE = ("flask", "werkzeug", "sqlalchemy")


def imported_after(statement: str) -> set[str]:
    """Top-level packages loaded in a fresh interpreter after running `statement`."""
    probe = f"import sys; {statement}; print(' '.join(sorted({{m.partition('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_core_packages_do_not_pull_in_the_web_or_the_database() -> None:
    loaded = imported_after("import badges, badges.verify, keys, schemas")
    assert loaded & set(WEB_AND_DATABASE) == set()


CORE_MODULES = sorted(f"badges.{m.name}" for m in pkgutil.iter_modules(badges.__path__)) + ["keys", "schemas"]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_each_core_module_alone_keeps_clear_of_the_web_and_the_database(module: str) -> None:
    assert imported_after(f"import {module}") & set(WEB_AND_DATABASE) == set()


def test_the_probe_would_notice_flask() -> None:
    # Guards the test itself: if the probe could not see an import, the tests above would pass vacuously.
    assert "flask" in imported_after("import flask")


# Which top-level packages may import which (STYLE.md §3.2): each only those after it in this order, so the
# arrows point one way. bootstrap composes everything; the features sit on web's shared plumbing; web on store;
# store on the core.
LAYERS = ("bootstrap", ("issuer", "verifier", "wallet"), "web", "store", "keys", "badges", "schemas")
ROOT = Path(__file__).resolve().parents[1]


def package_imports() -> dict[str, set[str]]:
    """For each top-level package, the other top-level packages its modules import, wherever the import stands
    (a function body or an `if TYPE_CHECKING:` block counts: it is still a dependency)."""
    ours = {name for layer in LAYERS for name in ([layer] if isinstance(layer, str) else layer)}
    graph: dict[str, set[str]] = {name: set() for name in ours}
    for package in ours:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [node.module]
                else:
                    continue
                graph[package] |= {t.partition(".")[0] for t in targets} & (ours - {package})
    return graph


def test_the_packages_import_each_other_in_one_direction_only() -> None:
    rank = {name: i for i, layer in enumerate(LAYERS) for name in ([layer] if isinstance(layer, str) else layer)}
    upward = sorted(f"{a} -> {b}" for a, targets in package_imports().items() for b in targets if rank[b] <= rank[a])
    assert upward == []


def test_the_import_graph_probe_sees_the_imports_that_exist() -> None:
    # Guards the probe: if it could not see imports, the test above would pass vacuously.
    graph = package_imports()
    assert {"issuer", "verifier", "wallet", "web"} <= graph["bootstrap"]
    assert {"web", "store", "badges"} <= graph["issuer"]
