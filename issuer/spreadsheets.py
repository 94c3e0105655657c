"""Tables the console hands to spreadsheets: CSV (UTF-8 with a BOM, as issuer.cohorts writes its reports) and
Excel workbooks (.xlsx, written by openpyxl, which already reads the cohort uploads). Every cell is text that a
spreadsheet shows and never runs: the CSV rule (a leading quote before = + - @ tab CR, OWASP's advice against
CSV injection) applies to the workbook's cells too, and they are stored as strings, never as formulas. No Flask.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from issuer.cohorts import inert, spreadsheet_csv

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def as_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The table as CSV for Excel: a header row, then the rows; cells made inert."""
    return spreadsheet_csv([list(headers), *([_text(cell) for cell in row] for row in rows)])


def as_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], *, title: str = "Sheet1") -> bytes:
    """The table as an .xlsx workbook of one sheet: a bold header row, then the rows, every cell an inert string."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    for row in rows:
        sheet.append([_cell(sheet, _text(value)) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: object, text: str, *, bold: bool = False) -> Any:
    cell = WriteOnlyCell(sheet, value=inert(text))  # type: ignore[arg-type]
    cell.data_type = "s"  # openpyxl would store a string starting with "=" as a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _text(value: object) -> str:
    return "" if value is None else str(value)
