"""The alliance's public documents: its Digital Leaders Club certifications, and the registry of member issuers.

The registry is published in the `dcc-legacy` format that the Digital Credentials Consortium's verifiers read
(@digitalcredentials/verifier-core through @digitalcredentials/issuer-registry-client: `registry[did]` with
`name`, `url` and `location`), so that a verifier configured with
`{"name": ..., "type": "dcc-legacy", "url": "<base>/alliance/registry.json"}` among its known registries reports
our members' badges as from a registered issuer. The entries also carry what the DCC reader ignores: the
English name, category, logo, membership state and Digital Leaders Club certification.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from badges import proofs
from badges.clock import korea_date
from badges.errors import NotFound
from store import dlc, orgs
from store.links import Links
from store.models import Org
from web.http import services, transaction, utcnow

bp = Blueprint("alliance", __name__)
REGISTRY_MAX_AGE = 300  # a member removed leaves external verifiers' caches within five minutes
LOCATION = "Republic of Korea"


def members(session: Session, *, platform_slug: str) -> list[Org]:
    """The member organisations. Until the membership model lands every organisation but the platform is an
    active member: this is the one place to switch (store.membership.member_now)."""
    return [org for org in session.scalars(orgs.select_orgs()) if org.slug != platform_slug]


def registry_entries(session: Session, *, links: Links, platform_slug: str, now: datetime) -> dict[str, Any]:
    """The member issuers by DID, as the registry lists them."""
    entries: dict[str, Any] = {}
    for org in members(session, platform_slug=platform_slug):
        certified = dlc.in_force(session, org.id, now)
        entry: dict[str, Any] = {
            "name": org.name_ko or org.name_en, "name_en": org.name_en, "url": org.url or links.org(org.slug),
            "location": LOCATION, "profile": links.org(org.slug), "category": None, "membership": "active",
            "logo": f"{links.org(org.slug)}/logo" if org.logo_type else None,
            "digitalLeadersClub": {"until": str(korea_date(certified.valid_until)),
                                   "credential": f"{links.base_url}/alliance/dlc/{certified.id}"}
            if certified is not None else None}
        entries[org.did] = {key: value for key, value in entry.items() if value is not None}
    return entries


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
    return _public(json.dumps(document, ensure_ascii=False, indent=2).encode(), "application/json",
                   etag=json.dumps(registry_only, sort_keys=True).encode())


@bp.get("/alliance/dlc/<certification_id>")
def certification(certification_id: str) -> Response:
    """A Digital Leaders Club certification as signed (its revocation is on the alliance's status list)."""
    with transaction() as session:
        row = dlc.get(session, certification_id[:40])
        if row is None:
            raise NotFound("dlc.not_found", "There is no Digital Leaders Club certification at this address.")
        document = row.document
    return _public(document, "application/vc+ld+json", etag=document)


def _public(body: bytes, mimetype: str, *, etag: bytes) -> Response:
    response = Response(body, mimetype=mimetype, headers={
        "Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={REGISTRY_MAX_AGE}"})
    response.set_etag(hashlib.sha256(etag).hexdigest())
    response.make_conditional(request)
    return response
