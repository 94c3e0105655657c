"""Spreadsheets handed to people (CSV and Excel): every cell shown as text, never run as a formula.

CSV: UTF-8 with a BOM (Excel opens it as UTF-8), and a cell that a spreadsheet would read as a formula gets a
leading ' (CSV injection, OWASP). XLSX (openpyxl): every cell written as a string cell, which Excel never
evaluates, made inert like CSV cells, with the control characters XML cannot carry removed."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
MAX_XLSX_CELL = 32_767  # Excel's limit on a cell's characters


def inert(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (CSV injection, OWASP: a leading quote)."""
    return "'" + text if text.startswith(FORMULA) else text


def spreadsheet_csv(rows: Iterable[Iterable[str]]) -> bytes:
    """Every CSV export: UTF-8 with a BOM (Excel opens it as UTF-8), every cell, headers included, inert."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([inert(cell) for cell in row] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def spreadsheet_xlsx(header: Sequence[str], rows: Iterable[Iterable[str]], *, title: str) -> bytes:
    """An Excel workbook of one sheet named `title`: the header in bold, then `rows`, every cell a string."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    sheet.append([_cell(sheet, text, font=bold) for text in header])
    for row in rows:
        sheet.append([_cell(sheet, text) for text in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: Any, text: str, *, font: Font | None = None) -> Any:
    cell = WriteOnlyCell(sheet, value=inert(ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_XLSX_CELL]))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula: a string cell is only ever shown (and inert
    # as in CSV, so a sheet saved again as CSV does not turn it into one)
    if font is not None:
        cell.font = font
    return cell
