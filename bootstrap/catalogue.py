"""The whole ko/en catalogue: the shared pages' messages and every feature's, merged (installed into web.i18n by
bootstrap.wiring.build_services)."""
from __future__ import annotations

from issuer import messages as issuer_messages
from keys import messages as keys_messages
from verifier import messages as verifier_messages
from wallet import messages as wallet_messages
from wallet import ob_messages
from web import messages as web_messages

CATALOGUES = (web_messages.MESSAGES, issuer_messages.MESSAGES, verifier_messages.MESSAGES, wallet_messages.MESSAGES,
              keys_messages.MESSAGES, ob_messages.MESSAGES)
MESSAGES: dict[str, dict[str, str]] = {key: entry for catalogue in CATALOGUES for key, entry in catalogue.items()}
