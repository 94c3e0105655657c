"""The wallet's services run without Flask (STYLE.md §3.2): only its blueprints and wallet.web import it."""
from __future__ import annotations

from tests.test_layering import imported_after


def test_wallet_services_do_not_pull_in_the_web_framework() -> None:
    loaded = imported_after("import wallet.service, wallet.accounts, wallet.imports, wallet.sharing, "
                            "wallet.exports, wallet.pdf, wallet.transcripts")
    assert loaded & {"flask", "werkzeug"} == set()
