"""Verifying wallet items and keeping their reports. Verification runs outside any transaction: our own issuers'
keys and lists are read by the resolver on a connection of its own (SQLite lets one writer in at a time) and
foreign ones over the network, which must not hold a transaction open. So: list what is due, run, record."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from badges.report import CheckId, Outcome, VerificationReport
from badges.verify import verify_credential
from store.wallet import Learner, WalletItem, items_of
from wallet.service import WalletContext, confirmed_addresses, document_bytes, holder_for

RECHECK_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Pending:
    """One verification to run: the item, the credential's bytes, and the confirmed address it names."""

    public_id: str
    raw: bytes
    holder: str | None


def verify(ctx: WalletContext, raw: bytes, *, now: datetime, holder: str | None = None) -> VerificationReport:
    """The full verification report of a credential, with the recipient check for `holder` when given."""
    return verify_credential(raw, resolve=ctx.resolve, now=now, skew=ctx.skew, holder=holder)


def due(learner: Learner, items: Sequence[WalletItem], *, now: datetime,
        older_than: timedelta = RECHECK_AFTER) -> list[Pending]:
    """The items last checked longer than `older_than` ago (new ones always), ready to verify."""
    addresses = confirmed_addresses(learner)
    pending = []
    for item in items:
        if item.checked_at <= now - older_than:
            raw = document_bytes(item)
            pending.append(Pending(item.public_id, raw, holder_for(json.loads(raw), addresses)))
    return pending


def run(ctx: WalletContext, pending: Sequence[Pending], *, now: datetime) -> dict[str, VerificationReport]:
    """Verify each pending item (call this with no transaction open); reports by item id."""
    return {p.public_id: verify(ctx, p.raw, now=now, holder=p.holder) for p in pending}


def record(item: WalletItem, report: VerificationReport) -> None:
    """Keep the report as the item's latest verification (and whether it named a confirmed address)."""
    item.verdict = report.verdict
    item.report = json.dumps(report.as_json(), ensure_ascii=False).encode()
    item.checked_at = report.checked_at
    item.recipient_confirmed = report.check(CheckId.RECIPIENT).outcome is Outcome.PASSED


def record_all(session: Session, learner_id: int, reports: Mapping[str, VerificationReport]) -> None:
    """Keep the reports of the learner's items (items removed in the meantime are skipped)."""
    for item in items_of(session, learner_id):
        if item.public_id in reports:
            record(item, reports[item.public_id])
