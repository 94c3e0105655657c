"""Verification for the API, the web page and the QR landing: one pipeline, our own data read locally."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from badges import baking, scan
from badges.errors import BadgeError, InvalidInput, NotFound
from badges.fetch import FetchPolicy, Gone, fetch
from badges.jsonld import JsonObject
from badges.report import STATUS_RETRIEVAL, CheckId, CheckUndecided, Outcome, VerificationReport
from badges.resolve import HttpResolver
from badges.verify import Resolver, issuer_id, verify_credential
from store import orgs
from store.db import fits_id
from store.freshness import Remembered
from store.links import Links
from store.models import Credential, Org, StatusList
from store.offers import HeldCopy
from verifier.events import EventRecorder

T = TypeVar("T")
DOCUMENTS_KEPT = 2_000  # stored credentials a process keeps for the QR landing page (~3 KB each)
ACCEPT = ("application/vc+ld+json, application/ld+json, application/json, application/vc+jwt, application/jwt, "
          "image/png, image/svg+xml;q=0.9, text/plain;q=0.5")


class LocalResolver:
    """Reads our own organisations' DID documents and status lists from the database (the server never
    calls itself over HTTP); everything else goes to `remote`. Use `reading()` for one verification: one
    session, and each document read once however many checks ask for it.

    What it reads of our own is remembered in the process until the stamp of published state moves
    (store.freshness): a revocation committed by any process is seen within its POLL_SECONDS, at once here when
    this process made it. Documents it hands out are shared: callers never change them."""

    def __init__(self, factory: sessionmaker[Session], links: Links, remote: HttpResolver) -> None:
        self._factory = factory
        self.links = links
        self._remote = remote
        self.remembered = Remembered(factory)
        # the landing page's stored credentials (a few KB each), in a smaller memory of their own: verifications of
        # a million different badges must not grow a process by gigabytes
        self.documents = Remembered(factory, max_entries=DOCUMENTS_KEPT)

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """A Resolver for one verification, on one read session (opened only if something must be read)."""
        reading = Reading(self)
        try:
            yield reading
        finally:
            reading.close()

    def did_document(self, did: str) -> JsonObject:
        with self.reading() as resolve:
            return resolve.did_document(did)

    def status_list(self, url: str) -> JsonObject:
        with self.reading() as resolve:
            return resolve.status_list(url)

    def document(self, url: str) -> JsonObject:
        """Other issuers' documents (OB 2.0); this service publishes none of its own."""
        return self._remote.document(url)

    def held_status(self, credential_id: str, issuer: str) -> str | None:
        with self.reading() as resolve:
            return resolve.held_status(credential_id, issuer)

    def _issued_by(self, session: Session, credential_id: str) -> tuple[int, str] | None:
        """(organisation id, its DID) of our credential `credential_id`, or None."""
        found = session.execute(select(Credential.org_id, Org.did).join(Org, Org.id == Credential.org_id)
                                .where(Credential.id == credential_id)).first()
        return (found.org_id, found.did) if found is not None else None

    def stored_document(self, session: Session, credential_id: str) -> bytes:
        """The signed credential as issued here (NotFound otherwise), read with what its verification will ask
        next (its organisation, its suspension), so a first scan of a badge makes one read, not three."""
        generation = self.remembered.generation  # before the read: what it found is kept only if nothing moved since
        found = session.execute(select(Credential.document, Credential.org_id, Credential.suspended_at,
                                       Credential.revoked_at, Org.did).join(Org, Org.id == Credential.org_id)
                                .where(Credential.id == credential_id)).first()
        if found is None:
            raise NotFound("credential.not_found", f"There is no credential {credential_id!r} here.")
        held = "suspended" if found.suspended_at is not None and found.revoked_at is None else None
        self.remembered.keep(("issued_by", credential_id), (found.org_id, found.did), generation)
        self.remembered.keep(("held", self.links.credential(credential_id), found.did), held, generation)
        document: bytes = found.document
        return document

    def _held_status(self, session: Session, credential_id: str, issuer: str) -> str | None:
        """"suspended" when `credential_id` is one of ours (or a holder-bound copy of one, store.offers), by
        `issuer`, and suspended (checks.HeldStatus)."""
        own = self.links.parse_credential(credential_id)
        if own is None and credential_id.startswith("urn:uuid:"):  # a holder-bound copy speaks for its original
            own = session.scalar(select(HeldCopy.credential_id).where(
                HeldCopy.id == credential_id.removeprefix("urn:uuid:")[:40]))
        if own is None:
            return None
        generation = self.remembered.generation  # before the read (see stored_document)
        found = session.execute(select(Credential.org_id, Org.did, Credential.suspended_at, Credential.revoked_at)
                                .join(Org, Org.id == Credential.org_id).where(Credential.id == own)).first()
        if found is None:
            return None
        # what counting the verification asks next (verifier.service.record), from the same row: a first
        # verification of a badge through the API makes one read, not two
        self.remembered.keep(("issued_by", own), (found.org_id, found.did), generation)
        held = found.did == issuer and found.suspended_at is not None and found.revoked_at is None
        return "suspended" if held else None

    def _did_document(self, session: Session, did: str) -> JsonObject | None:
        return orgs.did_document_of(session, did)

    def _status_list(self, session: Session, slug: str, list_id: int) -> JsonObject | None:
        document = session.scalar(select(StatusList.document).join(Org, Org.id == StatusList.org_id)
                                  .where(Org.slug == slug, StatusList.id == list_id))
        return json.loads(document) if document is not None else None


class Reading:
    """LocalResolver within one verification (see LocalResolver.reading): our own documents come from the
    process's memory or one read session, opened at the first thing not remembered; other issuers' documents
    are fetched under one budget for the whole verification (HttpResolver.spending), whatever asks for them."""

    def __init__(self, resolver: LocalResolver) -> None:
        self._resolver = resolver
        self._fetching: HttpResolver | None = None  # made at the first fetch: most verifications are of our badges
        self._session: Session | None = None
        self._looked = False

    @property
    def _remote(self) -> HttpResolver:
        if self._fetching is None:
            self._fetching = self._resolver._remote.spending()
        return self._fetching

    def session(self) -> Session:
        """The read session, the stamp looked at first."""
        self._look()
        return self._open()

    def _open(self) -> Session:
        if self._session is None:
            self._session = self._resolver._factory()
        return self._session

    def _look(self) -> None:
        """Look at the stamp once per verification, before anything remembered is used (a session is made only
        when the stamp is due to be read: most verifications read nothing)."""
        if not self._looked:
            self._looked = True
            self._resolver.remembered.look(self._open)
            self._resolver.documents.look(self._open)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def did_document(self, did: str) -> JsonObject:
        document = self._remember(("did", did), lambda: self._resolver._did_document(self.session(), did))
        return document if document is not None else self._remote.did_document(did)

    def status_list(self, url: str) -> JsonObject:
        ours = self._resolver.links.parse_status_list(url)
        if ours is None:
            return self._remote.status_list(url)
        slug, list_id = ours
        document = None if not fits_id(list_id) else self._remember(
            ("status", slug, list_id), lambda: self._resolver._status_list(self.session(), slug, list_id))
        if document is None:
            raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable", f"There is no status list at {url}.")
        return document

    def document(self, url: str) -> JsonObject:
        """Other issuers' documents (OB 2.0); this service publishes none of its own."""
        return self._remote.document(url)

    def held_status(self, credential_id: str, issuer: str) -> str | None:
        return self._remember(("held", credential_id, issuer),
                              lambda: self._resolver._held_status(self.session(), credential_id, issuer))

    def issued_by(self, credential_id: str) -> tuple[int, str] | None:
        """(organisation id, its DID) of our credential `credential_id`, or None: what never changes, remembered."""
        return self._remember(("issued_by", credential_id),
                              lambda: self._resolver._issued_by(self.session(), credential_id))

    def stored_document(self, credential_id: str) -> bytes:
        """The signed credential exactly as issued here, remembered (a credential's document never changes; its
        deletion moves the stamp); NotFound otherwise (never remembered)."""
        self._look()
        return self._resolver.documents.get(credential_id,
                                            lambda: self._resolver.stored_document(self.session(), credential_id))

    def _remember(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        """`read()` remembered under `key`, once the stamp has been looked at for this verification."""
        self._look()
        return self._resolver.remembered.get(key, read)


def credential_bytes(data: bytes) -> bytes:
    """The credential itself: `data`, or the credential baked into it when it is a PNG or SVG image."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((baking.PNG_SIGNATURE, b"<")):
        try:
            return baking.extract_credential(data).encode()
        except RecursionError:  # minidom walks the tree recursively: an SVG nested thousands deep
            raise InvalidInput("baking.svg_malformed", "The SVG is nested too deeply to be read.") from None
    return data


def baked_link(source: bytes) -> str | None:
    """The link an Open Badges 2.0 image carries instead of its assertion (the hosted assertion's URL), if
    `source` is one."""
    text = source.strip()
    return text.decode() if len(text) <= 2000 and text[:8].lower().startswith((b"https://", b"http://")) else None


def verify_upload(data: bytes, *, resolve: Resolver, now: datetime, skew: timedelta, holder: str | None = None,
                  policy: FetchPolicy | None = None) -> VerificationReport:
    """Verify credential JSON or a VC-JWT / OB 2.0 JWS, or a baked PNG / SVG (its credential extracted first;
    an OB 2.0 image's assertion URL fetched under `policy`)."""
    source = credential_bytes(data)
    link = baked_link(source)
    if link is not None:
        if policy is None:
            raise InvalidInput("verify.url_unreachable", "The image carries a link to its badge, which is not "
                               "fetched here.")
        source = fetch_credential(link, policy=policy)
    return verify_credential(source, resolve=resolve, now=now, skew=skew, holder=holder or None)


def own_credential_id(url: str, links: Links) -> str | None:
    """The id when `url` is one of this deployment's credential, badge or QR landing URLs."""
    pattern = re.escape(links.base_url) + r"/(?:credentials|v)/([0-9a-f-]{36})(?:\.json|\.png)?/?"
    match = re.fullmatch(pattern, url.strip())
    return match[1] if match else links.parse_credential(url.strip())


def share_path(url: str, links: Links) -> str | None:
    """For a learner's share link of this deployment (/s/{token}, or /s/{token}/{badge} of a profile), the path
    that verifies what it shares (the wallet's /s/.../verify); None for any other text."""
    pattern = re.escape(links.base_url) + r"/s/([A-Za-z0-9_-]{1,64})(?:/([A-Za-z0-9_-]{1,64}))?/?"
    match = re.fullmatch(pattern, url.strip())
    if match is None or match[2] in ("qr", "verify"):
        return None
    return f"/s/{match[1]}/{match[2]}/verify" if match[2] else f"/s/{match[1]}/verify"


@dataclass(frozen=True, slots=True)
class StateNote:
    """When and why the issuer revoked or suspended one of our credentials, as its staff recorded it."""

    state: str  # "revoked" or "suspended"
    at: datetime
    reason: str | None


def state_note(session: Session, credential_id: str) -> StateNote | None:
    """The revocation (or else suspension) of our credential `credential_id`, or None if it has neither."""
    credential = session.get(Credential, credential_id)
    if credential is None:
        return None
    if credential.revoked_at is not None:
        return StateNote("revoked", credential.revoked_at, credential.revocation_reason)
    if credential.suspended_at is not None:
        return StateNote("suspended", credential.suspended_at, credential.suspension_reason)
    return None


def fetch_credential(url: str, *, policy: FetchPolicy) -> bytes:
    """The credential (JSON, JWT or baked image) another system serves at `url`, fetched under `policy`;
    InvalidInput saying why when it cannot be had (a link the employer was given is their input)."""
    try:
        fetched = fetch(url.strip(), policy=policy, accept=ACCEPT)
    except Gone:
        raise InvalidInput("verify.url_gone", "The issuer answers that what this link pointed to is gone (HTTP 410): "
                           "the badge was revoked or deleted.", path="/url") from None
    except BadgeError as e:
        raise InvalidInput("verify.url_unreachable", f"The link could not be opened: {e.detail}",
                           path="/url") from None
    if fetched.content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        raise InvalidInput("verify.url_is_page", "The link leads to a web page, not to a credential. Ask for the "
                           "credential's own link (JSON), or for the badge file.", path="/url")
    return fetched.body


def scanned_text(photo: bytes) -> str:
    """The text of the QR code in a photo (scan.read_qr's errors pass through)."""
    return scan.read_qr(photo)


def record(report: VerificationReport, *, resolver: LocalResolver, reading: Reading, events: EventRecorder,
           channel: str, now: datetime) -> None:
    """Count a verification of one of our own credentials for its issuer's dashboard, only when genuine: signed
    by its issuer's key, and that issuer is the organisation that issued it here (a forgery never counts). The row
    is written in a batch shortly after (verifier.events)."""
    document = report.credential if isinstance(report.credential, dict) else {}
    credential_id = resolver.links.parse_credential(str(document.get("id", "")))
    if credential_id is None or not _genuine(report):
        return
    issued_by = reading.issued_by(credential_id)
    if issued_by is not None and issued_by[1] == issuer_id(document):
        events.add(org_id=issued_by[0], credential_id=credential_id, channel=channel, verdict=report.verdict,
                   at=now)


def _genuine(report: VerificationReport) -> bool:
    """The credential's signature is its issuer's: the issuer key and proof checks passed."""
    return all(report.check(c).outcome is Outcome.PASSED for c in (CheckId.ISSUER_KEY, CheckId.PROOF))
