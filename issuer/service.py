"""Issuing: organisations, keys, credentials, revocation and suspension. No Flask; the caller owns the session."""
from __future__ import annotations

import calendar
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

import keys
from badges import model, multikey, proofs, results, status, text
from badges.errors import BadgeError, Conflict, InvalidInput, NotFound, Unavailable
from badges.jsonld import JsonObject
from badges.jsontext import to_json
from issuer import audit, courses
from issuer.courses import AchievementIn, create_achievement, get_achievement  # noqa: F401  (callers' import point)
from keys.hsm import Token
from store import dlc, key_custody, status_lists, tallies
from store.credentials import email_lookup, get_credential
from store.links import Links
from store.models import Achievement, AchievementVersion, Credential, Org, SigningKey, StatusList
from store.offers import HeldCopy

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
RESERVED_SLUGS = frozenset({"sign-in", "sign-out", "invitations", "account", "password"})  # /console/<slug> paths that are pages
ACTIONS = ("revoke", "suspend", "reinstate")


@dataclass(frozen=True, slots=True)
class Issuing:
    """What the issuing services need from the deployment: its public URLs, the KEK (with the old ones still
    accepted while a rotation runs), where new signing keys are kept (`custody`, unless an org says otherwise) with
    the PKCS#11 token if there is one, the recipient lookup key's source and the status lists' capacity."""

    links: Links
    kek: bytes
    token: Token | None = None
    custody: str = keys.SOFTWARE
    old_keks: tuple[bytes, ...] = ()
    lookup: Callable[[], bytes] | None = None  # store.key_custody.LookupKey; None: derived from the KEK
    status_list_capacity: int = status.DEFAULT_LENGTH  # indexes handed out per list (the list stays 131,072 bits)

    @property
    def lookup_key(self) -> bytes:
        """The key of the e-mail lookup hashes and award keys (store.key_custody: it outlives KEK rotations)."""
        return self.lookup() if self.lookup is not None else key_custody.derived_lookup_key(self.kek)


@dataclass(frozen=True, slots=True)
class Issued:
    """An award's credential: `created` now or found (issued before); the id of its outbox e-mail, if one is due."""

    credential: Credential
    created: bool
    mail_id: int | None = None


def create_org(session: Session, ctx: Issuing, *, slug: str, name_ko: str, name_en: str,
               now: datetime, url: str | None = None, email: str | None = None,
               key_custody: str | None = None) -> Org:
    """A new organisation with its did:web and a first signing key (kept as `key_custody` says, for this and
    later keys; as the instance's setting when None); Conflict if the slug is taken."""
    if not SLUG.fullmatch(slug):
        raise InvalidInput("org.slug_invalid", "The short name may use a-z, 0-9 and '-' (up to 64).",
                           path="/slug")
    if slug in RESERVED_SLUGS:
        raise InvalidInput("org.slug_invalid", f"{slug!r} is a console page's name; choose another.", path="/slug")
    for path, value in (("/name_ko", name_ko), ("/name_en", name_en), ("/url", url or ""), ("/email", email or "")):
        text.check_line(value, path=path)
    if session.scalar(select(Org.id).where(Org.slug == slug)) is not None:
        raise Conflict("org.slug_taken", f"An organisation called {slug!r} already exists.")
    org = Org(slug=slug, did=ctx.links.org_did(slug), name_ko=name_ko, name_en=name_en, url=url,
              email=email, created_at=now, key_custody=key_custody)
    session.add(org)
    session.flush()
    rotate_key(session, ctx, org=org, now=now)
    return org


def rotate_key(session: Session, ctx: Issuing, *, org: Org, now: datetime, custody: str | None = None) -> SigningKey:
    """A new active signing key, kept as `custody` says (else as the org's choice, else the instance's: sealed
    under the KEK, or made in the PKCS#11 token); older keys are retired but stay in the DID document."""
    custody = custody or org.key_custody or ctx.custody
    if custody not in keys.CUSTODIES:
        raise InvalidInput("keys.custody_unknown", f"Key custody must be one of {', '.join(keys.CUSTODIES)}.",
                           path="/custody")
    fragment = f"key-{len(org.keys) + 1}"
    if custody == keys.PKCS11:
        token = _token(ctx)
        key_id, public = token.generate(label=f"badges {org.did}#{fragment}")
        key = SigningKey(org_id=org.id, fragment=fragment, created_at=now, custody=custody,
                         public_multibase=multikey.public_multikey(public), token_label=token.label,
                         token_key_id=key_id.hex())
    else:
        private = keys.generate()
        key = SigningKey(org_id=org.id, fragment=fragment, created_at=now, custody=custody,
                         public_multibase=multikey.public_multikey(private.public_key()),
                         sealed=keys.seal(private, ctx.kek, aad=key_custody.signing_key_aad(org.id, fragment)))
    for old in org.keys:
        old.retired_at = old.retired_at or now
    org.keys.append(key)
    session.flush()
    return key


def signer(ctx: Issuing, org: Org) -> proofs.Signer:
    """A Signer for the organisation's active key: in memory for a sealed key, in the token for a PKCS#11 one."""
    key = next(k for k in reversed(org.keys) if k.retired_at is None)
    method = f"{org.did}#{key.fragment}"
    if key.custody == keys.PKCS11:
        token = _token(ctx)
        if key.token_label != token.label or key.token_key_id is None:
            raise Unavailable("keys.hsm_other_token", f"The signing key {method} is in the PKCS#11 token "
                              f"{key.token_label!r}, not in {token.label!r} (BADGES_PKCS11_TOKEN_LABEL).")
        return token.signer(bytes.fromhex(key.token_key_id), method)
    if key.sealed is None:
        raise Unavailable("keys.tampered", f"The signing key {method} has no sealed key recorded.")
    return keys.signer(key.sealed, ctx.kek, aad=key_custody.signing_key_aad(org.id, key.fragment),
                       verification_method=method, old=ctx.old_keks)


def _token(ctx: Issuing) -> Token:
    if ctx.token is None:
        raise Unavailable("keys.hsm_not_configured", "This signing key is kept in a PKCS#11 token, but none is "
                          "configured: set BADGES_PKCS11_MODULE, BADGES_PKCS11_TOKEN_LABEL and BADGES_PKCS11_PIN.")
    return ctx.token



def achievement_document(ctx: Issuing, achievement: Achievement | AchievementVersion, *,
                         language: str | None = None) -> JsonObject:
    """The OB 3.0 Achievement of a course version (of its latest version when given the course), in `language`
    when it is written in it (courses.achievement_document)."""
    version = achievement.versions[-1] if isinstance(achievement, Achievement) else achievement
    return courses.achievement_document(ctx.links, version, language=language,
                                        creator=issuer_profile(ctx, version.achievement.org))


def issuer_profile(ctx: Issuing, org: Org) -> JsonObject:
    """The organisation as an OB 3.0 issuer Profile, with its logo (served at /orgs/<slug>/logo) if it has one.
    OB 3.0 gives a Profile one plain-string name and description, so they are Korean (English when there is
    no Korean); the English name goes where the spec has room for it, as the logo Image's caption."""
    profile = model.profile(did=org.did, name=org.name_ko or org.name_en, url=org.url or ctx.links.org(org.slug),
                            email=org.email, description=org.description_ko or org.description_en or None,
                            image=f"{ctx.links.org(org.slug)}/logo" if org.logo_type else None)
    if org.logo_type and org.name_en and org.name_en != profile["name"]:
        profile["image"]["caption"] = org.name_en
    return profile


@dataclass(frozen=True, slots=True)
class Award:
    """One credential to issue: to whom, for a completion when, named by the API client's request id (if any)."""

    recipient: model.Recipient
    completed: datetime | None = None
    request_id: str | None = None  # the API client's `id`: the same id with other data is a Conflict
    evidence: tuple[model.Evidence, ...] = ()  # OB 3.0 evidence of this award
    credits_earned: float | None = None  # OB 3.0 creditsEarned
    valid_until: datetime | None = None  # instead of the course's validity (a renewal's new validity)
    results: tuple[results.ResultIn, ...] = ()  # the person's scores and levels, for an assessment


def award_results(ctx: Issuing, version: AchievementVersion, award: Award) -> list[JsonObject]:
    """The award's OB 3.0 Result objects, checked against the course version's result descriptions;
    InvalidInput (path /results) for a result that does not fit them."""
    if not award.results:
        return []
    url = courses.version_url(ctx.links, version.achievement.public_id, version.version)
    return results.results_json(courses.result_specs(version), award.results, base=url)


def sign_and_store(session: Session, ctx: Issuing, *, org: Org, achievement: Achievement, version: AchievementVersion,
                   awards: Sequence[tuple[Award, str]], now: datetime) -> list[Credential]:
    """Sign and insert a credential of `version` for each (award, award key), in bulk: status indexes allocated
    together, one signer, one insert; IntegrityError when a key or request id is taken. Only issuer.awards calls
    this (it looks the awards up, writes the audit and the outbox); Conflict for an archived course."""
    if achievement.archived_at is not None:
        raise Conflict("course.archived", f"The course was archived on {achievement.archived_at:%Y-%m-%d}, so "
                       "no new badges can be issued for it. Restore it first, or choose another course.")
    # OB 3.0 allows one credentialStatus: the revocation entry. Suspension is kept by this service (see
    # change_status), since a revocation bit cannot be cleared and the references read no other purpose.
    slots = _allocate(session, ctx, org, "revocation", now, len(awards))
    profile = issuer_profile(ctx, org)
    achieved = courses.achievement_document(ctx.links, version, creator=dict(profile))
    certified = dlc.in_force(session, org.id, now)  # the alliance's Digital Leaders Club endorsement (issuer.dlc)
    if certified is not None:
        profile["endorsement"] = [json.loads(certified.document)]
    course_until = add_months(now, version.valid_months) if version.valid_months else None
    until = [award.valid_until or course_until for award, _ in awards]
    ids = [str(uuid.uuid4()) for _ in awards]
    signed = proofs.sign_many([model.achievement_credential(
        credential_id=ctx.links.credential(credential_id), issuer=profile, achievement=achieved,
        recipient=award.recipient, valid_from=now, valid_until=valid_until, completed=award.completed,
        evidence=award.evidence, credits_earned=award.credits_earned,
        results=award_results(ctx, version, award),
        status=status.status_entry(list_url=ctx.links.status_list(org.slug, slot[0].id), index=slot[1]))
        for (award, _), credential_id, slot, valid_until in zip(awards, ids, slots, until)], signer=signer(ctx, org),
        created=now)
    lookups = [email_lookup(award.recipient.email, ctx.lookup_key) for award, _ in awards]
    rows = [{"id": credential_id, "org_id": org.id, "achievement_id": achievement.id, "version_id": version.id,
             "recipient_hash": award.recipient.hashed_email,
             "recipient_lookup": lookup,
             "recipient_name": award.recipient.name.strip()[:200],
             "recipient_email": model.normalise_email(award.recipient.email)[:320],
             "status_list_id": slot[0].id, "status_index": slot[1], "suspension_list_id": None,
             "suspension_index": None, "idempotency_key": key, "request_id": award.request_id,
             "request_hash": request_hash(achievement, award), "issued_at": now, "valid_until": valid_until,
             "document": to_json(document)}
            for (award, key), credential_id, slot, document, valid_until, lookup
            in zip(awards, ids, slots, signed, until, lookups)]
    session.execute(insert(cast(Table, Credential.__table__)), rows)  # one executemany: the ORM's unit of work costs more
    tallies.issued(session, org_id=org.id, achievement_id=achievement.id, at=now, lookups=lookups)
    return [Credential(**row) for row in rows]  # the rows as objects, not attached to the session


def sign_holder_copy(session: Session, ctx: Issuing, *, credential: Credential, holder_did: str,
                     now: datetime) -> HeldCopy:
    """The stored credential again, bound to its holder's DID (credentialSubject.id), signed by its organisation's
    active key like every credential (signer(), proofs.sign). Everything else is the original's as issued: the
    issuer Profile, the achievement version, the recipient's IdentityObject, the dates and the one status entry,
    so revoking the original revokes the copy (OpenID4VCI, issuer.oid4vci). The copy's id is a urn:uuid: it is
    not published at a URL of its own."""
    original = json.loads(credential.document)
    copy_id = str(uuid.uuid4())
    unsigned = {key: value for key, value in original.items() if key != "proof"}
    unsigned["id"] = f"urn:uuid:{copy_id}"
    unsigned["credentialSubject"] = {"id": holder_did, **{k: v for k, v in original["credentialSubject"].items()
                                                          if k != "id"}}
    signed = proofs.sign(unsigned, signer=signer(ctx, credential.org), created=now)
    copy = HeldCopy(id=copy_id, credential_id=credential.id, holder_did=holder_did, document=to_json(signed),
                    issued_at=now)
    session.add(copy)
    session.flush()
    return copy


def request_hash(achievement: Achievement, award: Award) -> str:
    """What makes two requests under one idempotency key the same request: course, person (name and e-mail),
    completion. Also how to tell who a credential was issued to when its name is not published."""
    return hashlib.sha256(json.dumps(
        [achievement.public_id, award.recipient.name, model.normalise_email(award.recipient.email),
         award.completed.isoformat() if award.completed else None], ensure_ascii=False).encode()).hexdigest()


def _allocate(session: Session, ctx: Issuing, org: Org, purpose: str, now: datetime,
              count: int) -> list[tuple[StatusList, int]]:
    """`count` fresh indexes in the org's lists for `purpose`; a new list (the spare made before the one in use
    fills, or one made now) is published as it is made, before its first use."""
    return status_lists.allocate(session, org_id=org.id, purpose=purpose, now=now, count=count,
                                 capacity=ctx.status_list_capacity,
                                 on_new_list=lambda made: publish_status_list(ctx, org, made, now=now))


def change_status(session: Session, ctx: Issuing, *, org: Org, credential_ids: Sequence[str], action: str,
                  reason: str, actor: str, now: datetime) -> list[tuple[str, BadgeError | None]]:
    """Revoke, suspend or reinstate each credential with an audit entry by `actor`, then re-sign every status
    list touched, once, in this transaction; returns each id with the error that left it unchanged (NotFound,
    Conflict) or None. The one way to change a credential's state (console, API, command line)."""
    if action not in ACTIONS:
        raise InvalidInput("revoke.action_unknown", f"The action must be one of {', '.join(ACTIONS)}.",
                           path="/action")
    reason = reason.strip()
    if action != "reinstate" and not reason:
        raise InvalidInput("revoke.reason_missing", "Give a reason: the recipient and verifiers will see it.",
                           path="/reason")
    touched: dict[int, StatusList] = {}
    results: list[tuple[str, BadgeError | None]] = []
    revoked: list[Credential] = []  # for the counts kept of badges and learners (store.tallies)
    for credential_id in dict.fromkeys(credential_ids):
        try:
            credential = get_credential(session, credential_id, org_id=org.id)
            slot = _status_slot(credential, action)
        except (NotFound, Conflict) as e:
            results.append((credential_id, e))
            continue
        if slot is not None:
            list_id, index = slot
            if list_id not in touched:
                touched[list_id] = session.scalars(select(StatusList).where(StatusList.id == list_id)
                                                   .with_for_update()).one()
            status_lists.set_bit(touched[list_id], index, action != "reinstate", now=now)
        _record_state(credential, action, reason[:500], now)
        if action == "revoke":
            revoked.append(credential)
        results.append((credential_id, None))
    tallies.revoked(session, org_id=org.id, credentials=revoked)
    for status_list in touched.values():
        publish_status_list(ctx, org, status_list, now=now)
    head = audit.record_many(session, org_id=org.id, actor=actor, action=f"credential.{action}", now=now,
                             targets=[i for i, error in results if error is None],
                             **({} if action == "reinstate" else {"reason": reason[:500]}))
    audit.checkpoint_if_due(session, org=org, head=head, now=now, signer=lambda: signer(ctx, org))
    return results


def _status_slot(credential: Credential, action: str) -> tuple[int, int] | None:
    """The (list, index) the action flips, None when only this service records it (a suspension of a
    credential without a suspension entry); Conflict when the credential's state does not allow it."""
    if credential.revoked_at is not None:
        raise Conflict("credential.already_revoked", f"The credential was already revoked on "
                       f"{credential.revoked_at:%Y-%m-%d}.")
    if action == "revoke":
        return credential.status_list_id, credential.status_index
    if (action == "suspend") == (credential.suspended_at is not None):
        raise Conflict(f"revoke.{'already_suspended' if action == 'suspend' else 'not_suspended'}",
                       "The credential is already suspended." if action == "suspend"
                       else "The credential is not suspended, so there is nothing to reinstate.")
    if credential.suspension_list_id is None or credential.suspension_index is None:
        return None  # issued with one status entry (OB 3.0): the suspension lives in this service only
    return credential.suspension_list_id, credential.suspension_index


def _record_state(credential: Credential, action: str, reason: str, now: datetime) -> None:
    if action == "revoke":
        credential.revoked_at, credential.revocation_reason = now, reason
    elif action == "suspend":
        credential.suspended_at, credential.suspension_reason = now, reason
    else:
        credential.suspended_at, credential.suspension_reason = None, None


def revoke(session: Session, ctx: Issuing, *, org: Org, credential_id: str, reason: str, actor: str,
           now: datetime) -> Credential:
    """Flip the credential's revocation bit and re-sign the published list in the same transaction (audited)."""
    return _change_one(session, ctx, org=org, credential_id=credential_id, action="revoke", reason=reason,
                       actor=actor, now=now)


def suspend(session: Session, ctx: Issuing, *, org: Org, credential_id: str, reason: str, actor: str,
            now: datetime) -> Credential:
    """Record the suspension (and set the suspension bit of a credential issued with one); reinstate() undoes it."""
    return _change_one(session, ctx, org=org, credential_id=credential_id, action="suspend", reason=reason,
                       actor=actor, now=now)


def reinstate(session: Session, ctx: Issuing, *, org: Org, credential_id: str, actor: str,
              now: datetime) -> Credential:
    """Lift a suspension (clearing the suspension bit of a credential issued with one)."""
    return _change_one(session, ctx, org=org, credential_id=credential_id, action="reinstate", reason="",
                       actor=actor, now=now)


def _change_one(session: Session, ctx: Issuing, *, org: Org, credential_id: str, action: str, reason: str,
                actor: str, now: datetime) -> Credential:
    [(_, error)] = change_status(session, ctx, org=org, credential_ids=[credential_id], action=action,
                                 reason=reason, actor=actor, now=now)
    if error is not None:
        raise error
    return get_credential(session, credential_id, org_id=org.id)


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
    status_list.document = to_json(signed)
    status_list.updated_at = now


def add_months(instant: datetime, months: int) -> datetime:
    """`instant` plus whole calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    return instant.replace(year=year, month=month, day=min(instant.day, calendar.monthrange(year, month)[1]))
