"""Staff password reset by e-mail: a signed, expiring link that works once.

The link is an itsdangerous token (the app's secret key, a salt of its own) naming the account and a fingerprint
of its password hash and session generation. Setting the new password changes both, so a used link stops working
without any table of issued links; signing out everywhere ends open links too. Nothing is stored, so a copy of the
database holds no working link. No Flask: the caller throttles, sends the mail and answers the same page whether
or not the address has an account.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from badges.errors import InvalidInput
from issuer import staff as staff_service
from store.console import StaffUser

SALT = "console.password-reset"
MAX_AGE = timedelta(hours=1)


def token_for(secret_key: str, staff: StaffUser) -> str:
    """The token of a reset link for `staff`, valid for MAX_AGE and until the password changes."""
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"s": staff.id, "f": _fingerprint(staff)})


def link(base_url: str, token: str) -> str:
    """The URL of the reset page (issuer.console_account.reset) for the e-mail."""
    return f"{base_url}/console/password/reset/{token}"


def staff_for(session: Session, secret_key: str, token: str, *, now: datetime) -> StaffUser:
    """The account a link's token resets; InvalidInput when it is forged, expired, or used (the password changed)."""
    try:
        payload, signed_at = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, return_timestamp=True)
    except BadSignature:
        raise _invalid() from None
    if now - signed_at > MAX_AGE or not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise _invalid()
    staff = session.get(StaffUser, payload["s"])
    if staff is None or not hmac.compare_digest(str(payload.get("f", "")), _fingerprint(staff)):
        raise _invalid()
    return staff


def reset(session: Session, secret_key: str, token: str, *, password: str, now: datetime) -> StaffUser:
    """Set the password of the link's account (InvalidInput for a bad link or a short password); every session
    of the account ends, and the link with them."""
    staff = staff_for(session, secret_key, token, now=now)
    staff_service.set_password(staff, password)
    return staff


def _fingerprint(staff: StaffUser) -> str:
    return hashlib.sha256(f"{staff.password_hash}\n{staff.session_generation}".encode()).hexdigest()[:32]


def _invalid() -> InvalidInput:
    return InvalidInput("account.reset_invalid", "This reset link is not valid: it was already used, is over an "
                        "hour old, or was made before the password last changed. Ask for a new one.")
