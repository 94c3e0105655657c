"""Every table the service has: importing this registers all model modules on Base.metadata
(Alembic's env.py and the schema test use it). A feature that adds a model module adds it here."""
from __future__ import annotations

from store import (
    audit,
    console,
    counters,
    freshness,
    issuing,
    key_custody,
    membership,
    models,
    oauth,
    offers,
    pathways,
    tallies,
    wallet,
    workspace,
)
from store.models import Base

__all__ = ["Base", "audit", "console", "counters", "freshness", "issuing", "key_custody", "membership", "models", "oauth", "offers", "pathways",
           "tallies", "wallet", "workspace"]
