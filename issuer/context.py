"""What the issuer's background work (cohort jobs, notification mail) is handed: the composition root's services,
seen through the four parts it uses."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from issuer.service import Issuing
from web.settings import Settings


class Context(Protocol):
    """Settings (SMTP, Redis), the database and the issuing context; bootstrap.wiring.Services is one."""

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def issuing(self) -> Issuing: ...
