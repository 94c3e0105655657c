"""Cohort files: a CSV (UTF-8 with or without BOM, or CP949 / EUC-KR as Korean Excel saves it) or an .xlsx
workbook, read into rows and checked cell by cell before anything is signed. Pure: no database, no Flask.

Row numbers are the ones the spreadsheet shows (the header is row 1), so an error can say "row 14, column
이메일" and the person fixing the file finds the cell at once.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from badges import results
from badges.errors import InvalidInput, TooLarge
from badges.model import Recipient, normalise_email
from badges.text import CONTROL
from web.sheets import spreadsheet_csv

MAX_FILE_BYTES = 900_000  # under the app's 1 MB request cap, so the form's other fields still fit
MAX_ROWS = 5_000
MAX_XLSX_INFLATED = 40_000_000  # a workbook is a zip: refuse bombs before openpyxl inflates them
MAX_CELL = 1_000
MAX_XLSX_ROWS_SCANNED = 200_000  # blank formatted rows included: a sheet this long is not a cohort
MAX_XLSX_COLUMNS = 64  # cells read per row: a cohort needs three columns, a few more are kept as they are
# openpyxl parses every cell of a row before iter_rows(max_col=...) drops the ones past it, and every shared string
# when it opens the workbook: a 71 KB file with one row of 2.4 M cells took 18 s and 1.2 GB, 97 KB of 2.3 M shared
# strings 17 s. The workbook's parts are counted first (their own count attributes could lie): a full cohort with
# every column we read holds MAX_XLSX_CELLS cells (~2 s to parse), and far fewer different texts.
MAX_XLSX_CELLS = (MAX_ROWS + 1) * MAX_XLSX_COLUMNS
MAX_XLSX_STRINGS = 100_000
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?c[\s/>]")  # <c r="A1">, <c/>, <x:c ...>; not <col>, <cols>
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?si[\s/>]")  # a shared string: <si>, <x:si>
_TAG_MAX = 20  # the longest either pattern matches: a piece this long at a chunk's end is read again with the next
COLUMNS = ("name", "email", "completed")
ALIASES: dict[str, frozenset[str]] = {
    "name": frozenset({"name", "fullname", "recipient", "recipientname", "이름", "성명", "성함", "수료자",
                       "수료자명", "학습자", "학습자명", "교육생", "교육생명"}),
    "email": frozenset({"email", "emailaddress", "mail", "이메일", "이메일주소", "메일", "전자우편", "전자메일"}),
    "completed": frozenset({"completed", "completedon", "completedat", "completiondate", "completeddate", "date",
                            "수료일", "수료일자", "이수일", "이수일자", "완료일", "수료날짜"}),
}
# an assessment's result columns: a score goes to the course's first score description, a level to its first
# rubric (a header may also name a description by its key or its Korean or English name)
RESULT_ALIASES = {"score": frozenset({"score", "scores", "점수", "성적", "득점", "총점"}),
                  "level": frozenset({"level", "grade", "rubriclevel", "등급", "수준", "레벨"})}
_DATE = re.compile(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?(?:[ T].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True)
class Sheet:
    """The cells of an uploaded file: its header row and its data rows (row number, cells by header)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]
    encoding: str  # "utf-8", "utf-8-sig", "cp949" or "xlsx"
    columns: dict[str, str] = field(default_factory=dict)  # our column name -> the file's header


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one row: a message code, the file's column it is about, and the values to show."""

    code: str
    column: str
    detail: str  # English
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """One row as it will be issued, or the problem that stops it."""

    line: int
    raw: dict[str, str]
    name: str
    email: str
    completed: date | None
    problem: RowProblem | None = None
    results: tuple[results.ResultIn, ...] = ()  # an assessment's scores and levels, as given


def read_table(data: bytes, *, filename: str = "") -> Sheet:
    """The rows of a CSV or .xlsx upload; InvalidInput / TooLarge saying what is wrong with the file."""
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge("cohort.file_too_large", f"The file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,} "
                       f"(about {MAX_ROWS:,} people). Split it into smaller files.")
    if not data.strip():
        raise InvalidInput("cohort.file_empty", "The file is empty. Choose the CSV or Excel file of the cohort.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("cohort.file_xls", "This is an old Excel (.xls) file. In Excel choose Save As and "
                           "pick 'Excel Workbook (.xlsx)' or 'CSV UTF-8', then upload that.")
    if data.startswith(b"PK\x03\x04"):
        headers, rows = _xlsx_rows(data)
        encoding = "xlsx"
    else:
        text, encoding = _decode(data)
        headers, rows = _csv_rows(text)
    return _sheet(headers, rows, encoding)


def check_rows(sheet: Sheet, *, default_completed: date | None, today: date,
               specs: Sequence[results.ResultSpec] = (), base: str = "") -> list[CheckedRow]:
    """Every row with its first problem, if any (missing or malformed cells, repeated people, a score out of
    range or an unknown level of the course's result descriptions `specs`, whose ids start with `base`)."""
    if "completed" not in sheet.columns and default_completed is None:
        raise InvalidInput("cohort.date_needed", "The file has no completion date column (수료일 / completed): "
                           "enter the completion date for the whole cohort in the form.", path="/completed")
    seen: dict[tuple[str, date | None], int] = {}
    checked = []
    for line, cells in sheet.rows:
        row = _check_row(line, cells, sheet, default_completed=default_completed, today=today)
        if row.problem is None and specs:
            row = _with_results(row, sheet, specs, base)
        key = (normalise_email(row.email), row.completed)
        if row.problem is None and key in seen:
            row = _with_problem(row, RowProblem("cohort.row.repeated", sheet.columns["email"],
                                                f"The same person and date are already on row {seen[key]}.",
                                                {"line": seen[key]}))
        seen.setdefault(key, line)
        checked.append(row)
    return checked


def rows_from_json(items: Iterable[Mapping[str, Any]], *, default_completed: date | None,
                   today: date, specs: Sequence[results.ResultSpec] = (), base: str = "") -> list[CheckedRow]:
    """The rows of an API cohort request ({name, email, completedAt?, results?}), checked as uploaded rows are:
    each result becomes a column named by its description."""
    listed = list(items)
    rows = tuple((n, {"name": i.get("name", ""), "email": i.get("email", ""), "completed": i.get("completedAt", ""),
                      **{f"result:{r['resultDescription']}": _json_value(r) for r in i.get("results", [])}})
                 for n, i in enumerate(listed, start=1))
    named = sorted({k for _, cells in rows for k in cells if k.startswith("result:")})
    return check_rows(Sheet((*COLUMNS, *named), rows, "json", {c: c for c in COLUMNS}),
                      default_completed=default_completed, today=today, specs=specs, base=base)


def result_columns(headers: Sequence[str], specs: Sequence[results.ResultSpec], base: str) -> dict[str, str]:
    """Which file column holds which result description (header -> key): "result:<key or id>" (the API's
    rows), a header naming a description's key or name, or a score / level column (점수, 등급...)."""
    found: dict[str, str] = {}
    for header in headers:
        spec = _spec_of(header, specs, base)
        if spec is not None and spec.key not in found.values():
            found[header] = spec.key
    return found


def _spec_of(header: str, specs: Sequence[results.ResultSpec], base: str) -> results.ResultSpec | None:
    if header.startswith("result:"):
        wanted = header.removeprefix("result:")
        return next((s for s in specs if wanted in (s.key, results.description_id(base, s))), None)
    parts = [re.sub(r"[\s_\-.:*]", "", p.lower()) for p in re.split(r"[()/|\[\]]", header)]
    for spec in specs:
        names = {re.sub(r"[\s_\-.:*]", "", n.lower()) for n in (spec.key, spec.name_ko, spec.name_en) if n}
        if names & set(parts):
            return spec
    for kind, aliases in RESULT_ALIASES.items():
        if aliases & set(parts):
            level = kind == "level"
            return next((s for s in specs if (s.result_type == results.LEVEL_TYPE) == level), None)
    return None


def _with_results(row: CheckedRow, sheet: Sheet, specs: Sequence[results.ResultSpec], base: str) -> CheckedRow:
    """The row with its results, or with the problem of the first that does not fit the course."""
    given = []
    for header, key in result_columns(sheet.headers, specs, base).items():
        value = row.raw.get(header, "").strip()
        if not value:
            continue
        try:
            results.results_json(specs, [results.ResultIn(key, value)], base=base)
        except InvalidInput as e:
            code = {"result.out_of_range": "cohort.row.result_out_of_range",
                    "result.level_unknown": "cohort.row.result_level_unknown",
                    "result.below_required": "cohort.row.result_below_required"}.get(e.code, "cohort.row.result_invalid")
            return _with_problem(row, RowProblem(code, header.removeprefix("result:"), e.detail,
                                                 {"value": value[:40]}))
        given.append(results.ResultIn(key, value))
    return CheckedRow(row.line, row.raw, row.name, row.email, row.completed, None, tuple(given))


def _json_value(item: Mapping[str, Any]) -> str:
    value = item.get("value", item.get("achievedLevel", ""))
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


SAMPLE_HEADERS = {"ko": ("이름", "이메일", "수료일"), "en": ("name", "email", "completed")}
SAMPLE_ROWS = (("김민지", "minji.kim@example.com", "2026-02-27"), ("이서준", "seojun.lee@example.com", "2026-02-27"),
               ("Alex Kim", "alex.kim@example.com", "2026-02-27"))


def sample(lang: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The header and rows of the sample cohort file offered for download, in `lang`'s column names (both are
    among the ALIASES read_table accepts)."""
    return SAMPLE_HEADERS.get(lang, SAMPLE_HEADERS["en"]), SAMPLE_ROWS


def failed_rows_csv(headers: Iterable[str], rows: Iterable[tuple[int, Mapping[str, str], str, str]]) -> bytes:
    """A CSV of rows that were not issued, as uploaded plus their row number and error in Korean and English:
    UTF-8 with a BOM (Excel opens it as UTF-8), cells that a spreadsheet would run as formulas made inert."""
    names = list(headers)
    return spreadsheet_csv([["행 / row", *names, "오류", "error"],
                            *([str(line), *(str(raw.get(h, "")) for h in names), error_ko, error_en]
                              for line, raw, error_ko, error_en in rows)])


def _decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in; InvalidInput when it is neither UTF-8 nor CP949."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    raise InvalidInput("cohort.file_encoding", "The file is neither UTF-8 nor CP949 (EUC-KR) text. Save it from "
                       "Excel as 'CSV UTF-8' or as an Excel workbook (.xlsx) and upload it again.")


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as e:
        raise InvalidInput("cohort.file_malformed", f"The CSV file cannot be read ({e}). Save it again from "
                           "Excel and upload it.") from None
    if len(records) > MAX_ROWS + 1:
        raise _too_many(len(records) - 1)
    if not records:
        raise InvalidInput("cohort.file_empty", "The file is empty. Choose the CSV or Excel file of the cohort.")
    return records[0], list(enumerate(records[1:], start=2))


def _xlsx_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise _unreadable_workbook() from None
    if inflated > MAX_XLSX_INFLATED:
        raise TooLarge("cohort.file_too_large", "The workbook expands to more than "
                       f"{MAX_XLSX_INFLATED // 1_000_000} MB. Keep only the sheet of the cohort and upload it again.")
    if _too_many_tags(data):
        raise TooLarge("cohort.too_many_cells", f"The workbook holds more than {MAX_XLSX_CELLS:,} cells or "
                       f"{MAX_XLSX_STRINGS:,} different texts, more than a cohort needs. Copy only the cohort's "
                       "rows and columns to a new workbook and upload that.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                records = _real_rows(workbook.worksheets[0])
            finally:
                workbook.close()
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, zlib.error, IndexError, TypeError, AttributeError,
            SyntaxError):  # SyntaxError: the sheet's XML is malformed (ElementTree's ParseError)
        raise _unreadable_workbook() from None
    if not records:
        raise InvalidInput("cohort.file_empty", "The first sheet of the workbook is empty.")
    return [_cell(c) for c in records[0][1]], records[1:]


def _too_many_tags(data: bytes) -> bool:
    """Whether the workbook's parts hold more than MAX_XLSX_CELLS cells or MAX_XLSX_STRINGS shared strings, read in
    pieces without parsing any XML and no further than the first piece past either limit (at most MAX_XLSX_INFLATED
    bytes in all: a part's declared size may lie); InvalidInput when the workbook cannot be read."""
    cells = strings = read = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                with archive.open(member) as part:
                    carried = b""
                    while piece := part.read(1 << 20):
                        read += len(piece)
                        text = carried + piece
                        done = max(len(text) - _TAG_MAX, 0)  # tags starting past here are counted with the next piece
                        # a tag holds one "<": the tags of text[done:] are those of text that start there
                        cells += len(_CELL_TAG.findall(text)) - len(_CELL_TAG.findall(text, done))
                        strings += len(_STRING_TAG.findall(text)) - len(_STRING_TAG.findall(text, done))
                        if cells > MAX_XLSX_CELLS or strings > MAX_XLSX_STRINGS or read > MAX_XLSX_INFLATED:
                            return True
                        carried = text[done:]
                    cells += len(_CELL_TAG.findall(carried))
                    strings += len(_STRING_TAG.findall(carried))
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError):
        raise _unreadable_workbook() from None
    return cells > MAX_XLSX_CELLS or strings > MAX_XLSX_STRINGS


def _real_rows(sheet: Any) -> list[tuple[int, list[Any]]]:
    """The sheet's non-empty rows (row number, first MAX_XLSX_COLUMNS cells); TooLarge past MAX_ROWS of them.
    The sheet's own <dimension> is ignored: a file of 1.6 KB claiming A1:XFD30000 made openpyxl pad every row
    to 16,384 cells (40 s); only cells the file holds are read, rows without them cost one step each."""
    sheet.reset_dimensions()
    records: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), start=1):
        if len(records) > MAX_ROWS + 1:
            raise _too_many(len(records) - 1)
        if number > MAX_XLSX_ROWS_SCANNED:
            raise TooLarge("cohort.sheet_too_long", f"The sheet goes on past row {MAX_XLSX_ROWS_SCANNED:,}: something "
                           "is written far below the cohort. Delete the rows under the last person (or copy the "
                           "cohort to a new sheet) and upload the file again.")
        if any(values) and any(_cell(c) for c in values):  # rows that are only formatting do not count
            records.append((number, list(values)))
    return records


def _sheet(headers: list[Any], rows: list[tuple[int, list[Any]]], encoding: str) -> Sheet:
    names = [str(h).strip() or f"column {i + 1}" for i, h in enumerate(headers)]
    columns: dict[str, str] = {}
    for name in names:
        ours = _column_of(name)
        if ours and ours not in columns:
            columns[ours] = name
    missing = [c for c in ("name", "email") if c not in columns]
    if missing:
        raise InvalidInput("cohort.columns_missing", f"The first row must name the columns; found {names[:8]}, but "
                           "no column for " + " and ".join(missing) + ". Use the headers 이름 (name), 이메일 "
                           "(email) and, if each person has their own date, 수료일 (completed).",
                           path="/" + missing[0])
    kept = []
    for line, values in rows:
        cells = {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}
        if any(_cell(v) for v in cells.values()):
            kept.append((line, cells))
    if not kept:
        raise InvalidInput("cohort.no_rows", "The file has a header row but nobody under it.")
    if len(kept) > MAX_ROWS:
        raise _too_many(len(kept))
    return Sheet(tuple(names), tuple(kept), encoding, columns)


def _column_of(header: str) -> str | None:
    """Which of our columns a header names, e.g. "이메일 (E-mail)" -> "email"; None for other columns."""
    for part in re.split(r"[()/|\[\]]", header):
        key = re.sub(r"[\s_\-.:*]", "", part.lower())
        for column, aliases in ALIASES.items():
            if key in aliases:
                return column
    return None


def _check_row(line: int, cells: dict[str, Any], sheet: Sheet, *, default_completed: date | None,
               today: date) -> CheckedRow:
    raw = {k: _cell(v) for k, v in cells.items()}
    name_col, email_col = sheet.columns["name"], sheet.columns["email"]
    date_col = sheet.columns.get("completed", "")
    name, email = " ".join(raw[name_col].split()), raw[email_col].strip()
    completed, date_problem = _completion(cells.get(date_col, "") if date_col else "", date_col,
                                          default_completed, today)
    row = CheckedRow(line, raw, name, email, completed)
    if not name:
        return _with_problem(row, RowProblem("cohort.row.name_missing", name_col, "The name is empty."))
    if len(name) > 200:
        return _with_problem(row, RowProblem("cohort.row.name_too_long", name_col,
                                             "The name is longer than 200 characters."))
    if CONTROL.search(name):
        return _with_problem(row, RowProblem("cohort.row.name_control", name_col,
                                             "The name contains a control character; retype it as plain text."))
    if not email:
        return _with_problem(row, RowProblem("cohort.row.email_missing", email_col, "The e-mail is empty."))
    try:
        if len(email) > 320:
            raise InvalidInput("recipient.email_invalid", "too long")
        Recipient(name, email)
    except InvalidInput:
        return _with_problem(row, RowProblem("cohort.row.email_invalid", email_col,
                                             f"{email[:80]!r} is not an e-mail address.", {"value": email[:80]}))
    if date_problem is not None:
        return _with_problem(row, date_problem)
    return row


def _completion(value: Any, column: str, default: date | None, today: date) -> tuple[date | None, RowProblem | None]:
    """The completion date of a cell (a date, or text such as 2026-03-02, 2026.3.2, 20260302), else the default."""
    text = "" if isinstance(value, date) else _cell(value)
    if not text and not isinstance(value, date):
        if default is None:
            return None, RowProblem("cohort.row.date_missing", column, "The completion date is empty; fill it in "
                                    "(or give one date for the whole cohort).")
        return default, None
    found = value.date() if isinstance(value, datetime) else value if isinstance(value, date) else _parse_date(text)
    if found is None:
        return None, RowProblem("cohort.row.date_invalid", column, f"{text[:40]!r} is not a date; write it as "
                                "2026-03-02.", {"value": text[:40]})
    if found > today:
        return None, RowProblem("cohort.row.date_future", column, f"{found} is in the future.",
                                {"value": found.isoformat()})
    if found.year < 1950:
        return None, RowProblem("cohort.row.date_invalid", column, f"{found} is not a plausible completion date.",
                                {"value": found.isoformat()})
    return found, None


def _parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _cell(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates as ISO dates, capped in length."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL]


def _with_problem(row: CheckedRow, problem: RowProblem) -> CheckedRow:
    return CheckedRow(row.line, row.raw, row.name, row.email, row.completed, problem, row.results)



def _too_many(count: int) -> TooLarge:
    return TooLarge("cohort.too_many_rows", f"The file has {count:,} rows; up to {MAX_ROWS:,} can be issued at once. "
                    "Split it into smaller files.")


def _unreadable_workbook() -> InvalidInput:
    return InvalidInput("cohort.file_unreadable", "The Excel file cannot be read. Open it in Excel, save it again "
                        "as an Excel workbook (.xlsx) or 'CSV UTF-8', and upload that.")
