"""The platform's own identity: the alliance that runs this service, as a reserved organisation row (slug, Korean
and English names from settings) with its did:web, sealed signing key, DID document and rotation like any
member organisation (issuer.service.create_org / signer: one key path). It signs what the service itself
attests, such as a learner's CLR transcript; it issues no badges and is not listed among the member issuers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from badges import proofs
from badges.jsonld import JsonObject
from issuer import service
from issuer.service import Issuing
from store import orgs
from store.db import transaction
from store.models import Org


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the platform is: its organisation's short name and names (web.settings)."""

    slug: str
    name_ko: str
    name_en: str


def ensure_platform(session: Session, ctx: Issuing, identity: Identity, *, now: datetime) -> Org:
    """The platform's organisation row, created with its did:web and first key when it does not exist yet."""
    return orgs.find_org(session, identity.slug) or service.create_org(
        session, ctx, slug=identity.slug, name_ko=identity.name_ko, name_en=identity.name_en, now=now)


class Platform:
    """The platform's signer for the features that attest as the service (the wallet's CLR), given to them by
    the composition root (bootstrap.wiring) so that they need not import the issuer."""

    def __init__(self, sessions: sessionmaker[Session], ctx: Issuing, identity: Identity) -> None:
        self._sessions, self._ctx, self.identity = sessions, ctx, identity

    def attester(self) -> tuple[JsonObject, proofs.Signer]:
        """(the platform's issuer Profile, a signer for its active key); creates the platform on first use.
        Opens its own transaction: call it with none open (SQLite lets one writer in at a time)."""
        try:
            with transaction(self._sessions) as session:
                return self._attester(session)
        except IntegrityError:  # another process created it at the same moment: it exists now
            with transaction(self._sessions) as session:
                return self._attester(session)

    def _attester(self, session: Session) -> tuple[JsonObject, proofs.Signer]:
        org = ensure_platform(session, self._ctx, self.identity, now=datetime.now(UTC))
        profile = service.issuer_profile(self._ctx, org)
        return profile, service.signer(self._ctx, org)
