"""Verification for the API, the web page and the QR landing: one pipeline, our own data read locally."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from badges import baking
from badges.report import STATUS_RETRIEVAL, CheckUndecided, VerificationReport
from badges.verify import Resolver, verify_credential
from badges.jsonld import JsonObject
from store import orgs
from store.links import Links
from store.models import Credential, Org, StatusList, VerificationEvent


class LocalResolver:
    """Reads our own organisations' DID documents and status lists from the database (the server never
    calls itself over HTTP); everything else goes to `remote`."""

    def __init__(self, factory: sessionmaker[Session], links: Links, remote: Resolver) -> None:
        self._factory = factory
        self._links = links
        self._remote = remote

    def did_document(self, did: str) -> JsonObject:
        with self._factory() as session:
            org = orgs.org_by_did(session, did)
            if org is not None:
                return orgs.did_document(org)
        return self._remote.did_document(did)

    def status_list(self, url: str) -> JsonObject:
        ours = self._links.parse_status_list(url)
        if ours is None:
            return self._remote.status_list(url)
        with self._factory() as session:
            document = session.scalar(select(StatusList.document).join(Org, Org.id == StatusList.org_id)
                                      .where(Org.slug == ours[0], StatusList.id == ours[1]))
        if document is None:
            raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable", f"There is no status list at {url}.")
        return json.loads(document)


def verify_upload(data: bytes, *, resolve: Resolver, now: datetime, skew: timedelta,
                  holder: str | None = None) -> VerificationReport:
    """Verify credential JSON, or a baked PNG / SVG badge (the credential is extracted first)."""
    stripped = data.lstrip()
    if not stripped.startswith((b"{", b"[")):
        data = baking.extract_credential(data).encode()
    return verify_credential(data, resolve=resolve, now=now, skew=skew, holder=holder or None)


def record(session: Session, report: VerificationReport, *, links: Links, channel: str, now: datetime) -> None:
    """Count a verification of one of our own credentials, for its issuer's dashboard."""
    document = report.credential if isinstance(report.credential, dict) else {}
    credential_id = links.parse_credential(str(document.get("id", "")))
    credential = session.get(Credential, credential_id) if credential_id else None
    if credential is not None:
        session.add(VerificationEvent(org_id=credential.org_id, credential_id=credential.id, channel=channel,
                                      verdict=report.verdict, at=now))
