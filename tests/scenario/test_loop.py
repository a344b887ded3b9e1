"""The closed loop, described once and run on Telegram and on Feishu: a report with a photo reaches its two units'
threads; the department accepts it with a deadline typed as officials write it; overdue, it climbs to the township's
lead; the officer rectifies with a photo; the department verifies; 30 days after 销号 the township's 回头看 passes."""

from __future__ import annotations

from datetime import timedelta

from sandbox.images import sample_jpeg
from tests.scenario.drivers import Driver, Seen

CODE = "YH-2026-000001"


async def _report(d: Driver) -> None:
    """The officer's report by questions: description, category, place, one photo, grade, submit."""
    assert "请描述" in (await d.private(d.officer, "/report")).text
    categories = await d.private(d.officer, "二号仓库灭火器过期，安全出口被杂物堵塞")
    assert categories.labels[0] == "消防安全"  # suggested from 灭火器 / 安全出口
    place = await d.press_in_place(d.officer, categories, "消防安全")
    assert "位置" in place.text and not place.labels
    assert "照片" in (await d.private(d.officer, "二号仓库东侧")).text
    await d.photo(d.officer, sample_jpeg(label="before"))
    received = await d.next(d.officer)
    assert "第 1 张" in received.text
    grade = await d.press_in_place(d.officer, received, "完成")
    confirm = await d.press_in_place(d.officer, grade, "一般隐患")
    assert "二号仓库东侧" in confirm.text and confirm.labels == ["提交", "修改"]
    filed = await d.press_in_place(d.officer, confirm, "提交")
    assert CODE in filed.text


async def _accept(d: Driver, card: Seen) -> None:
    """受理定级 in the department's thread: 一般, 3天内 typed and confirmed, the person responsible."""
    await d.press(d.member, card, "受理定级")
    grade = await d.until(d.dept, "请确定隐患等级")
    await d.press(d.member, grade, "一般隐患")
    await d.until(d.dept, "请输入整改期限")
    echo = await d.answer(d.member, d.dept, "3天内")
    assert "2026年11月26日（星期四）18:00" in echo.text
    await d.press(d.member, echo, "确认")
    await d.until(d.dept, "责任人")
    done = await d.answer(d.member, d.dept, "王五 仓库主管")
    assert "已完成：受理定级" in done.text and "整改中" in done.text


async def test_the_whole_loop_on_each_messenger(driver: Driver) -> None:
    d = driver
    await d.setup()
    await _report(d)
    card = await d.until(d.dept, "已上报")
    assert set(card.labels) == {"受理定级", "移送"}
    town_card = await d.until(d.town, "已上报")
    assert town_card.labels == ["移送"]
    assert "已送达：县消防救援大队、城关镇" in (await d.until(d.officer, "已送达")).text

    await _accept(d, card)
    await d.sweep()
    told = await d.until(d.officer, "已受理")
    assert "2026年11月26日（星期四）18:00" in told.text

    # Friday 27th, 09:00: one working day overdue → the township's lead hears of it, the officer is nudged
    d.advance(timedelta(days=3, hours=23))
    await d.sweep()
    escalation = await d.until(d.lead, "逾期 1 个工作日")
    assert CODE in escalation.text and "补发" not in escalation.text
    nudge = await d.until(d.officer, "已超过整改期限")

    # the officer rectifies from the nudge, in the private chat
    await d.press(d.officer, nudge, "提交整改")
    await d.until(d.officer, "整改措施")
    assert "照片" in (await d.private(d.officer, "已更换灭火器，清理安全出口")).text
    await d.photo(d.officer, sample_jpeg(label="after"))
    received = await d.until(d.officer, "第 1 张")
    await d.press(d.officer, received, "完成")
    await d.until(d.officer, "已完成：提交整改")

    # the department verifies in its thread
    await d.sweep()
    notice = await d.until(d.dept, "已提交整改")
    await d.press(d.member, notice, "验收通过")
    opinion = await d.until(d.dept, "验收意见")
    await d.press(d.member, opinion, "无意见")
    confirm = await d.until(d.dept, "请确认")
    await d.press(d.member, confirm, "确认")
    await d.until(d.dept, "已完成：验收通过")

    # 30 days after 销号 the 回头看 falls due in the township's group; its lead passes it
    d.advance(timedelta(days=31))
    await d.sweep()
    task = await d.until(d.town, "回头看：销号已满")
    await d.press(d.lead, task, "复查通过")
    await d.until(d.town, "复查情况")
    photos = await d.answer(d.lead, d.town, "复查整改到位")
    assert "现场照片" in photos.text
    await d.press(d.lead, photos, "完成")
    await d.until(d.town, "已完成：复查通过")
    assert d.events() == [
        ("report", "reported"), ("accept", "rectifying"), ("submit", "awaiting_verification"),
        ("verify_pass", "closed"), ("recheck_start", "recheck"), ("recheck_pass", "archived"),
    ]  # fmt: skip
