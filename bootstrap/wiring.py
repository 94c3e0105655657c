"""The services every entry point builds from settings: the web app, the `badges` command and the queue worker."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from badges.fetch import FetchPolicy
from badges.resolve import HttpResolver
from bootstrap import catalogue
from issuer.pathways import Awarder
from issuer.platform import Identity, Platform
from issuer.service import Issuing
from keys.hsm import Token
from store.db import make_engine, read_only, session_factory
from store.key_custody import LookupKey
from store.links import Links
from verifier.events import EventRecorder
from verifier.service import LocalResolver
from web import i18n
from web.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """Everything request handlers, commands and jobs need, built once per process (in a web app, stored in
    app.extensions["badges"])."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    issuing: Issuing
    resolver: LocalResolver
    platform: Platform  # the service's own did:web identity, whose signer the wallet gets for CLR transcripts
    pathways: Awarder  # awards completed tracks; the wallet calls it after collecting or importing badges
    events: EventRecorder  # verification events, written in batches by a thread of the process


def build_services(settings: Settings) -> Services:
    """Engine, session factory, issuing context and the local-first resolver for `settings`; the ko/en catalogue
    of every feature is installed on the way."""
    i18n.install(catalogue.CATALOGUES)
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    links = Links(settings.public_base_url)
    remote = remote_resolver(settings.fetch_policy())
    readers = session_factory(read_only(engine))
    kek, old = settings.key_encryption_key, settings.old_key_encryption_keys
    token = Token(settings.pkcs11) if settings.pkcs11 else None  # opened on first use, in the process using it
    issuing = Issuing(links, kek, token, settings.key_custody, old, lookup=LookupKey(readers, kek, old),
                      status_list_capacity=settings.status_list_capacity)
    return Services(settings, engine, sessions, issuing, LocalResolver(readers, links, remote),
                    Platform(sessions, issuing, platform_identity(settings)), Awarder(sessions, issuing),
                    EventRecorder(sessions, interval=settings.verify_events_seconds))


def platform_identity(settings: Settings) -> Identity:
    """The platform organisation's slug and names from settings."""
    return Identity(settings.platform_slug, settings.platform_name_ko, settings.platform_name_en)


def remote_resolver(policy: FetchPolicy) -> HttpResolver:
    """The resolver of other issuers' documents under `policy` (did:web over http only where the policy allows
    http, for development)."""
    return HttpResolver(policy, did_web_scheme="http" if policy.allow_http else "https")
