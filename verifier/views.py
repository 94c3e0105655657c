"""What the page and API blueprints share: turning what was handed in into credential bytes, then verifying,
recording and summarising it in one place."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from badges import clr
from badges.checks import Resolver, issuer_id
from badges.endorsements import Endorsements, verify_endorsements
from badges.errors import InvalidInput
from badges.fetch import FetchPolicy
from badges.report import CheckId, CredentialFormat, Outcome, VerificationReport
from badges.verify import verify_credential
from verifier import club, pdf, service
from verifier.summary import Member, Summary, membership_of, summarise
from web import metrics
from web.http import services, transaction, utcnow
from web.i18n import translate

MAX_UPLOAD = 2_000_000  # a credential, a JWT or a baked badge image
MAX_PHOTO = 12_000_000  # a phone photo of a QR code
STOPPED = ("revoked", "suspended")
VC_FORMATS = (CredentialFormat.VC_LD, CredentialFormat.VC_JWT)  # whose issuer the issuer key check binds


@dataclass(frozen=True, slots=True)
class Verified:
    report: VerificationReport
    summary: Summary
    source: bytes  # the credential as verified (JSON or JWT text), for the holder check and the PDF
    credential_id: str | None  # set when it is one of this deployment's credentials
    endorsements: Endorsements = field(default_factory=lambda: Endorsements(()))  # never change its verdict
    state_note: service.StateNote | None = None  # when and why our own credential was revoked or suspended
    club: club.ClubStatus | None = None  # the issuer's Digital Leaders Club certification, for a member's badge
    clr: clr.ClrReport | None = None  # a CLR transcript: `report` is its own, these the credentials inside
    inner: tuple[Summary, ...] = ()  # a summary of each credential inside a CLR, in its order


def fetch_policy() -> FetchPolicy:
    """The safe-fetch limits for a credential link an employer pastes (loopback only in development)."""
    return services().settings.fetch_policy(max_bytes=MAX_UPLOAD)


def from_url(url: str) -> tuple[bytes, str | None]:
    """(credential bytes, our credential id or None) for a link: ours read locally, others fetched safely."""
    url = url.strip()
    if len(url) > 2000:
        raise InvalidInput("verify.url_unreachable", "The link is over 2000 characters.", path="/url")
    own = service.own_credential_id(url, services().issuing.links)
    if own is not None:
        return stored_document(own), own
    return service.fetch_credential(url, policy=fetch_policy()), None


def stored_document(credential_id: str) -> bytes:
    """Our credential `credential_id` as issued (remembered by the process); NotFound when there is none."""
    with services().resolver.reading() as resolve:
        return resolve.stored_document(credential_id)


def share_page(url: str) -> str | None:
    """Where a learner's share link of ours is verified (the badge's report, or the profile's list), or None."""
    return service.share_path(url, services().issuing.links)


def from_scan(text: str) -> tuple[bytes, str | None]:
    """What a scanned QR code leads to: a link (ours or another issuer's), or a credential in the code itself."""
    if text.lower().startswith(("https://", "http://")):
        return from_url(text)
    if text.startswith(("{", "eyJ")):
        return text.encode(), None
    raise InvalidInput("verify.qr_not_badge", f"The QR code holds {text[:60]!r}, which is neither a badge link "
                       "nor a badge.")


def verify(data: bytes, *, holder: str | None, channel: str, credential_id: str | None = None) -> Verified:
    """Verify `data` (a credential, JWT or baked image), count it if it is ours, and summarise it."""
    svc, now = services(), utcnow()
    source = service.credential_bytes(data)
    link = service.baked_link(source)
    if link is not None:  # an Open Badges 2.0 image baked with its hosted assertion's URL
        source, own = from_url(link)
        credential_id = credential_id or own
    if clr.looks_like_clr(source):
        return _verify_clr(source, holder=(holder or "").strip() or None, channel=channel, now=now)
    with svc.resolver.reading() as resolve:
        report = verify_credential(source, resolve=resolve, now=now, skew=svc.settings.clock_skew,
                                   holder=(holder or "").strip() or None)
        endorsements = verify_endorsements(report, resolve=resolve, now=now, skew=svc.settings.clock_skew)
        certified = _club(report, resolve=resolve, now=now)
        if credential_id is None:
            credential_id = _own_credential(report, resolve)
        summary = _summarise(report, resolve)
        note = (service.state_note(resolve.session(), credential_id)
                if credential_id and report.verdict in STOPPED else None)
        service.record(report, resolver=svc.resolver, reading=resolve, events=svc.events, channel=channel, now=now)
    metrics.count_verification(channel=channel, verdict=report.verdict)
    return Verified(report, summary, source, credential_id, endorsements, note, certified)


def _own_credential(report: VerificationReport, resolve: service.Reading) -> str | None:
    """Our credential's id when `report` is of a document signed under that id by the organisation it belongs to,
    or None. Anyone may sign a document (with a did:key of their own) whose id is one of our credential URLs: it
    must not lead to that badge's landing page, PDF link or revocation note. The checks bound the proof's key to
    the issuer (_verified_issuer); the organisation comes from the row the suspension check read (no read of its
    own: a badge's first verification reads its row once)."""
    issuer = _verified_issuer(report)
    if issuer is None:
        return None
    credential_id = service.own_credential_id(str((report.credential or {}).get("id", "")), services().issuing.links)
    found = resolve.issued_by(credential_id) if credential_id is not None else None
    return credential_id if found is not None and found[1] == issuer else None


def _club(report: VerificationReport, *, resolve: Resolver, now: datetime) -> club.ClubStatus | None:
    """The Digital Leaders Club check of a genuine badge from one of our members that holds a certification."""
    issuer = _verified_issuer(report)
    if issuer is None:
        return None
    svc = services()

    def stored() -> tuple[str, bytes] | None:
        with transaction() as session:
            return club.stored_certification(session, issuer)
    found = svc.resolver.remembered.get(("club", issuer), stored)  # forgotten when a certification changes
    if found is None:
        return None
    return club.check(found, issuer_did=issuer, alliance_did=svc.issuing.links.org_did(svc.settings.platform_slug),
                      resolve=resolve, now=now, skew=svc.settings.clock_skew)


def _verified_issuer(report: VerificationReport) -> str | None:
    """The issuer the checks established, or None: a VC's issuer, once the issuer key check has bound the key that
    made its proof to that issuer. An OB 2.0 assertion gives none: its issuer is the https Profile its BadgeClass
    names (never one of our members' DIDs), and anything else it says of its issuer (a top-level "issuer") is
    unsigned words of whoever presents it."""
    if report.format not in VC_FORMATS or not report.credential:
        return None
    if any(report.check(c).outcome is not Outcome.PASSED for c in (CheckId.ISSUER_KEY, CheckId.PROOF)):
        return None
    return issuer_id(report.credential)


def _verify_clr(source: bytes, *, holder: str | None, channel: str, now: datetime) -> Verified:
    """A CLR: its own proof, then every credential inside through the same pipeline (clr.verify_clr), each checked
    as issued to `holder` when given, as a badge handed in alone would be."""
    svc = services()
    with svc.resolver.reading() as resolve:
        found = clr.verify_clr(source, resolve=resolve, now=now, skew=svc.settings.clock_skew, holder=holder)
        for inner in found.inner:
            service.record(inner, resolver=svc.resolver, reading=resolve, events=svc.events, channel=channel,
                           now=now)
        summary = _summarise(found.outer, resolve)
        inner_summaries = tuple(_summarise(r, resolve) for r in found.inner)
    return Verified(found.outer, summary, source, None, clr=found, inner=inner_summaries)


def _summarise(report: VerificationReport, resolve: service.Reading) -> Summary:
    """The summary of `report`, its issuer looked up among our members (remembered, see LocalResolver)."""
    links, remembered = services().issuing.links, services().resolver.remembered

    def member(did: str, issued: datetime | None) -> Member | None:  # one read per organisation, not per badge
        found = remembered.get(("member", did), lambda: membership_of(resolve.session(), did, links))
        return found.on(issued) if found is not None else None
    return summarise(report, links=links, member=member)


def summary_pdf(verified: Verified, *, lang: str) -> bytes:
    """The printable summary of `verified` in `lang`, with a QR code of the landing page for our own badges."""
    landing = services().issuing.links.verify(verified.credential_id) if verified.credential_id else None
    return pdf.summary_pdf(verified.report, verified.summary, t=lambda key: translate(key, lang), lang=lang,
                           landing_url=landing, state_note=verified.state_note, club=verified.club,
                           transcript_verdict=verified.clr.verdict if verified.clr is not None else None)
