"""Dates and times written the way Chinese officials write them: 2026年11月23日（星期一）14:30."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from texts import plain


def weekday_name(day: date) -> str:
    """星期一 … 星期日."""
    return plain(f"weekday.{day.weekday()}")


def date_cn(day: date) -> str:
    """2026年11月23日."""
    return plain("date.day", y=day.year, m=day.month, d=day.day)


def date_with_weekday(day: date) -> str:
    """2026年11月23日（星期一）."""
    return plain("date.day_weekday", day=date_cn(day), weekday=weekday_name(day))


def datetime_cn(instant: datetime, zone: tzinfo) -> str:
    """An instant in the local zone: 2026年11月23日 14:30."""
    local = instant.astimezone(zone)
    return plain("date.day_time", day=date_cn(local.date()), hh=f"{local.hour:02d}", mm=f"{local.minute:02d}")


def deadline_cn(instant: datetime, zone: tzinfo) -> str:
    """A deadline as officials write it: 2026年11月26日（星期四）18:00."""
    local = instant.astimezone(zone)
    return f"{date_with_weekday(local.date())}{local:%H:%M}"
