"""The employers' verification workspace: many candidates' links, files, QR photos and career-proof PDFs checked
as one batch, each item through the one pipeline of the verification page (verifier.views), one row each.

How a batch runs. The submission is split into items and stored at once, one row per item with its input
(store.workspace); a background thread of the app then checks the pending items one by one and writes each
result with its row, clearing the input. The rows are the job's whole state, so a batch cut short by a crash or
a restart is resumed from its pending items when an app starts serving (bootstrap.app.start), and no item is
checked twice or lost. A lease on the batch (renewed with every item) keeps two processes from running the same
batch; a runner that died stops renewing and the next start takes the batch over. This is the cohort jobs'
design (issuer.jobs) cut down to what checking needs: no queue, as checking signs nothing and each item is short.

An item that cannot be read (a bad line, a file over its cap, a photo without a QR code) becomes a row saying why,
in Korean and English; it never stops the others. A PDF is split in the background into one item per QR code
found on its pages (badges.scan.read_pdf_qr_codes), up to the batch's limit of items.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from badges import baking, scan
from badges.errors import BadgeError, InvalidInput
from badges.report import CheckId, Outcome
from store import workspace as store
from store.workspace import WorkspaceBatch, WorkspaceItem
from verifier import service, views
from verifier.views import MAX_PHOTO, MAX_UPLOAD, Verified
from web.http import services, transaction, utcnow

MAX_ITEMS = 200  # lines, files and the QR codes of PDFs, all together
MAX_PDF = scan.MAX_PDF_BYTES
MAX_TOTAL = 40_000_000  # the whole submission
MAX_TEXT = 1_000_000  # the pasted lines
MAX_LINE = 20_000  # a link, or a VC-JWT on one line
LEASE = timedelta(seconds=60)
RUNNING = 2  # batches a process checks at once; the others wait their turn (each item may fetch for seconds)
EXTENSION = "badges.workspace"  # app.extensions key of the app's Runner
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF")  # JPEG, GIF, BMP, WebP
BAD_LINE = ("workspace.bad_line", "The line is neither a badge link (https://…) nor a badge as a JWT (eyJ…).")
SHARE_LINK = ("workspace.share_link", ("This is a learner's share page, which can hold many badges: open it to "
              "verify them, or add each badge's own link."))
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Given:
    """One item as handed in: its kind (link, file, photo, pdf), how the table names it, and its bytes, or the
    problem that makes it unreadable (a catalogue code and an English detail)."""

    kind: str
    label: str
    data: bytes = b""
    problem: tuple[str, str] | None = None


def from_lines(text: str) -> list[Given]:
    """One item per non-empty line: a link, or a VC-JWT; anything else is a bad line (kept, with why)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        label = line[:300]
        if len(line) > MAX_LINE:
            found.append(Given("link", label, problem=("workspace.line_too_long",
                                                       f"The line is over {MAX_LINE} characters.")))
        elif line.lower().startswith(("https://", "http://")) or line.startswith("eyJ"):
            found.append(Given("link", label, line.encode()))
        else:
            found.append(Given("link", label, problem=BAD_LINE))
    return found


def from_file(name: str, data: bytes) -> Given:
    """The item an uploaded file is: a PDF, a photo, or a credential (JSON, JWT, PNG, SVG), within its size cap.
    A PNG is a credential if one is baked into it and a photo of a QR code otherwise (decided when checked)."""
    label = (name or "file")[:300]
    kind, cap = "file", MAX_UPLOAD
    if data.startswith(b"%PDF-"):
        kind, cap = "pdf", MAX_PDF
    elif data.startswith(PHOTO_SIGNATURES):
        kind, cap = "photo", MAX_PHOTO
    elif data.startswith(baking.PNG_SIGNATURE):
        cap = MAX_PHOTO
    if not data.strip():
        return Given(kind, label, problem=("workspace.empty_file", "The file is empty."))
    if len(data) > cap:
        return Given(kind, label, problem=("workspace.file_too_large",
                                           f"The file is {len(data):,} bytes; the limit for it is {cap:,}."))
    return Given(kind, label, data)


def create_batch(session: Session, *, org_id: int, staff_id: int, given: list[Given], label: str, now: datetime,
                 keep_days: int) -> WorkspaceBatch:
    """The batch with one pending row per readable item and a finished row per unreadable one."""
    batch = WorkspaceBatch(org_id=org_id, created_by=staff_id, label=label.strip()[:200], created_at=now,
                           expires_at=now + timedelta(days=keep_days))
    session.add(batch)
    session.flush()
    for position, item in enumerate(given, start=1):
        row = WorkspaceItem(batch_id=batch.id, position=position, part=0, kind=item.kind, label=item.label,
                            input=item.data or None, state="pending")
        if item.problem is not None:
            _write(row, problem=item.problem, now=now)
        session.add(row)
    if all(item.problem is not None for item in given):
        batch.finished_at = now
    return batch


def delete_batch(session: Session, batch: WorkspaceBatch) -> None:
    """Gone at once, with every row (a runner still checking it stops at its next item)."""
    store.delete_batches(session, [batch.id])


def cleanup(session: Session, now: datetime) -> int:
    """Delete every batch kept past its retention period; how many went."""
    return store.delete_batches(session, store.expired(session, now))


# checking, in the background -----------------------------------------------------------------------------------


def run(batch_id: int) -> bool:
    """Check the batch's pending items (needs an app context: the pipeline reads the app's services); False when
    another runner holds it, or it was deleted meanwhile."""
    me = uuid.uuid4().hex
    if not _claim(batch_id, me):
        return False
    while True:
        with transaction() as session:
            todo = store.pending(session, batch_id, limit=1)
            if not todo:
                session.execute(update(WorkspaceBatch).where(WorkspaceBatch.id == batch_id, WorkspaceBatch.runner == me)
                                .values(finished_at=utcnow(), runner=None, lease_until=None))
                return True
            item = todo[0]
            work = (item.id, item.kind, item.label, item.position, item.input or b"")
        if not _step(batch_id, me, *work):
            return False


def _step(batch_id: int, me: str, item_id: int, kind: str, label: str, position: int, data: bytes) -> bool:
    if kind == "pdf":
        return _split_pdf(batch_id, me, item_id, label, position, data)
    verified, problem = _check(kind, data)
    with transaction() as session:
        if not _renew(session, batch_id, me):
            return False
        row = session.get(WorkspaceItem, item_id)
        if row is not None:
            _write(row, verified=verified, problem=problem, now=utcnow())
    return True


def _check(kind: str, data: bytes) -> tuple[Verified | None, tuple[str, str] | None]:
    """The item verified, or why it could not be (its own errors never reach the other items)."""
    try:
        credential_id = None
        if kind == "file" and data.startswith(baking.PNG_SIGNATURE) and not _baked(data):
            kind = "photo"  # a screenshot or photo of a QR code, not a badge image
        if kind in ("photo", "scan"):
            text = service.scanned_text(data) if kind == "photo" else data.decode("utf-8", "replace")
            if views.share_page(text):
                raise InvalidInput(*SHARE_LINK)
            data, credential_id = views.from_scan(text)
        elif kind == "link" and not data.startswith(b"eyJ"):
            url = data.decode("utf-8", "replace")
            if views.share_page(url):
                raise InvalidInput(*SHARE_LINK)
            data, credential_id = views.from_url(url)
        return views.verify(data, holder=None, channel="page", credential_id=credential_id), None
    except BadgeError as e:
        return None, (e.code, e.detail)
    except Exception:  # one item's surprise must not lose the batch: logged, and the row says it failed
        log.exception("workspace item could not be checked")
        return None, ("workspace.item_failed", "This item could not be checked because of an error on our side.")


def _baked(png: bytes) -> bool:
    try:
        baking.extract_credential(png)
    except InvalidInput as e:
        return e.code != "baking.no_credential"  # a damaged badge image is still checked (and said to be damaged)
    except BadgeError:
        return True
    return True


def _split_pdf(batch_id: int, me: str, item_id: int, label: str, position: int, data: bytes) -> bool:
    """The PDF's QR codes as items of their own, in its place (as many as the batch's limit leaves room for)."""
    try:
        codes, problem = scan.read_pdf_qr_codes(data), None
    except BadgeError as e:
        codes, problem = [], (e.code, e.detail)
    now = utcnow()
    with transaction() as session:
        if not _renew(session, batch_id, me):
            return False
        row = session.get(WorkspaceItem, item_id)
        if row is None:
            return True
        if not codes:
            _write(row, problem=problem or ("workspace.pdf_no_codes", "No QR code was found in the PDF."), now=now)
            return True
        others = session.scalar(select(func.count(WorkspaceItem.id)).where(
            WorkspaceItem.batch_id == batch_id, WorkspaceItem.kind != "pdf")) or 0
        room = max(MAX_ITEMS - others, 0)
        for part, text in enumerate(codes[:room], start=1):
            session.add(WorkspaceItem(batch_id=batch_id, position=position, part=part, kind="scan",
                                      label=f"{label} · QR {part}"[:300], input=text.encode(), state="pending"))
        if len(codes) > room:
            extra = WorkspaceItem(batch_id=batch_id, position=position, part=len(codes) + 1, kind="scan",
                                  label=f"{label} · QR {room + 1}–{len(codes)}"[:300], state="pending")
            detail = f"{len(codes) - room} more QR codes were not checked: a batch holds up to {MAX_ITEMS} items."
            _write(extra, problem=("workspace.too_many_codes", detail), now=now)
            session.add(extra)
        row.state, row.input, row.checked_at = "expanded", None, now
    return True


def _write(row: WorkspaceItem, *, verified: Verified | None = None, problem: tuple[str, str] | None = None,
           now: datetime) -> None:
    """The item's result on its row: the summary's who / what / from whom and the verdict with its first failing
    check, or the reason it could not be read."""
    row.state, row.input, row.checked_at = "done", None, now
    if verified is None:
        code, detail = problem or ("workspace.item_failed", "")
        row.problem_code, row.problem_detail = code[:100], detail[:500]
        return
    report, summary = verified.report, verified.summary
    row.verdict = report.verdict
    failed = next((c for c in report.checks if c.required and c.outcome is Outcome.FAILED), None) or next(
        (c for c in report.checks if c.required and c.outcome is not Outcome.PASSED), None)
    if report.verdict != "valid" and failed is not None:
        row.failed_check = str(failed.id)
        if failed.problem is not None:
            row.problem_code, row.problem_detail = failed.problem.code[:100], failed.problem.detail[:500]
    row.holder_name = _short(summary.holder_name)
    row.achievement_name = _short(summary.achievement_name)
    row.issuer_name = _short(summary.issuer_name)
    row.issuer_id = _short(summary.issuer_id)
    if summary.member is not None:
        row.member_slug = summary.member.slug
        row.member_name_ko, row.member_name_en = summary.member.name_ko[:200], summary.member.name_en[:200]
    row.credential_id = verified.credential_id
    if verified.credential_id is None and report.check(CheckId.PARSE).outcome is Outcome.PASSED:
        row.source = verified.source  # for the full report, verified again when opened (ours: its QR landing)


def _short(text: str | None) -> str | None:
    return text[:300] if text else None


def _claim(batch_id: int, me: str) -> bool:
    now = utcnow()
    with transaction() as session:
        taken = session.execute(update(WorkspaceBatch).where(
            WorkspaceBatch.id == batch_id, WorkspaceBatch.finished_at.is_(None),
            (WorkspaceBatch.lease_until.is_(None)) | (WorkspaceBatch.lease_until < now))
            .values(runner=me, lease_until=now + LEASE))
        return taken.rowcount == 1  # type: ignore[attr-defined]


def _renew(session: Session, batch_id: int, me: str) -> bool:
    """Hold the batch for another LEASE; False when it was deleted or taken over."""
    renewed = session.execute(update(WorkspaceBatch).where(WorkspaceBatch.id == batch_id, WorkspaceBatch.runner == me)
                              .values(lease_until=utcnow() + LEASE))
    return renewed.rowcount == 1  # type: ignore[attr-defined]


class Runner:
    """Batches checked in threads of this process, each in an app context (the app's services), at most RUNNING
    at a time: however many employers submit at once, checking never takes more of the process than that."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._turns = threading.BoundedSemaphore(RUNNING)

    def submit(self, batch_id: int) -> None:
        thread = threading.Thread(target=self._run, args=(batch_id,), name=f"workspace-{batch_id}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait for the batches submitted so far (tests, and a clean shutdown); False if some still run."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in threads)

    def _run(self, batch_id: int) -> None:
        with self._turns, self._app.app_context():
            try:
                run(batch_id)
            except Exception:  # logged; the batch's lease runs out and the next start resumes it
                log.exception("workspace batch %s stopped", batch_id)


def start(app: Flask) -> None:
    """When a process starts serving: delete what is past its retention, and resume interrupted batches."""
    runner: Runner = app.extensions[EXTENSION]
    with app.app_context():
        now = utcnow()
        with transaction() as session:
            gone = cleanup(session, now)
            waiting = store.unfinished(session)
        if gone:
            log.info("workspace: %s batches past their retention deleted", gone)
        for batch_id in waiting:
            runner.submit(batch_id)


def keep_days() -> int:
    return int(services().settings.workspace_days)
