"""The sandbox over HTTP: the cast set up through the bot, and the page's JSON API acting as its people."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
import pytest_asyncio

from config.settings import PROJECT_ROOT
from domain.knowledge import KnowledgeBase
from sandbox.cast import ADMIN_ID
from sandbox.images import sample_jpeg
from sandbox.runner import Sandbox, run_due_work
from storage.documents import load_knowledge
from tests.sandbox.pageapi import Json, eventually, get, last_from_bot, post, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")



@pytest.fixture(scope="module")
def module_kb() -> KnowledgeBase:
    """The bundled speeches, indexed once for this module."""
    return load_knowledge(PROJECT_ROOT / "config" / "corpus")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory, module_kb: KnowledgeBase) -> AsyncIterator[Sandbox]:
    """One running sandbox for the module; tests act as different people so they do not meet."""
    box = Sandbox(port=0, data_dir=tmp_path_factory.mktemp("sandbox"), kb=module_kb, env_file=None)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
    assert not box.api.violations, box.api.violations


@pytest_asyncio.fixture(loop_scope="module")
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    """A client for the page's address."""
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session






def person(sandbox: Sandbox, label: str) -> int:
    """The user id of the cast member whose label is ``label``."""
    assert sandbox.cast is not None
    return next(user.id for user, part in sandbox.cast.people if part.label == label)








async def test_the_cast_joined_and_the_groups_were_bound_through_the_bot(sandbox: Sandbox, http: aiohttp.ClientSession
                                                                         ) -> None:
    state = await get(http, "/api/state")
    labels = {p["label"] for p in state["people"]}
    expected = {"管理员", "示范化工有限公司 · 安全员", "县安委办 · 负责人", "县应急管理局 · 成员", "城关镇 · 负责人"}
    assert expected <= labels
    assert "@BotFather" in state["token_help"]
    database = sandbox.data_dir / "hazards.sqlite3"
    with sqlite3.connect(database) as conn:
        bound = {row[0] for row in conn.execute("SELECT unit_id FROM group_bindings")}
        members = conn.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    assert bound == set(sandbox.org.units)
    assert members == len(state["people"])  # everyone joined by invite, the admin as a configured admin
    invites = [m for m in sandbox.api.messages(ADMIN_ID) if m.plain.startswith("/invite")]
    assert len(invites) == len(state["people"]) - 1


async def test_each_person_sees_their_private_chat_and_their_units_group(sandbox: Sandbox,
                                                                         http: aiohttp.ClientSession) -> None:
    officer = person(sandbox, "示范化工有限公司 · 安全员")
    [private] = (await get(http, "/api/chats", user=officer))["chats"]
    assert private["id"] == officer and private["type"] == "private" and private["unread"] == 0
    lead = person(sandbox, "县应急管理局 · 负责人")
    chats = (await get(http, "/api/chats", user=lead))["chats"]
    assert [c["title"] for c in chats] == [sandbox.api.bot.first_name, "县应急管理局"]
    assert chats[1]["is_forum"]
    admin_chats = (await get(http, "/api/chats", user=ADMIN_ID))["chats"]
    assert len(admin_chats) == 1 + len(sandbox.org.units)
    async with http.get("/api/messages", params={"user": officer, "chat": chats[1]["id"]}) as response:
        assert response.status == 400 and (await response.json())["error"] == "您不在这个群里"


async def test_text_is_sent_as_the_user_and_markup_in_it_is_escaped(sandbox: Sandbox,
                                                                    http: aiohttp.ClientSession) -> None:
    officer = person(sandbox, "河西木制品加工厂 · 安全员")
    await post(http, "/api/send", {"user": officer, "chat": officer, "text": "<script>你好 & /help"})
    messages = await wait_for(http, officer, officer, None, lambda ms: ms[-1]["from"]["bot"])
    mine = next(m for m in messages if m["mine"] and "你好" in m["html"])
    assert mine["html"].startswith("&lt;script&gt;你好 &amp; ")
    await post(http, "/api/send", {"user": officer, "chat": officer, "text": "  "}, status=400)


async def test_a_report_with_a_photo_buttons_edits_and_the_department_topic(sandbox: Sandbox,
                                                                           http: aiohttp.ClientSession) -> None:
    officer = person(sandbox, "城建第三工程有限公司 · 安全员")
    say = {"user": officer, "chat": officer}
    await post(http, "/api/send", say | {"text": "/report"})
    await wait_for(http, officer, officer, None, lambda ms: "请描述" in ms[-1]["html"])
    await post(http, "/api/send", say | {"text": "仓库消防通道被杂物堵塞，灭火器过期"})
    messages = await wait_for(http, officer, officer, None, lambda ms: bool(ms[-1]["keyboard"]))
    categories = messages[-1]
    fire = next(b for row in categories["keyboard"] for b in row if b["text"] == "消防安全")
    pressed = await post(http, "/api/press", say | {"message": categories["id"], "data": fire["data"]})
    assert "answer" in pressed
    messages = await wait_for(http, officer, officer, None, lambda ms: "具体位置" in ms[-1]["html"])
    edited = next(m for m in messages if m["id"] == categories["id"])
    assert edited["edited"] and not edited["keyboard"]  # the page shows the edit in place

    await post(http, "/api/send", say | {"text": "一号仓库"})
    await wait_for(http, officer, officer, None, lambda ms: "现场照片" in ms[-1]["html"])
    form = aiohttp.FormData({"user": str(officer), "chat": str(officer), "as": "photo", "caption": ""})
    form.add_field("file", sample_jpeg(label="web"), filename="现场.jpg", content_type="image/jpeg")
    async with http.post("/api/upload", data=form) as response:
        assert response.status == 200, await response.text()
    messages = await wait_for(http, officer, officer, None, lambda ms: "第 1 张" in ms[-1]["html"])
    photo = next(m for m in messages if m["photos"])
    async with http.get(photo["photos"][0]["full"]) as response:
        assert response.content_type == "image/jpeg" and await response.read() == sample_jpeg(label="web")

    for label, expected in (("完成", "隐患等级"), ("一般隐患", "请确认"), ("提交", "已立案")):
        last = last_from_bot(messages)
        button = next(b for row in last["keyboard"] for b in row if label in b["text"])
        await post(http, "/api/press", say | {"message": last["id"], "data": button["data"]})
        messages = await wait_for(http, officer, officer, None,
                                  lambda ms, e=expected, after=last["id"]: any(  # type: ignore[misc]
                                      e in m["html"] for m in ms if m["from"]["bot"] and m["id"] >= after))

    lead = person(sandbox, "县消防救援大队 · 负责人")
    group = sandbox.cast.groups["xfdd"].id  # type: ignore[union-attr]

    async def topics() -> list[Json]:
        listing = await get(http, "/api/chats", user=lead)
        return list(next(c for c in listing["chats"] if c["id"] == group)["topics"])

    [topic] = await eventually(topics, lambda found: len(found) == 1)
    assert topic["name"].startswith("YH-") and topic["unread"] >= 1
    thread = await wait_for(http, lead, group, topic["id"], lambda ms: any(m["photos"] for m in ms))
    assert thread[0]["service"].startswith("话题已创建")
    assert "仓库消防通道被杂物堵塞" in thread[1]["html"]
    listing = await get(http, "/api/chats", user=lead)
    assert next(c for c in listing["chats"] if c["id"] == group)["topics"][0]["unread"] == 0


async def test_files_and_locations(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    admin = ADMIN_ID
    fields = {"user": str(admin), "chat": str(admin), "as": "file", "caption": "说明"}
    form = aiohttp.FormData(fields, quote_fields=False)  # as browsers send names: UTF-8, not %-encoded
    form.add_field("file", "第一行\n".encode(), filename="清单 1.txt", content_type="text/plain")
    async with http.post("/api/upload", data=form) as response:
        assert response.status == 200, await response.text()
    messages = await wait_for(http, admin, admin, None, lambda ms: any(m["document"] for m in ms))
    document = next(m for m in messages if m["document"])["document"]
    assert document["name"] == "清单 1.txt"
    async with http.get(document["href"]) as response:
        assert "attachment" in response.headers["Content-Disposition"] and "%E6%B8%85%E5%8D%95" in \
            response.headers["Content-Disposition"]
        assert await response.read() == "第一行\n".encode()

    form = aiohttp.FormData({"user": str(admin), "chat": str(admin), "as": "photo"})
    form.add_field("file", b"not an image", filename="x.jpg", content_type="image/jpeg")
    async with http.post("/api/upload", data=form) as response:
        assert response.status == 400 and "不是图片" in (await response.json())["error"]

    await post(http, "/api/location", {"user": admin, "chat": admin, "latitude": "30.27", "longitude": 120.15})
    messages = await wait_for(http, admin, admin, None, lambda ms: any(m["location"] for m in ms))
    assert next(m for m in messages if m["location"])["location"] == {"latitude": 30.27, "longitude": 120.15}
    await post(http, "/api/location", {"user": admin, "chat": admin, "latitude": 91, "longitude": 0}, status=400)


async def test_time_moves_forward_and_due_work_runs(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    ran: list[str] = []

    async def sweep(_: object) -> None:
        ran.append("job")

    assert sandbox.app.job_queue is not None
    sandbox.app.job_queue.run_once(sweep, timedelta(hours=6), name="sweep")
    before = sandbox.clock.now()
    moved = await post(http, "/api/time", {"step": "day"})
    assert ran == ["job"] and moved["sweeps"] >= 1
    assert moved["clock"]["moved"] == "已快进 1 天" and moved["clock"]["offset_hours"] == 24
    assert sandbox.clock.now() - before >= timedelta(days=1)
    assert sandbox.api.world.now() - before >= timedelta(days=1)  # the double's message dates move too
    await post(http, "/api/time", {"step": "hour"})
    assert (await get(http, "/api/state"))["clock"]["moved"] == "已快进 1 天1 小时"
    await post(http, "/api/time", {"step": "year"}, status=400)


async def test_run_due_work_calls_a_sweep_on_the_services() -> None:
    called: list[object] = []

    async def sweep(app: object) -> None:
        called.append(app)

    app = SimpleNamespace(bot_data=SimpleNamespace(services=SimpleNamespace(sweep=sweep)), job_queue=None)
    assert await run_due_work(app) == 1 and called == [app]  # type: ignore[arg-type]
    bare = SimpleNamespace(bot_data=SimpleNamespace(), job_queue=None)
    assert await run_due_work(bare) == 0  # type: ignore[arg-type]


async def test_a_new_person_joins_with_an_invite(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    created = await post(http, "/api/people", {"name": "新来的"})
    newcomer = created["id"]
    await post(http, "/api/send", {"user": ADMIN_ID, "chat": ADMIN_ID, "text": "/invite e02 安全员"})
    messages = await wait_for(http, ADMIN_ID, ADMIN_ID, None, lambda ms: "?start=" in ms[-1]["html"])
    code = messages[-1]["html"].split("?start=")[1].split('"')[0]
    await post(http, "/api/send", {"user": newcomer, "chat": newcomer, "text": f"/start {code}"})
    await wait_for(http, newcomer, newcomer, None, lambda ms: "加入成功" in ms[-1]["html"])
    state = await get(http, "/api/state")
    assert any(p["id"] == newcomer and p["label"] == "新用户（未加入）" for p in state["people"])
    await post(http, "/api/people", {"name": ""}, status=400)


async def test_other_sites_cannot_post_and_unknown_users_are_refused(http: aiohttp.ClientSession) -> None:
    async with http.post("/api/time", json={"step": "day"}, headers={"Origin": "http://evil.example"}) as response:
        assert response.status == 403
    await post(http, "/api/send", {"user": 1, "chat": 1, "text": "x"}, status=400)
    async with http.get("/") as response:
        assert "本地沙盒" in await response.text()
    async with http.get("/files/nope") as response:
        assert response.status == 404


async def test_updates_long_poll_answers_on_change(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    version = (await get(http, "/api/state"))["version"]
    waiting = asyncio.ensure_future(get(http, "/api/updates", since=version))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await post(http, "/api/send", {"user": ADMIN_ID, "chat": ADMIN_ID, "text": "/help"})
    assert (await asyncio.wait_for(waiting, 5))["version"] > version


async def test_the_data_folder_is_the_sandboxs_own(tmp_path: Path) -> None:
    box = Sandbox(port=0, data_dir=tmp_path, env_file=None)
    settings = box.settings()
    assert settings.database_path.parent == tmp_path and settings.media_dir.parent == tmp_path
    assert settings.admin_ids == frozenset({ADMIN_ID}) and not settings.rate_limit
    assert settings.api_base_url.startswith("http://127.0.0.1:")
