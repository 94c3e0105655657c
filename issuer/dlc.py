"""Digital Leaders Club (디지털 리더스 클럽): the alliance certifies excellent training members.

A certification is an OB 3.0 `EndorsementCredential` signed by the platform's own did:web (issuer.platform):
its subject is the member's issuer Profile (credentialSubject.id = the member's DID, type EndorsementSubject),
it holds from `validFrom` to `validUntil`, and it carries one revocation entry on the platform's status list,
allocated and re-signed by the same machinery as every badge (store.status_lists, service.publish_status_list).
The signed document is kept as issued (store.models.DlcCertification) and embedded in the issuer Profile of the
member's newly issued badges (`issuer.endorsement`, service.sign_and_store), so that a verifier offline sees it.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from badges import model, proofs, status
from badges.clock import korea_date
from badges.errors import Conflict, InvalidInput, NotFound
from badges.jsonld import JsonObject
from badges.jsontext import to_json
from issuer import service
from issuer.platform import Identity, ensure_platform
from issuer.service import Issuing
from store import dlc, orgs, status_lists
from store.models import DlcCertification, Org, StatusList

NAME = "디지털 리더스 클럽 (Digital Leaders Club)"
ENDORSEMENT_SCHEMA = {"id": model.SCHEMA_BASE + "ob_v3p0_endorsementcredential_schema.json",
                      "type": "1EdTechJsonSchemaValidator2019"}
MAX_REASON = 500


def certification_url(ctx: Issuing, certification_id: str) -> str:
    """Where the signed certification is published (issuer.pages: /alliance/dlc/<id>)."""
    return f"{ctx.links.base_url}/alliance/dlc/{certification_id}"


def comment(member: Org, valid_until: datetime) -> str:
    """The endorsementComment: OB 3.0 gives it one string, so Korean first, then English."""
    day = korea_date(valid_until)
    return (f"{member.name_ko}은(는) {day}까지 디지털 리더스 클럽 인증 기관입니다. / "
            f"{member.name_en} is a certified Digital Leaders Club member until {day}.")


def grant(session: Session, ctx: Issuing, identity: Identity, *, slug: str, valid_until: datetime,
          now: datetime) -> DlcCertification:
    """Certify the member `slug` from now until `valid_until`: sign the EndorsementCredential with the platform's
    key, allocate its revocation entry on the platform's list and store it. A certification still in force is
    superseded (revoked) by the new one, so a member has at most one in force."""
    if slug == identity.slug:
        raise InvalidInput("dlc.not_member", "The alliance cannot certify itself.", path="/slug")
    member = orgs.get_org(session, slug)
    if valid_until <= now:
        raise InvalidInput("dlc.until_past", f"The end date {korea_date(valid_until)} has already passed.",
                           path="/until")
    platform = ensure_platform(session, ctx, identity, now=now)
    previous = dlc.in_force(session, member.id, now)
    if previous is not None:
        _revoke(session, ctx, platform, previous, reason="superseded", now=now)
    [(status_list, index)] = status_lists.allocate(
        session, org_id=platform.id, purpose="revocation", now=now, capacity=ctx.status_list_capacity,
        on_new_list=lambda made: service.publish_status_list(ctx, platform, made, now=now))
    certification_id = str(uuid.uuid4())
    unsigned: JsonObject = {
        "@context": list(model.CREDENTIAL_CONTEXT),
        "id": certification_url(ctx, certification_id),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": NAME,
        "issuer": service.issuer_profile(ctx, platform),
        "validFrom": proofs.xsd_datetime(now),
        "validUntil": proofs.xsd_datetime(valid_until),
        "credentialSubject": {"id": member.did, "type": ["EndorsementSubject"],
                              "endorsementComment": comment(member, valid_until)},
        "credentialSchema": [ENDORSEMENT_SCHEMA],
        "credentialStatus": status.status_entry(list_url=ctx.links.status_list(platform.slug, status_list.id),
                                                index=index)}
    signed = proofs.sign(unsigned, signer=service.signer(ctx, platform), created=now)
    row = DlcCertification(id=certification_id, org_id=member.id, valid_from=now, valid_until=valid_until,
                           status_list_id=status_list.id, status_index=index, issued_at=now,
                           revoked_reason="", document=to_json(signed))
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, ctx: Issuing, identity: Identity, *, slug: str, reason: str,
           now: datetime) -> DlcCertification:
    """Revoke the member's certification in force: set its bit and re-sign the platform's list."""
    member = orgs.get_org(session, slug)
    current = dlc.in_force(session, member.id, now)
    if current is None:
        raise NotFound("dlc.none_in_force", f"{slug} holds no Digital Leaders Club certification in force.")
    platform = ensure_platform(session, ctx, identity, now=now)
    _revoke(session, ctx, platform, current, reason=reason.strip()[:MAX_REASON] or "revoked", now=now)
    return current


def _revoke(session: Session, ctx: Issuing, platform: Org, row: DlcCertification, *, reason: str,
            now: datetime) -> None:
    if row.revoked_at is not None:
        raise Conflict("dlc.already_revoked", "The certification is revoked already.")
    status_list = session.get(StatusList, row.status_list_id)
    assert status_list is not None and status_list.org_id == platform.id
    status_lists.set_bit(status_list, row.status_index, True, now=now)
    service.publish_status_list(ctx, platform, status_list, now=now)
    session.execute(update(DlcCertification).where(DlcCertification.id == row.id)
                    .values(revoked_at=now, revoked_reason=reason))
    session.refresh(row)


def document(row: DlcCertification) -> JsonObject:
    """The certification as signed."""
    found: JsonObject = json.loads(row.document)
    return found
