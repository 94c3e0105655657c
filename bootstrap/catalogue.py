"""The whole ko/en catalogue: the shared pages' messages and every feature's (each package's .po files), installed
into web.i18n by bootstrap.wiring.build_services."""
from __future__ import annotations

from issuer import messages as issuer_messages
from verifier import messages as verifier_messages
from wallet import messages as wallet_messages
from web import messages as web_messages
from web.translations import PackageMessages

CATALOGUES: tuple[PackageMessages, ...] = (web_messages.MESSAGES, issuer_messages.MESSAGES,
                                           verifier_messages.MESSAGES, wallet_messages.MESSAGES)
