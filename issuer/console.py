"""Console plumbing shared by its blueprints: who is signed in, in which organisation, with which role."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g, redirect, request, url_for
from werkzeug.wrappers import Response

from badges.errors import BadgeError
from issuer import notify
from issuer import staff as staff_service
from store.console import Role
from store.issuing import MailState
from store.models import Org
from web.http import request_transaction, services
from web.i18n import tell
from web.security import safe_target, signed_in

F = TypeVar("F", bound=Callable[..., Any])
STAFF = "staff"  # the session key of a signed-in staff member
# /console/<org_slug> shares its path space with these pages, so no organisation may take their names


class Forbidden(BadgeError):
    status = 403
    type = "about:blank"


@dataclass(frozen=True, slots=True)
class Console:
    """The request's console context: the staff member, their organisation and role there."""

    staff_id: int
    org: Org
    role: Role

    @property
    def actor(self) -> str:
        """How the audit log names this staff member."""
        return f"staff:{self.staff_id}"


def current() -> Console:
    """The console context set by @console_view."""
    return g.console


def console_view(role: Role) -> Callable[[F], F]:
    """Require a signed-in staff member with at least `role` in the organisation named by `org_slug`. The
    request runs in one transaction (web.http.request_transaction: the view's transaction() blocks are
    savepoints of it), in which the organisation and the role are loaded once, for current()."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, org_slug: str, **kwargs: Any) -> Any:
            with request_transaction() as session:
                staff_id = signed_in(STAFF)
                if staff_id is None:
                    return redirect(url_for("console_auth.sign_in", next=request.full_path))
                org, granted = staff_service.role_in(session, staff_id=staff_id, org_slug=org_slug)
                if not granted.allows(role):
                    raise Forbidden("console.role_required", f"This needs the {role} role in {org.name_en}; "
                                    f"you are {granted}. Ask an owner of the organisation.")
                g.console = Console(staff_id, org, granted)
                return view(*args, org_slug=org_slug, **kwargs)
        wrapper.console_role = role  # type: ignore[attr-defined]  # read by the tenant-isolation test
        return wrapper  # type: ignore[return-value]
    return decorate


def back_to(default: str) -> Response:
    """Redirect to a same-site `next` URL if one was given, else to `default`."""
    return redirect(safe_target(request.args.get("next") or request.form.get("next"), default=default))


def deliver_now(mail_id: int) -> None:
    """Send one notification (its outbox row committed) and say on the next page how it went."""
    [mail] = notify.deliver(services(), [mail_id])
    if mail.state == MailState.SENT:
        tell("notify.sent", to=mail.to_display)
    else:
        tell("notify.failed", "error", to=mail.to_display)
