"""Issue 13 part 2: no one outside the county can slow the bot down (order per chat and user, silence to strangers
in groups, throttling of expensive commands, exports in the background)."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta

import pytest

from messenger.telegram import TelegramMessenger
from reports import worker
from tests.bombs import empty_paragraphs_bomb
from tests.flows.conftest import World
from tests.flows.steps import document


async def test_a_reply_held_up_in_one_chat_does_not_hold_up_another_chat(world: World) -> None:
    # Telegram is slow to take the stranger's reply (6 s); the admin, in another chat, is answered meanwhile
    slow = world.api.fail_next("sendMessage", None, delay=6, when=lambda p: p.get("chat_id") == world.stranger.id)
    await world.api.send_text(world.stranger, "/help")
    await world.api.wait_for(lambda: slow.hits == 1, what="the stranger's reply on its way")
    answer = await world.command(world.admin, "/help")
    assert "/invite" in answer["plain_text"]
    assert not world.api.sent(world.stranger.id)  # still on its way
    assert "邀请链接" in (await world.api.expect(world.stranger.id, timeout=10))["plain_text"]


async def test_one_chats_updates_are_answered_in_the_order_they_came(world: World) -> None:
    world.api.fail_next("sendMessage", None, delay=1, when=lambda p: p.get("chat_id") == world.admin.id)
    await world.api.send_text(world.admin, "/help")
    await world.api.send_text(world.admin, "/cancel")
    first, second = await world.api.expect_many(world.admin.id, 2)
    assert "/invite" in first["plain_text"] and "没有" in second["plain_text"]


async def test_strangers_in_a_group_get_one_join_hint_a_day_and_nothing_else(world: World) -> None:
    group = world.dept_group
    world.api.set_member(group, world.stranger)
    hint = await world.command(world.stranger, "/help", chat=group)
    assert "私聊管理员索取邀请链接" in hint["plain_text"]
    for text in ("/help", "/stats", "/show YH-2026-000001", "/export", "/ask 四个一律", "你好"):
        await world.api.send_text(world.stranger, text, chat=group)
    await world.api.expect_nothing(group.id, within=1.0)
    # a member in the same group is answered as before
    assert "/invite" in (await world.command(world.admin, "/help", chat=group))["plain_text"]
    world.clock.advance(timedelta(days=1))  # a day on: one hint again
    assert "私聊管理员" in (await world.command(world.stranger, "/stats", chat=group))["plain_text"]


async def test_the_bot_leaves_a_group_a_stranger_added_it_to(world: World, caplog: pytest.LogCaptureFixture) -> None:
    group = world.api.add_group(title="路人的群", members=[world.stranger], bot_is_admin=False)
    world.api.remove_bot(group, kicked=False)
    with caplog.at_level(logging.WARNING, logger="handlers.guard"):
        world.api.add_bot(group, by=world.stranger)
        await world.api.wait_for(lambda: world.api.chat(group).member(world.api.bot.id).status == "left",
                                 what="the bot leaving the stranger's group")
    assert any("路人的群" in r.getMessage() and str(world.stranger.id) in r.getMessage() for r in caplog.records)
    assert world.api.calls("leaveChat") and not world.api.sent(group.id)


async def test_the_bot_stays_in_a_group_an_admin_added_it_to(world: World) -> None:
    group = world.api.add_group(title="新单位群", members=[world.admin], bot_is_admin=False)
    world.api.remove_bot(group, kicked=False)
    world.api.add_bot(group, by=world.admin)
    await world.api.send_text(world.admin, "/help", chat=group)  # handled after the my_chat_member update
    assert "/invite" in (await world.api.expect(group.id))["plain_text"]
    assert not world.api.calls("leaveChat")
    assert world.api.chat(group).member(world.api.bot.id).status == "member"


async def test_a_flood_of_questions_is_told_to_wait_once(world: World) -> None:
    for n in range(world.settings.ask_per_minute):
        answer = await world.command(world.admin, f"/ask 四个一律{n}")
        assert "太频繁" not in answer["plain_text"]
    wait = await world.command(world.admin, "/ask 四个一律")
    assert "操作太频繁，请 60 秒后再试" in wait["plain_text"]
    for _ in range(5):  # told once, not once per question
        await world.api.send_text(world.admin, "/ask 四个一律")
    await world.api.send_text(world.admin, "什么是四个一律")  # a question in plain text counts the same
    await world.api.expect_nothing(world.admin.id, within=0.5)
    # others are not affected
    await world.join(world.officer, "e01", "安全员")
    assert "太频繁" not in (await world.command(world.officer, "/ask 四个一律"))["plain_text"]
    world.clock.advance(timedelta(seconds=61))
    assert "太频繁" not in (await world.command(world.admin, "/ask 四个一律"))["plain_text"]


async def test_kb_add_is_throttled_per_admin(world: World) -> None:
    for n in range(world.settings.kb_add_per_minute):
        await world.api.send_document(world.admin, "第一条 安全第一。".encode(), file_name=f"rule{n}.txt",
                                      mime_type="text/plain", caption="/kb add")
        assert "已加入知识库" in (await world.api.expect(world.admin.id))["plain_text"]
    await world.api.send_document(world.admin, "第一条 安全第一。".encode(), file_name="rule9.txt",
                                  mime_type="text/plain", caption="/kb add")
    assert "操作太频繁" in (await world.api.expect(world.admin.id))["plain_text"]


async def test_an_export_is_built_in_the_background_one_at_a_time_with_a_cooldown(world: World) -> None:
    admin = world.admin.id
    # Telegram is slow to take the file (6 s): the export is still on its way while the admin goes on
    slow = world.api.fail_next("sendDocument", None, delay=6, when=lambda p: p.get("chat_id") == admin)
    await world.api.send_text(world.admin, "/export")
    await world.until(admin, "正在生成隐患台账")  # the progress message first
    await world.api.wait_for(lambda: slow.hits == 1, what="the ledger on its way")
    assert "/invite" in (await world.command(world.admin, "/help"))["plain_text"]  # answered meanwhile
    assert "台账正在生成" in (await world.command(world.admin, "/export 上月"))["plain_text"]
    ledger = await world.api.expect(admin, timeout=10)
    assert ledger["document_file"].file_name.endswith(".xlsx")
    assert (await world.api.expect(admin))["document_file"].file_name.endswith(".csv")
    wait = await world.command(world.admin, "/export")  # done, but within the cooldown
    assert "操作太频繁" in wait["plain_text"]
    world.clock.advance(timedelta(seconds=world.settings.export_cooldown_seconds))
    await world.api.send_text(world.admin, "/export")
    assert (await document(world, admin))["document_file"] is not None


async def test_export_files_over_the_messengers_limit_are_not_sent_and_the_admin_is_told(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram takes files up to 50 MB: a ledger over it even zipped is not sent, and the admin hears why."""
    monkeypatch.setattr(TelegramMessenger, "file_limit", 100)  # bytes: neither file fits, zipped or not
    await world.api.send_text(world.admin, "/export")
    await world.api.wait_for(lambda: len(_said(world, "无法通过本平台发送")) == 2, what="both files refused")
    told = _said(world, "无法通过本平台发送")
    assert ".xlsx 超过 0 MB" in told[0] and ".csv 超过 0 MB" in told[1] and "请缩短导出期间" in told[1]
    assert not [m for m in world.api.sent(world.admin.id) if m["document_file"] is not None]


def _said(world: World, needle: str) -> list[str]:
    return [m["plain_text"] for m in world.api.sent(world.admin.id) if needle in (m["plain_text"] or "")]


@pytest.mark.parametrize("period", ["0000年", "9999年", "9999年12月", "9999年第四季度", "0001年1月1日至1月2日",
                                    "1999年"])
async def test_export_of_a_year_out_of_range_gets_the_period_hint(world: World, period: str) -> None:
    answer = await world.command(world.admin, f"/export {period}")
    assert f"“{period}”超出了可查询的年份（2000年至2099年）。可以写：本周" in answer["plain_text"]
    await world.api.expect_nothing(world.admin.id)


async def test_a_zip_bomb_docx_for_the_knowledge_base_is_refused_at_once(world: World) -> None:
    before = (await world.command(world.admin, "/kb"))["plain_text"]
    await world.api.send_document(world.admin, empty_paragraphs_bomb(), file_name="讲话.docx",
                                  mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                  caption="/kb add 讲话")
    answer = await world.api.expect(world.admin.id)  # python-docx alone took 25-29 s over it
    assert "内容结构异常" in answer["plain_text"]
    assert (await world.command(world.admin, "/kb"))["plain_text"] == before


async def test_an_export_whose_worker_dies_is_said_and_the_next_export_works(world: World,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker process killed from outside (the OOM killer, an operator) fails its own export, said in Chinese;
    each export has a worker of its own, so the next one is built."""
    killed = (sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    monkeypatch.setattr(worker, "COMMAND", killed)
    await world.api.send_text(world.admin, "/export")
    await world.until(world.admin.id, "处理时出错了")
    monkeypatch.undo()
    world.clock.advance(timedelta(seconds=world.settings.export_cooldown_seconds))
    await world.api.send_text(world.admin, "/export")
    _, xlsx, csv = await world.api.expect_many(world.admin.id, 3, timeout=30)
    assert xlsx["document_file"] is not None and csv["document_file"] is not None
