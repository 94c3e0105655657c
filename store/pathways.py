"""Pathways across members: a track (e.g. "cloud backend engineer") names achievements of any member, each
optionally with a minimum result (a rubric level's key, or a score), and the owner's course whose badge the
track awards. Also the one reading of a learner's wallet against the tracks (`progress`), shared by the wallet's
page and the issuer's awarding, so both count the same badges.

A wallet badge counts for a requirement when it was issued here (its credential row is known), is not removed,
names one of the learner's confirmed addresses, was last verified valid, is not revoked now, is a badge of the
required achievement and, with a minimum, carries a result at or above it."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from store.models import Achievement, Base, Credential, Org
from store.wallet import WalletItem, items_of


class Pathway(Base):
    """A track: its names, the organisation that awards it and the course of its badge."""

    __tablename__ = "pathways"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)  # the track's owner, its issuer
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))  # the track badge's course
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]

    org: Mapped[Org] = relationship()
    achievement: Mapped[Achievement] = relationship()
    requirements: Mapped[list[PathwayRequirement]] = relationship(order_by="PathwayRequirement.position",
                                                                  cascade="all, delete-orphan")


class PathwayRequirement(Base):
    """One achievement a track requires, with the minimum result (a level key or a score; "" for none)."""

    __tablename__ = "pathway_requirements"
    __table_args__ = (UniqueConstraint("pathway_id", "achievement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    minimum: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int]

    achievement: Mapped[Achievement] = relationship()


def all_pathways(session: Session) -> list[Pathway]:
    return list(session.scalars(select(Pathway).order_by(Pathway.created_at, Pathway.id)))


def by_public_id(session: Session, public_id: str) -> Pathway | None:
    return session.scalar(select(Pathway).where(Pathway.public_id == public_id))


@dataclass(frozen=True, slots=True)
class Met:
    """One requirement and the wallet badge that meets it (None when none does)."""

    requirement: PathwayRequirement
    item: WalletItem | None


@dataclass(frozen=True, slots=True)
class Progress:
    """A track as the learner's wallet meets it."""

    pathway: Pathway
    met: tuple[Met, ...]

    @property
    def done(self) -> int:
        return sum(1 for m in self.met if m.item is not None)

    @property
    def total(self) -> int:
        return len(self.met)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    def credentials(self) -> list[Credential]:
        """The qualifying credentials, in the track's order (when complete, every requirement has one)."""
        return [m.item.credential for m in self.met if m.item is not None and m.item.credential is not None]


def progress(session: Session, learner_id: int, *, now: datetime) -> list[Progress]:
    """Every track, with the learner's badges that meet each of its requirements."""
    tracks = all_pathways(session)
    if not tracks:  # the wallet page and the awarding after a collection ask on every view
        return []
    items = [i for i in items_of(session, learner_id) if counts(i, now)]
    return [Progress(p, tuple(Met(r, next((i for i in items if meets(i, r)), None)) for r in p.requirements))
            for p in tracks]


def counts(item: WalletItem, now: datetime) -> bool:
    """True when the wallet badge may count for a track: issued here, kept, the learner's, verified valid, and not
    revoked (or suspended) now."""
    credential = item.credential
    return (credential is not None and item.removed_at is None and item.recipient_confirmed
            and item.verdict == "valid" and credential.state(now) == "active")


def meets(item: WalletItem, requirement: PathwayRequirement) -> bool:
    """True when the badge is of the required achievement and carries the minimum result, if any."""
    credential = item.credential
    if credential is None or credential.achievement_id != requirement.achievement_id:
        return False
    if not requirement.minimum:
        return True
    document = json.loads(credential.document)
    subject = document.get("credentialSubject", {})
    return reaches(subject.get("achievement", {}), subject.get("result"), requirement.minimum)


def reaches(achievement: Any, results: Any, minimum: str) -> bool:
    """True when one of `results` is at or above `minimum`: a level of a rubric that has a level keyed `minimum`
    placed at or above it, or else a score (`value`) not below the number `minimum`."""
    descriptions = _as_list(achievement.get("resultDescription") if isinstance(achievement, dict) else None)
    results = [r for r in _as_list(results) if isinstance(r, dict)]
    for description in (d for d in descriptions if isinstance(d, dict)):
        levels = [lv for lv in _as_list(description.get("rubricCriterionLevel")) if isinstance(lv, dict)]
        keys = [lv.get("level") for lv in levels]
        if minimum not in keys:
            continue
        ids = [lv.get("id") for lv in levels]
        for result in results:
            if (result.get("resultDescription") == description.get("id") and result.get("achievedLevel") in ids
                    and ids.index(result["achievedLevel"]) >= keys.index(minimum)):
                return True
        return False
    try:
        wanted = Decimal(minimum)
    except InvalidOperation:
        return False
    for result in results:
        try:
            if Decimal(str(result.get("value"))) >= wanted:
                return True
        except InvalidOperation:
            continue
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def holders_of(session: Session, achievement_ids: Sequence[int]) -> list[int]:
    """The learners whose wallets hold a badge of one of the achievements (the candidates for an awarding run)."""
    return list(session.scalars(select(WalletItem.learner_id).join(Credential, WalletItem.credential_id == Credential.id)
                                .where(Credential.achievement_id.in_(achievement_ids)).distinct()))
