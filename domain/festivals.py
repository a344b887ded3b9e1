"""The dates of Chinese festivals and memorial days, lunar ones included, for the deadline parser.

Lunar festivals (春节, 元宵, 端午, 中秋 …) move every year; ``lunar_python`` (a maintained
Chinese calendar library: lunar months, leap months, the 24 solar terms) converts them. 清明 is a
solar term, read from the same library's table. Fixed-date days (妇女节 3-8, 国庆节 10-1 …) need
no library. Which days around a festival are *off* is the working calendar's business
(``domain.workcalendar``), not this module's.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from lunar_python import Lunar, LunarYear

__all__ = ["FIXED_FESTIVALS", "LUNAR_FESTIVALS", "SOLAR_TERM_FESTIVALS", "festival_day", "next_festival"]

# Fixed Gregorian dates, by every name officials write them with.
FIXED_FESTIVALS: dict[str, tuple[int, int]] = {
    "元旦": (1, 1),
    "妇女节": (3, 8), "三八": (3, 8), "三八节": (3, 8),
    "植树节": (3, 12),
    "劳动节": (5, 1), "五一": (5, 1),
    "青年节": (5, 4), "五四": (5, 4),
    "儿童节": (6, 1), "六一": (6, 1),
    "建党节": (7, 1), "七一": (7, 1),
    "建军节": (8, 1), "八一": (8, 1),
    "教师节": (9, 10),
    "国庆": (10, 1), "国庆节": (10, 1), "十一": (10, 1),
    "平安夜": (12, 24), "圣诞": (12, 25), "圣诞节": (12, 25),
}  # fmt: skip
# (lunar month, lunar day); 除夕 is the last day of the lunar year, worked out separately.
LUNAR_FESTIVALS: dict[str, tuple[int, int]] = {
    "春节": (1, 1), "元宵": (1, 15), "元宵节": (1, 15),
    "端午": (5, 5), "端午节": (5, 5), "七夕": (7, 7), "七夕节": (7, 7),
    "中秋": (8, 15), "中秋节": (8, 15), "重阳": (9, 9), "重阳节": (9, 9),
    "腊八": (12, 8), "腊八节": (12, 8),
}  # fmt: skip
SOLAR_TERM_FESTIVALS = {"清明": "清明", "清明节": "清明", "冬至": "冬至"}
_EVE = "除夕"


@lru_cache(maxsize=512)
def festival_day(name: str, year: int) -> dt.date:
    """The Gregorian date of ``name`` in Gregorian ``year`` (for 腊八 and 除夕: of lunar ``year``).

    Raises KeyError for a name this module does not know.
    """
    if name in FIXED_FESTIVALS:
        month, day = FIXED_FESTIVALS[name]
        return dt.date(year, month, day)
    if name in LUNAR_FESTIVALS:
        month, day = LUNAR_FESTIVALS[name]
        return _solar(Lunar.fromYmd(year, month, day))
    if name == _EVE:
        last = LunarYear.fromYear(year).getMonth(12).getDayCount()  # 腊月 has 29 or 30 days
        return _solar(Lunar.fromYmd(year, 12, last))
    if name in SOLAR_TERM_FESTIVALS:
        # The table of lunar year ``year`` holds that Gregorian year's 清明 (April) and its December 冬至.
        table = Lunar.fromYmd(year, 6, 1).getJieQiTable()
        solar = table[SOLAR_TERM_FESTIVALS[name]]
        if solar.getYear() != year:  # 冬至 of the table's start is the previous December
            solar = Lunar.fromYmd(year + 1, 6, 1).getJieQiTable()[SOLAR_TERM_FESTIVALS[name]]
        return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
    raise KeyError(name)


def next_festival(name: str, today: dt.date, *, days_before: int = 0) -> dt.date:
    """The nearest ``name`` whose day minus ``days_before`` is not before ``today``.

    ``days_before=1`` finds the festival whose eve (春节前: 除夕) is still ahead or today.
    """
    for year in (today.year - 1, today.year, today.year + 1, today.year + 2):
        day = festival_day(name, year)
        if day - dt.timedelta(days=days_before) >= today:
            return day
    raise ValueError(f"no {name} found after {today}")  # cannot happen: every name occurs yearly


def _solar(lunar: Lunar) -> dt.date:
    solar = lunar.getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
