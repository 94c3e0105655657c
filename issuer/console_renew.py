"""Renewing a badge from the console: the issuer names the person as issued and, optionally, the new validity's
last day (Korea time); issuer.renewals does the rest through the one issuing path."""
from __future__ import annotations

import json
from datetime import date, datetime, time

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from badges.clock import KOREA
from badges.errors import BadgeError, InvalidInput
from issuer import notify, renewals
from issuer.console import console_view, current
from store.console import Role
from store.credentials import get_credential
from web.http import after_commit, services, transaction, utcnow
from web.i18n import tell

bp = Blueprint("console_renew", __name__, url_prefix="/console/<org_slug>")


@bp.route("/credentials/<credential_id>/renew", methods=["GET", "POST"])
@console_view(Role.ISSUER)
def renew(org_slug: str, credential_id: str) -> Response | tuple[str, int] | str:
    form = {k: request.form.get(k, "") for k in ("name", "email", "valid_until", "notify")}
    with transaction() as session:
        credential = get_credential(session, credential_id, org_id=current().org.id)
        if request.method == "GET":
            form["name"] = str(json.loads(credential.document).get("credentialSubject", {}).get("name", ""))
            return render_template("issuer/console/renew.html", console=current(), credential=credential, form=form,
                                   error=None)
        try:
            with session.begin_nested():
                issued = renewals.renew(session, services().issuing, org=current().org, credential_id=credential_id,
                                        name=form["name"], email=form["email"], actor=current().actor, now=utcnow(),
                                        valid_until=_last_day(form["valid_until"]), notify=form["notify"] == "1")
        except BadgeError as e:
            return render_template("issuer/console/renew.html", console=current(), credential=credential,
                                   form=form, error=e), e.status
        new_id, mail_id = issued.credential.id, issued.mail_id
    if mail_id is not None:
        after_commit(lambda: notify.deliver(services(), [mail_id]))
    tell("renew.done")
    return redirect(url_for("console_credentials.show", org_slug=org_slug, credential_id=new_id))


def _last_day(text: str) -> datetime | None:
    """The end of the day `text` (YYYY-MM-DD) in Korea; None when empty."""
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("renew.valid_until_invalid", "The date is not a real date.", path="/validUntil") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=KOREA)
