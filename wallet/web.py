"""What the wallet's blueprints share: the wallet context from the app's services, the signed-in learner, the
refresh of a wallet before it is shown, safe redirects, and the mail that goes out after a commit."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, redirect, request, url_for
from sqlalchemy.orm import Session

from badges.errors import Unavailable
from store.wallet import Learner, get_item, items_checked_before
from wallet import reports, service
from wallet.accounts import Outgoing
from wallet.service import WalletContext
from web.http import services, transaction, utcnow
from web.i18n import translate
from web.mail import Mail, send
from web.security import safe_target, signed_in

KIND = "learner"
MAIL_ROUTES = {"confirm": "wallet_accounts.confirm", "confirm_add": "wallet_accounts.confirm",
               "sign_in": "wallet_accounts.link_sign_in", "already_registered": "wallet_accounts.link_sign_in"}


def wallet_context() -> WalletContext:
    """The wallet services' view of this deployment's settings, keys and resolver."""
    svc = services()
    s = svc.settings
    return WalletContext(
        links=svc.issuing.links, secret_key=s.secret_key, kek=s.key_encryption_key,
        lookup_key=svc.issuing.lookup_key, resolve=svc.resolver, skew=s.clock_skew,
        fetch_policy=s.fetch_policy(), attest=svc.platform.attester, old_keks=s.old_key_encryption_keys,
        after_collect=svc.pathways)


def require_learner(session: Session) -> Learner:
    """The signed-in learner; otherwise the request ends in a redirect to the sign-in page."""
    learner_id = signed_in(KIND)
    learner = session.get(Learner, learner_id) if learner_id is not None else None
    if learner is None:
        target = request.full_path if request.method == "GET" else url_for("wallet_pages.wallet")
        abort(redirect(url_for("wallet_accounts.sign_in", next=target.rstrip("?"))))
    return learner


def refresh(*, older_than: timedelta = reports.RECHECK_AFTER, only: str | None = None) -> None:
    """Collect the signed-in learner's newly issued badges and re-check stale ones (or just item `only`):
    verification runs between two short transactions, never inside one (see wallet.reports). When a badge was
    collected or re-checked, the pathway callback may then issue track badges, which are collected at once (a view
    that changed nothing leaves tracks to the next change and to `badges pathways award`)."""
    ctx, now = wallet_context(), utcnow()
    learner_id, checked = _collect_and_verify(ctx, now, older_than, only)
    if checked and ctx.after_collect is not None and only is None and ctx.after_collect(learner_id, now):
        _collect_and_verify(ctx, now, older_than, None)


def _collect_and_verify(ctx: WalletContext, now: datetime, older_than: timedelta,
                        only: str | None) -> tuple[int, bool]:
    """The learner's id, once their new badges are collected and the due ones checked; and whether any was."""
    with transaction() as session:
        learner = require_learner(session)
        learner_id = learner.id
        service.collect_issued(session, ctx, learner, now=now)
        items = [get_item(session, learner_id=learner.id, public_id=only)] if only \
            else items_checked_before(session, learner.id, now - older_than)
        pending = reports.due(learner, items, now=now, older_than=older_than)
    if pending:
        done = reports.run(ctx, pending, now=now)
        with transaction() as session:
            reports.record_all(session, require_learner(session).id, done)
    return learner_id, bool(pending)


def safe_next(target: str | None) -> str:
    """`target` if it is a path inside the wallet (never another site), else the wallet's home."""
    return safe_target(target, default=url_for("wallet_pages.wallet"), prefix="/wallet")


def absolute(path: str) -> str:
    """The public URL of a path of this service (links in mail, PDFs and QR codes use the public base URL)."""
    return services().issuing.links.base_url + path


def send_mail(outgoing: Outgoing) -> str | None:
    """Send the mail in Korean and English; None when sent, else the reason it was not."""
    link = absolute(url_for(MAIL_ROUTES[outgoing.kind], token=outgoing.token))
    values = {"link": link, "owner": outgoing.owner, "owner_email": outgoing.owner_email}
    subject = " / ".join(translate(f"wallet.mail.{outgoing.kind}.subject", lang, **values) for lang in ("ko", "en"))
    text = "\n\n".join(translate(f"wallet.mail.{outgoing.kind}.body", lang, **values) for lang in ("ko", "en"))
    settings = services().settings
    try:
        send(Mail(to=outgoing.to, subject=subject, text=text), smtp_url=settings.smtp_url, sender=settings.mail_from)
    except Unavailable as e:
        if not settings.smtp_url and not settings.secure_cookies:  # development without a mail server
            current_app.logger.warning("E-mail is not configured (BADGES_SMTP_URL); the %s link for %s is %s",
                                       outgoing.kind, outgoing.to, link)
        return e.detail
    return None
