"""Deadlines written the way officials write them (3天内, 5个工作日内, 本周五前, 月底前, 12月1日前...).

``parse_deadline`` is a pure function of ``(text, now)`` plus the working calendar: it returns a
``Deadline`` (an aware datetime in ``now``'s zone) or a ``DeadlineRefused`` with a reason code the
handlers turn into a question. It never guesses: text without a date, a date already past, two
different dates, or a vague period (年前, 月初, 一月内) is refused.

How it reads text: the text is normalised (NFKC, so full-width digits and punctuation become
ASCII; then OpenCC's t2s, so 後天, 下午三時, 10號 and 下週三 read as their simplified forms), then an
ordered table of Chinese rules claims spans of it, most specific first, so that
"12月10日" is read as a date before "10日" could be read as ten days. Times (下午5点, 17:30) are
read from what the date rules left. Chinese numerals (十五, 二十一, 两, 廿, 二〇二六) and digits
are both accepted.

Semantics (documented here because officials and tests must agree on them):

- A deadline without a time ends at ``end_of_day`` (the end of the working day). For today, once
  that hour has passed, it ends at 23:59 instead (assumption ``LATE_TODAY``): "今天内" at 19:00
  still means today. An explicit time already gone (今天下午5点前 at 18:00) is ``PAST``.
- "N天内/N日内/限期N日/N个自然日" = today + N calendar days (a range, 3到5天, takes its end);
  "N周内" = today + 7N days; "半个月内" = today + 15 days; "N个月内" = the same day N months
  later, clamped to the month's end (1月31日 + 1个月 → 2月28/29日); "N年内", "半年内" likewise in
  months. "N小时内" = now + N hours, time explicit.
- "N个工作日内" = the N-th working day after today on the official calendar (today never counts).
- "本周X/这周X" = that day of this Monday–Sunday week (``PAST`` if gone); "下周X" = that day of next
  week; a bare "周X" is the next such day from today on (rolled a week if already gone:
  ``NEXT_WEEK``). "本周内" and "本周末" = this Sunday; "周末前" = this Friday.
- "月底/月末/本月内" = the last day of this month; "下月底" of next month; "X月底" of month X.
  "X月上旬/中旬/下旬" = the 10th / 20th / last day of month X.
- "年底/年末/年内" = 31 December of this year; "明年底" of next year; "季度末" = the quarter's end.
- "M月D日" without a year = the next such date that is not past (``NEXT_YEAR`` when that is next
  year); with a year, a past date is ``PAST``. "D号/D日前" alone = day D of this month, or next
  month once it has passed (``NEXT_MONTH``).
- 立即/马上/立刻/即刻/即日/立行立改/当场整改 = today; they only count when nothing more precise is
  written ("马上安排, 3天内整改完毕" is 3 days).
- A bare hour without 上午/下午 from 1 to 6 is read as the afternoon (``AFTERNOON``): nobody sets a
  rectification deadline at 3 a.m. 上午/早上 alone end at 12:00, 下午/下班前 at ``end_of_day``,
  今晚/晚上 at 23:59; 24点 and 晚上12点 are 23:59 of that day. 晚8:00 and 早8点 carry their period in
  one character (最晚8点 does not); a 刻 is 15 minutes (20时1刻 = 20:15); 三点半 is a time.
- "X前" for a festival = the eve of the next X: fixed-date ones (元旦, 妇女节/三八, 植树节, 五一, 五四,
  儿童节/六一, 建党节/七一, 建军节/八一, 教师节, 国庆/十一, 圣诞节) and lunar or solar-term ones
  (春节 → 除夕, 元宵, 清明, 端午, 七夕, 中秋, 重阳, 腊八, 冬至, 除夕) computed by ``domain.festivals``
  (lunar_python). "节前" takes the one festival named elsewhere in the text. A single-day festival
  named alone (中秋节, 儿童节当天) is that day; 安全生产月 is June (…前 = 31 May, …期间/内 = 30 June).
  "X后上班第一天/第一个工作日" = the first working day after that festival's holiday, where the official
  data or the organisation's list covers it (refused as AMBIGUOUS beyond: its length is unknown).
- "第N天" counts today as the first (第二天 is tomorrow); "十月第一个星期一", "下个月第一个工作日",
  "月底前最后一个工作日", "12月最后一个周五": the n-th or last such day of that month (a month without
  a year that is already past is next year's). A numeric date with the year last (3/3/2015,
  20/12/2026) is read when its order is clear (equal parts or one above 12), else AMBIGUOUS.
- "D号前/D日前" in a month without day D (29日前 in February) is day D of the next month that has it.
- "N天前/N周前/N个月前/N年前/N小时前" mean *ago*: refused as PAST, never N days ahead; beside a
  real deadline ("3天前发现的问题，5天内整改") they are ignored.
- Refused as AMBIGUOUS rather than guessed: 年前 (before 元旦 or before 春节?), 节前/节后 with no
  festival named, a bare holiday of several days (春节, 国庆) or 春节后, 月初/月中/年初/上半年, a bare
  "N月内" (一月内: January, or one month?), "12月份前", fractions (3.5天), 1/5/2027 (which is the
  month?), two different dates or times in one text, and a weekday note that contradicts its date
  (12月20日（周五） on a Sunday).

dateparser is not used. Measured (dateparser 1.5, PREFER_DATES_FROM='future', RELATIVE_BASE=now)
against this domain's expressions, every format it reads correctly (2026-12-20, 2026/12/20,
2026年12月20日, 后天, 17:30) is already read by the rules; it reads 12月1日前 as a date a year in
the past, 12.20 as the time 12:20 and 星期三 without a week, returns nothing for 下周五, 月底前,
N天内, 12月1号 and 今晚8点, and its language detection can take seconds on one input. What is left
for it (English month names) is not how these users write: it would add risk and latency and
nothing reliable.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import opencc

from domain.festivals import FIXED_FESTIVALS, LUNAR_FESTIVALS, SOLAR_TERM_FESTIVALS, festival_day, next_festival
from domain.workcalendar import WorkCalendar

__all__ = [
    "DEFAULT_END_OF_DAY",
    "Deadline",
    "DeadlineAssumption",
    "DeadlineEcho",
    "DeadlineRefusal",
    "DeadlineRefused",
    "DeadlineResult",
    "DeadlineRule",
    "default_deadline",
    "describe_deadline",
    "example_date",
    "parse_deadline",
    "year_to_confirm",
]

DEFAULT_END_OF_DAY = dt.time(18, 0)
_LATEST_TIME = dt.time(23, 59)
# A deadline further away than this is a typo (限期1000天), not a rectification plan.
_MAX_HORIZON = dt.timedelta(days=3 * 366)


class DeadlineRefusal(StrEnum):
    """Why no deadline was taken from the text; the handler asks the matching question."""

    NO_DATE = "no_date"  # 尽快, 抓紧, 好的: nothing that names a day
    PAST = "past"  # 昨天, 本周一 on a Wednesday, 今天下午5点 at 18:00
    AMBIGUOUS = "ambiguous"  # 年前, 月初, 一月内, 下周, two different dates, two different times
    INVALID_DATE = "invalid_date"  # 2月30日, 13月1日, or absurdly far away (限期9999天)


class DeadlineRule(StrEnum):
    """Which family of expression produced the deadline."""

    DAYS = "days"  # 3天内, 七日内, 限期10日
    WORKING_DAYS = "working_days"  # 5个工作日内
    WEEKS = "weeks"  # 一周内, 两个星期内
    MONTHS = "months"  # 1个月内, 半个月内
    YEARS = "years"  # 一年内, 半年内
    HOURS = "hours"  # 24小时内, 30分钟内
    NAMED_DAY = "named_day"  # 今天, 明天, 后天, 今晚, 明早
    WEEKDAY = "weekday"  # 本周五前, 下周一, 下星期三
    WEEK_END = "week_end"  # 本周内, 周末前, 下周末
    MONTH_END = "month_end"  # 月底前, 下月底, 12月底, 12月份内
    MONTH_PART = "month_part"  # 12月中旬
    QUARTER_END = "quarter_end"  # 季度末
    YEAR_END = "year_end"  # 年底前, 明年底, 年内
    DATE = "date"  # 12月1日前, 2026年12月20日, 2026-12-20, 12.20
    DAY_OF_MONTH = "day_of_month"  # 20号前, 本月20日, 下月5日
    HOLIDAY = "holiday"  # 国庆前, 元旦前: the eve of a fixed-date holiday
    TIME_TODAY = "time_today"  # 17:30前, 下午3点半: a time alone means today
    IMMEDIATE = "immediate"  # 立即, 马上, 立刻
    GRADE_DEFAULT = "grade_default"  # no deadline given: the default for the hazard's grade


class DeadlineAssumption(StrEnum):
    """A reading the parser chose that the echo may want to point out."""

    NEXT_YEAR = "next_year"  # 2月1日前 in November: February of next year
    NEXT_MONTH = "next_month"  # 10号前 on the 23rd: the 10th of next month
    NEXT_WEEK = "next_week"  # 周一前 on a Wednesday: next Monday
    AFTERNOON = "afternoon"  # 5点前 read as 17:00
    LATE_TODAY = "late_today"  # today after the end of the working day: 23:59


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline read from text: ``at`` is aware, in the zone of the ``now`` it was read at."""

    at: dt.datetime
    time_given: bool
    rule: DeadlineRule
    matched: str = ""
    assumptions: frozenset[DeadlineAssumption] = frozenset()

    @property
    def date(self) -> dt.date:
        """The deadline's local date."""
        return self.at.date()


@dataclass(frozen=True, slots=True)
class DeadlineRefused:
    """No deadline: ``candidate`` is what a PAST text meant, so the question can quote it."""

    reason: DeadlineRefusal
    rule: DeadlineRule | None = None
    candidate: dt.datetime | None = None
    matched: str = ""


DeadlineResult = Deadline | DeadlineRefused


@dataclass(frozen=True, slots=True)
class DeadlineEcho:
    """What the confirmation echo shows; the catalog renders it (weekday 0 = Monday)."""

    date: dt.date
    weekday: int
    time: dt.time | None
    is_workday: bool
    days_from_today: int


def describe_deadline(deadline: Deadline, *, now: dt.datetime, calendar: WorkCalendar) -> DeadlineEcho:
    """The parts of a deadline the echo shows (date, weekday index, time if one was written)."""
    local = deadline.at.astimezone(now.tzinfo)
    return DeadlineEcho(
        date=local.date(),
        weekday=local.weekday(),
        time=local.timetz().replace(tzinfo=None) if deadline.time_given else None,
        is_workday=calendar.is_workday(local.date()),
        days_from_today=(local.date() - now.date()).days,
    )


def default_deadline(
    grade: str,
    now: dt.datetime,
    *,
    calendar: WorkCalendar,
    days_by_grade: Mapping[str, int],
    working_days: bool = False,
    end_of_day: dt.time = DEFAULT_END_OF_DAY,
) -> Deadline:
    """The deadline a hazard of ``grade`` gets when the unit sets none.

    ``days_by_grade`` (e.g. ``{"一般": 7, "重大": 30}``) comes from configuration; the days are
    calendar days unless ``working_days``. A calendar-day default that lands on a day off moves to
    the next working day: unlike a date an official typed, nobody chose that Sunday.
    """
    _require_aware(now)
    try:
        days = days_by_grade[grade]
    except KeyError:
        raise ValueError(f"no default deadline configured for grade {grade!r}") from None
    if days < 0:
        raise ValueError(f"default deadline for grade {grade!r} is negative: {days}")
    today = now.date()
    if working_days:
        day = calendar.add_workdays(today, days)
    else:
        day = calendar.next_workday(today + dt.timedelta(days=days), include_self=True)
    return Deadline(
        at=dt.datetime.combine(day, end_of_day, tzinfo=now.tzinfo),
        time_given=False,
        rule=DeadlineRule.GRADE_DEFAULT,
    )


# --- reading the text ---------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_TENS = {"廿": 20, "卅": 30}  # 廿 = 二十, 卅 = 三十, still seen in dates

# Placeholders expanded in every pattern below.
_N = r"(?:\d{1,6}|[零〇○一二两俩三四五六七八九十廿卅百千]{1,6})"
_YEAR = r"(?:\d{4}|[零〇○一二三四五六七八九]{4}|\d{2}(?=年))"
_WD = r"[一二三四五六日天1-7]"
_WEEK = r"(?:周|星期|礼拜|週)"
# What may follow a bare day number or a bare hour for it to be a deadline rather than "2号楼" or
# "三点要求".
_FOLLOW = (
    r"(?=$|[\s,，.。;；!！?？)(、]|前|之前|以前|止|为止|截止|内|完成|整改|办结|上午|下午|中午|晚上"
    r"|傍晚|凌晨|早上|\d|[零〇一二两三四五六七八九十]+[点时:])"
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(
        pattern.replace("‹N›", _N)
        .replace("‹Y›", _YEAR)
        .replace("‹WD›", _WD)
        .replace("‹W›", _WEEK)
        .replace("‹F›", _FOLLOW)
    )


def _cn_int(text: str) -> int | None:
    """Read digits or a Chinese numeral (十五, 二十一, 一百零五, 二〇二六); None if malformed."""
    if text.isdecimal():
        return int(text)  # any script's decimal digits, which is what \d matched
    if any(ch not in _CN_DIGITS and ch not in _CN_UNITS and ch not in _CN_TENS for ch in text):
        return None  # "1十" and the like: not a number anyone writes
    if not any(ch in _CN_UNITS or ch in _CN_TENS for ch in text):
        # Digit by digit, as years are written: 二〇二六.
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current, last_unit = 0, 0, 10_000
    for ch in text:
        if ch in _CN_DIGITS:
            if current:
                return None  # 二三十: two digits in a row inside a positional numeral
            current = _CN_DIGITS[ch]
        elif ch in _CN_TENS:
            if current or total:
                return None
            total = _CN_TENS[ch]
            last_unit = 10
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (current or 1) * unit
            current, last_unit = 0, unit
    return total + current


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = _calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True)
class _Ctx:
    now: dt.datetime
    today: dt.date
    calendar: WorkCalendar
    end_of_day: dt.time


class _Kind(StrEnum):
    DAY = "day"  # a date; the time comes from a time hit or the end of the day
    MOMENT = "moment"  # a full datetime (24小时内)
    WEAK_DAY = "weak_day"  # 立即/马上: only if nothing more precise is written
    TIME = "time"
    WEEKDAY_NOTE = "weekday_note"  # （周五） written after a date
    AMBIGUOUS = "ambiguous"
    INVALID = "invalid"
    NOISE = "noise"  # 即日起: claims its span so that no rule misreads it
    AGO = "ago"  # 3天前: a past day, refused as PAST when nothing else names a day


@dataclass(slots=True)
class _Hit:
    kind: _Kind
    start: int = 0
    end: int = 0
    rule: DeadlineRule | None = None
    day: dt.date | None = None
    moment: dt.datetime | None = None
    period: str | None = None  # 早/晚 carried by 今晚, 明早...
    clock: tuple[int, int, int] | None = None  # (hour, minute, day offset): 下午, 下班前
    written: tuple[str | None, int, int] | None = None  # (period, hour, minute): 下午5点, 17:30
    # A bare hour is only a time next to a date or a deadline word: 1 for digits (5点 at the end
    # of the text will do), 2 for Chinese numerals (快一点 and 三点要求 are not times).
    needs_context: int = 0
    weekday: int | None = None
    assumptions: frozenset[DeadlineAssumption] = field(default_factory=frozenset)


_Handler = Callable[[re.Match[str], _Ctx], "_Hit | None"]


def _day(rule: DeadlineRule, day: dt.date, *assumptions: DeadlineAssumption) -> _Hit:
    return _Hit(kind=_Kind.DAY, rule=rule, day=day, assumptions=frozenset(assumptions))


def _invalid(rule: DeadlineRule) -> _Hit:
    return _Hit(kind=_Kind.INVALID, rule=rule)


def _ambiguous(_m: re.Match[str], _ctx: _Ctx) -> _Hit:
    return _Hit(kind=_Kind.AMBIGUOUS)


def _noise(_m: re.Match[str], _ctx: _Ctx) -> _Hit:
    return _Hit(kind=_Kind.NOISE)


def _year_of(m: re.Match[str], ctx: _Ctx) -> int | None:
    """The year a match names (2026, 26, 二〇二六, 今年, 明年), or None if it names none."""
    keyword = m.groupdict().get("yk")
    if keyword:
        return ctx.today.year + {"今": 0, "本": 0, "明": 1, "来": 1, "次": 1, "后": 2}[keyword]
    raw = m.groupdict().get("y")
    if not raw:
        return None
    year = _cn_int(raw)
    if year is not None and year < 100:
        year += 2000
    return year


def _relative_month(word: str | None) -> int:
    if not word:
        return 0
    return 2 if word.startswith("下下") else 1 if word.startswith(("下", "次")) else 0


# Dates ------------------------------------------------------------------------------------------


def _on_date(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    month, day = _cn_int(m["m"]), _cn_int(m["d"])
    if month is None or day is None:
        return None
    year = _year_of(m, ctx)
    try:
        if year is not None:
            return _day(DeadlineRule.DATE, dt.date(year, month, day))
        candidate = dt.date(ctx.today.year, month, day)
    except ValueError:
        if year is None and month == 2 and day == 29:
            # 2月29日 without a year: the next leap year's.
            for later in range(ctx.today.year + 1, ctx.today.year + 5):
                if _calendar.isleap(later):
                    return _day(DeadlineRule.DATE, dt.date(later, 2, 29), DeadlineAssumption.NEXT_YEAR)
        return _invalid(DeadlineRule.DATE)
    if candidate < ctx.today:
        try:
            return _day(DeadlineRule.DATE, candidate.replace(year=candidate.year + 1), DeadlineAssumption.NEXT_YEAR)
        except ValueError:
            return _invalid(DeadlineRule.DATE)
    return _day(DeadlineRule.DATE, candidate)


def _on_numeric_month_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    month, day = int(m["m"]), int(m["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None  # not a date at all (a ratio, a version): let the text fall through
    return _on_date(m, ctx)


def _on_compact_date(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    try:
        return _day(DeadlineRule.DATE, dt.date(int(m["y"]), int(m["m"]), int(m["d"])))
    except ValueError:
        return None


def _on_month_relative_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    day = _cn_int(m["d"])
    if day is None:
        return None
    first = _add_months(ctx.today.replace(day=1), _relative_month(m["rel"]))
    try:
        return _day(DeadlineRule.DAY_OF_MONTH, first.replace(day=day))
    except ValueError:
        return _invalid(DeadlineRule.DAY_OF_MONTH)


def _on_day_of_month(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    day = _cn_int(m["d"])
    if day is None or not 1 <= day <= 31:
        return None
    # The first month from this one on that has day D still ahead: 29日前 in February (or on the
    # 30th of January) is 29 March, the next 29th there is, never an invalid date.
    first = ctx.today.replace(day=1)
    for months in range(4):
        month = _add_months(first, months)
        if day > _calendar.monthrange(month.year, month.month)[1]:
            continue
        candidate = month.replace(day=day)
        if candidate >= ctx.today:
            if months:
                return _day(DeadlineRule.DAY_OF_MONTH, candidate, DeadlineAssumption.NEXT_MONTH)
            return _day(DeadlineRule.DAY_OF_MONTH, candidate)
    return _invalid(DeadlineRule.DAY_OF_MONTH)  # unreachable for 1–31: some month of four has it


# Month, quarter and year ends -------------------------------------------------------------------


def _on_relative_month_end(m: re.Match[str], ctx: _Ctx) -> _Hit:
    first = _add_months(ctx.today.replace(day=1), _relative_month(m["rel"]))
    return _day(DeadlineRule.MONTH_END, _month_end(first.year, first.month))


def _named_month(m: re.Match[str], ctx: _Ctx, rule: DeadlineRule, day_in: Callable[[int, int], int]) -> _Hit:
    month = _cn_int(m["m"])
    if month is None or not 1 <= month <= 12:
        return _invalid(rule)
    year = _year_of(m, ctx)
    if year is not None:
        return _day(rule, dt.date(year, month, day_in(year, month)))
    candidate = dt.date(ctx.today.year, month, day_in(ctx.today.year, month))
    if candidate < ctx.today:
        year = ctx.today.year + 1
        return _day(rule, dt.date(year, month, day_in(year, month)), DeadlineAssumption.NEXT_YEAR)
    return _day(rule, candidate)


def _on_named_month_end(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _named_month(m, ctx, DeadlineRule.MONTH_END, lambda y, mo: _calendar.monthrange(y, mo)[1])


_DECADE_END = {"上": 10, "中": 20}


def _decade_end(part: str) -> Callable[[int, int], int]:
    # 旬 (xun): the thirds of a month, ending on the 10th, the 20th and the month's last day.
    return lambda y, mo: _DECADE_END.get(part) or _calendar.monthrange(y, mo)[1]


def _on_named_month_part(m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _named_month(m, ctx, DeadlineRule.MONTH_PART, _decade_end(m["part"]))


def _on_relative_month_part(m: re.Match[str], ctx: _Ctx) -> _Hit:
    first = _add_months(ctx.today.replace(day=1), _relative_month(m["rel"]))
    return _day(DeadlineRule.MONTH_PART, first.replace(day=_decade_end(m["part"])(first.year, first.month)))


def _on_quarter_end(m: re.Match[str], ctx: _Ctx) -> _Hit:
    quarter_first_month = (ctx.today.month - 1) // 3 * 3 + 1
    first = _add_months(ctx.today.replace(day=1, month=quarter_first_month), 3 * _relative_month(m["rel"]))
    last = _add_months(first, 2)
    return _day(DeadlineRule.QUARTER_END, _month_end(last.year, last.month))


def _on_year_end(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    year = _year_of(m, ctx)
    return _day(DeadlineRule.YEAR_END, dt.date(ctx.today.year if year is None else year, 12, 31))


# Weeks ------------------------------------------------------------------------------------------


def _weekday_index(char: str) -> int:
    return 6 if char in "日天7" else (_cn_int(char) or 1) - 1


def _week_offset(rel: str | None) -> int | None:
    """Weeks from this one, or None for a bare 周X (no 本/下)."""
    if not rel:
        return None
    if rel.startswith("上"):
        return -1
    return 2 if rel.startswith("下下") else 1 if rel.startswith("下") else 0


def _on_weekday(m: re.Match[str], ctx: _Ctx) -> _Hit:
    weekday = _weekday_index(m["wd"])
    monday = ctx.today - dt.timedelta(days=ctx.today.weekday())
    offset = _week_offset(m["rel"])
    if offset is not None:
        return _day(DeadlineRule.WEEKDAY, monday + dt.timedelta(days=7 * offset + weekday))
    day = monday + dt.timedelta(days=weekday)
    if day < ctx.today:
        return _day(DeadlineRule.WEEKDAY, day + dt.timedelta(days=7), DeadlineAssumption.NEXT_WEEK)
    return _day(DeadlineRule.WEEKDAY, day)


def _on_week_end(m: re.Match[str], ctx: _Ctx) -> _Hit:
    # 周末前 = before the weekend = Friday; 本周内 and 周末 = the week's last day, Sunday.
    weekday = 4 if m["before"] else 6
    monday = ctx.today - dt.timedelta(days=ctx.today.weekday())
    offset = _week_offset(m["rel"])
    day = monday + dt.timedelta(days=7 * (offset or 0) + weekday)
    if offset is None and day < ctx.today:
        return _day(DeadlineRule.WEEK_END, day + dt.timedelta(days=7), DeadlineAssumption.NEXT_WEEK)
    return _day(DeadlineRule.WEEK_END, day)


def _on_weekday_note(m: re.Match[str], _ctx: _Ctx) -> _Hit:
    return _Hit(kind=_Kind.WEEKDAY_NOTE, weekday=_weekday_index(m["wd"]))


# Durations --------------------------------------------------------------------------------------


def _count(m: re.Match[str]) -> int | None:
    return _cn_int(m["n"]) if m["n"] else None


def _on_working_days(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    n = _count(m)
    if n is None:
        return None
    if n > _MAX_HORIZON.days:
        return _invalid(DeadlineRule.WORKING_DAYS)
    return _day(DeadlineRule.WORKING_DAYS, ctx.calendar.add_workdays(ctx.today, n))


def _plus_days(rule: DeadlineRule, ctx: _Ctx, days: int) -> _Hit:
    if days > _MAX_HORIZON.days:
        return _invalid(rule)
    return _day(rule, ctx.today + dt.timedelta(days=days))


def _on_days(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    n = _count(m)
    return None if n is None else _plus_days(DeadlineRule.DAYS, ctx, n)


def _on_weeks(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    n = _count(m)
    return None if n is None else _plus_days(DeadlineRule.WEEKS, ctx, 7 * n)


def _plus_months(rule: DeadlineRule, ctx: _Ctx, months: int, extra_days: int = 0) -> _Hit:
    if months * 31 + extra_days > _MAX_HORIZON.days:
        return _invalid(rule)
    return _day(rule, _add_months(ctx.today, months) + dt.timedelta(days=extra_days))


def _on_months(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    n = _count(m)
    if m["n"] and n is None:
        return None
    # 半个月 is taken as 15 days, not "half of this month's length", so that it reads the same
    # in February as in March.
    return _plus_months(DeadlineRule.MONTHS, ctx, n or 0, 15 if m["half"] else 0)


def _on_years(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if m["n"] == "半":
        return _plus_months(DeadlineRule.YEARS, ctx, 6)
    n = _count(m)
    return None if n is None else _plus_months(DeadlineRule.YEARS, ctx, 12 * n)


def _on_hours(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    if m["n"] == "半":
        minutes = 30 if m["unit"] != "分钟" else 0
    else:
        n = _count(m)
        if n is None:
            return None
        minutes = n if m["unit"] == "分钟" else 60 * n + (30 if m["half"] else 0)
    delta = dt.timedelta(minutes=minutes)
    if not delta or delta > _MAX_HORIZON:
        return _invalid(DeadlineRule.HOURS)
    # Added on the UTC timeline so that a zone with daylight saving still gets N real hours.
    moment = (ctx.now.astimezone(dt.UTC) + delta).astimezone(ctx.now.tzinfo)
    return _Hit(kind=_Kind.MOMENT, rule=DeadlineRule.HOURS, moment=moment)


# Named days, immediacy, times -------------------------------------------------------------------

_NAMED_DAYS = {
    "大后天": 3, "后天": 2, "后日": 2, "明天": 1, "明日": 1, "明儿": 1, "次日": 1, "翌日": 1,
    "第二天": 1, "今天": 0, "今日": 0, "今儿": 0, "当天": 0, "当日": 0,
    "今早": 0, "今晨": 0, "今晚": 0, "今夜": 0, "明早": 1, "明晨": 1, "明晚": 1, "明夜": 1,
    "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2, "前日": -2,
}  # fmt: skip


def _on_named_day(m: re.Match[str], ctx: _Ctx) -> _Hit:
    word = m["w"]
    hit = _day(DeadlineRule.NAMED_DAY, ctx.today + dt.timedelta(days=_NAMED_DAYS[word]))
    if word[-1] in "早晨":
        hit.period = "早"
    elif word[-1] in "晚夜":
        hit.period = "晚"
    return hit


_FESTIVAL_NAMES = sorted([*FIXED_FESTIVALS, *LUNAR_FESTIVALS, *SOLAR_TERM_FESTIVALS, "除夕"], key=len, reverse=True)
# Written as numbers (五一, 十一, 八一), a festival is only one when a festival word follows it:
# 十一月, 十一日 and 十一天 are not National Day.
_NUMERAL_FESTIVALS = frozenset(name for name in FIXED_FESTIVALS if all(ch in _CN_DIGITS or ch == "十" for ch in name))
# Festivals that are a holiday of several days: the bare name (国庆, 春节) does not say which day.
_HOLIDAY_PERIODS = frozenset({"元旦", "春节", "国庆", "国庆节", "十一", "五一", "劳动节"})
_FESTIVAL = r"(?P<h>" + "|".join(_FESTIVAL_NAMES) + r")"


def _festival_name(m: re.Match[str], *, numeral_needs_word: bool = False) -> str | None:
    name = m["h"]
    if numeral_needs_word and name in _NUMERAL_FESTIVALS and not m["word"]:
        return None  # 六一 alone may be a number; 六一节, 六一前 are not
    if m.start("h") > 0 and m.string[m.start("h") - 1] in "第0123456789零〇一二两三四五六七八九十":
        return None  # 二十一前, 第十一: a number, not a festival
    return name


def _on_festival_eve(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """春节前, 中秋节前, 妇女节前, 十一假期前: the eve of the next such festival."""
    name = _festival_name(m)
    if name is None:
        return None
    day = next_festival(name, ctx.today, days_before=1) - dt.timedelta(days=1)
    if day.year > ctx.today.year:
        return _day(DeadlineRule.HOLIDAY, day, DeadlineAssumption.NEXT_YEAR)
    return _day(DeadlineRule.HOLIDAY, day)


def _on_festival_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """中秋节, 儿童节当天: the next such day (a holiday of several days, 国庆 or 春节, is asked about)."""
    name = _festival_name(m, numeral_needs_word=True)
    if name is None:
        return None
    if name in _HOLIDAY_PERIODS:
        return _Hit(kind=_Kind.AMBIGUOUS)
    day = next_festival(name, ctx.today)
    if day.year > ctx.today.year:
        return _day(DeadlineRule.HOLIDAY, day, DeadlineAssumption.NEXT_YEAR)
    return _day(DeadlineRule.HOLIDAY, day)


def _on_after_festival_workday(m: re.Match[str], ctx: _Ctx, named: str | None = None) -> _Hit | None:
    """春节后上班第一天, 国庆节后第一个工作日: the first working day after that festival's holiday."""
    name = named or _festival_name(m)
    if name is None:
        return None
    day = next_festival(name, ctx.today)
    if day == ctx.today or not (ctx.calendar.is_official(day) or day in ctx.calendar.extra_holidays):
        # Beyond the official data (and the organisation's list) the length of the holiday is
        # unknown: a Monday–Friday guess would put the first working day inside the holiday.
        return _Hit(kind=_Kind.AMBIGUOUS)
    return _day(DeadlineRule.HOLIDAY, ctx.calendar.next_workday(day))


def _on_festival_named_elsewhere(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """节前 / 节后上班第一天 with one festival named elsewhere in the text (中秋将至，节前完成整改)."""
    named = [found["h"] for found in re.finditer(_FESTIVAL, m.string) if found["h"] not in _NUMERAL_FESTIVALS]
    # One festival may go by several names (中秋, 中秋节): compare their days.
    if len({festival_day(name, ctx.today.year) for name in named}) != 1:
        return _Hit(kind=_Kind.AMBIGUOUS)  # 节前 alone, or two festivals named: which one?
    if m["after"]:
        return _on_after_festival_workday(m, ctx, named[0])
    day = next_festival(named[0], ctx.today, days_before=1) - dt.timedelta(days=1)
    return _day(DeadlineRule.HOLIDAY, day)


def _on_safety_month(m: re.Match[str], ctx: _Ctx) -> _Hit:
    """安全生产月 is June: 安全生产月前 its eve (31 May), 安全生产月内/期间/结束前 its last day."""
    year = ctx.today.year
    if m["before"]:
        day = dt.date(year, 5, 31)
        if day < ctx.today:
            return _day(DeadlineRule.HOLIDAY, dt.date(year + 1, 5, 31), DeadlineAssumption.NEXT_YEAR)
        return _day(DeadlineRule.HOLIDAY, day)
    day = dt.date(year, 6, 30)
    if day < ctx.today:
        return _day(DeadlineRule.HOLIDAY, dt.date(year + 1, 6, 30), DeadlineAssumption.NEXT_YEAR)
    return _day(DeadlineRule.HOLIDAY, day)


def _on_ago(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """3天前, 两周前, 一个月前: a time *ago*; read as the past day it names, so it is refused as PAST."""
    hit = _ago_hit(m, ctx)
    if hit is not None:
        hit.kind = _Kind.AGO
    return hit


def _ago_hit(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    n = _count(m)
    if n is None:
        return None
    unit = m["unit"]
    if unit in ("小时", "钟头", "分钟"):
        minutes = n * 60 if unit != "分钟" else n
        return _Hit(kind=_Kind.MOMENT, rule=DeadlineRule.HOURS, moment=ctx.now - dt.timedelta(minutes=minutes))
    if unit == "工作日":
        return _day(DeadlineRule.WORKING_DAYS, ctx.calendar.add_workdays(ctx.today, -min(n, 1000)))
    if unit in ("个月", "月"):
        return _day(DeadlineRule.MONTHS, _add_months(ctx.today, -min(n, 1200)))
    if unit == "年":
        return _day(DeadlineRule.YEARS, _add_months(ctx.today, -12 * min(n, 100)))
    days = n * 7 if unit.removeprefix("个") in ("周", "星期", "礼拜", "週") else n
    return _day(DeadlineRule.DAYS, ctx.today - dt.timedelta(days=min(days, 100_000)))


def _on_nth_day(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """第三天: today is the first day, as 第二天 is tomorrow."""
    n = _count(m)
    if n is None or n < 1:
        return None
    return _plus_days(DeadlineRule.DAYS, ctx, n - 1)


def _month_of(m: re.Match[str], ctx: _Ctx) -> tuple[int, int, bool] | None:
    """(year, month, year written) a month phrase names: 十月, 2027年3月, 本月, 下个月, 月底."""
    if m["m"]:
        month = _cn_int(m["m"])
        if month is None or not 1 <= month <= 12:
            return None
        year = _year_of(m, ctx)
        return (ctx.today.year if year is None else year, month, year is not None)
    first = _add_months(ctx.today.replace(day=1), _relative_month(m["rel"]))
    return (first.year, first.month, True)


def _on_ordinal_in_month(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """十月第一个星期一, 下个月第一个工作日, 月底前最后一个工作日, 本月最后一个周五."""
    month_of = _month_of(m, ctx)
    if month_of is None:
        return _invalid(DeadlineRule.MONTH_PART)
    year, month, fixed_year = month_of

    def pick(year: int) -> dt.date | None:
        first, last = dt.date(year, month, 1), _month_end(year, month)
        if m["wd"] is None:  # 工作日
            if m["last"]:
                day = ctx.calendar.previous_workday(last, include_self=True)
            else:
                day = ctx.calendar.add_workdays(first - dt.timedelta(days=1), _cn_int(m["k"]) or 0)
        else:
            weekday = _weekday_index(m["wd"])
            if m["last"]:
                day = last - dt.timedelta(days=(last.weekday() - weekday) % 7)
            else:
                day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * ((_cn_int(m["k"]) or 0) - 1))
        return day if first <= day <= last else None

    if not m["last"] and not 1 <= (_cn_int(m["k"]) or 0) <= 23:
        return _invalid(DeadlineRule.MONTH_PART)
    day = pick(year)
    if day is None:
        return _invalid(DeadlineRule.MONTH_PART)  # 十月第五个星期一 in a year that has four
    if day < ctx.today and not fixed_year:
        later = pick(year + 1)
        if later is None:
            return _invalid(DeadlineRule.MONTH_PART)
        return _day(DeadlineRule.MONTH_PART, later, DeadlineAssumption.NEXT_YEAR)
    return _day(DeadlineRule.MONTH_PART, day)


def _on_numeric_date_year_last(m: re.Match[str], ctx: _Ctx) -> _Hit | None:
    """3/3/2015, 20/12/2026, 12/20/2026: month and day in either order, the year last."""
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    if a > 12 >= b:
        month, day = b, a
    elif b > 12 >= a or a == b:
        month, day = a, b
    else:
        return _Hit(kind=_Kind.AMBIGUOUS)  # 3/4/2026: March 4 or 3 April? Both are written.
    try:
        return _day(DeadlineRule.DATE, dt.date(year, month, day))
    except ValueError:
        return _invalid(DeadlineRule.DATE)


def _on_immediate(_m: re.Match[str], ctx: _Ctx) -> _Hit:
    return _Hit(kind=_Kind.WEAK_DAY, rule=DeadlineRule.IMMEDIATE, day=ctx.today)


_MORNING = ("凌晨", "早上", "早晨", "上午", "早", "午前")
_EVENING = ("晚上", "夜里", "夜间", "晚间", "晚", "夜")
_AFTERNOON = ("下午", "傍晚", "午后")


def _clock(period: str | None, hour: int, minute: int) -> tuple[int, int, int, bool] | None:
    """(hour, minute, day offset, afternoon assumed) for an hour read with its period, or None."""
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    if hour == 24 or (hour == 12 and period in _EVENING):
        return (23, 59, 0, False)  # 24点/晚上12点: midnight, kept inside the day
    if period in _MORNING:
        return (hour, minute, 0, False) if hour <= 12 else None
    if period == "中午":
        return (hour + 12 if hour <= 2 else hour, minute, 0, False)
    if period in _AFTERNOON:
        return (hour + 12 if hour < 12 else hour, minute, 0, False)
    if period in _EVENING:
        if hour <= 4:
            return (hour, minute, 1, False)  # 晚上1点 is already the next day
        return (hour + 12 if hour < 12 else hour, minute, 0, False)
    if 1 <= hour <= 6:
        return (hour + 12, minute, 0, True)
    return (hour, minute, 0, False)


def _minutes(raw: str | None) -> int | None:
    if not raw or raw in ("整", "钟"):
        return 0
    if raw == "半":
        return 30
    if raw.endswith("刻"):  # a 刻 is a quarter of an hour: 20时1刻 is 20:15
        quarters = _cn_int(raw[:-1].strip())
        return None if quarters is None else 15 * quarters
    return _cn_int(raw.rstrip("分").strip())


def _time_hit(period: str | None, hour: int | None, minute: int | None) -> _Hit | None:
    if hour is None or minute is None or _clock(period, hour, minute) is None:
        return None
    # The clock is worked out when the day is known: 今晚8点 takes its evening from 今晚.
    return _Hit(kind=_Kind.TIME, rule=DeadlineRule.TIME_TODAY, written=(period, hour, minute))


def _on_colon_time(m: re.Match[str], _ctx: _Ctx) -> _Hit | None:
    return _time_hit(m["p"], int(m["h"]), int(m["mi"]))


def _on_hour_time(m: re.Match[str], _ctx: _Ctx) -> _Hit | None:
    hit = _time_hit(m["p"], _cn_int(m["h"]), _minutes(m["mi"]))
    if hit is not None and not m["p"]:
        # 三点半, 十点一刻: minutes make a Chinese numeral a time as surely as digits do.
        hit.needs_context = 1 if m["h"].isascii() or m["mi"] else 2
    return hit


_PERIOD_ONLY = {
    "上午": (12, 0), "中午": (12, 0), "午前": (12, 0), "早上": (12, 0), "一早": (12, 0),
    "晚上": (23, 59), "夜里": (23, 59),
}  # fmt: skip


def _on_period_only(m: re.Match[str], ctx: _Ctx) -> _Hit:
    # 下午 and 下班 end with the working day; the others at the end of their part of the day.
    hour, minute = _PERIOD_ONLY.get(m["p"], (ctx.end_of_day.hour, ctx.end_of_day.minute))
    return _Hit(kind=_Kind.TIME, rule=DeadlineRule.TIME_TODAY, clock=(hour, minute, 0))


# 晚8:00 and 早8点 carry their period in one character; 最晚8点 and 较早 do not.
_PERIODS = (
    r"(?P<p>凌晨|早上|早晨|上午|中午|下午|傍晚|午后|晚上|夜里|夜间|晚间|(?<![最较太过稍偏今明昨])[晚早](?!上|晨|间))"
)
_NUMERAL_BEFORE = r"(?<![\d零〇○一二两俩三四五六七八九十廿卅百千个半])"
_REL_MONTH = r"(?P<rel>本|这个?|当|下下个?|下个?|次)"
_REL_WEEK = r"(?P<rel>本|这个?|下下个?|下个?)"
_YEAR_PREFIX = r"(?:(?P<y>‹Y›)\s*年|(?P<yk>今|本|明|来|次|后)年)?\s*"
_BEFORE = r"\s*(?:前|之前|以前)"

# Ordered: an earlier rule claims its span before a later one may look at it.
_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    # Starting points, not deadlines: 即日起3天内 is three days.
    (_rx(r"[自从]?(?:即日|今天|今日|本周|本月|收到(?:通知|本通知|整改通知)?(?:之日|后)?)起"), _noise),
    (_rx(r"\(\s*‹W›(?P<wd>‹WD›)\s*\)"), _on_weekday_note),
    # 3.5天, 1.5个工作日: a fraction of a count is a question, not a count of 5.
    (_rx(r"\d+\.\d+\s*个?\s*(?:工作日|自然日|天|日|周|星期|礼拜|月|年|小时|钟头|分钟)"), _ambiguous),
    # Times ago (3天前, 两周前): refused as the past day they name, before 3天 could be read as a span.
    (
        _rx(
            r"(?<![\d月.第])(?P<n>‹N›)\s*(?P<unit>个?工作日|个?自然日|天|个?‹W›|个月|年|个?小时|个?钟头|分钟)"
            r"\s*(?:之|以)?前"
        ),
        _on_ago,
    ),
    # Absolute dates.
    (
        _rx(r"(?<![\d./-])(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})(?!\d)"),
        _on_numeric_date_year_last,
    ),
    (_rx(r"(?<![\d.])(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"), _on_date),
    (_rx(r"(?<!\d)(?P<y>20\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)"), _on_compact_date),
    (
        _rx(
            _YEAR_PREFIX + r"(?P<m>‹N›)\s*月\s*(?P<d>‹N›)"
            r"(?:\s*[日号]|(?![\d零〇○一二两俩三四五六七八九十廿卅百千个天周小时]))"
        ),
        _on_date,
    ),
    (
        # 12/20, 12.20, 12-20; not 3-5天 (a range of days) nor 3.5 or 10:30.
        _rx(r"(?<![\d./:-])(?P<m>\d{1,2})\s*[/.-]\s*(?P<d>\d{1,2})(?!\d|\s*[:天日个小时周月年%点号工自]|[.-]\d)"),
        _on_numeric_month_day,
    ),
    (_rx(_REL_MONTH + r"月\s*(?P<d>‹N›)\s*[日号]"), _on_month_relative_day),
    # The n-th (or last) working day or weekday of a month.
    (
        _rx(
            r"(?:" + _YEAR_PREFIX + r"(?P<m>‹N›)\s*月份?"
            r"|(?P<rel>本|这个?|当|下下个?|下个?|次)?月(?:底|末)?(?:前|之前)?)"
            r"\s*的?\s*(?:第(?P<k>‹N›)个?|(?P<last>最后一?个?))\s*(?:工作日|‹W›(?P<wd>‹WD›))"
        ),
        _on_ordinal_in_month,
    ),
    # Festivals: the day after a festival's holiday, its eve, the day itself.
    (
        _rx(
            _FESTIVAL + r"(?P<word>节)?(?:假期|长假|小长假|放假)?(?:结束)?(?:后|之后|以后)\s*的?\s*"
            r"(?:上班|复工|开工|收假)?\s*(?:第一天|第一个工作日|首日|第一日)"
        ),
        _on_after_festival_workday,
    ),
    (
        _rx(_FESTIVAL + r"(?P<word>节|假期|长假|小长假|放假|节假期|节放假)?" + _BEFORE),
        _on_festival_eve,
    ),
    (_rx(r"安全生产月(?:(?P<before>前|之前|以前)|内|期间|结束前|底|末)?"), _on_safety_month),
    (
        _rx(
            r"节日?(?:假期|放假)?(?:" + _BEFORE + r"|(?P<after>(?:结束)?(?:后|之后|以后)\s*的?\s*"
            r"(?:上班|复工|开工|收假)?\s*(?:第一天|第一个工作日|首日|第一日)))"
        ),
        _on_festival_named_elsewhere,
    ),
    (
        _rx(
            _FESTIVAL + r"(?P<word>节)?(?:当天|当日|那天|之日)?"
            r"(?=\s*(?:$|[,，。;；!！]|完成|整改|办结|止|为止|截止|上报|提交|下午|上午|中午|晚上|\d))"
        ),
        _on_festival_day,
    ),
    # Parts of months, months, quarters, years.
    (_rx(_YEAR_PREFIX + r"(?P<m>‹N›)\s*月份?\s*(?P<part>上|中|下)旬"), _on_named_month_part),
    (_rx(_REL_MONTH + r"?月\s*(?P<part>上|中|下)旬"), _on_relative_month_part),
    (_rx(_YEAR_PREFIX + r"(?P<m>‹N›)\s*月(?:份|\s*月)?\s*(?:底|末|尾)"), _on_named_month_end),
    (_rx(_YEAR_PREFIX + r"(?P<m>‹N›)\s*月份(?:内|之内|以内)?(?!" + _BEFORE + ")"), _on_named_month_end),
    (_rx(_NUMERAL_BEFORE + _REL_MONTH + r"?月(?:\s*月)?\s*(?:底|末|尾|内|之内|以内)"), _on_relative_month_end),
    (_rx(r"(?P<rel>本|这个?|当|下下个?|下个?)月(?!" + _BEFORE + r"|初|中)"), _on_relative_month_end),
    (_rx(r"(?P<rel>本|这个?|下个?)?季度?(?:末|底|内|之内|以内)"), _on_quarter_end),
    (
        _rx(_NUMERAL_BEFORE + r"(?:(?P<y>‹Y›)\s*|(?P<yk>今|本|明|来|次|后))?年{1,2}度?\s*(?:底|末|尾|终|内|之内|以内)"),
        _on_year_end,
    ),
    (
        _rx(r"(?P<yk>今|本|明|来|次)年(?!" + _BEFORE + r"|初|中|[上下]半|\s*[\d零〇○一二两三四五六七八九十]|度)"),
        _on_year_end,
    ),
    # Working days before days, so that 5个工作日 is not 5 days.
    (_rx(r"(?P<n>‹N›)\s*个?\s*工作日"), _on_working_days),
    (_rx(r"(?P<n>‹N›|半)\s*个?\s*(?P<half>半)?\s*(?P<unit>小时|钟头|分钟)"), _on_hours),
    # 10号前, 20日前: a day of this month (10日内 is ten days, below).
    (_rx(r"(?<![\d月])(?P<d>‹N›)\s*号‹F›"), _on_day_of_month),
    (_rx(r"(?<![\d月])(?P<d>‹N›)\s*日(?=" + _BEFORE + r"|止|为止)"), _on_day_of_month),
    # Weekdays before weeks: 下周一 is a Monday, 一周 is seven days.
    (_rx(r"(?P<rel>本|这个?|下下个?|下个?|上个?)?‹W›(?P<wd>‹WD›)"), _on_weekday),
    (_rx(_NUMERAL_BEFORE + _REL_WEEK + r"?‹W›(?:末(?P<before>前|之前|以前)?|内|之内|以内)"), _on_week_end),
    (_rx(_REL_WEEK + r"‹W›(?P<before>)(?!" + _BEFORE + ")"), _on_week_end),
    (_rx(r"(?P<n>‹N›)\s*个?\s*‹W›"), _on_weeks),
    (_rx(r"(?P<n>‹N›)\s*个\s*(?P<half>半)?\s*月"), _on_months),
    (_rx(r"(?<![上下])(?P<n>)(?P<half>半)\s*个?\s*月"), _on_months),
    # 两月 cannot be February (that is 二月): two months.
    (_rx(r"(?P<n>两|俩)\s*(?P<half>半)?\s*月(?!\s*‹N›\s*[日号])"), _on_months),
    (_rx(r"(?<!\d)(?P<n>‹N›|半)\s*个?\s*年\s*(?=内|之内|以内|期限|时间)"), _on_years),
    (_rx(r"(?<![\d月.第])(?P<n>‹N›)\s*个?\s*(?:自然日|天|日|昼夜)"), _on_days),
    (_rx(r"第(?P<n>‹N›)(?:个自然日|天|日)(?!\s*[起后])"), _on_nth_day),
    # Named days and immediacy.
    (_rx("(?P<w>" + "|".join(sorted(_NAMED_DAYS, key=len, reverse=True)) + ")"), _on_named_day),
    (
        _rx(r"立即|马上|立刻|即刻|立马|即时|即日|立行立改|第一时间|(?:当场|现场)(?:整改|改正|纠正|处理|完成)"),
        _on_immediate,
    ),
    # Vague periods and words that need a question rather than a guess.
    (
        _rx(
            r"(?:(?:‹Y›|今|本|明|来|次)年)?‹N›\s*月份?(?:" + _BEFORE + r"|内|之内|以内)?"
            r"|[上中下]旬"
            r"|年前|年后|节前|节后|春节|国庆|元旦|五一|清明|端午|中秋|月初|月中|年初|年中|[上下]半(?:月|年)"
            r"|(?:下下?个?|本|这个?)(?:‹W›|月)" + _BEFORE
        ),
        _ambiguous,
    ),
    # Times last, on what the date rules left.
    (_rx(_PERIODS + r"?\s*(?P<h>\d{1,2})\s*:\s*(?P<mi>\d{2})"), _on_colon_time),
    (
        _rx(_PERIODS + r"?\s*(?P<h>‹N›)\s*(?:点|时)(?!间|候|期|段)\s*(?P<mi>半|[一二三123]\s*刻|整|钟|‹N›\s*分?)?"),
        _on_hour_time,
    ),
    (_rx(r"(?P<p>上午|中午|午前|早上|一早|下午|晚上|夜里|下班)"), _on_period_only),
)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, letters and punctuation into ASCII (１２：３０ → 12:30).
    text = unicodedata.normalize("NFKC", text)
    # 元月 is January in official writing (正月 and 腊月 are lunar and stay unread).
    text = _to_simplified(text).replace("元月", "1月")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    """Traditional characters as simplified (後天 → 后天, 三時 → 三时, 10號 → 10号), by OpenCC."""
    if text.isascii():
        return text
    return str(_t2s().convert(text))


def _scan(text: str, ctx: _Ctx) -> list[_Hit]:
    taken = [False] * len(text)
    hits: list[_Hit] = []
    for pattern, handler in _RULES:
        for m in pattern.finditer(text):
            start, end = m.span()
            if start == end or any(taken[start:end]):
                continue
            hit = handler(m, ctx)
            if hit is None:
                continue
            hit.start, hit.end = start, end
            hits.append(hit)
            taken[start:end] = [True] * (end - start)
    hits.sort(key=lambda h: h.start)
    return hits


def _require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime in the local zone")


def parse_deadline(
    text: str,
    now: dt.datetime,
    *,
    calendar: WorkCalendar,
    end_of_day: dt.time = DEFAULT_END_OF_DAY,
) -> DeadlineResult:
    """Read a deadline from an official's text, relative to ``now`` (aware, local zone).

    Returns a ``Deadline`` in ``now``'s zone, or a ``DeadlineRefused`` (NO_DATE, PAST, AMBIGUOUS,
    INVALID_DATE). See the module docstring for what each expression means.
    """
    _require_aware(now)
    ctx = _Ctx(now=now, today=now.date(), calendar=calendar, end_of_day=end_of_day)
    text = _normalise(text)
    hits = _scan(text, ctx)

    def span(hit: _Hit) -> str:
        return text[hit.start : hit.end].strip()

    invalid = [h for h in hits if h.kind is _Kind.INVALID]
    if invalid:
        return DeadlineRefused(DeadlineRefusal.INVALID_DATE, rule=invalid[0].rule, matched=span(invalid[0]))

    days = [h for h in hits if h.kind in (_Kind.DAY, _Kind.MOMENT)]
    if not days:
        days = [h for h in hits if h.kind is _Kind.WEAK_DAY][:1]
    if not days:
        # "3天前发现的问题，5天内整改" is five days; "3天前" alone is refused as PAST, never 3 days on.
        days = [h for h in hits if h.kind is _Kind.AGO][:1]
    times = [h for h in hits if h.kind is _Kind.TIME and (not h.needs_context or days or _near_deadline(text, h))]
    if any(h.kind is _Kind.AMBIGUOUS for h in hits) and not days:
        return DeadlineRefused(DeadlineRefusal.AMBIGUOUS, matched=_joined(text, hits, _Kind.AMBIGUOUS))

    distinct_days = {h.moment or h.day for h in days}
    if len(distinct_days) > 1:
        return DeadlineRefused(DeadlineRefusal.AMBIGUOUS, matched=" / ".join(span(h) for h in days))
    if len({_distinct_clock(h) for h in times}) > 1:
        return DeadlineRefused(DeadlineRefusal.AMBIGUOUS, matched=" / ".join(span(h) for h in times))
    if not days and not times:
        return DeadlineRefused(DeadlineRefusal.NO_DATE)

    notes = [h for h in hits if h.kind is _Kind.WEEKDAY_NOTE]
    anchor = days[0] if days else None
    time_hit = times[0] if times else None
    if anchor is not None and anchor.day is not None and any(n.weekday != anchor.day.weekday() for n in notes):
        # 12月20日（周五） when the 20th is a Sunday: one of the two is wrong, ask which.
        return DeadlineRefused(DeadlineRefusal.AMBIGUOUS, rule=anchor.rule, matched=span(anchor))

    used = [h for h in (anchor, time_hit) if h is not None]
    matched = " ".join(span(h) for h in used)
    assumptions: frozenset[DeadlineAssumption] = frozenset().union(*(h.assumptions for h in used))
    rule = anchor.rule if anchor is not None and anchor.rule is not None else DeadlineRule.TIME_TODAY
    if anchor is not None and anchor.moment is not None:
        at, time_given = anchor.moment, True
    else:
        day = anchor.day if anchor is not None and anchor.day is not None else ctx.today
        period = anchor.period if anchor is not None else None
        at, time_given, extra = _at_time(day, period, time_hit, ctx)
        assumptions |= extra

    if at <= now:
        return DeadlineRefused(DeadlineRefusal.PAST, rule=rule, candidate=at, matched=matched)
    if at - now > _MAX_HORIZON:
        return DeadlineRefused(DeadlineRefusal.INVALID_DATE, rule=rule, candidate=at, matched=matched)
    return Deadline(at=at, time_given=time_given, rule=rule, matched=matched, assumptions=assumptions)


def _distinct_clock(hit: _Hit) -> tuple[object, ...]:
    return (hit.clock, hit.written)


def _at_time(
    day: dt.date, period: str | None, time_hit: _Hit | None, ctx: _Ctx
) -> tuple[dt.datetime, bool, frozenset[DeadlineAssumption]]:
    """The moment on ``day``: the written time, the period's end (今晚), or the end of the day."""
    tz = ctx.now.tzinfo
    if time_hit is not None and time_hit.written is not None:
        own_period, hour, minute = time_hit.written
        clock = _clock(own_period or period, hour, minute)
        if clock is not None:
            hour, minute, offset, afternoon = clock
            at = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour, minute), tzinfo=tz)
            return at, True, frozenset({DeadlineAssumption.AFTERNOON}) if afternoon else frozenset()
    if time_hit is not None and time_hit.clock is not None:
        hour, minute, offset = time_hit.clock
        return dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour, minute), tzinfo=tz), True, frozenset()
    if period is not None:
        # 明早 ends at noon, 今晚 at midnight.
        until = dt.time(12, 0) if period == "早" else _LATEST_TIME
        return dt.datetime.combine(day, until, tzinfo=tz), True, frozenset()
    at = dt.datetime.combine(day, ctx.end_of_day, tzinfo=tz)
    if day == ctx.today and at <= ctx.now:
        # The working day is over but the day is not: "今天内" at 19:00 still means today.
        return dt.datetime.combine(day, _LATEST_TIME, tzinfo=tz), False, frozenset({DeadlineAssumption.LATE_TODAY})
    return at, False, frozenset()


_DEADLINE_WORD = re.compile(r"\s*(?:前|之前|以前|止|为止|截止|完成|整改|办结|提交|上报)")
_TEXT_END = re.compile(r"\s*(?:$|[,，。;；!！])")
_LEAD_WORDS = ("于", "在", "截至", "截止", "限", "最迟", "不晚于", "不迟于")


def _near_deadline(text: str, hit: _Hit) -> bool:
    """Whether a bare hour reads as a time: 5点前, 于三点前, 17点。 — not 整改3点问题 or 快一点."""
    before = text[max(0, hit.start - 3) : hit.start].rstrip()
    if before.endswith(("快", "早", "慢", "多", "好", "晚")):
        return False
    if _DEADLINE_WORD.match(text, hit.end) or before.endswith(_LEAD_WORDS):
        return True
    return hit.needs_context == 1 and _TEXT_END.match(text, hit.end) is not None


def _joined(text: str, hits: list[_Hit], kind: _Kind) -> str:
    return " / ".join(text[h.start : h.end] for h in hits if h.kind is kind)


# A date typed without a year is read as the next such date; far ahead, that reading deserves a second look.
FAR_AHEAD = dt.timedelta(days=183)
_YEARLESS_RULES = frozenset({DeadlineRule.DATE, DeadlineRule.MONTH_END, DeadlineRule.MONTH_PART, DeadlineRule.HOLIDAY})
_YEAR_TYPED = re.compile(r"年|\d{4}")


def year_to_confirm(deadline: Deadline, now: dt.datetime) -> int | None:
    """The deadline's year when the text named none and the date is more than ~6 months after ``now``, else None."""
    _require_aware(now)
    if deadline.rule not in _YEARLESS_RULES or _YEAR_TYPED.search(deadline.matched):
        return None
    return deadline.at.year if deadline.at - now > FAR_AHEAD else None


def example_date(now: dt.datetime) -> dt.date:
    """A date two weeks after ``now`` (local) for the examples in a deadline question: never one already past."""
    _require_aware(now)
    return now.date() + dt.timedelta(days=14)
