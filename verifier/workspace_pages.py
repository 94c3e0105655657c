"""The employers' verification workspace in the console: submit a batch, watch its table fill, export it as CSV
or Excel, open each row's full report, delete it.

Who may use it: any staff member (any role) of an organisation, for that organisation's batches only. The
signed-in staff member comes from the session through web.security.signed_in, and their organisation and role
from store.console.role_in, the same lookup the issuer's console uses (the verifier never imports the issuer);
the routes live under /console/<org_slug>/workspace, so the console's tenant-isolation test walks them too."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from badges.errors import InvalidInput, NotFound, TooLarge
from store import console as console_store
from store import workspace as store
from store.console import Role
from store.models import Org
from store.workspace import WorkspaceBatch, WorkspaceItem
from verifier import views, workspace
from verifier.pages import report_page
from web.http import after_commit, request_transaction, services, transaction, utcnow
from web.i18n import locale, tell, translate
from web.security import csrf_exempt, require_csrf, signed_in
from web.sheets import XLSX_MIMETYPE, spreadsheet_csv, spreadsheet_xlsx

F = TypeVar("F", bound=Callable[..., Any])
STAFF = "staff"  # the session's kind of a console staff member (web.security.ACCOUNTS; issuer.console.STAFF)
bp = Blueprint("workspace", __name__, url_prefix="/console/<org_slug>/workspace")


@dataclass(frozen=True, slots=True)
class Desk:
    """The request's workspace context, shaped as the console's (its layout reads `org` and `role`)."""

    staff_id: int
    org: Org
    role: Role


def workspace_view(view: F) -> F:
    """A signed-in staff member of the organisation named by `org_slug` (any role); one transaction per request,
    as in the console. Another organisation's slug is a 404, as for one that does not exist."""

    @functools.wraps(view)
    def wrapper(*args: Any, org_slug: str, **kwargs: Any) -> Any:
        with request_transaction() as session:
            staff_id = signed_in(STAFF)
            if staff_id is None:
                return redirect(url_for("console_auth.sign_in", next=request.full_path))
            found = console_store.role_in(session, staff_id=staff_id, org_slug=org_slug)
            if found is None:
                raise NotFound("org.not_found", f"There is no organisation {org_slug!r} you belong to.")
            g.desk = Desk(staff_id, *found)
            return view(*args, org_slug=org_slug, **kwargs)
    wrapper.console_role = Role.VIEWER  # type: ignore[attr-defined]  # read by the tenant-isolation test
    return wrapper  # type: ignore[return-value]


@bp.get("")
@workspace_view
def index(org_slug: str) -> str:
    desk: Desk = g.desk
    with transaction() as session:
        found = store.batches(session, desk.org.id)
    return render_template("verifier/workspace.html", console=desk, batches=found, limits=_limits(),
                           keep_days=workspace.keep_days())


@bp.post("")
@csrf_exempt  # checked below, once the request may be as large as a batch (the app-wide cap is far smaller)
@workspace_view
def submit(org_slug: str) -> ResponseReturnValue:
    """Everything handed in becomes one batch; refused whole only when it holds nothing or too much."""
    desk: Desk = g.desk
    request.max_content_length = workspace.MAX_TOTAL
    request.max_form_memory_size = 4 * workspace.MAX_TEXT  # UTF-8 bytes: pasted text over MAX_TEXT gets our message
    require_csrf()
    try:
        given = _given()
    except (InvalidInput, TooLarge) as e:
        with transaction() as session:
            found = store.batches(session, desk.org.id)
        return render_template("verifier/workspace.html", console=desk, batches=found, limits=_limits(),
                               keep_days=workspace.keep_days(), error=_say(e.code, e.detail),
                               lines=request.form.get("lines", "")), e.status
    with transaction() as session:
        batch = workspace.create_batch(session, org_id=desk.org.id, staff_id=desk.staff_id, given=given,
                                       label=request.form.get("label", ""), now=utcnow(),
                                       keep_days=workspace.keep_days())
        batch_id, finished = batch.id, batch.finished_at is not None
    if not finished:
        runner: workspace.Runner = current_app.extensions[workspace.EXTENSION]
        after_commit(lambda: runner.submit(batch_id))
    return redirect(url_for("workspace.batch", org_slug=org_slug, batch_id=batch_id), code=303)


@bp.get("/<id:batch_id>")
@workspace_view
def batch(org_slug: str, batch_id: int) -> Response:
    desk: Desk = g.desk
    with transaction() as session:
        found = _batch(session, batch_id)
        rows = store.items(session, found.id)
    running = found.finished_at is None
    response = Response(render_template("verifier/workspace_batch.html", console=desk, batch=found, rows=rows,
                                        counts=_counts(rows), running=running, report_url=report_url,
                                        holder_text=holder_text, member_text=member_text, result_text=result_text,
                                        reason_text=reason_text))
    response.headers["Cache-Control"] = "no-store"
    if running:
        response.headers["Refresh"] = "3"  # the table fills as the background check goes (no script needed)
    return response


@bp.get("/<id:batch_id>/results.<any(csv, xlsx):fmt>")
@workspace_view
def export(org_slug: str, batch_id: int, fmt: str) -> Response:
    """The table as CSV or Excel, in the reader's language, every cell inert (web.sheets)."""
    with transaction() as session:
        found = _batch(session, batch_id)
        rows = [_cells(row, org_slug, found.id) for row in store.items(session, found.id)]
    header = [translate(f"workspace.col.{name}") for name in COLUMNS]
    name = f"verification-{found.id}-{found.created_at:%Y%m%d}"
    if fmt == "csv":
        data, mimetype = spreadsheet_csv([header, *rows]), "text/csv; charset=utf-8"
    else:
        data, mimetype = spreadsheet_xlsx(header, rows, title=translate("workspace.title")), XLSX_MIMETYPE
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"})


@bp.post("/<id:batch_id>/delete")
@workspace_view
def delete(org_slug: str, batch_id: int) -> ResponseReturnValue:
    with transaction() as session:
        workspace.delete_batch(session, _batch(session, batch_id))
    tell("workspace.deleted")
    return redirect(url_for("workspace.index", org_slug=org_slug), code=303)


@bp.get("/<id:batch_id>/items/<id:item_id>")
@workspace_view
def item_report(org_slug: str, batch_id: int, item_id: int) -> ResponseReturnValue:
    """The row's full report as of now (its credential verified again), or our own badge's QR landing."""
    with transaction() as session:
        found = _batch(session, batch_id)
        row = session.get(WorkspaceItem, item_id)
        if row is None or row.batch_id != found.id or (row.source is None and row.credential_id is None):
            raise NotFound("workspace.no_report", "This row has no report: its input could not be read.")
        credential_id, source = row.credential_id, row.source
    if credential_id is not None or source is None:
        return redirect(url_for("verifier_pages.landing", credential_id=credential_id))
    return report_page(views.verify(source, holder=None, channel="page", credential_id=credential_id))


COLUMNS = ("position", "input", "holder", "badge", "issuer", "member", "result", "failed_check", "reason", "report")


def _cells(row: WorkspaceItem, org_slug: str, batch_id: int) -> list[str]:
    """One row of the export, in the reader's language."""
    position = f"{row.position}" + (f".{row.part}" if row.part else "")
    return [position, row.label, holder_text(row), row.achievement_name or "", row.issuer_name or row.issuer_id or "",
            member_text(row), result_text(row),
            translate(f"check.{row.failed_check}") if row.failed_check else "", reason_text(row),
            report_url(row, org_slug, batch_id) or ""]


def holder_text(row: WorkspaceItem) -> str:
    """The holder's name as the badge states it ("not stated" when it carries none, as most badges do)."""
    if row.verdict is None:
        return ""
    return row.holder_name or translate("workspace.not_stated")


def member_text(row: WorkspaceItem) -> str:
    """The member organisation that issued it, named in the reader's language, or "not a registered member"."""
    if row.verdict is None:
        return ""
    if row.member_slug is None:
        return translate("workspace.not_member")
    return (row.member_name_ko if locale() == "ko" else row.member_name_en) or row.member_slug


def result_text(row: WorkspaceItem) -> str:
    if row.state == "pending":
        return translate("workspace.checking")
    return translate(f"verdict.{row.verdict}") if row.verdict else translate("workspace.unreadable")


def reason_text(row: WorkspaceItem) -> str:
    """Why a row did not pass, in the reader's language where the catalogue has its code (else the detail)."""
    if not row.problem_code:
        return ""
    return _say(row.problem_code, row.problem_detail or "")


def report_url(row: WorkspaceItem, org_slug: str, batch_id: int) -> str | None:
    """Where the row's full report is (an absolute URL: the export is read elsewhere), or None."""
    links = services().issuing.links
    if row.credential_id is not None:  # one of ours: its public QR landing page
        return links.verify(row.credential_id)
    if row.source is not None:
        return links.base_url + url_for("workspace.item_report", org_slug=org_slug, batch_id=batch_id,
                                        item_id=row.id)
    return None


def _say(code: str, detail: str) -> str:
    said = translate(code)
    return said if said != code else detail


def _batch(session: Any, batch_id: int) -> WorkspaceBatch:
    found = store.get_batch(session, g.desk.org.id, batch_id)
    if found is None:
        raise NotFound("workspace.not_found", "There is no such batch in this organisation's workspace (it may "
                       "have been deleted, or its retention period ended).")
    return found


def _counts(rows: list[WorkspaceItem]) -> dict[str, int]:
    counts = {"all": len(rows), "valid": 0, "not_valid": 0, "unreadable": 0, "pending": 0}
    for row in rows:
        key = "pending" if row.state == "pending" else "unreadable" if row.verdict is None else \
            "valid" if row.verdict == "valid" else "not_valid"
        counts[key] += 1
    return counts


def _given() -> list[workspace.Given]:
    """The items of the submission: the pasted lines, then the files in the order chosen."""
    lines = request.form.get("lines", "")
    if len(lines) > workspace.MAX_TEXT:
        raise TooLarge("workspace.text_too_large", f"The pasted text is over {workspace.MAX_TEXT:,} characters.")
    given = workspace.from_lines(lines)
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if len(given) + len(uploads) > workspace.MAX_ITEMS:
        raise TooLarge("workspace.too_many_items", f"{len(given) + len(uploads)} items were given; up to "
                       f"{workspace.MAX_ITEMS} can be checked at once. Split them into smaller batches.")
    given += [workspace.from_file(upload.filename or "", _read(upload)) for upload in uploads]
    if not given:
        raise InvalidInput("workspace.nothing_given", "Paste links (one per line) or choose files to check.")
    return given


def _read(upload: FileStorage) -> bytes:
    try:
        return upload.read(workspace.MAX_TOTAL + 1)  # each file's own cap is applied per item (from_file)
    finally:
        upload.close()


def _limits() -> dict[str, int]:
    return {"items": workspace.MAX_ITEMS, "file_mb": views.MAX_UPLOAD // 1_000_000,
            "photo_mb": views.MAX_PHOTO // 1_000_000, "pdf_mb": workspace.MAX_PDF // 1_048_576,
            "total_mb": workspace.MAX_TOTAL // 1_000_000}
