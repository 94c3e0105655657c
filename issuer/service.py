"""Issuing: organisations, keys, courses, credentials and revocation. No Flask; the caller owns the session."""
from __future__ import annotations

import calendar
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import keys
from badges import artwork, model, multikey, proofs, status
from badges.errors import Conflict, InvalidInput, NotFound
from badges.jsonld import JsonObject
from store import status_lists
from store.credentials import email_lookup, get_credential
from store.links import Links
from store.models import Achievement, Credential, Org, SigningKey, StatusList

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class Issuing:
    """What the issuing services need from the deployment: its public URLs and the KEK."""

    links: Links
    kek: bytes

    @property
    def lookup_key(self) -> bytes:
        """The key of the e-mail lookup hashes, derived from the KEK (stable as long as the keys are)."""
        return hashlib.sha256(b"badges recipient lookup" + self.kek).digest()


@dataclass(frozen=True, slots=True)
class AchievementIn:
    name_ko: str
    name_en: str
    description_ko: str
    description_en: str
    criteria_ko: str
    criteria_en: str
    achievement_type: str = "Course"
    valid_months: int | None = None
    image_png: bytes | None = None


@dataclass(frozen=True, slots=True)
class Issued:
    credential: Credential
    created: bool


def create_org(session: Session, ctx: Issuing, *, slug: str, name_ko: str, name_en: str,
               now: datetime, url: str | None = None, email: str | None = None) -> Org:
    """A new organisation with its did:web and a first signing key; Conflict if the slug is taken."""
    if not SLUG.fullmatch(slug):
        raise InvalidInput("org.slug_invalid", "The short name may use a-z, 0-9 and '-' (up to 64).",
                           path="/slug")
    if session.scalar(select(Org.id).where(Org.slug == slug)) is not None:
        raise Conflict("org.slug_taken", f"An organisation called {slug!r} already exists.")
    org = Org(slug=slug, did=ctx.links.org_did(slug), name_ko=name_ko, name_en=name_en, url=url,
              email=email, created_at=now)
    session.add(org)
    session.flush()
    rotate_key(session, ctx, org=org, now=now)
    return org


def rotate_key(session: Session, ctx: Issuing, *, org: Org, now: datetime) -> SigningKey:
    """A new active signing key; older keys are retired but stay in the DID document."""
    for old in org.keys:
        old.retired_at = old.retired_at or now
    private = keys.generate()
    fragment = f"key-{len(org.keys) + 1}"
    key = SigningKey(org_id=org.id, fragment=fragment, created_at=now,
                     public_multibase=multikey.public_multikey(private.public_key()),
                     sealed=keys.seal(private, ctx.kek, aad=_key_aad(org.id, fragment)))
    org.keys.append(key)
    session.flush()
    return key


def signer(ctx: Issuing, org: Org) -> proofs.Ed25519Signer:
    """A Signer for the organisation's active key."""
    key = next(k for k in reversed(org.keys) if k.retired_at is None)
    return keys.signer(key.sealed, ctx.kek, aad=_key_aad(org.id, key.fragment),
                       verification_method=f"{org.did}#{key.fragment}")


def _key_aad(org_id: int, fragment: str) -> bytes:
    return f"badges signing key {org_id}/{fragment}".encode()


def create_achievement(session: Session, *, org: Org, data: AchievementIn, now: datetime) -> Achievement:
    """A new course the organisation can issue badges for."""
    model.check_achievement_type(data.achievement_type)
    if not (data.name_ko or data.name_en).strip():
        raise InvalidInput("achievement.name_missing", "The course needs a name in Korean or English.",
                           path="/name")
    if data.valid_months is not None and not 1 <= data.valid_months <= 1200:
        raise InvalidInput("achievement.valid_months", "Validity must be 1 to 1200 months, or none.",
                           path="/validMonths")
    fields = {f: getattr(data, f) for f in AchievementIn.__dataclass_fields__}
    if fields["image_png"] is None:
        fields["image_png"] = artwork.badge_png(data.name_ko or data.name_en, org.name_en or org.name_ko,
                                                font_path=artwork.korean_font(), hue=org.id)
    achievement = Achievement(public_id=str(uuid.uuid4()), org_id=org.id, created_at=now, **fields)
    session.add(achievement)
    session.flush()
    return achievement


def get_achievement(session: Session, *, org_id: int | None, public_id: str) -> Achievement:
    """The achievement, within `org_id` when given (tenant isolation); NotFound otherwise."""
    query = select(Achievement).where(Achievement.public_id == public_id)
    if org_id is not None:
        query = query.where(Achievement.org_id == org_id)
    achievement = session.scalar(query)
    if achievement is None:
        raise NotFound("achievement.not_found", f"There is no course {public_id!r} here.")
    return achievement


def achievement_document(ctx: Issuing, achievement: Achievement, *, language: str = "ko") -> JsonObject:
    """The OB 3.0 Achievement in one language, linking its other-language version."""
    other = "en" if language == "ko" else "ko"
    url = ctx.links.achievement(achievement.public_id)
    text = {f: getattr(achievement, f"{f}_{language}") or getattr(achievement, f"{f}_{other}")
            for f in ("name", "description", "criteria")}
    return model.achievement(
        achievement_id=url if language == "ko" else f"{url}?lang=en", language=language,
        achievement_type=achievement.achievement_type, image=f"{url}/image.png",
        translations={other: url if other == "ko" else f"{url}?lang=en"}, **text)


def issuer_profile(ctx: Issuing, org: Org) -> JsonObject:
    """The organisation as an OB 3.0 issuer Profile."""
    return model.profile(did=org.did, name=org.name_ko or org.name_en, url=org.url or ctx.links.org(org.slug),
                         email=org.email, description=org.description_ko or None)


def issue_badge(session: Session, ctx: Issuing, *, org: Org, achievement: Achievement,
                recipient: model.Recipient, now: datetime, completed: datetime | None = None,
                idempotency_key: str | None = None) -> Issued:
    """Sign and store one credential; the same idempotency key and request returns the first one."""
    if achievement.org_id != org.id:
        raise NotFound("achievement.not_found", f"There is no course {achievement.public_id!r} here.")
    request_hash = hashlib.sha256(json.dumps(
        [achievement.public_id, recipient.name, model.normalise_email(recipient.email),
         completed.isoformat() if completed else None], ensure_ascii=False).encode()).hexdigest()
    if idempotency_key is not None:
        earlier = _by_idempotency_key(session, org.id, idempotency_key, request_hash)
        if earlier is not None:
            return Issued(earlier, created=False)
    status_list, index = status_lists.allocate(session, org_id=org.id, purpose="revocation", now=now)
    if status_list.document is None:
        publish_status_list(ctx, org, status_list, now=now)
    credential_id = str(uuid.uuid4())
    unsigned = model.achievement_credential(
        credential_id=ctx.links.credential(credential_id), issuer=issuer_profile(ctx, org),
        achievement=achievement_document(ctx, achievement), recipient=recipient, valid_from=now,
        valid_until=add_months(now, achievement.valid_months) if achievement.valid_months else None,
        completed=completed, status=status.status_entry(
            list_url=ctx.links.status_list(org.slug, status_list.id), index=index))
    signed = proofs.sign(unsigned, signer=signer(ctx, org), created=now)
    credential = Credential(
        id=credential_id, org_id=org.id, achievement_id=achievement.id, recipient_hash=recipient.hashed_email,
        recipient_lookup=email_lookup(recipient.email, ctx.lookup_key),
        status_list_id=status_list.id, status_index=index, idempotency_key=idempotency_key,
        request_hash=request_hash, issued_at=now,
        document=json.dumps(signed, ensure_ascii=False, indent=2).encode())
    try:
        with session.begin_nested():
            session.add(credential)
    except IntegrityError:  # a concurrent request with the same idempotency key won the race
        if idempotency_key is None:
            raise
        earlier = _by_idempotency_key(session, org.id, idempotency_key, request_hash)
        if earlier is None:
            raise
        return Issued(earlier, created=False)
    return Issued(credential, created=True)


def _by_idempotency_key(session: Session, org_id: int, key: str, request_hash: str) -> Credential | None:
    earlier = session.scalar(select(Credential).where(
        Credential.org_id == org_id, Credential.idempotency_key == key))
    if earlier is not None and earlier.request_hash != request_hash:
        raise Conflict("issue.idempotency_conflict", f"The id {key!r} was already used for a different "
                       "recipient or course; use a new id for a new credential.", path="/id")
    return earlier


def revoke(session: Session, ctx: Issuing, *, org: Org, credential_id: str, reason: str,
           now: datetime) -> Credential:
    """Flip the credential's revocation bit and re-sign the published list in the same transaction."""
    credential = get_credential(session, credential_id, org_id=org.id)
    if credential.revoked_at is not None:
        raise Conflict("credential.already_revoked", f"The credential was already revoked on "
                       f"{credential.revoked_at:%Y-%m-%d}.")
    status_list = session.scalars(select(StatusList).where(StatusList.id == credential.status_list_id)
                                  .with_for_update()).one()
    status_lists.set_bit(status_list, credential.status_index, True, now=now)
    publish_status_list(ctx, org, status_list, now=now)
    credential.revoked_at = now
    credential.revocation_reason = reason[:500]
    return credential


def publish_status_list(ctx: Issuing, org: Org, status_list: StatusList, *, now: datetime) -> None:
    """Sign the BitstringStatusListCredential for the list's current bits and store it."""
    url = ctx.links.status_list(org.slug, status_list.id)
    unsigned = {
        "@context": [model.VC_V2], "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": org.did, "validFrom": proofs.xsd_datetime(now),
        "credentialSubject": status.status_list_subject(
            list_url=url, purpose=status_list.purpose, bits=status_list.bits)}
    signed = proofs.sign(unsigned, signer=signer(ctx, org), created=now)
    status_list.document = json.dumps(signed).encode()
    status_list.updated_at = now


def add_months(instant: datetime, months: int) -> datetime:
    """`instant` plus whole calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    return instant.replace(year=year, month=month, day=min(instant.day, calendar.monthrange(year, month)[1]))
