"""Everything an organisation keeps here, as one ZIP of JSON and CSV files (console, owners only, and
`badges export-org`): its profile and DID document, courses with every version (and their images), credentials
exactly as signed, status lists, the audit log with its hash chain and signed checkpoints, staff (no password
hashes), API tokens (no token hashes) and cohort uploads (counts, not rows).

Big tables (credentials, the audit log) are streamed into the archive row by row; manifest.json lists each file
with its SHA-256 and row count. CSV cells that a spreadsheet would run as a formula are prefixed with ', as the
cohort report does.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.jsontext import from_json, to_json
from issuer import staff
from store import audit as chain
from store.console import AuditEntry
from store.issuing import CohortJob, CohortRow
from store.models import Achievement, ApiToken, Credential, Org, StatusList
from store.orgs import did_document

FORMULA = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_QUERY = 1000


@dataclass(frozen=True, slots=True)
class Written:
    files: int
    size: int


def file_name(org: Org, now: datetime) -> str:
    """The archive's name: <slug>-export-<YYYYMMDD-HHMMSS>.zip (UTC)."""
    return f"{org.slug}-export-{now:%Y%m%d-%H%M%S}.zip"


def write_file(session: Session, *, org: Org, dest: Path, now: datetime) -> Written:
    """The archive written to `dest` (mode 0600: it holds staff e-mail addresses) through a temporary file
    beside it, so `dest` is either whole or absent."""
    part = dest.with_name(dest.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            files = write(session, org=org, out=out, now=now)
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return Written(files, dest.stat().st_size)


def write(session: Session, *, org: Org, out: IO[bytes], now: datetime) -> int:
    """Write the organisation's archive to `out`; the number of files in it."""
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, chunks: Iterable[bytes], rows: int | None = None) -> None:
            digest = hashlib.sha256()
            with archive.open(name, "w") as member:
                for chunk in chunks:
                    digest.update(chunk)
                    member.write(chunk)
            manifest.append({"file": name, "sha256": digest.hexdigest(), **({"rows": rows} if rows is not None else {})})

        add("organisation.json", [_json(_org(org))])
        add("did.json", [_json(did_document(org))])
        courses = list(session.scalars(select(Achievement).where(Achievement.org_id == org.id)
                                       .order_by(Achievement.id)))
        add("courses.json", [_json([_course(c) for c in courses])], len(courses))
        add("courses.csv", _csv(COURSE_COLUMNS, ([c.public_id, v.version, v.name_ko, v.name_en, v.achievement_type,
                                                  v.created_at.isoformat(), _iso(c.archived_at)]
                                                 for c in courses for v in c.versions)))
        for course in courses:
            for version in course.versions:
                if version.image:
                    suffix = "svg" if version.image_type == "image/svg+xml" else "png"
                    add(f"images/{course.public_id}-v{version.version}.{suffix}", [version.image])
        counted = _count(session, Credential, org.id)
        add("credentials.jsonl", (c.document + b"\n" for c in _credentials(session, org.id)), counted)
        public_ids = {c.id: c.public_id for c in courses}
        add("credentials.csv", _csv(CREDENTIAL_COLUMNS, (_credential_row(c, public_ids, now)
                                                         for c in _credentials(session, org.id))), counted)
        lists = list(session.scalars(select(StatusList).where(StatusList.org_id == org.id).order_by(StatusList.id)))
        add("status-lists.jsonl", (s.document + b"\n" for s in lists if s.document), len(lists))
        entries = _count(session, AuditEntry, org.id)
        add("audit.jsonl", (_json(_entry(e)) for e in _audit(session, org.id)), entries)
        add("audit.csv", _csv(AUDIT_COLUMNS, ([e.seq, e.at.isoformat(), e.actor, e.action, e.target,
                                               to_json(e.detail).decode(), e.prev_hash, e.hash]
                                              for e in _audit(session, org.id))), entries)
        head = chain.head_of(session, org.id)
        checkpoints = chain.checkpoints(session, org.id)
        add("audit-checkpoints.json", [_json({"head": {"seq": head.seq, "hash": head.hash} if head else None,
                                              "checkpoints": [from_json(c.document) for c in checkpoints]})],
            len(checkpoints))
        members = staff.members(session, org_id=org.id)
        add("staff.csv", _csv(STAFF_COLUMNS, ([m.staff.email, m.staff.name, m.role, m.created_at.isoformat()]
                                              for m in members)), len(members))
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.org_id == org.id).order_by(ApiToken.id)))
        add("api-tokens.csv", _csv(TOKEN_COLUMNS, ([t.id, t.label, t.scopes, t.created_at.isoformat(),
                                                    _iso(t.revoked_at)] for t in tokens)), len(tokens))
        jobs = _jobs(session, org.id)
        add("cohort-jobs.csv", _csv(JOB_COLUMNS, jobs), len(jobs))
        archive.writestr("manifest.json", _json({
            "organisation": org.did, "slug": org.slug, "exportedAt": now.isoformat(), "files": manifest,
            "auditChain": "Each line of audit.jsonl has `hash` = SHA-256 (hex) of the RFC 8785 canonical JSON of "
                          "the line's {org, seq, time, actor, action, target, details, prev} (time: UTC to the microsecond, "
                          "e.g. 2026-03-01T09:30:00.000000Z; prev: the hash of the line before, 64 zeros for the "
                          "first). Each checkpoint is signed (Data Integrity eddsa-jcs-2022) by a key of did.json.",
        }))
    return len(manifest) + 1


COURSE_COLUMNS = ("course", "version", "name_ko", "name_en", "type", "version_created_at", "archived_at")
CREDENTIAL_COLUMNS = ("id", "course", "version", "issued_at", "valid_until", "state", "revoked_at",
                      "revocation_reason", "suspended_at", "suspension_reason", "recipient_name_published")
AUDIT_COLUMNS = ("seq", "time", "actor", "action", "target", "details", "prev_hash", "hash")
STAFF_COLUMNS = ("email", "name", "role", "member_since")
TOKEN_COLUMNS = ("id", "label", "scopes", "created_at", "revoked_at")
JOB_COLUMNS = ("id", "course", "source", "filename", "state", "created_by", "created_at", "finished_at", "rows",
               "issued")


def _org(org: Org) -> dict[str, Any]:
    return {"slug": org.slug, "did": org.did, "name": {"ko": org.name_ko, "en": org.name_en},
            "description": {"ko": org.description_ko, "en": org.description_en}, "url": org.url,
            "email": org.email, "createdAt": org.created_at.isoformat()}


def _course(course: Achievement) -> dict[str, Any]:
    return {"id": course.public_id, "archivedAt": _iso(course.archived_at), "createdAt": course.created_at.isoformat(),
            "versions": [{"version": v.version, "createdAt": v.created_at.isoformat(), "type": v.achievement_type,
                          "name": {"ko": v.name_ko, "en": v.name_en},
                          "description": {"ko": v.description_ko, "en": v.description_en},
                          "criteria": {"ko": v.criteria_ko, "en": v.criteria_en}, "validMonths": v.valid_months,
                          "hours": v.hours, "credits": v.credits, "tags": v.tags, "alignments": v.alignments,
                          "humanCode": v.human_code, "otherIdentifiers": v.other_identifiers,
                          "imageType": v.image_type if v.image else None} for v in course.versions]}


def _credentials(session: Session, org_id: int) -> Iterator[Credential]:
    query = select(Credential).where(Credential.org_id == org_id).order_by(Credential.issued_at, Credential.id)
    yield from session.scalars(query.execution_options(yield_per=ROWS_PER_QUERY))


def _credential_row(credential: Credential, public_ids: dict[int, str], now: datetime) -> list[Any]:
    subject = from_json(credential.document).get("credentialSubject", {})
    achievement = subject.get("achievement", {}) if isinstance(subject, dict) else {}
    version = str(achievement.get("id", "")).rsplit("/", 1)[-1].split("?")[0] if isinstance(achievement, dict) else ""
    return [credential.id, public_ids.get(credential.achievement_id, ""), version, credential.issued_at.isoformat(),
            _iso(credential.valid_until), credential.state(now), _iso(credential.revoked_at),
            credential.revocation_reason or "", _iso(credential.suspended_at), credential.suspension_reason or "",
            "yes" if isinstance(subject, dict) and subject.get("name") else "no"]


def _audit(session: Session, org_id: int) -> Iterator[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.org_id == org_id).order_by(AuditEntry.seq)
    yield from session.scalars(query.execution_options(yield_per=ROWS_PER_QUERY))


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {"org": entry.org_id, "seq": entry.seq, "time": chain.chain_time(entry.at), "actor": entry.actor, "action": entry.action,
            "target": entry.target, "details": entry.detail, "prev": entry.prev_hash, "hash": entry.hash}


def _jobs(session: Session, org_id: int) -> list[list[Any]]:
    rows = session.execute(
        select(CohortJob, func.count(CohortRow.id), func.count(CohortRow.credential_id))
        .outerjoin(CohortRow, CohortRow.job_id == CohortJob.id).where(CohortJob.org_id == org_id)
        .group_by(CohortJob.id).order_by(CohortJob.id)).all()
    return [[job.id, job.achievement.public_id, job.source, job.filename, job.state, job.created_by,
             job.created_at.isoformat(), _iso(job.finished_at), total, issued] for job, total, issued in rows]


def _count(session: Session, model: type[Credential | AuditEntry], org_id: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.org_id == org_id)) or 0


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Korean Excel opens it as UTF-8), one chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(value) for value in row])
        yield buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return "" if value is None else value


def _json(value: Any) -> bytes:
    return to_json(value) + b"\n"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
