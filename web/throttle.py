"""Throttles of the account pages: sign-in attempts per account and per client address, and mails per
recipient and per client address. They are counted in the app's shared Limits (web.ratelimit), so they hold
across app processes, and an attempt is counted before its password is checked, so parallel guesses cannot race.
"""
from __future__ import annotations

import math

from store.credentials import email_lookup
from web.http import services
from web.ratelimit import Decision, Rule, client_address, shared_limits

# A person mistyping gets 5 tries a quarter of an hour. The per-client rule slows guessing across accounts,
# yet lets a classroom behind one address (a training company's office) sign in together.
SIGN_IN_PER_ACCOUNT = Rule("sign-in/account", 5, 15 * 60)
SIGN_IN_PER_CLIENT = Rule("sign-in/client", 100, 15 * 60)
# Enough for a sign-up and a few resends; beyond that an inbox is being flooded. Per client: a class signing up
# together, not a spam run through our mail server.
MAIL_PER_ADDRESS = Rule("mail/address", 5, 3600)
MAIL_PER_CLIENT = Rule("mail/client", 60, 3600)


def sign_in_attempt(email: str) -> Decision:
    """Count a sign-in attempt for the account named `email` from this client; refused past either limit."""
    return _hit_each((SIGN_IN_PER_CLIENT, client_address()), (SIGN_IN_PER_ACCOUNT, _account(email)))


def signed_in(email: str) -> None:
    """Its owner got in: the account's failed attempts are forgotten (the client's are not)."""
    shared_limits().clear(SIGN_IN_PER_ACCOUNT, _account(email))


def mail_allowed(address: str) -> bool:
    """Count a mail to `address` asked for by this client; False past either limit. The caller then sends
    nothing and shows the usual page, so the answer never tells whether the address has a wallet."""
    return _hit_each((MAIL_PER_CLIENT, client_address()), (MAIL_PER_ADDRESS, _account(address))).allowed


def retry_minutes(decision: Decision) -> int:
    """The wait a refused decision asks for, in whole minutes (at least one)."""
    return max(1, math.ceil(decision.retry_after_s / 60))


def _hit_each(*counts: tuple[Rule, str]) -> Decision:
    """Hit the rules in turn, stopping at the first that refuses."""
    limits, decision = shared_limits(), Decision(True, -1, 0)
    for rule, key in counts:
        decision = limits.hit(rule, key)
        if not decision.allowed:
            break
    return decision


def _account(email: str) -> str:
    # a keyed hash, as for credentials: the counts (in Redis or the database) never hold an address
    return email_lookup(email, services().issuing.lookup_key)
