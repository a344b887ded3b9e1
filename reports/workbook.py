"""The ledger (隐患排查治理台账) as an Excel workbook and as CSV, and the quarterly statistics table.

Plain functions of rows: the handler runs them in a worker thread (``asyncio.to_thread``), so a
10,000-row ledger does not hold up the bot's other updates. Dates are real Excel dates in local
time (Excel has no time zones); headers are frozen and filtered; widths fit Chinese text.

Exports are data, never code (OWASP CSV injection): a text cell that a spreadsheet would read as a formula
(it starts with = + - @, a tab or a carriage return) is written as text in both files, whoever typed it.
In the .xlsx it is a string cell with Excel's quote prefix (shown as typed, kept text when edited); in the CSV,
which has no types, it gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.hazards import Grade, State
from domain.lifecycle import PlanPart
from domain.org import Organisation
from domain.statistics import LedgerRow, StateRow
from texts import plain

LEDGER_COLUMNS = (  # catalog key under export.column, width in characters
    ("code", 16), ("found_at", 24), ("enterprise", 22), ("reporter", 24), ("township", 12), ("industry", 12),
    ("description", 40), ("place", 16), ("grade", 9), ("state", 9), ("units", 28), ("person", 14), ("deadline", 24),
    ("measures", 36), ("rectified_at", 24), ("verified_by", 10), ("closed_at", 24), ("recheck", 12),
    ("days_overdue", 9), ("photos", 8), ("after_photos", 8), ("plan", 40),
)  # fmt: skip
_DATE_COLUMNS = {"found_at", "deadline", "rectified_at", "closed_at"}
TABLE_COLUMNS = (
    ("index", 6), ("unit", 22), ("kind", 10), ("total", 10), ("general", 9), ("major", 9), ("reported", 9),
    ("rectifying", 9), ("awaiting", 9), ("closed", 9), ("recheck", 9), ("archived", 9), ("rectified", 9),
    ("rate", 9), ("overdue", 10), ("major_overdue", 9),
)  # fmt: skip
# 2026年12月4日（星期五）15:00 as officials write it, still a real date Excel sorts and filters: [$-804] is the
# zh-CN locale, in which aaaa is the weekday's name
DATE_FORMAT = '[$-804]yyyy"年"m"月"d"日（"aaaa"）"hh:mm'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")


@dataclass(frozen=True, slots=True)
class TableRow:
    """One line of the statistics table: who, what kind of unit, and the counts."""

    name: str
    kind: str  # export.kind key
    row: StateRow


def reads_as_formula(value: object) -> bool:
    """Whether a spreadsheet would take this cell for a formula (or a DDE command) rather than text."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: object) -> object:
    """A CSV cell made inert: a text a spreadsheet would evaluate gets a leading apostrophe (OWASP)."""
    return f"'{value}" if reads_as_formula(value) else value


def _keep_text(sheet: Worksheet) -> None:
    """Every cell openpyxl would write as a formula, or Excel read as one, stays the text it is."""
    for cells in sheet.iter_rows():
        for cell in cells:
            if reads_as_formula(cell.value):
                cell.data_type = "s"  # openpyxl makes a str starting with = a formula; this writes it as a string
                cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell


def _local(instant: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    return None if instant is None else instant.astimezone(zone).replace(tzinfo=None)


def ledger_values(row: LedgerRow, org: Organisation, names: Mapping[int, str], zone: dt.tzinfo) -> list[object]:
    """One ledger line's cells, in LEDGER_COLUMNS order (datetimes local and naive)."""
    r = row.record
    enterprise = org.enterprises[r.enterprise_id].name if r.enterprise_id in org.enterprises else r.enterprise_id
    reporter_id = next((e.actor_id for e in r.events if e.action == "report"), None)
    reporter = "" if reporter_id is None else plain("hazard.reporter_of", name=names.get(reporter_id, str(reporter_id)),
                                                    enterprise=enterprise)
    return [
        r.code, _local(r.reported_at, zone), enterprise, reporter, _name(org, r.township_id),
        org.categories[r.category_id].name if r.category_id in org.categories else r.category_id,
        r.description, r.place,
        plain(f"export.grade.{r.grade}"), plain(f"state.{r.state}"),
        plain("hazard.units", department=_name(org, r.department_id), township=_name(org, r.township_id)),
        r.responsible_person or "", _local(r.deadline, zone), r.measures or "", _local(row.rectified_at, zone),
        names.get(row.verified_by, str(row.verified_by)) if row.verified_by is not None else "",
        _local(row.closed_at, zone), plain(f"export.recheck.{row.recheck}"), row.days_overdue, r.photos,
        r.after_photos, _plan_text(r.plan),
    ]  # fmt: skip


def _plan_text(plan: Sequence[tuple[str, str]]) -> str:
    """The treatment plan's filled parts in the plan's order, one per line: 治理目标和任务：…"""
    filled = dict(plan)
    return "\n".join(f"{plain(f'plan_part.{part}')}：{filled[part]}" for part in PlanPart if part in filled)


def _name(org: Organisation, unit_id: str) -> str:
    unit = org.units.get(unit_id)
    return unit.name if unit else unit_id


def _table_values(index: int | str, line: TableRow) -> list[object]:
    s, row = line.row.by_state, line.row
    rate = row.rectification_rate
    return [
        index, line.name, plain(f"export.kind.{line.kind}") if line.kind else "", row.total,
        row.by_grade.get(Grade.GENERAL, 0), row.by_grade.get(Grade.MAJOR, 0),
        s.get(State.REPORTED, 0), s.get(State.RECTIFYING, 0), s.get(State.AWAITING_VERIFICATION, 0),
        s.get(State.CLOSED, 0), s.get(State.RECHECK, 0), s.get(State.ARCHIVED, 0), row.rectified,
        "" if rate is None else rate, row.overdue, row.major_overdue,
    ]  # fmt: skip


def ledger_workbook(rows: Sequence[LedgerRow], table: Sequence[TableRow], total: StateRow, org: Organisation,
                    names: Mapping[int, str], zone: dt.tzinfo, *, table_subtitle: str) -> bytes:
    """The .xlsx: the ledger sheet and the statistics table sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = plain("export.sheet_ledger")
    sheet.append([plain(f"export.column.{key}") for key, _ in LEDGER_COLUMNS])
    date_columns = [i for i, (key, _) in enumerate(LEDGER_COLUMNS, 1) if key in _DATE_COLUMNS]
    for row in rows:
        sheet.append(ledger_values(row, org, names, zone))
    for column in date_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = DATE_FORMAT
    _header(sheet, 1, LEDGER_COLUMNS)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{max(len(rows) + 1, 1)}"

    stats = book.create_sheet(plain("export.sheet_table"))
    width = len(TABLE_COLUMNS)
    stats.append([plain("export.table_title")])
    stats.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    stats["A1"].font = Font(bold=True, size=14)
    stats["A1"].alignment = Alignment(horizontal="center")
    stats.append([table_subtitle])
    stats.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    stats.append([plain(f"export.table_column.{key}") for key, _ in TABLE_COLUMNS])
    for index, line in enumerate(table, 1):
        stats.append(_table_values(index, line))
    stats.append(_table_values("", TableRow(plain("export.total"), "", total)))
    last = stats.max_row
    for (cell,) in stats.iter_rows(min_row=4, max_row=last, min_col=14, max_col=14):
        cell.number_format = "0.0%"
    for cells in stats.iter_rows(min_row=3, max_row=last, max_col=width):
        for cell in cells:
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    for cell in stats[last]:
        cell.font = Font(bold=True)
    _header(stats, 3, TABLE_COLUMNS)
    stats.freeze_panes = "C4"
    for each in (sheet, stats):
        _keep_text(each)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet: object, row: int, columns: Sequence[tuple[str, int]]) -> None:
    for number, (_, width) in enumerate(columns, 1):
        cell = sheet.cell(row=row, column=number)  # type: ignore[attr-defined]
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(number)].width = width  # type: ignore[attr-defined]


def ledger_csv(rows: Sequence[LedgerRow], org: Organisation, names: Mapping[int, str], zone: dt.tzinfo) -> bytes:
    """The ledger as CSV, UTF-8 with a byte-order mark so that Excel opens it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([plain(f"export.column.{key}") for key, _ in LEDGER_COLUMNS])
    for row in rows:
        writer.writerow(["" if v is None else f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else csv_text(v)
                         for v in ledger_values(row, org, names, zone)])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
