"""The dependency rule (STYLE.md §3.2): the core never pulls in the web framework or the database."""
from __future__ import annotations

import pkgutil
import subprocess
import sys

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
