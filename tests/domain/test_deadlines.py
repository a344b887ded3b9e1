"""parse_deadline: the dev set, every family of expression, refusals, zones; default deadlines and the echo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.deadlines import (
    Deadline,
    DeadlineAssumption,
    DeadlineRefusal,
    DeadlineRefused,
    DeadlineResult,
    DeadlineRule,
    default_deadline,
    describe_deadline,
    example_date,
    parse_deadline,
    year_to_confirm,
)
from domain.workcalendar import WorkCalendar

DATA = Path(__file__).resolve().parents[1] / "data"
DEV_SET = DATA / "deadlines_dev.tsv"  # the team's shared dev set, copied (see tests/data/README.md)
OWN_SET = DATA / "deadlines_own.tsv"  # the families of issue 17, worked out by hand
SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(18, 0)
# Beyond chinese-calendar's data: what an organisation file would list for 2027.
CALENDAR = WorkCalendar(
    holidays=["2027-01-01", *(f"2027-10-0{day}" for day in range(1, 8))],
    workdays=["2027-09-26", "2027-10-09"],
)

MON = "2026-11-23 10:00"  # a Monday, the dev set's "now"


def at(now: str, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    """An aware local datetime from 'YYYY-MM-DD HH:MM[:SS]'."""
    return dt.datetime.fromisoformat(now).replace(tzinfo=tz)


def parse(text: str, now: str = MON) -> DeadlineResult:
    """Parse against the test calendar in Shanghai."""
    return parse_deadline(text, at(now), calendar=CALENDAR)


def matches(result: DeadlineResult, expected: str) -> bool:
    """Whether a result is what a table row expects.

    ``expected`` is a date (the deadline then ends at the end of the working day, no time given),
    a date and time (time given), NONE (any refusal) or a DeadlineRefusal name.
    """
    if expected == "NONE":
        return isinstance(result, DeadlineRefused)
    if expected in DeadlineRefusal.__members__:
        return isinstance(result, DeadlineRefused) and result.reason is DeadlineRefusal[expected]
    if not isinstance(result, Deadline):
        return False
    if len(expected) == len("YYYY-MM-DD"):
        wanted = dt.datetime.combine(dt.date.fromisoformat(expected), END_OF_DAY, tzinfo=SHANGHAI)
        return result.at == wanted and not result.time_given
    return result.at == at(expected) and result.time_given


def _rows(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        now, text, expected = line.split("\t")
        rows.append((now.strip(), text, expected.strip()))
    return rows


DEV_ROWS = _rows(DEV_SET)
OWN_ROWS = _rows(OWN_SET)


@pytest.mark.parametrize(("now", "text", "expected"), DEV_ROWS)
def test_dev_set_row(now: str, text: str, expected: str) -> None:
    """Every row of the shared dev set."""
    result = parse(text, now)
    assert matches(result, expected), f"{now} {text!r}: expected {expected}, got {result}"


@pytest.mark.parametrize(("now", "text", "expected"), OWN_ROWS)
def test_own_set_row(now: str, text: str, expected: str) -> None:
    """Every row of the parser's own set: lunar and fixed festivals, times, numeric dates, ordinals, ago."""
    result = parse(text, now)
    assert matches(result, expected), f"{now} {text!r}: expected {expected}, got {result}"


def _score(rows: list[tuple[str, str, str]]) -> tuple[int, int, int]:
    """(right, wrong dates, refusals where a date was expected): a wrong date is the costly kind."""
    right = wrong = refused = 0
    for now, text, expected in rows:
        result = parse(text, now)
        if matches(result, expected):
            right += 1
        elif isinstance(result, Deadline):
            wrong += 1
        else:
            refused += 1
    return right, wrong, refused


@pytest.mark.parametrize(("name", "rows"), [("dev", DEV_ROWS), ("own", OWN_ROWS)])
def test_set_accuracy(name: str, rows: list[tuple[str, str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    """Each set as a whole; prints the accuracy and the wrong-date count the held-out set is measured by."""
    assert rows
    right, wrong, refused = _score(rows)
    with capsys.disabled():
        print(
            f"\ndeadline {name} set: {right}/{len(rows)} = {right / len(rows):.1%} right, "
            f"{wrong} wrong dates, {refused} refused where a date was expected"
        )
    assert (right, wrong) == (len(rows), 0)


def test_every_refusal_is_documented() -> None:
    """Every refusal across both sets carries one of the documented reasons."""
    for now, text, _ in DEV_ROWS + OWN_ROWS:
        result = parse(text, now)
        if isinstance(result, DeadlineRefused):
            assert result.reason in DeadlineRefusal, text


CASES = [
    # Relative days: today + N calendar days.
    (MON, "3天内", "2026-11-26"),
    (MON, "七日内", "2026-11-30"),
    (MON, "十五日内", "2026-12-08"),
    (MON, "限期10日内", "2026-12-03"),
    (MON, "二十一天内", "2026-12-14"),
    (MON, "廿天内", "2026-12-13"),
    (MON, "两天内", "2026-11-25"),
    (MON, "5天之内", "2026-11-28"),
    (MON, "10个自然日内", "2026-12-03"),
    (MON, "3天后", "2026-11-26"),
    (MON, "３天内", "2026-11-26"),
    (MON, "一百天内", "2027-03-03"),
    # Working days: the N-th working day after today on the official calendar.
    (MON, "5个工作日内", "2026-11-30"),
    (MON, "一个工作日内", "2026-11-24"),
    (MON, "十个工作日内", "2026-12-07"),
    (MON, "收到通知后5个工作日内整改", "2026-11-30"),
    ("2026-09-29 09:00", "5个工作日内", "2026-10-12"),
    ("2026-02-12 10:00", "2个工作日内", "2026-02-14"),  # the make-up Saturday before 春节
    ("2026-02-12 10:00", "3个工作日内", "2026-02-24"),  # across Spring Festival 2026
    ("2026-11-28 10:00", "1个工作日内", "2026-11-30"),  # asked on a Saturday
    ("2026-12-30 10:00", "3个工作日内", "2027-01-05"),  # into 2027: the organisation's 元旦
    ("2027-09-29 09:00", "4个工作日内", "2027-10-11"),  # the organisation's National Day 2027
    ("2027-03-01 09:00", "5个工作日内", "2027-03-08"),  # fallback Monday–Friday
    # Weekdays in Monday–Sunday weeks.
    (MON, "本周四前", "2026-11-26"),
    (MON, "本周五前", "2026-11-27"),
    (MON, "周五前", "2026-11-27"),
    (MON, "星期五之前", "2026-11-27"),
    (MON, "这个星期五", "2026-11-27"),
    (MON, "本周日", "2026-11-29"),
    (MON, "礼拜天", "2026-11-29"),
    (MON, "本周一", "2026-11-23"),
    (MON, "下周一", "2026-11-30"),
    (MON, "下星期三", "2026-12-02"),
    (MON, "下礼拜二", "2026-12-01"),
    (MON, "下星期天", "2026-12-06"),
    (MON, "下下周一", "2026-12-07"),
    ("2026-11-25 10:00", "周一前", "2026-11-30"),  # a bare weekday already gone: next week's
    ("2026-11-25 10:00", "本周一", "PAST"),
    ("2026-11-25 10:00", "上周五", "PAST"),
    ("2026-12-28 10:00", "下周三", "2027-01-06"),
    ("2026-12-28 10:00", "本周日", "2027-01-03"),
    # Week ends.
    (MON, "本周内", "2026-11-29"),
    (MON, "本周末", "2026-11-29"),
    (MON, "周末前", "2026-11-27"),
    (MON, "下周末", "2026-12-06"),
    (MON, "下周内", "2026-12-06"),
    # Month ends and parts of months.
    (MON, "月底前", "2026-11-30"),
    (MON, "本月底", "2026-11-30"),
    (MON, "月末", "2026-11-30"),
    (MON, "本月内", "2026-11-30"),
    (MON, "下月底", "2026-12-31"),
    (MON, "下个月底", "2026-12-31"),
    (MON, "次月底", "2026-12-31"),
    (MON, "12月底前", "2026-12-31"),
    (MON, "12月份内", "2026-12-31"),
    (MON, "1月底前", "2027-01-31"),
    (MON, "2月底", "2027-02-28"),
    ("2028-01-15 10:00", "2月底前", "2028-02-29"),
    ("2026-12-28 10:00", "下月底", "2027-01-31"),
    ("2026-12-31 10:00", "月底", "2026-12-31"),
    (MON, "12月上旬前", "2026-12-10"),
    (MON, "12月中旬", "2026-12-20"),
    (MON, "12月下旬", "2026-12-31"),
    (MON, "11月下旬", "2026-11-30"),
    (MON, "下月上旬", "2026-12-10"),
    # Quarter and year ends.
    (MON, "本季度末", "2026-12-31"),
    (MON, "下季度末", "2027-03-31"),
    (MON, "年底前", "2026-12-31"),
    (MON, "年末", "2026-12-31"),
    (MON, "今年年底前", "2026-12-31"),
    (MON, "年内", "2026-12-31"),
    (MON, "明年底", "2027-12-31"),
    (MON, "2027年底", "2027-12-31"),
    # Fixed-date holidays: the eve.
    (MON, "元旦前", "2026-12-31"),
    (MON, "国庆前", "2027-09-30"),
    (MON, "五一前", "2027-04-30"),
    # Dates: without a year, the next one not past.
    (MON, "12月1日前", "2026-12-01"),
    (MON, "请于12月1日前完成整改", "2026-12-01"),
    (MON, "12月1号", "2026-12-01"),
    (MON, "十二月十日", "2026-12-10"),
    (MON, "十二月十号前", "2026-12-10"),
    (MON, "2026年12月20日", "2026-12-20"),
    (MON, "2026-12-20", "2026-12-20"),
    (MON, "2026/12/20", "2026-12-20"),
    (MON, "2026.12.20", "2026-12-20"),
    (MON, "12.20", "2026-12-20"),
    (MON, "12/20前", "2026-12-20"),
    (MON, "二〇二六年十二月二十日", "2026-12-20"),
    (MON, "2026年十二月二十日", "2026-12-20"),
    (MON, "26年12月20日", "2026-12-20"),
    (MON, "20261220", "2026-12-20"),
    (MON, "１２月２０日", "2026-12-20"),
    (MON, "２０２６／１２／２０", "2026-12-20"),
    (MON, "整改期限：2026年12月20日", "2026-12-20"),
    (MON, "12月31日（周四）", "2026-12-31"),
    (MON, "2月1日前", "2027-02-01"),
    (MON, "11月20日前", "2027-11-20"),
    (MON, "11月23日", "2026-11-23"),
    (MON, "2月29日", "2028-02-29"),
    (MON, "明年3月1日前", "2027-03-01"),
    (MON, "2027年1月15日", "2027-01-15"),
    ("2026-12-28 10:00", "1月5日前", "2027-01-05"),
    ("2027-03-01 09:00", "2027-03-05", "2027-03-05"),
    # Days of the month.
    (MON, "25号前", "2026-11-25"),
    (MON, "30日前", "2026-11-30"),
    (MON, "20号前", "2026-12-20"),
    (MON, "本月30日", "2026-11-30"),
    (MON, "下月5日", "2026-12-05"),
    (MON, "下个月5号", "2026-12-05"),
    # Times.
    (MON, "今天下午5点前", "2026-11-23 17:00"),
    (MON, "明天上午10点", "2026-11-24 10:00"),
    (MON, "今晚8点", "2026-11-23 20:00"),
    (MON, "明早9点", "2026-11-24 09:00"),
    (MON, "明晚8点", "2026-11-24 20:00"),
    (MON, "下午3点半", "2026-11-23 15:30"),
    (MON, "下午三点一刻", "2026-11-23 15:15"),
    (MON, "17:30前", "2026-11-23 17:30"),
    (MON, "１７：３０前", "2026-11-23 17:30"),
    (MON, "晚上9点", "2026-11-23 21:00"),
    (MON, "5点前", "2026-11-23 17:00"),
    (MON, "三点前", "2026-11-23 15:00"),
    (MON, "后天", "2026-11-25"),
    (MON, "大后天", "2026-11-26"),
    (MON, "后天下午3点", "2026-11-25 15:00"),
    (MON, "明天中午", "2026-11-24 12:00"),
    (MON, "今晚", "2026-11-23 23:59"),
    (MON, "下周一上午9点前", "2026-11-30 09:00"),
    (MON, "本周五下午五点半前", "2026-11-27 17:30"),
    (MON, "请在本周五下班前整改到位", "2026-11-27 18:00"),
    (MON, "12月20日17时前", "2026-12-20 17:00"),
    (MON, "2026-12-20 17:30", "2026-12-20 17:30"),
    (MON, "24小时内", "2026-11-24 10:00"),
    (MON, "48小时内", "2026-11-25 10:00"),
    (MON, "半小时内", "2026-11-23 10:30"),
    (MON, "两小时内", "2026-11-23 12:00"),
    # Durations: weeks are 7 days, half a month 15 days, months clamp to the month's end.
    (MON, "一周内", "2026-11-30"),
    (MON, "两周内", "2026-12-07"),
    (MON, "三周内", "2026-12-14"),
    (MON, "一星期内", "2026-11-30"),
    (MON, "两个星期内", "2026-12-07"),
    (MON, "半个月内", "2026-12-08"),
    (MON, "半月内", "2026-12-08"),
    (MON, "1个月内", "2026-12-23"),
    (MON, "一个月内", "2026-12-23"),
    (MON, "两个月内", "2027-01-23"),
    (MON, "三个月内", "2027-02-23"),
    (MON, "一个半月内", "2027-01-07"),
    (MON, "半年内", "2027-05-23"),
    (MON, "一年内", "2027-11-23"),
    ("2027-01-31 10:00", "1个月内", "2027-02-28"),
    ("2028-01-31 10:00", "1个月内", "2028-02-29"),
    ("2026-03-31 10:00", "一个月内", "2026-04-30"),
    ("2026-12-31 10:00", "两个月内", "2027-02-28"),
    ("2026-08-31 10:00", "半年内", "2027-02-28"),
    # Immediately: today, unless something more precise is written.
    (MON, "立即", "2026-11-23"),
    (MON, "马上", "2026-11-23"),
    (MON, "立刻整改", "2026-11-23"),
    (MON, "即刻", "2026-11-23"),
    (MON, "当天", "2026-11-23"),
    (MON, "今天内", "2026-11-23"),
    (MON, "立行立改", "2026-11-23"),
    (MON, "当场整改", "2026-11-23"),
    (MON, "马上安排，3天内整改完毕", "2026-11-26"),
    (MON, "即日起3天内整改", "2026-11-26"),
    (MON, "即日起十日内", "2026-12-03"),
    # Noise around the expression.
    (MON, "限3日内整改完毕", "2026-11-26"),
    (MON, "限十五日内整改完毕", "2026-12-08"),
    (MON, "最迟不超过月底", "2026-11-30"),
    (MON, "2号楼配电箱3天内整改", "2026-11-26"),
    (MON, "  请 于 12 月 1 日 前 完成 ", "2026-12-01"),
    (MON, "下个月月底", "2026-12-31"),
    (MON, "12月月底", "2026-12-31"),
    (MON, "月底前（11月30日）", "2026-11-30"),  # two spellings of one date agree
    (MON, "12月10日（星期四）前", "2026-12-10"),
    (MON, "第二天", "2026-11-24"),
    (MON, "即日整改", "2026-11-23"),
    (MON, "3到5天", "2026-11-28"),  # a range: its end
    (MON, "年度内", "2026-12-31"),
    (MON, "今年", "2026-12-31"),
    (MON, "五点半前", "2026-11-23 17:30"),
    (MON, "下午5:30", "2026-11-23 17:30"),
    (MON, "今晚12点前", "2026-11-23 23:59"),
    (MON, "2026年12月1日24时前", "2026-12-01 23:59"),
    (MON, "今天下班前", "2026-11-23 18:00"),
    (MON, "明天一早", "2026-11-24 12:00"),
    (MON, "下周一9点前", "2026-11-30 09:00"),
    (MON, "周5", "2026-11-27"),
    (MON, "两月内", "2027-01-23"),  # 两月 is never February
    (MON, "元月10日前", "2027-01-10"),
    (MON, "元月底", "2027-01-31"),
    (MON, "11-30前", "2026-11-30"),
    (MON, "3-5个工作日", "2026-11-30"),
    (MON, "12-20 17:00", "2026-12-20 17:00"),
    # In a year beyond the official data.
    ("2027-03-01 09:00", "本周五前", "2027-03-05"),
    ("2027-03-01 09:00", "月底", "2027-03-31"),
    ("2027-09-29 09:00", "国庆前", "2027-09-30"),
    # Refused: nothing that names a day.
    (MON, "尽快", "NO_DATE"),
    (MON, "抓紧", "NO_DATE"),
    (MON, "好的", "NO_DATE"),
    (MON, "请尽快整改", "NO_DATE"),
    (MON, "限期整改", "NO_DATE"),
    (MON, "快一点", "NO_DATE"),
    (MON, "整改3点问题", "NO_DATE"),
    (MON, "", "NO_DATE"),
    (MON, "   ", "NO_DATE"),
    # Refused: past.
    (MON, "昨天", "PAST"),
    (MON, "前天", "PAST"),
    (MON, "2025年12月1日", "PAST"),
    (MON, "今天上午9点前", "PAST"),
    (MON, "8点前", "PAST"),
    ("2026-11-23 18:30", "今天下午5点前", "PAST"),
    ("2026-11-28 10:00", "本周五前", "PAST"),
    # Refused: a question is needed.
    (MON, "年前", "AMBIGUOUS"),
    (MON, "节前", "AMBIGUOUS"),  # which festival's eve? (春节前 is read: see tests/data/deadlines_own.tsv)
    (MON, "月初", "AMBIGUOUS"),
    (MON, "下旬", "AMBIGUOUS"),
    (MON, "一月内", "AMBIGUOUS"),
    (MON, "12月份前", "AMBIGUOUS"),
    (MON, "上半年", "AMBIGUOUS"),
    (MON, "3.5天", "AMBIGUOUS"),
    (MON, "3天内或12月1日前", "AMBIGUOUS"),
    (MON, "3天内（11月27日前）", "AMBIGUOUS"),
    (MON, "十天半个月", "AMBIGUOUS"),
    (MON, "11月", "AMBIGUOUS"),
    (MON, "下月初", "AMBIGUOUS"),
    (MON, "下午3点或下午5点", "AMBIGUOUS"),
    (MON, "2026年12月20日（周五）前", "AMBIGUOUS"),
    # Refused: no such date.
    (MON, "2月30日", "INVALID_DATE"),
    (MON, "13月1日", "INVALID_DATE"),
    (MON, "本月31日", "INVALID_DATE"),
    (MON, "2026年2月29日", "INVALID_DATE"),
    (MON, "10000天内", "INVALID_DATE"),
]


@pytest.mark.parametrize(("now", "text", "expected"), CASES)
def test_expression(now: str, text: str, expected: str) -> None:
    """Each family of expression, with Chinese numerals, full-width digits and noise."""
    result = parse(text, now)
    assert matches(result, expected), f"{now} {text!r}: expected {expected}, got {result}"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("5天内", DeadlineRule.DAYS),
        ("5个工作日内", DeadlineRule.WORKING_DAYS),
        ("两周内", DeadlineRule.WEEKS),
        ("1个月内", DeadlineRule.MONTHS),
        ("半年内", DeadlineRule.YEARS),
        ("24小时内", DeadlineRule.HOURS),
        ("明天下午6点前", DeadlineRule.NAMED_DAY),
        ("下周二", DeadlineRule.WEEKDAY),
        ("本周内", DeadlineRule.WEEK_END),
        ("月底", DeadlineRule.MONTH_END),
        ("12月中旬", DeadlineRule.MONTH_PART),
        ("季度末", DeadlineRule.QUARTER_END),
        ("年底前", DeadlineRule.YEAR_END),
        ("元旦前", DeadlineRule.HOLIDAY),
        ("12月10日前", DeadlineRule.DATE),
        ("25号前", DeadlineRule.DAY_OF_MONTH),
        ("17:30前", DeadlineRule.TIME_TODAY),
        ("马上整改", DeadlineRule.IMMEDIATE),
    ],
)
def test_rule_reported(text: str, rule: DeadlineRule) -> None:
    """The result says which family of expression was read."""
    result = parse(text)
    assert isinstance(result, Deadline)
    assert result.rule is rule


@pytest.mark.parametrize(
    ("now", "text", "assumptions"),
    [
        (MON, "2月1日前", {DeadlineAssumption.NEXT_YEAR}),
        (MON, "1月底前", {DeadlineAssumption.NEXT_YEAR}),
        (MON, "20号前", {DeadlineAssumption.NEXT_MONTH}),
        ("2026-11-25 10:00", "周一前", {DeadlineAssumption.NEXT_WEEK}),
        (MON, "5点前", {DeadlineAssumption.AFTERNOON}),
        ("2026-11-23 19:00", "马上", {DeadlineAssumption.LATE_TODAY}),
        (MON, "12月10日前", set()),
        (MON, "今晚8点", set()),
        (MON, "元旦前", set()),
    ],
)
def test_assumptions(now: str, text: str, assumptions: set[DeadlineAssumption]) -> None:
    """Readings the echo may point out are reported."""
    result = parse(text, now)
    assert isinstance(result, Deadline)
    assert result.assumptions == assumptions


@pytest.mark.parametrize(
    ("now", "text"),
    [
        ("2026-11-27 20:00", "今天内"),
        ("2026-11-27 20:00", "马上整改"),
        ("2026-11-27 20:00", "本周五"),
        ("2026-11-27 20:00", "周五前"),
        ("2026-11-27 20:00", "27号前"),
        ("2026-11-30 20:00", "月底"),
        ("2026-12-31 20:00", "年底前"),
    ],
)
def test_today_after_the_working_day_ends_at_midnight(now: str, text: str) -> None:
    """Once the working day is over, a day-only deadline for today still means today."""
    result = parse(text, now)
    assert isinstance(result, Deadline)
    assert result.at == at(now[:10] + " 23:59")
    assert not result.time_given
    assert DeadlineAssumption.LATE_TODAY in result.assumptions


def test_today_at_the_last_minute_is_past() -> None:
    """After 23:59 there is no today left."""
    result = parse("今天", "2026-11-23 23:59:30")
    assert isinstance(result, DeadlineRefused)
    assert result.reason is DeadlineRefusal.PAST


def test_past_refusal_carries_the_candidate() -> None:
    """A PAST refusal says what the text meant, so the question can quote it."""
    result = parse("昨天")
    assert result == DeadlineRefused(
        DeadlineRefusal.PAST, rule=DeadlineRule.NAMED_DAY, candidate=at("2026-11-22 18:00"), matched="昨天"
    )


def test_matched_text_is_reported() -> None:
    """The span read is returned, without the noise around it."""
    result = parse("请于12月1日下午5点前完成整改")
    assert isinstance(result, Deadline)
    assert result.matched == "12月1日 下午5点"
    spaced = parse("2026-12-20 17:30")
    assert isinstance(spaced, Deadline)
    assert spaced.matched == "2026-12-20 17:30"
    assert result.at == at("2026-12-01 17:00")


def test_end_of_day_is_configurable() -> None:
    """A deadline without a time ends at the configured end of the working day."""
    result = parse_deadline("3天内", at(MON), calendar=CALENDAR, end_of_day=dt.time(17, 30))
    assert isinstance(result, Deadline)
    assert result.at == at("2026-11-26 17:30")
    assert not result.time_given


@pytest.mark.parametrize(
    ("zone", "now", "text", "expected"),
    [
        ("Europe/Berlin", "2026-11-23 10:00", "明天下午6点前", "2026-11-24 18:00"),
        ("Europe/Berlin", "2026-11-23 10:00", "5天内", "2026-11-28 18:00"),
        ("UTC", "2026-11-23 23:30", "下周二", "2026-12-01 18:00"),
        # US clocks fall back on 2026-11-01: 24 hours later is 11:00 on the wall clock.
        ("America/New_York", "2026-10-31 12:00", "24小时内", "2026-11-01 11:00"),
    ],
)
def test_result_is_in_nows_zone(zone: str, now: str, text: str, expected: str) -> None:
    """The zone is taken from ``now``, never assumed."""
    tz = ZoneInfo(zone)
    result = parse_deadline(text, at(now, tz), calendar=CALENDAR)
    assert isinstance(result, Deadline)
    assert result.at.tzinfo is tz
    assert result.at.replace(tzinfo=None) == dt.datetime.fromisoformat(expected)
    assert result.at.utcoffset() == at(expected, tz).utcoffset()


def test_naive_now_is_a_programming_error() -> None:
    """Naive datetimes are refused loudly."""
    with pytest.raises(ValueError, match="aware"):
        parse_deadline("3天内", dt.datetime(2026, 11, 23, 10, 0), calendar=CALENDAR)  # noqa: DTZ001


def test_same_input_same_result() -> None:
    """The parser is a pure function of (text, now)."""
    assert parse("下周二下午3点") == parse("下周二下午3点")


def test_describe_deadline() -> None:
    """The echo is data: date, weekday index, time if written, whether it is a working day."""
    result = parse("明天下午6点前")
    assert isinstance(result, Deadline)
    echo = describe_deadline(result, now=at(MON), calendar=CALENDAR)
    assert echo.date == dt.date(2026, 11, 24)
    assert echo.weekday == 1
    assert echo.time == dt.time(18, 0)
    assert echo.is_workday
    assert echo.days_from_today == 1

    saturday = parse("5天内")
    assert isinstance(saturday, Deadline)
    echo = describe_deadline(saturday, now=at(MON), calendar=CALENDAR)
    assert (echo.date, echo.weekday, echo.time, echo.is_workday) == (dt.date(2026, 11, 28), 5, None, False)


@pytest.mark.parametrize(
    ("grade", "now", "working_days", "expected"),
    [
        ("一般", MON, False, "2026-11-30"),  # 7 days
        ("重大", MON, False, "2026-12-23"),  # 30 days
        ("一般", "2026-11-21 10:00", False, "2026-11-30"),  # lands on Saturday: next working day
        ("一般", "2026-09-24 10:00", False, "2026-10-08"),  # lands inside National Day
        ("一般", MON, True, "2026-12-02"),  # 7 working days
        ("一般", "2027-09-29 09:00", True, "2027-10-14"),  # fallback year with its holidays
    ],
)
def test_default_deadline(grade: str, now: str, working_days: bool, expected: str) -> None:
    """A hazard without a deadline gets its grade's configured default."""
    result = default_deadline(
        grade, at(now), calendar=CALENDAR, days_by_grade={"一般": 7, "重大": 30}, working_days=working_days
    )
    assert result.at == dt.datetime.combine(dt.date.fromisoformat(expected), END_OF_DAY, tzinfo=SHANGHAI)
    assert result.rule is DeadlineRule.GRADE_DEFAULT
    assert not result.time_given


def test_default_deadline_unknown_grade() -> None:
    """A grade missing from the configuration is an error, not a silent default."""
    with pytest.raises(ValueError, match="较大"):
        default_deadline("较大", at(MON), calendar=CALENDAR, days_by_grade={"一般": 7})


_TOKENS = [
    "3", "十五", "两", "半", "个", "天", "日", "号", "内", "前", "工作日", "周", "星期", "五", "下", "本",
    "月", "底", "年", "12", "2026", "-", "/", ".", ":", "点", "下午", "今天", "明天", "昨天", "马上",
    "尽快", "小时", "旬", "(", ")", "，", "２", "〇", "廿", "整改", "请于", "完成", "季度", "末",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.lists(st.sampled_from(_TOKENS), max_size=8).map("".join), st.text(max_size=20)),
    now=st.datetimes(
        min_value=dt.datetime(2004, 1, 1),  # noqa: DTZ001  (hypothesis wants naive bounds)
        max_value=dt.datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(SHANGHAI),
    ),
)
def test_never_crashes_and_never_returns_the_past(text: str, now: dt.datetime) -> None:
    """Any text at any time gives a refusal or a future deadline in now's zone."""
    result = parse_deadline(text, now, calendar=CALENDAR)
    if isinstance(result, Deadline):
        assert result.at > now
        assert result.at.tzinfo is now.tzinfo
    else:
        assert isinstance(result.reason, DeadlineRefusal)


@pytest.mark.parametrize(
    ("text", "now", "year"),
    [
        ("6月1日前", "2026-11-23 10:00", 2027),  # next June: the year was not typed, and it is half a year off
        ("3月1日前", "2026-11-23 10:00", None),  # next March: three months
        ("2027年6月1日前", "2026-11-23 10:00", None),  # the year was typed
        ("2027-06-01", "2026-11-23 10:00", None),
        ("11月1日前", "2026-01-05 10:00", 2026),  # this year, but ten months away
        ("9月底前", "2026-01-05 10:00", 2026),
        ("一年内", "2026-11-23 10:00", None),  # a span says how far itself
        ("国庆前", "2026-11-23 10:00", 2027),
    ],
)
def test_a_far_date_without_a_year_has_its_year_confirmed(text: str, now: str, year: int | None) -> None:
    instant = dt.datetime.fromisoformat(now).replace(tzinfo=SHANGHAI)
    result = parse_deadline(text, instant, calendar=CALENDAR)
    assert isinstance(result, Deadline)
    assert year_to_confirm(result, instant) == year


def test_the_example_date_is_always_ahead() -> None:
    for day in (dt.date(2026, 12, 15), dt.date(2026, 12, 31), dt.date(2027, 2, 20)):
        now = dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI)
        assert example_date(now) > day
