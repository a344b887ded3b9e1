"""/my and /show on Feishu, through the same use cases as on Telegram: a page of the person's hazards with filter
buttons turned in place, a hazard's card, 处理记录 and photos."""

from __future__ import annotations

import time

import pytest

from reports import worker
from reports.service import PROGRESS_EVERY
from sandbox.images import sample_jpeg
from tests.feishu.conftest import FeishuWorld
from tests.flows.steps import NEVER_ANSWERING_WORKER


async def test_my_and_show_after_a_report(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    assert "YH-" not in (await fworld.command(officer, "/my")).text
    await feishu.send_post(officer, "#隐患 配电箱门损坏，线路裸露", [sample_jpeg(label="scene")])
    categories = await feishu.until(feishu.p2p(officer), "行业领域")
    await fworld.press_in_place(fworld.officer, categories, "消防安全")
    grade = await fworld.command(officer, "二号车间")
    await fworld.press_in_place(fworld.officer, grade, "一般隐患")
    await fworld.press_in_place(fworld.officer, grade, "提交")
    assert "YH-2026-000001" in grade.text

    page = await fworld.command(officer, "/my")
    assert "YH-2026-000001" in page.text and "配电箱门损坏" in page.text
    overdue = next(label for label, _ in page.buttons if "逾期" in label)
    edits = len(page.edits)
    await feishu.press(officer, page, overdue)
    await feishu.wait_for(lambda: len(page.edits) > edits, what="the filter applied in place")
    assert "YH-2026-000001" not in feishu.messages[page.message_id].text

    await feishu.send_text(officer, "/show YH-2026-000001")
    shown = await feishu.until(feishu.p2p(officer), "处理记录")  # (after the notice that no unit has a group yet)
    assert "YH-2026-000001" in shown.text and "配电箱门损坏" in shown.text
    album = await feishu.expect(feishu.p2p(officer))
    assert len(album.images) == 1 and "整改前" in album.text
    hidden = await fworld.command(officer, "/show YH-2026-009999")
    assert "YH-2026-009999" in hidden.text and "处理记录" not in hidden.text


async def test_stats_and_export_in_the_private_chat(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    stats = await fworld.command(officer, "/stats")
    assert "本周" in stats.text and "本月" in stats.text
    await feishu.send_text(officer, "/export")
    progress = await feishu.until(feishu.p2p(officer), "正在生成隐患台账")
    await feishu.wait_for(lambda: "隐患台账已生成" in progress.text, timeout=30, what="the progress line at its end")
    await feishu.wait_for(lambda: len([m for m in feishu.sent(feishu.p2p(officer)) if m.msg_type == "file"]) == 2,
                          timeout=30, what="the two files")
    files = [m for m in feishu.sent(feishu.p2p(officer)) if m.msg_type == "file"]
    names = [feishu.files[m.content["file_key"]][0] for m in files]
    assert names[0].endswith(".xlsx") and names[1].endswith(".csv")
    assert feishu.files[files[0].content["file_key"]][1][:2] == b"PK"  # a real .xlsx (a zip)
    await feishu.send_text(officer, "/export 去年的某一天")
    await feishu.until(feishu.p2p(officer), "没有看懂“去年的某一天”")


async def test_a_stop_during_an_export_tells_the_person_on_feishu(fworld: FeishuWorld,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """As on Telegram: the bot told to stop while an export is built stops its worker and says so."""
    feishu, officer = fworld.feishu, fworld.officer
    monkeypatch.setattr(worker, "COMMAND", NEVER_ANSWERING_WORKER)
    await fworld.join(officer, "e01", "安全员")
    await feishu.send_text(officer, "/export")
    await feishu.until(feishu.p2p(officer), "正在生成隐患台账")  # its worker is started next
    began = time.monotonic()
    await fworld.bot.stop()
    assert time.monotonic() - began < PROGRESS_EVERY + 2
    told = await feishu.until(feishu.p2p(officer), "导出已中断")
    assert "请稍后重新发送 /export" in told.text
