"""The ledger (隐患排查治理台账) as an Excel workbook and as CSV, and the quarterly statistics table.

Written as the rows come (StreamedLedger: openpyxl's write-only mode and csv.writer, straight to files), in the
export's worker process, so memory is that of a chunk of rows whatever the size of the ledger. Dates are real Excel
dates in local time (Excel has no time zones); headers are frozen and filtered; widths fit Chinese text.

Exports are data, never code (OWASP CSV injection): a text cell that a spreadsheet would read as a formula
(it starts with = + - @, a tab or a carriage return) is written as text in both files, whoever typed it.
In the .xlsx it is a string cell with Excel's quote prefix (shown as typed, kept text when edited); in the CSV,
which has no types, it gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from domain.hazards import Grade, State
from domain.lifecycle import PlanPart
from domain.org import Organisation
from domain.statistics import LedgerRow, StateRow
from texts import plain

LEDGER_COLUMNS = (  # catalog key under export.column, width in characters
    ("code", 16), ("found_at", 24), ("enterprise", 22), ("reporter", 24), ("township", 12), ("industry", 12),
    ("description", 40), ("place", 16), ("grade", 9), ("state", 9), ("accept_due", 24), ("acceptance", 12),
    ("units", 28), ("person", 14), ("deadline", 24),
    ("measures", 36), ("rectified_at", 24), ("verified_by", 10), ("closed_at", 24), ("recheck", 12),
    ("days_overdue", 9), ("photos", 8), ("after_photos", 8), ("plan", 40),
)  # fmt: skip
_DATE_COLUMNS = {"found_at", "accept_due", "deadline", "rectified_at", "closed_at"}
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
        _local(row.acceptance.due, zone) if row.acceptance else None, _acceptance_text(row),
        plain("hazard.units", department=_name(org, r.department_id), township=_name(org, r.township_id)),
        r.responsible_person or "", _local(r.deadline, zone), r.measures or "", _local(row.rectified_at, zone),
        names.get(row.verified_by, str(row.verified_by)) if row.verified_by is not None else "",
        _local(row.closed_at, zone), plain(f"export.recheck.{row.recheck}"), row.days_overdue, r.photos,
        r.after_photos, _plan_text(r.plan),
    ]  # fmt: skip


def _acceptance_text(row: LedgerRow) -> str:
    """受理情况: 按时受理, 超时受理, 超时未受理, or 待受理 (not accepted, its limit still ahead)."""
    acceptance = row.acceptance
    if acceptance is None:
        return ""
    if acceptance.accepted_at is None:
        return plain("export.acceptance.overdue" if row.accept_overdue else "export.acceptance.waiting")
    return plain("export.acceptance.late" if acceptance.late else "export.acceptance.on_time")


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


class StreamedLedger:
    """The ledger written as its rows come, to two files: the .xlsx in openpyxl's write-only mode (each row goes to
    disk as it is added; the frozen header, the filter and the column widths kept) and the .csv. Memory is that of the
    rows in hand, whatever the size of the ledger; `finish` adds the statistics table sheet and closes both."""

    def __init__(self, xlsx: Path, csv_path: Path, org: Organisation, zone: dt.tzinfo) -> None:
        self.xlsx, self.org, self.zone, self.count = xlsx, org, zone, 0
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(plain("export.sheet_ledger"))
        _widths(self.sheet, LEDGER_COLUMNS)  # before the first row: a write-only sheet writes its columns first
        self.sheet.freeze_panes = "A2"
        self.sheet.append(_header_cells(self.sheet, LEDGER_COLUMNS, "export.column"))
        self._dates = {i for i, (key, _) in enumerate(LEDGER_COLUMNS) if key in _DATE_COLUMNS}
        # UTF-8 with a byte-order mark, so that Excel opens it as UTF-8
        self._csv_file = csv_path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
        self._csv.writerow([plain(f"export.column.{key}") for key, _ in LEDGER_COLUMNS])

    def add(self, rows: Sequence[LedgerRow], names: Mapping[int, str]) -> None:
        """Write these ledger lines (oldest first, after the ones written before) to both files."""
        for row in rows:
            values = ledger_values(row, self.org, names, self.zone)
            self.sheet.append([self._cell(i, v) for i, v in enumerate(values)])
            self._csv.writerow(["" if v is None else f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime)
                                else csv_text(v) for v in values])  # fmt: skip
        self.count += len(rows)

    def _cell(self, index: int, value: object) -> object:
        if index in self._dates and isinstance(value, dt.datetime):
            cell = WriteOnlyCell(self.sheet, value)
            cell.number_format = DATE_FORMAT
            return cell
        return _text_cell(self.sheet, value) if reads_as_formula(value) else value

    def finish(self, table: Sequence[TableRow], total: StateRow, *, table_subtitle: str) -> None:
        """Add the statistics table sheet, close the filter over the rows written, and save both files."""
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{self.count + 1}"
        _table_sheet(self.book, table, total, table_subtitle)
        self.book.save(self.xlsx)
        self._csv_file.close()

    def close(self) -> None:
        """Let the files go (after `finish`, or on a failure half way)."""
        self._csv_file.close()


def _table_sheet(book: Workbook, table: Sequence[TableRow], total: StateRow, subtitle: str) -> None:
    """The statistics table (隐患排查治理情况统计表): title and subtitle merged across, bordered, the total in bold."""
    stats = book.create_sheet(plain("export.sheet_table"))
    width = len(TABLE_COLUMNS)
    _widths(stats, TABLE_COLUMNS)
    stats.freeze_panes = "C4"
    title = WriteOnlyCell(stats, plain("export.table_title"))
    title.font, title.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    stats.append([title])
    stats.append([_text_cell(stats, subtitle) if reads_as_formula(subtitle) else subtitle])
    for row in (1, 2):
        stats.merged_cells.add(f"A{row}:{get_column_letter(width)}{row}")
    stats.append(_header_cells(stats, TABLE_COLUMNS, "export.table_column", border=True))
    lines: list[tuple[int | str, TableRow]] = [*enumerate(table, 1), ("", TableRow(plain("export.total"), "", total))]
    for n, (index, line) in enumerate(lines, 1):
        cells = []
        for column, value in enumerate(_table_values(index, line), 1):
            cell = _text_cell(stats, value) if reads_as_formula(value) else WriteOnlyCell(stats, value)
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
            if column == 14:
                cell.number_format = "0.0%"
            if n == len(lines):
                cell.font = Font(bold=True)
            cells.append(cell)
        stats.append(cells)


def _text_cell(sheet: object, value: object) -> WriteOnlyCell:
    """A cell openpyxl would write as a formula, or Excel read as one, kept the text it is."""
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl makes a str starting with = a formula; this writes it as a string
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def _widths(sheet: object, columns: Sequence[tuple[str, int]]) -> None:
    for number, (_, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = width  # type: ignore[attr-defined]


def _header_cells(sheet: object, columns: Sequence[tuple[str, int]], prefix: str, *,
                  border: bool = False) -> list[WriteOnlyCell]:
    cells = []
    for key, _ in columns:
        cell = WriteOnlyCell(sheet, plain(f"{prefix}.{key}"))
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if border:
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        cells.append(cell)
    return cells


def ledger_files(rows: Sequence[LedgerRow], table: Sequence[TableRow], total: StateRow, org: Organisation,
                 names: Mapping[int, str], zone: dt.tzinfo, *, table_subtitle: str) -> tuple[bytes, bytes]:
    """The .xlsx and the .csv of a few rows, as bytes (tests, small uses): the same writer as the export's."""
    with tempfile.TemporaryDirectory() as folder:
        xlsx, csv_path = Path(folder) / "ledger.xlsx", Path(folder) / "ledger.csv"
        ledger = StreamedLedger(xlsx, csv_path, org, zone)
        try:
            ledger.add(rows, names)
            ledger.finish(table, total, table_subtitle=table_subtitle)
        finally:
            ledger.close()
        return xlsx.read_bytes(), csv_path.read_bytes()


def ledger_workbook(rows: Sequence[LedgerRow], table: Sequence[TableRow], total: StateRow, org: Organisation,
                    names: Mapping[int, str], zone: dt.tzinfo, *, table_subtitle: str) -> bytes:
    """The .xlsx: the ledger sheet and the statistics table sheet."""
    return ledger_files(rows, table, total, org, names, zone, table_subtitle=table_subtitle)[0]


def ledger_csv(rows: Sequence[LedgerRow], org: Organisation, names: Mapping[int, str], zone: dt.tzinfo) -> bytes:
    """The ledger as CSV, UTF-8 with a byte-order mark so that Excel opens it as UTF-8."""
    return ledger_files(rows, [], StateRow(), org, names, zone, table_subtitle="")[1]
