"""The alliance's public documents: its Digital Leaders Club certifications, and the registry of member issuers
(the members are store.membership's active ones).

The registry is published in the `dcc-legacy` format that the Digital Credentials Consortium's verifiers read
(@digitalcredentials/verifier-core through @digitalcredentials/issuer-registry-client: `registry[did]` with
`name`, `url` and `location`), so that a verifier configured with
`{"name": ..., "type": "dcc-legacy", "url": "<base>/alliance/registry.json"}` among its known registries reports
our members' badges as from a registered issuer. The entries also carry what the DCC reader ignores: the
English name, category, logo, membership state and Digital Leaders Club certification.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import proofs
from badges.clock import korea_date
from badges.errors import NotFound
from store import dlc, orgs
from store.links import Links
from store.membership import AllianceMember, MemberState, member_now
from store.models import Org
from web.http import cacheable, services, transaction, utcnow

bp = Blueprint("registry", __name__)
REGISTRY_MAX_AGE = 300  # a member removed leaves external verifiers' caches within five minutes
LOCATION = "Republic of Korea"


def members(session: Session, *, platform_slug: str) -> list[Org]:
    """The organisations whose membership is active now (store.membership), by name; never the platform."""
    active = select(AllianceMember.org_id).where(AllianceMember.state == MemberState.ACTIVE)
    return [org for org in session.scalars(orgs.select_orgs().where(Org.id.in_(active)))
            if org.slug != platform_slug]


def registry_entries(session: Session, *, links: Links, platform_slug: str, now: datetime) -> dict[str, Any]:
    """The member issuers by DID, as the registry lists them."""
    entries: dict[str, Any] = {}
    for org in members(session, platform_slug=platform_slug):
        certified = dlc.in_force(session, org.id, now)
        entry: dict[str, Any] = {
            "name": org.name_ko or org.name_en, "name_en": org.name_en, "url": org.url or links.org(org.slug),
            "location": LOCATION, "profile": links.org(org.slug), "category": _category(session, org.id),
            "membership": "active",
            "logo": f"{links.org(org.slug)}/logo" if org.logo_type else None,
            "digitalLeadersClub": {"until": str(korea_date(certified.valid_until)),
                                   "credential": f"{links.base_url}/alliance/dlc/{certified.id}"}
            if certified is not None else None}
        entries[org.did] = {key: value for key, value in entry.items() if value is not None}
    return entries


def _category(session: Session, org_id: int) -> str | None:
    standing = member_now(session, org_id)
    return f"{standing.role}/{standing.kind}" if standing is not None else None


def registry_document(session: Session, *, links: Links, platform_slug: str, now: datetime) -> dict[str, Any]:
    """The whole registry document (dcc-legacy: `meta` and `registry`)."""
    settings = services().settings
    return {"meta": {"created": proofs.xsd_datetime(now), "name": f"{settings.platform_name_ko} "
                     f"({settings.platform_name_en}) member issuers", "publisher": links.org_did(platform_slug),
                     "url": f"{links.base_url}/alliance/registry.json"},
            "registry": registry_entries(session, links=links, platform_slug=platform_slug, now=now)}


@bp.get("/alliance/registry.json")
def registry() -> Response:
    svc = services()
    with transaction() as session:
        document = registry_document(session, links=svc.issuing.links, platform_slug=svc.settings.platform_slug,
                                     now=utcnow())
    registry_only = {"meta": {k: v for k, v in document["meta"].items() if k != "created"},
                     "registry": document["registry"]}  # the ETag changes with the members, not the clock
    return cacheable(json.dumps(document, ensure_ascii=False, indent=2).encode(), "application/json",
                     max_age=REGISTRY_MAX_AGE, etag_of=json.dumps(registry_only, sort_keys=True).encode())


@bp.get("/alliance/dlc/<certification_id>")
def certification(certification_id: str) -> Response:
    """A Digital Leaders Club certification as signed (its revocation is on the alliance's status list)."""
    with transaction() as session:
        row = dlc.get(session, certification_id[:40])
        if row is None:
            raise NotFound("dlc.not_found", "There is no Digital Leaders Club certification at this address.")
        document = row.document
    return cacheable(document, "application/vc+ld+json", max_age=REGISTRY_MAX_AGE)
