"""Importing a credential from elsewhere: a file (JSON, baked PNG or SVG), pasted JSON, or a URL. Every
import is verified first and kept with its report; forgeries, revoked badges and other people's are refused.
Fetching and verifying (`fetch_remote`, `prepare`) run with no transaction open; `keep` stores in one."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import artwork, baking, transcript
from badges.errors import Conflict, InvalidInput
from badges.fetch import fetch
from badges.jsonld import JsonObject
from badges.jsontext import from_json
from badges.report import CheckId, Outcome, VerificationReport
from store.models import Credential
from store.wallet import Learner, WalletItem
from wallet.reports import record, verify
from wallet.service import WalletContext, credential_key, holder_for, names_recipient, new_public_id

MAX_IMPORT_BYTES = 2_000_000
MAX_STORED_IMAGE = 1_000_000
ACCEPT = "application/ld+json, application/vc+ld+json, application/json, image/png, image/svg+xml"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A credential verified and found fit to keep: its bytes, its JSON, its report and an image to show."""

    raw: bytes
    document: JsonObject
    report: VerificationReport
    recipient_confirmed: bool
    image: bytes


def check_url(url: str) -> str:
    """The trimmed URL if it is a full web address; InvalidInput otherwise."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 1000:
        raise InvalidInput("wallet.import_url_invalid", "Enter the full address of the badge, starting with "
                           "https://.", path="/url")
    return url


def local_credential(session: Session, ctx: WalletContext, url: str) -> bytes | None:
    """The credential if `url` is one of this deployment's credential URLs (read, never fetched), else None."""
    ours = ctx.links.parse_credential(check_url(url).removesuffix(".json").removesuffix(".png"))
    if ours is None:
        return None
    credential = session.get(Credential, ours)
    if credential is None:
        raise InvalidInput("wallet.import_url_unknown", "There is no badge at this address.", path="/url")
    return credential.document


def fetch_remote(ctx: WalletContext, url: str) -> bytes:
    """The credential (or baked image) at `url`, fetched under the deployment's FetchPolicy (call it with no
    transaction open); InvalidInput, Unavailable or TooLarge say why not."""
    fetched = fetch(check_url(url), policy=ctx.fetch_policy, accept=ACCEPT)
    if "html" in fetched.content_type or fetched.body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        raise InvalidInput("wallet.import_url_html", "This address shows a web page, not a badge. Use the link to "
                           "the badge's JSON or image (often a 'download' link on that page).", path="/url")
    return fetched.body


def prepare(ctx: WalletContext, data: bytes, *, origin: str, addresses: Sequence[str], now: datetime) -> Prepared:
    """Verify a credential (JSON, or a baked PNG / SVG unless pasted) with no transaction open; InvalidInput
    says why it cannot be kept: not a badge, not genuine, revoked, another format, someone else's."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput("wallet.import_too_large", f"The file is over {MAX_IMPORT_BYTES // 1_000_000} MB.")
    is_image = origin != "paste" and not data.lstrip().startswith((b"{", b"["))
    raw = baking.extract_credential(data).encode() if is_image else data
    report = verify(ctx, raw, now=now, holder=holder_for(_json_object(raw), addresses))
    _accept(report)
    document = _credential_json(raw)
    confirmed = names_recipient(document, addresses)
    if confirmed is False:
        raise InvalidInput("wallet.import_not_yours", "This badge was issued to an e-mail address that is not "
                           "confirmed in your wallet. Add that address, confirm it, and import the badge again.")
    return Prepared(raw, document, report, bool(confirmed), _image(data if is_image else b"", document))


def keep(session: Session, learner: Learner, prepared: Prepared, *, origin: str, now: datetime,
         source_url: str | None = None) -> WalletItem:
    """Store a prepared credential in the learner's wallet; Conflict if it is there already."""
    key = credential_key(prepared.document, prepared.raw)
    existing = session.scalar(select(WalletItem).where(WalletItem.learner_id == learner.id,
                                                       WalletItem.credential_key == key))
    if existing is not None and existing.removed_at is None:
        raise Conflict("wallet.import_duplicate", "This badge is already in your wallet.")
    if existing is not None:  # removed earlier: bring it back rather than keep two rows
        existing.removed_at = None
        record(existing, prepared.report)
        return existing
    item = WalletItem(public_id=new_public_id(), learner_id=learner.id, credential_key=key, origin=origin,
                      source_url=source_url, document=prepared.raw, recipient_confirmed=prepared.recipient_confirmed,
                      hidden=False, on_profile=False, added_at=now, image=prepared.image)
    record(item, prepared.report)
    session.add(item)
    session.flush()
    return item


def _accept(report: VerificationReport) -> None:
    """Return if the report shows a genuine credential that is not revoked; InvalidInput says what is wrong."""
    if report.check(CheckId.PROOF).outcome is not Outcome.PASSED:
        blocking = next((c for c in report.checks if c.problem is not None), None)
        detail = blocking.problem.detail.rstrip(".") + "." if blocking and blocking.problem else ""
        if blocking is not None and blocking.problem and blocking.problem.code.endswith(".too_complex"):
            raise InvalidInput("wallet.import_too_complex", f"The badge is too complex to check: {detail} "
                               "Nothing was added; no badge needs so many entries or nested objects.")
        if blocking is not None and blocking.outcome is Outcome.UNKNOWN:
            raise InvalidInput("wallet.import_unverifiable", f"The badge could not be checked: {detail} "
                               "Nothing was added; try again later.")
        if blocking is not None and blocking.id in (CheckId.PARSE, CheckId.CONTEXT, CheckId.SCHEMA):
            raise InvalidInput("wallet.import_not_a_badge", f"This is not an Open Badges 3.0 badge: {detail} "
                               "Nothing was added.")
        raise InvalidInput("wallet.import_not_genuine", f"The badge is not genuine: {detail} Nothing was added.")
    if report.verdict in ("revoked", "suspended"):
        raise InvalidInput("wallet.import_revoked", f"The issuer has {report.verdict} this badge, so it cannot "
                           "prove anything; it was not added.")


def _json_object(raw: bytes) -> JsonObject:
    try:
        document = from_json(raw)
    except (ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def _credential_json(raw: bytes) -> JsonObject:
    """The credential as a JSON-LD Verifiable Credential; InvalidInput for other formats (a VC-JWT, an Open
    Badges 2.0 assertion), which verify but which the wallet cannot yet read, present or share."""
    document = _json_object(raw)
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise InvalidInput("wallet.import_format", "The badge is genuine, but only Open Badges 3.0 credentials in "
                           "JSON-LD form can be kept in the wallet (not VC-JWT or Open Badges 2.0).")
    return document


def _image(upload: bytes, document: JsonObject) -> bytes:
    """A PNG to show for an imported badge: the uploaded baked PNG, a PNG data: URI in the achievement,
    or a generated medal (remote images are never fetched)."""
    if upload.startswith(baking.PNG_SIGNATURE) and len(upload) <= MAX_STORED_IMAGE:
        return upload
    course = transcript.course(document)
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    image = achievement.get("image") if isinstance(achievement, dict) else None
    source = image.get("id") if isinstance(image, dict) else image
    if isinstance(source, str) and source.startswith("data:image/png;base64,"):
        try:
            png = base64.b64decode(source.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            png = b""
        if png.startswith(baking.PNG_SIGNATURE) and len(png) <= MAX_STORED_IMAGE:
            return png
    return artwork.badge_png(course.title or "Badge", course.issuer_name, font_path=artwork.korean_font(),
                             hue=len(course.issuer_name))
