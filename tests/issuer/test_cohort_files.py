"""Reading cohort files: the encodings and formats Korean offices produce, and errors that name the cell."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from openpyxl.styles import Font

from badges.errors import InvalidInput, TooLarge
from bootstrap.wiring import Services
from issuer import cohorts
from tests.issuer.test_cohort_jobs import signed_in_issuer, upload

TODAY = date(2026, 3, 2)
ROWS = "이름,이메일,수료일\n김민지,minji@example.com,2026-02-27\nAlex Kim,alex@example.com,2026.2.27\n"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(data: bytes, default: date | None = None) -> list[cohorts.CheckedRow]:
    return cohorts.check_rows(cohorts.read_table(data), default_completed=default, today=TODAY)


@pytest.mark.parametrize("data, encoding", [
    (ROWS.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + ROWS.encode("utf-8"), "utf-8-sig"),
    (ROWS.encode("cp949"), "cp949"),
    (ROWS.encode("euc-kr"), "cp949"),
    (ROWS.replace(",", ";").encode("utf-8"), "utf-8"),
])
def test_a_csv_is_read_in_utf8_with_or_without_bom_and_in_cp949(data: bytes, encoding: str) -> None:
    sheet = cohorts.read_table(data)
    assert sheet.encoding == encoding
    rows = cohorts.check_rows(sheet, default_completed=None, today=TODAY)
    assert [(r.line, r.name, r.email, r.completed, r.problem) for r in rows] == [
        (2, "김민지", "minji@example.com", date(2026, 2, 27), None),
        (3, "Alex Kim", "alex@example.com", date(2026, 2, 27), None)]


def test_an_excel_workbook_is_read_with_real_date_cells_and_its_own_row_numbers() -> None:
    data = xlsx([["성명", "E-mail", "수료일자"], ["김민지", "minji@example.com", datetime(2026, 2, 27)],
                 [None, None, None], ["박지우", "jiwoo@example.com", "20260226"]])
    rows = read(data)
    assert [(r.line, r.name, r.completed) for r in rows] == [(2, "김민지", date(2026, 2, 27)),
                                                              (4, "박지우", date(2026, 2, 26))]
    assert cohorts.read_table(data).encoding == "xlsx"


def test_rows_that_only_carry_formatting_do_not_count_against_the_cap() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["이름", "이메일", "수료일"])
    sheet.append(["김민지", "minji@example.com", "2026-02-27"])
    sheet.cell(row=cohorts.MAX_ROWS + 50, column=1).font = Font(bold=True)  # Excel keeps styled empty rows
    out = io.BytesIO()
    book.save(out)
    assert [r.name for r in read(out.getvalue())] == ["김민지"]


@pytest.mark.parametrize("header", ["이름 (Name)", "Full name", "수료자명", "NAME"])
def test_common_ways_of_naming_the_columns_are_understood(header: str) -> None:
    rows = read(f"{header},이메일 주소\n홍길동,gildong@example.com\n".encode(), default=TODAY)
    assert rows[0].name == "홍길동" and rows[0].completed == TODAY


def test_each_bad_row_says_which_row_and_column_and_the_good_rows_are_kept() -> None:
    data = ("이름,이메일,수료일\n"
            "김민지,minji@example.com,2026-02-27\n"
            ",nobody@example.com,2026-02-27\n"
            "박지우,jiwoo(at)example.com,2026-02-27\n"
            "최유나,yuna@example.com,2026-13-01\n"
            "정하은,haeun@example.com,2026-04-01\n"
            "김민지,MINJI@example.com,2026-02-27\n").encode()
    rows = read(data)
    problems = {r.line: (r.problem.code, r.problem.column) if r.problem else None for r in rows}
    assert problems == {2: None, 3: ("cohort.row.name_missing", "이름"), 4: ("cohort.row.email_invalid", "이메일"),
                        5: ("cohort.row.date_invalid", "수료일"), 6: ("cohort.row.date_future", "수료일"),
                        7: ("cohort.row.repeated", "이메일")}
    assert rows[5].problem.values == {"line": 2}


def test_the_whole_cohort_date_is_used_when_the_file_has_none_and_required_otherwise() -> None:
    data = b"name,email\nAlex,alex@example.com\n"
    assert read(data, default=date(2026, 2, 1))[0].completed == date(2026, 2, 1)
    with pytest.raises(InvalidInput) as error:
        read(data)
    assert error.value.code == "cohort.date_needed"


@pytest.mark.parametrize("data, code", [
    (b"", "cohort.file_empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "cohort.file_xls"),
    ("이름,전화\n김민지,010\n".encode(), "cohort.columns_missing"),
    ("이름,이메일\n".encode(), "cohort.no_rows"),
    (b"PK\x03\x04not really a zip", "cohort.file_unreadable"),
    (b"\x80\x81\xff\xfe,\xff\n", "cohort.file_encoding"),
])
def test_a_file_that_cannot_be_used_is_refused_with_what_to_do(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read(data, default=TODAY)
    assert error.value.code == code and error.value.detail


def test_files_over_the_size_or_row_cap_are_refused() -> None:
    with pytest.raises(TooLarge):
        cohorts.read_table(b"a" * (cohorts.MAX_FILE_BYTES + 1))
    many = "name,email\n" + "".join(f"p{i},p{i}@example.com\n" for i in range(cohorts.MAX_ROWS + 1))
    with pytest.raises(TooLarge) as error:
        cohorts.read_table(many.encode())
    assert error.value.code == "cohort.too_many_rows"


def test_the_failed_rows_csv_opens_in_excel_and_never_runs_a_formula() -> None:
    data = cohorts.failed_rows_csv(["이름", "이메일"], [(3, {"이름": "=HYPERLINK(\"x\")", "이메일": "bad"},
                                                       "이메일이 아닙니다", "not an e-mail")])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["행 / row", "이름", "이메일", "오류", "error"],
                    ["3", "'=HYPERLINK(\"x\")", "bad", "이메일이 아닙니다", "not an e-mail"]]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil.example\",\"x\")", "@memo", "+1", "-1+2", "\tx", "\rx"])
def test_the_failed_rows_csv_makes_header_cells_inert_too(cell: str) -> None:
    data = cohorts.failed_rows_csv([cell, "email"], [(2, {cell: cell, "email": "bad"}, "오류", "error")])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][1] == rows[1][1] == "'" + cell


def with_sheet_xml(data: bytes, change: Callable[[bytes], bytes], part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with its first sheet's XML (or another `part`) changed (hostile files are made by hand, not by
    Excel)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, change(body) if item.filename == part else body)
    return out.getvalue()


def with_shared_strings(data: bytes, table: bytes) -> bytes:
    """The workbook with a shared strings part holding `table` (openpyxl itself writes strings inline)."""
    data = with_sheet_xml(data, lambda xml: xml.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="'
                          b'http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                          b'Target="sharedStrings.xml"/></Relationships>'), part="xl/_rels/workbook.xml.rels")
    data = with_sheet_xml(data, lambda xml: xml.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                          b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                          b'+xml"/></Types>'), part="[Content_Types].xml")
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


def claiming_every_column(data: bytes, row: int) -> bytes:
    """The workbook's sheet saying it spans A1:XFD<row> (16,384 columns), with one real cell in that row."""
    return with_sheet_xml(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:XFD{row}"/>'
                                                   .encode(), xml).replace(b"</sheetData>", f'<row r="{row}"><c r='
                                                   f'"A{row}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
                                                   .encode()))


def test_a_workbook_claiming_16384_columns_is_read_by_the_cells_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    data = claiming_every_column(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]), 30_000)
    assert len(data) < 6_000
    looked_at = []
    cell = cohorts._cell

    def counted(value: object) -> str:
        looked_at.append(1)
        assert len(looked_at) < 10_000, "openpyxl padded the rows to the <dimension> the file claims"
        return cell(value)
    monkeypatch.setattr(cohorts, "_cell", counted)
    sheet = cohorts.read_table(data)
    assert [line for line, _ in sheet.rows] == [2, 30_000]  # real rows only, with the sheet's own numbers


def test_a_sheet_written_far_below_the_cohort_is_refused_with_what_to_do() -> None:
    data = claiming_every_column(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]), 1_048_576)
    with pytest.raises(TooLarge) as error:
        cohorts.read_table(data)
    assert error.value.code == "cohort.sheet_too_long"


def test_a_workbook_with_one_row_of_more_cells_than_a_cohort_has_is_refused_before_it_is_parsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl parses a whole row before dropping the cells past MAX_XLSX_COLUMNS (2.4 M cells in 71 KB: 1.2 GB)."""
    row = b'<row r="3">' + b"<c><v>1</v></c>" * (cohorts.MAX_XLSX_CELLS + 1) + b"</row></sheetData>"
    data = with_sheet_xml(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]),
                          lambda xml: xml.replace(b"</sheetData>", row))
    assert len(data) < 100_000
    opened = []
    monkeypatch.setattr(cohorts, "load_workbook", lambda *args, **kwargs: opened.append(1))
    with pytest.raises(TooLarge) as error:
        cohorts.read_table(data)
    assert (error.value.code, opened) == ("cohort.too_many_cells", [])


def test_a_workbook_of_more_shared_strings_than_a_cohort_has_is_refused_before_it_is_parsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl reads every shared string when it opens a workbook (2.3 M in 97 KB: 17 s), whatever it declares."""
    strings = b"<si><t>a</t></si>" * (cohorts.MAX_XLSX_STRINGS + 1)
    data = with_shared_strings(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]),
                               b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
                               b'uniqueCount="2">' + strings + b"</sst>")
    opened = []
    monkeypatch.setattr(cohorts, "load_workbook", lambda *args, **kwargs: opened.append(1))
    with pytest.raises(TooLarge) as error:
        cohorts.read_table(data)
    assert (error.value.code, opened) == ("cohort.too_many_cells", [])


def test_a_workbook_cells_are_counted_across_the_pieces_it_is_read_in() -> None:
    """Prefixed tags (<x:c>) count, and a tag cut by a piece's end is counted once: just within the limit is read."""
    cells = b"<x:c/>" * (cohorts.MAX_XLSX_CELLS - 10)
    data = with_sheet_xml(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]),
                          lambda xml: xml.replace(b"</worksheet>", b"<!--" + cells + b"--></worksheet>"))
    assert not cohorts._too_many_tags(data)
    data = with_sheet_xml(data, lambda xml: xml.replace(b"<!--", b"<!--" + b"<x:c/>" * 20))
    assert cohorts._too_many_tags(data)


@pytest.mark.parametrize("change", [
    lambda xml: xml.replace(b"</sheetData>", b"<row><c</sheetData>"),
    lambda xml: xml[: len(xml) // 2],
    lambda xml: xml.replace(b'r="A2"', b'r="A2A"'),
    lambda xml: b"\xff\xfe" + xml], ids=["broken tag", "cut short", "bad cell reference", "bad encoding"])
def test_a_workbook_whose_sheet_xml_is_malformed_is_refused_with_what_to_do(change: Callable[[bytes], bytes]) -> None:
    data = with_sheet_xml(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]), change)
    with pytest.raises(InvalidInput) as error:
        cohorts.read_table(data)
    assert error.value.code == "cohort.file_unreadable" and "save it again" in error.value.detail


def test_the_console_says_what_is_wrong_with_a_malformed_workbook(client: FlaskClient, svc: Services) -> None:
    _, course = signed_in_issuer(client, svc)
    data = with_sheet_xml(xlsx([["이름", "이메일"], ["김민지", "minji@example.com"]]),
                          lambda xml: xml.replace(b"</sheetData>", b"<row><c</sheetData>"))
    response = upload(client, course, data, name="cohort.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "엑셀 파일을 읽을 수 없습니다" in page
