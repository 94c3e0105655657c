"""A learner's credentials: collected from this deployment by e-mail, imported from elsewhere after
verification, hidden or removed, and read as a history. No Flask; the caller owns the session.
Verifying (which may read this database through another connection, or the network) is in wallet.reports."""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges import model, transcript
from badges.clr import Attester
from badges.errors import Conflict
from badges.fetch import FetchPolicy
from badges.jsonld import JsonObject
from badges.verify import Resolver
from store.credentials import credentials_for_email
from store.links import Links
from store.wallet import Learner, ShareLink, WalletItem, items_of

COUNTED = frozenset({"valid", "expired"})  # what adds to hours and skills: genuine, not revoked
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
UNCHECKED = {"verdict": "unknown", "report": b'{"checks": []}', "checked_at": NEVER}  # due for verification


@dataclass(frozen=True, slots=True)
class WalletContext:
    """What the wallet services need from the deployment."""

    links: Links
    secret_key: str
    kek: bytes
    lookup_key: bytes
    resolve: Resolver
    fetch_policy: FetchPolicy
    skew: timedelta
    attest: Attester | None = None  # the platform's Profile and signer (bootstrap.wiring gives it), for CLRs
    old_keks: tuple[bytes, ...] = ()  # still open learners' keys while a KEK rotation runs
    # called (learner id, now) with no transaction open after badges are collected, imported or re-verified; returns
    # how many new badges it issued (bootstrap.wiring gives the issuer's pathway awarding: issuer.pathways)
    after_collect: Callable[[int, datetime], int] | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One wallet item with what its credential says, ready to show."""

    item: WalletItem
    course: transcript.Course
    document: JsonObject

    @property
    def counted(self) -> bool:
        return self.item.verdict in COUNTED

    def title(self, lang: str) -> str:
        """The course name in `lang` when it was issued here (the version issued is known in both languages),
        else as the credential says."""
        version = self.item.credential.version if self.item.credential else None
        if version is not None:
            return (version.name_en if lang == "en" else version.name_ko) or self.course.title
        return self.course.title

    def issued_image(self, links: Links) -> str | None:
        """For a badge issued here, the URL of its course version's image (as the credential names it)."""
        if self.item.credential is None:
            return None
        subject = self.document.get("credentialSubject", {})
        image = subject.get("achievement", {}).get("image") if isinstance(subject, dict) else None
        url = image.get("id") if isinstance(image, dict) else image
        if isinstance(url, str) and url.startswith(links.base_url + "/"):
            return url
        return links.achievement(self.item.credential.achievement.public_id) + "/image.png"

    def issuer(self, lang: str) -> str:
        """The issuer's name in `lang` when it issued here, else as the credential says."""
        org = self.item.credential.org if self.item.credential else None
        if org is not None:
            return (org.name_en if lang == "en" else org.name_ko) or self.course.issuer_name
        return self.course.issuer_name


@dataclass(frozen=True, slots=True)
class History:
    """The timeline: shown entries (filtered, newest first, grouped by year), hidden ones, the totals of the
    shown ones, and the skills and issuers to filter by."""

    years: list[tuple[int | None, list[Entry]]]
    hidden: list[Entry]
    totals: transcript.Totals
    skills: tuple[tuple[str, int], ...]
    issuers: tuple[tuple[str, int], ...]


def document_bytes(item: WalletItem) -> bytes:
    """The credential exactly as issued (from the credentials table) or as imported."""
    if item.credential is not None:
        return item.credential.document
    return item.document or b"{}"


def entry(item: WalletItem) -> Entry:
    """The item with its credential read."""
    document = json.loads(document_bytes(item))
    return Entry(item, transcript.course(document), document)


def entries(session: Session, learner_id: int) -> list[Entry]:
    """Every item of the learner (hidden ones included), read."""
    return [entry(item) for item in items_of(session, learner_id)]


def history(all_entries: Sequence[Entry], *, skill: str | None = None, issuer: str | None = None) -> History:
    """The timeline of visible entries matching the filters; totals count genuine, unrevoked ones only."""
    visible = [e for e in all_entries if not e.item.hidden]
    options = transcript.totals(e.course for e in visible)  # every visible badge can be filtered for
    shown = [e for e in visible if (not skill or transcript.has_skill(e.course, skill))
             and (not issuer or e.course.issuer_name == issuer)]
    shown = newest_first(shown)
    years: list[tuple[int | None, list[Entry]]] = []
    for e in shown:
        year = e.course.awarded_on.year if e.course.awarded_on else None
        if not years or years[-1][0] != year:
            years.append((year, []))
        years[-1][1].append(e)
    return History(years, [e for e in all_entries if e.item.hidden],
                   transcript.totals(e.course for e in shown if e.counted), options.skills, options.issuers)


def newest_first(some: Sequence[Entry]) -> list[Entry]:
    """Entries by completion date, newest first (undated ones last)."""
    return sorted(some, key=lambda e: (e.course.awarded_on or date.min, e.item.id), reverse=True)


def holder_for(document: JsonObject, addresses: Sequence[str]) -> str | None:
    """The first of `addresses` the credential was issued to, or None."""
    return next((a for a in addresses if names_recipient(document, [a])), None)


def confirmed_addresses(learner: Learner) -> list[str]:
    """The learner's confirmed e-mail addresses."""
    return [e.address for e in learner.emails if e.verified_at is not None]


def names_recipient(document: JsonObject, addresses: Sequence[str]) -> bool | None:
    """True if the credential's subject names one of `addresses` (salted hash check), False if it names
    other e-mail addresses only, None if it names no e-mail address at all."""
    subject = document.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    emails = [i for i in identifiers if isinstance(i, dict) and i.get("identityType") == "emailAddress"] \
        if isinstance(identifiers, list) else []
    if not emails:
        return None
    return any(model.email_matches(address, i) for address in addresses for i in emails)


def collect_issued(session: Session, ctx: WalletContext, learner: Learner, *, now: datetime) -> list[WalletItem]:
    """Add the credentials issued here to the learner's confirmed addresses that are not in the wallet yet
    (found by the keyed e-mail hash, then checked against the salted identityHash). They are not verified yet:
    wallet.reports does that outside the transaction."""
    known_ids: set[str] = set()
    known_keys: set[str] | None = None  # read once a credential not held by id turns up
    added = []
    for address in confirmed_addresses(learner):
        for credential in credentials_for_email(session, address, key=ctx.lookup_key, not_held_by=learner.id):
            if known_keys is None:
                known_keys = set(session.scalars(select(WalletItem.credential_key)
                                                 .where(WalletItem.learner_id == learner.id)))
            document = json.loads(credential.document)
            key = credential_key(document, credential.document)
            if credential.id in known_ids or key in known_keys or not names_recipient(document, [address]):
                continue
            item = WalletItem(public_id=new_public_id(), learner_id=learner.id, credential_key=key,
                              credential_id=credential.id, origin="issued", recipient_confirmed=True,
                              hidden=False, on_profile=False, added_at=now, **UNCHECKED)
            try:
                with session.begin_nested():
                    session.add(item)
            except IntegrityError:  # a concurrent request collected it first
                continue
            known_ids.add(credential.id)
            known_keys.add(key)
            added.append(item)
    return added


def credential_key(document: JsonObject, raw: bytes) -> str:
    """What makes two copies the same credential: its `id`, or a digest of the bytes when it has none."""
    credential_id = document.get("id")
    if isinstance(credential_id, str) and 0 < len(credential_id) <= 500:
        return credential_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def set_hidden(item: WalletItem, hidden: bool) -> None:
    """Hide an item from the history, the profile, share links and exports (it stays in the wallet)."""
    item.hidden = hidden
    if hidden:
        item.on_profile = False


def set_on_profile(item: WalletItem, shown: bool) -> None:
    """Show an item on (or take it off) the public profile; hidden items cannot be shown."""
    if shown and item.hidden:
        raise Conflict("wallet.item_hidden", "Unhide the badge before putting it on your profile.")
    item.on_profile = shown


def remove(session: Session, item: WalletItem, *, now: datetime) -> None:
    """Delete an item: an import is deleted outright; a badge issued here keeps a bare marker so that it
    is not collected again. Its share links are revoked."""
    for link in session.scalars(select(ShareLink).where(ShareLink.item_id == item.id)):
        session.delete(link)
    session.flush()
    if item.credential_id is None:
        session.delete(item)
        return
    item.removed_at, item.hidden, item.on_profile = now, False, False


def restore_removed(session: Session, learner: Learner) -> int:
    """Forget the markers of removed badges issued here, so they are collected again; returns how many."""
    markers = list(session.scalars(select(WalletItem).where(WalletItem.learner_id == learner.id,
                                                           WalletItem.removed_at.is_not(None))))
    for marker in markers:
        session.delete(marker)
    return len(markers)


def removed_count(session: Session, learner: Learner) -> int:
    """How many badges issued here the learner removed."""
    return len(session.scalars(select(WalletItem.id).where(WalletItem.learner_id == learner.id,
                                                           WalletItem.removed_at.is_not(None))).all())


def new_public_id() -> str:
    """A random id for an item's URLs (ids are never sequential, so they cannot be guessed)."""
    return secrets.token_urlsafe(12)
