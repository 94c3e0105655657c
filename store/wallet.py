"""Learner wallets: accounts with e-mail addresses, the credentials they keep, and the links they share.

Models hold data only; the rules (matching, verification, privacy) live in wallet/.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, defer, joinedload, mapped_column, relationship, selectinload

from badges.errors import NotFound
from store.models import Achievement, AchievementVersion, Base, Credential, Org


class Learner(Base):
    """A trainee who keeps a wallet; signs in with a confirmed e-mail address and a password."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(100), unique=True)  # did:key of the learner's own signing key
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)  # the Ed25519 key, sealed under the KEK
    created_at: Mapped[datetime]
    signed_in_at: Mapped[datetime | None]  # also retires e-mailed sign-in links once one is used
    # in the session cookie too; bumped on sign-out, which ends every older session
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    emails: Mapped[list[LearnerEmail]] = relationship(back_populates="learner", order_by="LearnerEmail.id")


class LearnerEmail(Base):
    """An e-mail address of a learner; `verified_address` is set once confirmed, and unique: an address
    belongs to at most one learner, while unconfirmed claims block no one."""

    __tablename__ = "learner_emails"
    __table_args__ = (UniqueConstraint("learner_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))  # trimmed, lower-cased
    verified_address: Mapped[str | None] = mapped_column(String(320), unique=True)
    verified_at: Mapped[datetime | None]
    mail_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    learner: Mapped[Learner] = relationship(back_populates="emails")


class WalletItem(Base):
    """One credential in a wallet: issued here (found by e-mail) or imported, with its last verification."""

    __tablename__ = "wallet_items"
    __table_args__ = (UniqueConstraint("learner_id", "credential_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    credential_key: Mapped[str] = mapped_column(String(500))  # the credential's id, or a digest when it has none
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"), index=True)  # issued here
    origin: Mapped[str] = mapped_column(String(10))  # "issued", "file", "paste", "url"
    source_url: Mapped[str | None] = mapped_column(String(1000))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)  # imported: the credential exactly as received
    image: Mapped[bytes | None] = mapped_column(LargeBinary)  # imported: a PNG to show
    recipient_confirmed: Mapped[bool]  # names one of the learner's confirmed e-mail addresses
    verdict: Mapped[str] = mapped_column(String(20))
    report: Mapped[bytes] = mapped_column(LargeBinary)  # the last verification report, as JSON
    checked_at: Mapped[datetime]
    hidden: Mapped[bool] = mapped_column(default=False)
    on_profile: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]  # issued here and removed: remembered so it is not collected again
    added_at: Mapped[datetime]

    credential: Mapped[Credential | None] = relationship()


class ShareLink(Base):
    """An unguessable, revocable link to the learner's profile (item_id None) or to one credential."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("wallet_items.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    # a profile link shows "all" the learner's badges (hidden ones excluded), those put on the "profile", or
    # the "selected" ones (share_link_items)
    shows: Mapped[str] = mapped_column(String(10), default="profile", server_default="profile")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    clr: Mapped[bytes | None] = mapped_column(LargeBinary)  # a CLR transcript attached, as signed (JSON)
    clr_at: Mapped[datetime | None]  # when it was attached

    learner: Mapped[Learner] = relationship()
    item: Mapped[WalletItem | None] = relationship()
    selected: Mapped[list[WalletItem]] = relationship(secondary="share_link_items", order_by="WalletItem.id")


class ShareLinkItem(Base):
    """A badge chosen for a link that shows the "selected" badges."""

    __tablename__ = "share_link_items"

    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("wallet_items.id"), primary_key=True)


def get_item(session: Session, *, learner_id: int, public_id: str) -> WalletItem:
    """The learner's own item (removed ones excluded); NotFound for anyone else's."""
    item = session.scalar(select(WalletItem).where(
        WalletItem.public_id == public_id, WalletItem.learner_id == learner_id, WalletItem.removed_at.is_(None)))
    if item is None:
        raise NotFound("wallet.item_not_found", f"There is no credential {public_id!r} in this wallet.")
    return item


def items_of(session: Session, learner_id: int, *, documents: bool = True) -> list[WalletItem]:
    """The learner's credentials (removed ones excluded), oldest first, with the issued ones' credential, its
    organisation, course and version loaded in a few statements (a timeline of 100 badges would otherwise read
    them one by one: ~260 statements). Without `documents`, the credential documents (issued or imported) are
    read only for the items that ask for them (a timeline of 100 badges reads ~1 MB of them otherwise)."""
    issued = selectinload(WalletItem.credential)
    if documents:
        options = [issued.selectinload(Credential.org), issued.selectinload(Credential.version),
                   issued.selectinload(Credential.achievement)]
    else:  # the timeline: names and links only, in one statement (a course's JSON columns cost ~800 JSON parses
        # for 100 badges, and each further statement a round trip)
        issued = joinedload(WalletItem.credential)
        options = [defer(WalletItem.document), defer(WalletItem.image), defer(WalletItem.report),
                   issued.load_only(Credential.org_id, Credential.achievement_id, Credential.version_id,
                                    Credential.issued_at),
                   issued.joinedload(Credential.org).load_only(Org.slug, Org.name_ko, Org.name_en),
                   issued.joinedload(Credential.version).load_only(AchievementVersion.name_ko,
                                                                   AchievementVersion.name_en),
                   issued.joinedload(Credential.achievement).load_only(Achievement.public_id)]
    return list(session.scalars(select(WalletItem).where(
        WalletItem.learner_id == learner_id, WalletItem.removed_at.is_(None)).order_by(WalletItem.id)
        .options(*options)))


def items_checked_before(session: Session, learner_id: int, at: datetime) -> list[WalletItem]:
    """The learner's items (removed ones excluded) last verified at or before `at`: due for another check. The
    wallet asks on every view, and most views find none (documents are read as each item is checked)."""
    return list(session.scalars(select(WalletItem).where(
        WalletItem.learner_id == learner_id, WalletItem.removed_at.is_(None), WalletItem.checked_at <= at)
        .order_by(WalletItem.id).options(defer(WalletItem.document), selectinload(WalletItem.credential))))


def verified_email(session: Session, address: str) -> LearnerEmail | None:
    """The confirmed address row for `address` (already normalised), whoever it belongs to."""
    return session.scalar(select(LearnerEmail).where(LearnerEmail.verified_address == address))
