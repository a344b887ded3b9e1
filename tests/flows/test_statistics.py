"""Counting through the bot: /stats figures, the digest and ranking on schedule (once, also after a restart),
the weekly self-check following the calendar, and the ledger as Excel opened with openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from bot.jobs import sweep
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import accepted, buttons, document, file_hazard, local, people, ready, rows

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def overrides() -> dict[str, Any]:
    """The digest, ranking and self-check calendar on."""
    return {"schedule_enabled": True}




def texts(world: World, chat: Any, needle: str) -> list[Message]:
    return [m for m in world.api.sent(chat) if needle in (m["plain_text"] or m["plain_caption"] or "")]


async def edited(world: World, chat_id: int, needle: str) -> str:
    """The text of the next edit in the chat that shows `needle`."""
    while True:
        edit = await world.api.expect_edit(chat_id)
        if needle in (edit.params.get("text") or ""):
            return str(edit.params["text"])




async def test_stats_figures_in_each_scope(world: World) -> None:
    await accepted(world)  # one hazard filed and accepted on Monday 23rd, deadline Thursday 26th 18:00
    world.clock.set(local(11, 28, 10))  # Saturday: two days overdue
    shown = await world.command(world.officer, "/stats")
    text = shown["plain_text"]
    assert "隐患统计 · 示范化工有限公司" in text
    assert "本周 2026年第48周（11月23日至11月29日）\n新上报 1 项，受理 1 项\n已销号 0 项" in text
    assert "本月 2026年11月\n新上报 1 项，受理 1 项" in text
    assert "逾期未整改 1 项（分别逾期 2天）" in text and "重大隐患未整改 0 项" in text
    assert "各企业" not in text  # an officer gets no rows
    county = (await world.command(world.admin, "/stats"))["plain_text"]
    assert "隐患统计 · 全县" in county and "各单位 · 2026年11月" in county
    assert "县消防救援大队：上报 1 · 销号 0（按期 0） · 逾期 1" in county
    assert "县应急管理局：上报 0 · 销号 0（按期 0） · 逾期 0" in county
    # a unit member sees the unit's figures, a lead also the enterprises'
    lead = world.api.sent(world.town_group.id)  # (the township's lead joined in _accepted)
    assert lead is not None


async def test_digest_and_ranking_go_out_on_schedule_once(world: World) -> None:
    await accepted(world)
    office = world.api.add_group(title="县安委办", is_forum=False, members=[world.admin])
    await world.bind(office, "awb")
    await sweep(world.app)  # plans from now: the digest of last week (due this morning) is not sent late
    assert not texts(world, world.dept_group.id, "一周一统计")

    world.clock.set(local(11, 30, 9, 1))  # Monday 09:01: last week's digest
    await sweep(world.app)
    digest = await world.until(world.dept_group.id, "一周一统计")
    assert "县消防救援大队" in digest["plain_text"] and "2026年第48周" in digest["plain_text"]
    assert "新上报 1 项，受理 1 项" in digest["plain_text"] and "补发" not in digest["plain_text"]
    chart = await world.api.expect(world.dept_group.id)
    assert chart["photo_files"] and chart["photo_files"][-1].data.startswith(b"\x89PNG")
    county = await world.until(office.id, "一周一统计")
    assert "全县" in county["plain_text"] and "县消防救援大队：上报 1" in county["plain_text"]
    assert (await world.api.expect(office.id))["photo_files"]  # the county's chart
    await sweep(world.app)
    assert len(texts(world, world.dept_group.id, "一周一统计")) == 1

    world.clock.set(local(12, 1, 9, 5))  # Tuesday 1 December: November's ranking
    await sweep(world.app)
    ranking = await world.until(office.id, "一月一排名")
    text = ranking["plain_text"]
    assert "2026年11月" in text and "行业部门" in text and "乡镇/街道" in text
    assert "县消防救援大队" in text and "城关镇" in text
    assert (await world.api.expect(office.id))["photo_files"]
    await world.restart()
    await sweep(world.app)
    assert len(texts(world, office.id, "一月一排名")) == 1
    assert rows(world, "SELECT status, late FROM schedule WHERE key = 'ranking:2026-11'") == [("sent", 0)]


async def test_a_digest_due_while_the_bot_was_down_goes_out_once_after_restart(world: World) -> None:
    await ready(world)
    await sweep(world.app)  # planned ahead: the database knows Monday's digest is due
    await world.restart()
    world.clock.set(local(11, 30, 15))  # the bot was down over Monday 09:00
    await sweep(world.app)
    late = await world.until(world.dept_group.id, "一周一统计")
    assert "补发" in late["plain_text"]
    await world.restart()
    await sweep(world.app)
    assert len(texts(world, world.dept_group.id, "一周一统计")) == 1
    # a week later, the old digest long gone, the new one comes on time
    world.clock.set(local(12, 7, 9, 1))
    await sweep(world.app)
    assert ["补发" in m["plain_text"] for m in texts(world, world.dept_group.id, "一周一统计")] == [True, False]


async def test_weekly_selfcheck_prompt_zero_report_and_nudges(world: World) -> None:
    await ready(world)
    other = world.api.add_user(first_name="城建", last_name="安全员")
    await world.join(other, "e04", "安全员")
    await sweep(world.app)
    world.clock.set(local(11, 27, 8, 59))  # Friday before 09:00: nothing yet
    await sweep(world.app)
    assert not texts(world, world.officer.id, "每周自查自报")
    world.clock.set(local(11, 27, 9, 0))
    await sweep(world.app)
    prompt = await world.until(world.officer.id, "每周自查自报")
    assert "2026年11月30日（星期一）12:00 前" in prompt["plain_text"] and "尚未上报隐患" in prompt["plain_text"]
    await world.until(other.id, "每周自查自报")
    await world.api.press(world.officer, prompt, buttons(prompt)["零报告（本周未发现隐患）"])
    assert "2026年第48周（11月23日至11月29日） 自查：零报告" in await edited(world, world.officer.id, "已报送")
    again = await world.api.press(world.officer, prompt, "sc1:20261123:zero")
    await world.api.wait_callback_answer(again)
    assert rows(world, "SELECT enterprise_id, week, zero FROM selfchecks") == [("e01", "2026-11-23", 1)]

    world.clock.set(local(11, 30, 12, 0))  # the deadline: e04 is nudged, the township's group gets the list
    await sweep(world.app)
    nudge = await world.until(other.id, "自查自报逾期未报")
    assert "城建第三工程有限公司" in nudge["plain_text"] and "零报告" in str(buttons(nudge))
    missing = await world.until(world.town_group.id, "自查自报未报送企业")
    assert "城建第三工程有限公司" in missing["plain_text"] and "城关百货商场" in missing["plain_text"]
    assert "示范化工有限公司" not in missing["plain_text"]
    assert not texts(world, world.officer.id, "逾期未报")
    assert rows(world, "SELECT status FROM schedule WHERE key = 'selfcheck_nudge:2026-W48:e01'") == [("skipped",)]


async def test_selfcheck_links_the_weeks_reports(world: World) -> None:
    await ready(world)
    monday = await world.command(world.officer, "/selfcheck")  # Monday before 12:00: last week is still open
    assert "2026年第47周" in monday["plain_text"]
    world.clock.set(local(11, 24, 10))
    await file_hazard(world)
    shown = await world.command(world.officer, "/selfcheck")
    assert "已上报隐患 1 项：YH-2026-000001" in shown["plain_text"]
    assert list(buttons(shown)) == ["报送本周隐患（1 项）"]
    forged = await world.api.press(world.officer, shown, "sc1:20261123:zero")
    assert "不能零报告" in (await world.api.wait_callback_answer(forged))["text"]
    await world.api.press(world.officer, shown, buttons(shown)["报送本周隐患（1 项）"])
    assert "隐患 1 项（YH-2026-000001）" in await edited(world, world.officer.id, "已报送")
    assert rows(world, "SELECT hazard_id FROM selfcheck_hazards") == [(1,)]
    assert "无需重复报送" in (await world.command(world.officer, "/selfcheck"))["plain_text"]
    member, _, _ = await people(world)
    assert "只有企业安全员" in (await world.command(member, "/selfcheck"))["plain_text"]


async def test_export_sends_the_ledger_as_excel_and_csv(world: World) -> None:
    await accepted(world)
    world.clock.set(local(11, 28, 10))
    await world.api.send_text(world.admin, "/export")
    status = await world.until(world.admin.id, "正在生成隐患台账 · 全县 · 2026年11月")
    workbook_message = await document(world, world.admin.id)
    assert "隐患排查治理台账 · 全县 · 2026年11月（共 1 项）" in workbook_message["plain_caption"]
    # the progress line, edited as the rows are written, ends saying how many
    assert "隐患台账已生成 · 全县 · 2026年11月：共 1 行" in world.api.chat(world.admin.id).messages[
        status["message_id"]]["plain_text"]
    workbook = workbook_message["document_file"]
    assert workbook.file_name == "隐患台账_全县_2026-11.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    ledger = book["隐患排查治理台账"]
    header = [c.value for c in ledger[1]]
    assert header[:3] == ["隐患编号", "发现时间", "企业名称"] and "逾期天数" in header
    values = dict(zip(header, (c.value for c in ledger[2]), strict=True))
    assert values["隐患编号"] == "YH-2026-000001" and values["企业名称"] == "示范化工有限公司"
    assert values["发现时间"].date() == dt.date(2026, 11, 23)  # a real Excel date, local time
    assert values["整改期限"] == local(11, 26, 18).replace(tzinfo=None)  # Excel has no zones: local wall time
    assert values["隐患等级"] == "一般隐患" and values["当前状态"] == "整改中"
    assert values["整改责任人"] == "王五 仓库主管"
    assert values["逾期天数"] == 2 and values["责任单位"] == "县消防救援大队（行业主管）、城关镇（属地）"
    assert ledger.freeze_panes == "A2" and ledger.auto_filter.ref == "A1:X2"
    assert values["受理情况"] == "按时受理"  # accepted two hours after filing: within its office day
    assert values["受理时限"] == local(11, 24, 10).replace(tzinfo=None)  # one office day from Monday 10:00
    assert ledger["B2"].number_format == '[$-804]yyyy"年"m"月"d"日（"aaaa"）"hh:mm'  # 2026年11月23日（星期一）10:00
    assert values["上报人"] == "张 安全（示范化工有限公司）"
    table = book["统计分析表"]
    assert table["A1"].value == "隐患排查治理情况统计分析表" and "2026年第四季度" in table["A2"].value
    lines = {r[1]: r for r in table.iter_rows(min_row=4, values_only=True)}
    assert lines["县消防救援大队"][3:6] == (1, 1, 0) and lines["县消防救援大队"][7] == 1  # total, 一般, 重大; 整改中
    assert lines["合计"][3] == 1 and lines["合计"][14] == 1  # one hazard, overdue
    csv_message = await document(world, world.admin.id)
    raw = csv_message["document_file"].data
    assert raw.startswith("\ufeff".encode()) and csv_message["document_file"].file_name.endswith(".csv")
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert parsed[0][0] == "隐患编号" and parsed[1][0] == "YH-2026-000001" and parsed[1][1] == "2026-11-23 10:00"
    # an enterprise sees its own ledger only; a bad period is explained
    await world.api.send_text(world.officer, "/export 本周")
    assert "共 1 项" in (await document(world, world.officer.id))["plain_caption"]
    await document(world, world.officer.id)  # its CSV
    await world.api.send_text(world.officer, "/export 明年春天")
    await world.until(world.officer.id, "没有看懂")  # (the start-up sweep may first bring the 28th's overdue nudge)
    world.clock.advance(dt.timedelta(seconds=world.settings.export_cooldown_seconds))  # one export per cooldown
    await world.api.send_text(world.officer, "/export 2026年10月")
    assert "共 0 项" in (await document(world, world.officer.id))["plain_caption"]
