"""The dependency rule (STYLE.md §3.2): the core never pulls in the web framework or the database."""
from __future__ import annotations

import subprocess
import sys

import pytest

WEB_AND_DATABASE = ("flask", "werkzeug", "sqlalchemy")


def imported_after(statement: str) -> set[str]:
    """Top-level packages loaded in a fresh interpreter after running `statement`."""
    probe = f"import sys; {statement}; print(' '.join(sorted({{m.partition('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_core_packages_do_not_pull_in_the_web_or_the_database() -> None:
    loaded = imported_after("import badges, badges.verify, keys, schemas")
    assert loaded & set(WEB_AND_DATABASE) == set()


@pytest.mark.parametrize("module", ["badges.verify", "badges.proofs", "badges.fetch", "badges.resolve",
                                    "badges.dids", "badges.status", "badges.model", "badges.baking",
                                    "badges.qr", "badges.artwork", "badges.checks", "badges.vc_jwt", "badges.ob2",
                                    "badges.legacy_proofs", "badges.endorsements", "badges.proof_sets", "badges.revocation_list", "badges.scan", "badges.images", "keys", "schemas"])
def test_each_core_module_alone_keeps_clear_of_the_web_and_the_database(module: str) -> None:
    assert imported_after(f"import {module}") & set(WEB_AND_DATABASE) == set()


def test_the_probe_would_notice_flask() -> None:
    # Guards the test itself: if the probe could not see an import, the tests above would pass vacuously.
    assert "flask" in imported_after("import flask")
