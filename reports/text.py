"""The statistics as catalog text: period and scope labels, figure blocks, per-unit rows, the ranking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from domain.members import Scope
from domain.org import Organisation
from domain.periods import Period, PeriodKind
from domain.ranking import UnitScore
from domain.statistics import Figures
from texts import Html, plain, t
from texts.dates import date_cn, datetime_cn

MAX_ROWS = 30  # per-unit rows in one message; /export has them all
_QUARTERS = "一二三四"


def period_label(period: Period) -> str:
    """2026年第48周（11月23日至11月29日）, 2026年11月, 2026年第四季度, 2026年11月1日至2026年11月15日."""
    start, last = period.start, period.last_day
    match period.kind:
        case PeriodKind.WEEK:
            year, week, _ = start.isocalendar()
            return plain("period.week", year=year, week=week, start=_short(start), end=_short(last))
        case PeriodKind.MONTH:
            return plain("period.month", year=start.year, month=start.month)
        case PeriodKind.QUARTER:
            return plain("period.quarter", year=start.year, quarter=_QUARTERS[(start.month - 1) // 3])
        case PeriodKind.YEAR:
            return plain("period.year", year=start.year)
    if start == last:
        return date_cn(start)
    return plain("period.range", start=date_cn(start), end=date_cn(last))


def _short(day: dt.date) -> str:
    return plain("period.short_day", m=day.month, d=day.day)


def scope_label(org: Organisation, scope: Scope) -> str:
    """全县, a unit's name or an enterprise's."""
    if scope.enterprise_id is not None and scope.enterprise_id in org.enterprises:
        return org.enterprises[scope.enterprise_id].name
    if scope.unit_id is not None and scope.unit_id in org.units:
        return org.units[scope.unit_id].name
    return plain("org.whole_county")


def percent(value: float | None) -> str:
    """87.5% or —."""
    return "—" if value is None else plain("stats.percent", value=f"{100 * value:.1f}".removesuffix(".0"))


def period_block(label: str, f: Figures) -> Html:
    """What happened in a period."""
    rate = t("stats.on_time_rate", rate=percent(f.on_time_rate)) if f.rectified else Html("")
    return t("stats.block", period=label, reported=f.reported, accepted=f.accepted, rectified=f.rectified,
             on_time=f.rectified_on_time, late=f.rectified_late, rate=rate, rebounds=f.rebounds,
             acceptance=t("acceptance.stats_line", count=f.not_accepted_in_time, late=f.accepted_late,
                          waiting=f.unaccepted_overdue))  # fmt: skip


def snapshot_block(at: dt.datetime, zone: dt.tzinfo, f: Figures) -> Html:
    """Where things stand at an instant."""
    days = Html("")
    if f.overdue_days:
        shown = "、".join(plain("stats.days", days=d) for d in f.overdue_days)
        days = t("stats.overdue_days", days=shown + ("…" if f.overdue > len(f.overdue_days) else ""))
    return t("stats.snapshot", at=datetime_cn(at, zone), overdue=f.overdue, overdue_days=days, major=f.major_open,
             rechecks=f.rechecks_due)  # fmt: skip


def rows_block(title: str, rows: Sequence[tuple[str, Figures]]) -> Html:
    """One line per unit or enterprise."""
    lines = [
        t("stats.row", name=name, reported=f.reported, rectified=f.rectified, on_time=f.rectified_on_time,
          overdue=f.overdue, major=f.major_open, rebounds=f.rebounds, not_accepted=f.not_accepted_in_time)
        for name, f in rows[:MAX_ROWS]
    ]  # fmt: skip
    if len(rows) > MAX_ROWS:
        lines.append(t("stats.more", count=len(rows) - MAX_ROWS))
    return Html(t("stats.rows_heading", title=title) + "\n" + "\n".join(lines))


def ranking_lines(org: Organisation, scores: Sequence[UnitScore]) -> Html:
    """One line per unit, best first."""
    lines = []
    for s in scores:
        name = org.units[s.unit_id].name
        if s.score is None:
            lines.append(t("ranking.no_data", rank=s.rank, name=name))
            continue
        days = "—" if s.average_days_to_close is None else plain("stats.days", days=f"{s.average_days_to_close:.1f}")
        lines.append(t(
            "ranking.row", rank=s.rank, name=name, score=f"{s.score:.1f}", on_time=percent(s.on_time_rate),
            overdue=s.overdue, per_enterprise=f"{s.overdue_per_enterprise:.2f}", rebound=percent(s.rebound_rate),
            days=days, selfcheck=percent(s.selfcheck_rate), accept_rate=percent(s.acceptance_rate),
            not_accepted=s.not_accepted_in_time,
        ))  # fmt: skip
    return Html("\n".join(lines))
