"""Every table the service has: importing this registers all model modules on Base.metadata
(Alembic's env.py and the schema test use it). A feature that adds a model module adds it here."""
from __future__ import annotations

from store import console, counters, issuing, key_custody, models, wallet
from store.models import Base

__all__ = ["Base", "console", "counters", "issuing", "key_custody", "models", "wallet"]
