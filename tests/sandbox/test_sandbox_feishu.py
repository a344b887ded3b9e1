"""The sandbox on the Feishu double: the cast joined and bound through the bot on Feishu, and the page's JSON API (the
same one the browser uses on Telegram) acting as its people — a report by questions with a photo, the department's
topic in its 话题群 and the township's card in its ordinary group, 受理定级 answered in the thread, time moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio

from config.settings import PROJECT_ROOT
from domain.knowledge import KnowledgeBase
from sandbox.feishu.page import markdown_html
from sandbox.feishu.runner import FeishuSandbox
from sandbox.images import sample_jpeg
from storage.documents import load_knowledge
from tests.sandbox.pageapi import Json, eventually, get, last_from_bot, post, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def module_kb() -> KnowledgeBase:
    return load_knowledge(PROJECT_ROOT / "config" / "corpus")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory, module_kb: KnowledgeBase) -> AsyncIterator[FeishuSandbox]:
    box = FeishuSandbox(port=0, data_dir=tmp_path_factory.mktemp("feishu-sandbox"), kb=module_kb, env_file=None,
                        start_at=MONDAY)  # fmt: skip
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
    assert not box.feishu.violations, box.feishu.violations


@pytest_asyncio.fixture(loop_scope="module")
async def http(sandbox: FeishuSandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session






async def person(http: aiohttp.ClientSession, label: str) -> int:
    """The page's number for the cast member labelled `label`."""
    people = (await get(http, "/api/state"))["people"]
    return int(next(p["id"] for p in people if p["label"] == label))






async def group_of(http: aiohttp.ClientSession, user: int, title: str) -> Json:
    listing = await get(http, "/api/chats", user=user)
    return dict(next(c for c in listing["chats"] if c["title"] == title))


async def press(http: aiohttp.ClientSession, user: int, chat: int, message: Json, label: str) -> Json:
    button = next(b for row in message["keyboard"] for b in row if label in b["text"])
    pressed = {"user": user, "chat": chat, "message": message["id"], "data": button["data"]}
    return await post(http, "/api/press", pressed)




async def test_the_cast_joined_and_each_unit_group_was_bound_on_feishu(sandbox: FeishuSandbox,
                                                                      http: aiohttp.ClientSession) -> None:  # fmt: skip
    state = await get(http, "/api/state")
    assert state["bot"]["name"] == sandbox.feishu.bot_name and "HAZARD_FEISHU_APP_ID" in state["token_help"]
    first = next(p for p in state["people"] if p["id"] == state["default_user"])
    assert first["label"].endswith("安全员")  # the page starts as a safety officer
    assert sandbox.cast is not None and len(sandbox.cast.groups) == len(sandbox.org.units)
    departments = [c for c in sandbox.cast.groups.values() if c.topics]
    assert departments and len(departments) < len(sandbox.cast.groups)  # both set-ups: 话题群 and ordinary groups
    lead = await person(http, "县消防救援大队 · 负责人")
    listing = (await get(http, "/api/chats", user=lead))["chats"]
    assert listing[0]["id"] == lead and listing[0]["type"] == "private"
    assert [c["title"] for c in listing[1:]] == ["县消防救援大队"]  # only the groups the lead is in
    assert all(c["unread"] == 0 for c in listing)  # the set-up is not news
    async with http.get("/") as response:
        assert "如何接入真实 飞书" in await response.text() and "Telegram" not in await response.text()


async def test_a_report_reaches_the_topic_and_the_ordinary_group_and_is_accepted_in_the_thread(
        sandbox: FeishuSandbox, http: aiohttp.ClientSession) -> None:  # fmt: skip
    officer = await person(http, "城建第三工程有限公司 · 安全员")
    say = {"user": officer, "chat": officer}
    await post(http, "/api/send", say | {"text": "/report"})
    await wait_for(http, officer, officer, None, lambda ms: "请描述" in ms[-1]["html"])
    await post(http, "/api/send", say | {"text": "仓库消防通道被杂物堵塞，灭火器过期"})
    messages = await wait_for(http, officer, officer, None, lambda ms: bool(ms[-1]["keyboard"]))
    await press(http, officer, officer, messages[-1], "消防安全")
    await wait_for(http, officer, officer, None, lambda ms: "位置" in ms[-1]["html"])
    await post(http, "/api/location", say | {"latitude": 30, "longitude": 120}, status=400)  # no pins on Feishu
    await post(http, "/api/send", say | {"text": "一号仓库"})
    await wait_for(http, officer, officer, None, lambda ms: "照片" in ms[-1]["html"])
    form = aiohttp.FormData({"user": str(officer), "chat": str(officer), "as": "photo", "caption": ""})
    form.add_field("file", sample_jpeg(label="feishu"), filename="现场.jpg", content_type="image/jpeg")
    async with http.post("/api/upload", data=form) as response:
        assert response.status == 200, await response.text()
    messages = await wait_for(http, officer, officer, None, lambda ms: "第 1 张" in ms[-1]["html"])
    sent = next(m for m in messages if m["photos"] and m["mine"])
    async with http.get(sent["photos"][0]["full"]) as response:
        assert response.content_type == "image/jpeg" and await response.read() == sample_jpeg(label="feishu")
    for label, expected in (("完成", "隐患等级"), ("一般隐患", "请确认"), ("提交", "已立案")):
        await press(http, officer, officer, last_from_bot(messages), label)
        messages = await wait_for(http, officer, officer, None,
                                  lambda ms, e=expected: e in last_from_bot(ms)["html"])  # type: ignore[misc]

    member = await person(http, "县消防救援大队 · 成员")
    dept = await eventually(lambda: group_of(http, member, "县消防救援大队"),
                            lambda g: g["topics"][0]["name"].startswith("YH-"))  # the newest topic first
    topic, bind = dept["topics"]  # in a 话题群 every message is a topic: the admin's @隐患闭环 /bind too
    assert topic["unread"] >= 1 and bind["name"] == "@隐患闭环 /bind xfdd" and bind["unread"] == 0
    thread = await wait_for(http, member, dept["id"], topic["id"],
                            lambda ms: any("受理定级" in b["text"] for m in ms for row in m["keyboard"] for b in row))
    assert any(m["photos"] for m in thread) and "仓库消防通道被杂物堵塞" in "".join(m["html"] for m in thread)
    card = next(m for m in thread if m["keyboard"])
    answer = await press(http, member, dept["id"], card, "受理定级")
    assert answer["answer"]["text"]  # Feishu's toast, at once
    thread = await wait_for(http, member, dept["id"], topic["id"], lambda ms: "请确定隐患等级" in ms[-1]["html"])
    await press(http, member, dept["id"], thread[-1], "一般隐患")
    await wait_for(http, member, dept["id"], topic["id"], lambda ms: "请输入整改期限" in ms[-1]["html"])
    await post(http, "/api/send", {"user": member, "chat": dept["id"], "thread": topic["id"], "text": "3天内"})
    thread = await wait_for(http, member, dept["id"], topic["id"], lambda ms: "确认" in str(ms[-1]["keyboard"]))
    assert "2026年11月26日" in thread[-1]["html"] and thread[-2]["mine"]  # typed in the thread, answered there
    await press(http, member, dept["id"], thread[-1], "确认")
    await wait_for(http, member, dept["id"], topic["id"], lambda ms: "责任人" in ms[-1]["html"])
    await post(http, "/api/send", {"user": member, "chat": dept["id"], "thread": topic["id"], "text": "王五 仓库主管"})
    await wait_for(http, member, dept["id"], topic["id"], lambda ms: "已完成：受理定级" in ms[-1]["html"])

    town_lead = await person(http, "城关镇 · 负责人")
    town = await eventually(lambda: group_of(http, town_lead, "城关镇"), lambda g: g["unread"] >= 1)
    roots = await wait_for(http, town_lead, town["id"], None, lambda ms: any("YH-" in m["html"] for m in ms))
    assert any(b["text"] == "移送" for m in roots for row in m["keyboard"] for b in row)


async def test_time_moves_and_the_sweep_runs(sandbox: FeishuSandbox, http: aiohttp.ClientSession) -> None:
    before = sandbox.clock.now()
    moved = await post(http, "/api/time", {"step": "hour"})
    assert moved["sweeps"] == 1 and moved["clock"]["offset_hours"] == 1
    assert (sandbox.clock.now() - before).total_seconds() >= 3600


async def test_refusals_and_a_new_person(sandbox: FeishuSandbox, http: aiohttp.ClientSession) -> None:
    await post(http, "/api/send", {"user": 999, "chat": 999, "text": "x"}, status=400)
    officer = await person(http, "城建第三工程有限公司 · 安全员")
    lead = await person(http, "县消防救援大队 · 负责人")
    await post(http, "/api/send", {"user": officer, "chat": lead, "text": "x"}, status=400)  # not their chat
    forged = await post(http, "/api/press", {"user": officer, "chat": officer, "message": 1, "data": "提交"},
                        status=400)  # fmt: skip
    assert forged["error"] == "这个按钮已失效"
    newcomer = (await post(http, "/api/people", {"name": "新来的"}))["id"]
    await post(http, "/api/send", {"user": newcomer, "chat": newcomer, "text": "/help"})
    await wait_for(http, newcomer, newcomer, None, lambda ms: len(ms) == 2 and ms[-1]["from"]["bot"])


async def test_card_markdown_is_drawn_safely() -> None:
    drawn = markdown_html("**编号** *斜* `YH-1`\n> 引用\n[链接](https://example.cn) [坏](javascript:alert(1)) <b>&#42;")
    assert "<b>编号</b>" in drawn and "<i>斜</i>" in drawn and "<code>YH-1</code>" in drawn
    assert "<blockquote>引用</blockquote>" in drawn and 'href="https://example.cn"' in drawn
    assert "javascript" not in drawn.split("href=")[-1].split(">")[0] and "&lt;b>" in drawn


async def test_the_data_folder_and_the_feishu_settings(tmp_path: Path) -> None:
    box = FeishuSandbox(port=0, data_dir=tmp_path, env_file=None)
    settings = box.settings("ou_admin")
    assert settings.messenger == "feishu" and settings.database_path.parent == tmp_path
    assert settings.feishu_admin_open_ids == frozenset({"ou_admin"}) and settings.feishu_domain == box.feishu.url
