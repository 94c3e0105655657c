"""SQLAlchemy 2.0 models: data only, no IO policy (that lives in the feature services)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC one")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class Org(Base):
    """A training organisation: one tenant, one DID."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    did: Mapped[str] = mapped_column(String(300), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # PNG, or SVG sanitised on upload
    logo_type: Mapped[str | None] = mapped_column(String(40))  # "image/png" or "image/svg+xml"
    created_at: Mapped[datetime]
    key_custody: Mapped[str | None] = mapped_column(String(16))  # new keys: "software" | "pkcs11"; None: instance's
    # days before a badge expires on which its holder is reminded, e.g. "30,7" ("" for none); issuer.reminders
    reminder_days: Mapped[str] = mapped_column(String(40), default="30,7", server_default="30,7")
    remind_issuer: Mapped[bool] = mapped_column(default=False, server_default=false())  # the org's e-mail too

    keys: Mapped[list[SigningKey]] = relationship(back_populates="org", order_by="SigningKey.id")


class ApiToken(Base):
    """A per-organisation API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[str] = mapped_column(String(200), default="read issue revoke courses")  # space-separated
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    org: Mapped[Org] = relationship()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes.split()


class SigningKey(Base):
    """An Ed25519 key of an org: sealed under the KEK (custody "software"), or kept in a PKCS#11 token (custody
    "pkcs11"), where only the token's label and the key's CKA_ID are recorded. Retired keys stay published in the
    DID document."""

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("org_id", "fragment"), CheckConstraint(
        "(custody = 'software' AND sealed IS NOT NULL AND token_key_id IS NULL) OR "
        "(custody = 'pkcs11' AND sealed IS NULL AND token_label IS NOT NULL AND token_key_id IS NOT NULL)",
        name="ck_signing_keys_custody"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    fragment: Mapped[str] = mapped_column(String(100))
    public_multibase: Mapped[str] = mapped_column(String(100))
    custody: Mapped[str] = mapped_column(String(16), default="software", server_default="software")
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # custody "software": the key sealed under the KEK
    token_label: Mapped[str | None] = mapped_column(String(64))  # custody "pkcs11": the token's CKA_LABEL
    token_key_id: Mapped[str | None] = mapped_column(String(64))  # and the key's CKA_ID, in hex
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]

    org: Mapped[Org] = relationship(back_populates="keys")


class CourseContent:
    """What a course says, in Korean and English: the course row holds its latest version's content and each
    AchievementVersion a frozen copy, so a credential's page and baked image show the course as issued."""

    achievement_type: Mapped[str] = mapped_column(String(60), default="Course")
    name_ko: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    description_ko: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    criteria_ko: Mapped[str] = mapped_column(Text)
    criteria_en: Mapped[str] = mapped_column(Text)
    image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # PNG, or SVG sanitised on upload
    image_type: Mapped[str] = mapped_column(String(40), default="image/png")
    image_generated: Mapped[bool] = mapped_column(default=True)  # drawn from the name: redrawn when it changes
    valid_months: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[float | None]
    credits: Mapped[float | None]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    alignments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # OB 3.0 Alignment fields
    human_code: Mapped[str] = mapped_column(String(100), default="", server_default="")  # OB 3.0 humanCode
    other_identifiers: Mapped[list[dict[str, str]]] = mapped_column(  # OB 3.0 IdentifierEntry: identifier, type
        JSON, default=list, server_default="[]")
    result_descriptions: Mapped[list[dict[str, Any]]] = mapped_column(  # badges.results.ResultSpec.as_stored()
        JSON, default=list, server_default="[]")


class Achievement(CourseContent, Base):
    """A course (OB 3.0 Achievement): its stable identity and public URL, and its latest version's content."""

    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)  # the latest version's number
    archived_at: Mapped[datetime | None]  # no new badges once archived; issued ones are unaffected
    created_at: Mapped[datetime]

    org: Mapped[Org] = relationship()
    versions: Mapped[list[AchievementVersion]] = relationship(
        back_populates="achievement", order_by="AchievementVersion.version")


class AchievementVersion(CourseContent, Base):
    """One version of a course, frozen when it was made; credentials point at the version they embed."""

    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int]
    created_at: Mapped[datetime]

    achievement: Mapped[Achievement] = relationship(back_populates="versions")


class StatusList(Base):
    """A Bitstring Status List: the bits, the allocation counter, and the signed list credential."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    length: Mapped[int]
    multiplier: Mapped[int]
    offset: Mapped[int]
    allocated: Mapped[int] = mapped_column(default=0)
    capacity: Mapped[int | None]  # how many indexes the list hands out (None: all `length`); bits stay `length`
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class Credential(Base):
    """An issued credential: the signed JSON exactly as issued, plus columns to find it by."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),
                      UniqueConstraint("suspension_list_id", "suspension_index"),
                      UniqueConstraint("org_id", "idempotency_key"),
                      UniqueConstraint("org_id", "request_id"),
                      # the console's list order (issuer.console_credentials): migration 0025; with the columns
                      # its search tests, so a search reads no table row (PostgreSQL, migration 0026)
                      Index("ix_credentials_org_issued", "org_id", "issued_at", "id",
                            postgresql_include=["recipient_name", "recipient_email", "recipient_lookup"]))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("achievement_versions.id"), index=True)
    recipient_hash: Mapped[str] = mapped_column(String(100))  # as published: salted per credential
    recipient_lookup: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash: find by e-mail
    # the organisation's own record of whom it issued to (never published; None for rows issued before 0012
    # whose cohort or outbox rows did not keep it): shown to its staff, full e-mail to owners and issuers only
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))  # revocation
    status_index: Mapped[int]
    suspension_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_lists.id"))  # None: issued before
    suspension_index: Mapped[int | None]
    # the award key (course, e-mail, completion date; ":<n>" for the n-th issue of a revoked award), see
    # issuer.awards; None for credentials issued before every entry point used it
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(200))  # the API client's `id` of the request, if any
    request_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime | None] = mapped_column(index=True)  # as in the document: None never expires
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_at: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    renews_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"), index=True)  # the badge it renews

    org: Mapped[Org] = relationship()
    achievement: Mapped[Achievement] = relationship()
    version: Mapped[AchievementVersion] = relationship()
    status_list: Mapped[StatusList] = relationship(foreign_keys=[status_list_id])
    suspension_list: Mapped[StatusList | None] = relationship(foreign_keys=[suspension_list_id])

    def state(self, now: datetime) -> str:
        """"revoked", "suspended", "expired" or "active" at `now` (revocation outranks the others)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.suspended_at is not None:
            return "suspended"
        if self.valid_until is not None and self.valid_until < now:
            return "expired"
        return "active"


class VerificationEvent(Base):
    """One verification of one of our credentials: counted for the issuer's dashboard."""

    __tablename__ = "verification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "qr" (landing page), "page" (upload / paste), "api"
    verdict: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]


class DlcCertification(Base):
    """A Digital Leaders Club certification: the alliance's signed OB 3.0 EndorsementCredential about a member's
    issuer Profile, valid for a period, revocable through its entry on the platform's revocation status list."""

    __tablename__ = "dlc_certifications"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # a UUID: the credential is <base>/alliance/dlc/<id>
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)  # the member endorsed
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))  # the platform's list
    status_index: Mapped[int]
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the signed EndorsementCredential as issued
