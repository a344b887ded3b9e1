"""The steps flow tests share: a user says, presses, files, accepts, verifies — through the real bot and the Bot API
double (tests/flows/conftest.py), as the test modules of each feature use them."""

from __future__ import annotations

import datetime as dt
import io
import random
import sqlite3
import sys
from typing import Any

from PIL import Image

from bot.jobs import sweep
from sandbox.images import sample_jpeg
from sandbox.model import Message
from tests.flows.conftest import World


def buttons(message: Message) -> dict[str, str]:
    """Label → callback data of a message's inline keyboard."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def rows(world: World, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute(sql, params).fetchall()


async def ready(world: World, *, bind_township: bool = True) -> None:
    """Both groups bound (or only the department's), the officer joined."""
    await world.bind(world.dept_group, "xfdd")
    if bind_township:
        await world.bind(world.town_group, "cgz")
    await world.join(world.officer, "e01", "安全员")


async def say(world: World, text: str) -> Message:
    return await world.command(world.officer, text)


async def press(world: World, message: Message, label: str) -> Message:
    """Press the report button labelled `label`: the question it answered becomes the next one, in place."""
    await world.api.press(world.officer, message, buttons(message)[label])
    edit = await world.api.expect_edit(world.officer.id)
    assert edit.message_id == message["message_id"]
    await world.api.expect_nothing(world.officer.id, within=0)  # no new message beside it
    return edit.message


DESCRIPTION = "二号仓库灭火器过期，安全出口被杂物堵塞"


async def report_until_photos(world: World, description: str = DESCRIPTION) -> Message:
    asked = await say(world, "/report")
    assert "请描述" in asked["text"]
    categories = await say(world, description)
    assert next(iter(buttons(categories))) == "消防安全", categories["text"]  # suggested from 灭火器 / 安全出口
    place_question = await press(world, categories, "消防安全")
    assert "具体位置" in place_question["text"]
    photos_question = await say(world, "二号仓库东门")
    assert "现场照片" in photos_question["text"]
    return photos_question


async def finish(world: World, photos_question: Message, grade: str = "一般隐患") -> Message:
    """完成 → grade → the confirmation card."""
    grade_question = await press(world, photos_question, "完成")
    assert "隐患等级" in grade_question["text"]
    label = next(k for k in buttons(grade_question) if grade in k)
    card = await press(world, grade_question, label)
    assert "请确认隐患报告" in card["text"]
    return card


async def submit(world: World, card: Message) -> Message:
    filed = await press(world, card, "提交")
    assert "已立案" in filed["text"]
    return filed


def events(world: World) -> list[tuple[str, str]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute("SELECT action, to_state FROM events ORDER BY id").fetchall()


async def file_hazard(world: World) -> tuple[Message, Message]:
    """The officer files one hazard; returns its card in the department's topic and in the township's group."""
    photos_question = await report_until_photos(world)
    await submit(world, await finish(world, photos_question))
    cards = await world.api.expect(world.dept_group.id), await world.api.expect(world.town_group.id)
    assert "已送达：县消防救援大队、城关镇" in (await world.api.expect(world.officer.id))["plain_text"]
    return cards


async def answer(world: World, user: Any, chat: Any, text: str) -> Message:
    """Type into a group, in the topic of the bot's last message there (None: the private chat); the bot's next
    message there."""
    thread_id = world.api.sent(chat)[-1]["message_thread_id"] if chat is not None else None
    await world.api.send_text(user, text, chat=chat, thread_id=thread_id)
    return await world.api.expect(chat.id if chat is not None else user.id)


async def press_as(world: World, user: Any, message: Message, label: str) -> str:
    return await world.api.press(user, message, buttons(message)[label])


async def verify(world: World, member: Any, message: Message, opinion: str | None = None) -> Message:
    """验收通过 from `message`: the optional 验收意见 (typed, or 无意见), then 确认; the bot's 已完成 reply."""
    chat = message["chat"]["id"]
    group = world.dept_group if chat == world.dept_group.id else world.town_group
    await press_as(world, member, message, "验收通过")
    asked = await world.until(chat, "验收意见")
    confirm = await answer(world, member, group, opinion) if opinion else None
    if confirm is None:
        await press_as(world, member, asked, "无意见")
        confirm = await world.until(chat, "请确认")
    assert "请确认验收通过" in confirm["plain_text"]
    await press_as(world, member, confirm, "确认")
    return await world.until(chat, "已完成：验收通过")


async def recheck_pass(world: World, user: Any, message: Message, note: str = "复查整改到位") -> Message:
    """复查通过 from `message` in the township's group: the note, no photos (完成), the bot's 已完成 reply."""
    await press_as(world, user, message, "复查通过")
    await world.until(world.town_group.id, "复查情况")
    photos = await answer(world, user, world.town_group, note)
    assert "现场照片" in photos["plain_text"]
    await press_as(world, user, photos, "完成")
    return await world.until(world.town_group.id, "已完成：复查通过")


async def people(world: World) -> tuple[Any, Any, Any]:
    """Two department members and the township's lead, joined."""
    first = world.api.add_user(first_name="消防一")
    second = world.api.add_user(first_name="消防二")
    lead = world.api.add_user(first_name="城关镇长")
    for user in (first, second):
        world.api.set_member(world.dept_group, user)
        await world.join(user, "xfdd", "成员")
    world.api.set_member(world.town_group, lead)
    await world.join(lead, "cgz", "负责人")
    return first, second, lead


async def accept(world: World, member: Any, card: Message, deadline: str = "3天内") -> None:
    """受理定级 in the department's topic: 一般, the deadline typed, confirmed, a person responsible."""
    group = world.dept_group
    await press_as(world, member, card, "受理定级")
    grade_question = await world.api.expect(group.id)
    assert "请确定隐患等级" in grade_question["plain_text"]
    await press_as(world, member, grade_question, "一般隐患")
    deadline_question = await world.api.expect(group.id)
    assert "请输入整改期限" in deadline_question["plain_text"]
    echo = await answer(world, member, group, deadline)
    assert "2026年11月26日（星期四）18:00" in echo["plain_text"]
    await press_as(world, member, echo, "确认")
    person_question = await world.api.expect(group.id)
    assert "责任人" in person_question["plain_text"]
    done = await answer(world, member, group, "王五 仓库主管")
    assert "已完成：受理定级" in done["plain_text"] and "整改中" in done["plain_text"]


async def asked_for_a_deadline(world: World) -> tuple[Any, Message, Message]:
    """A hazard filed; a department member pressed 受理定级 and 一般隐患 in its topic: the member, the card and the
    deadline question."""
    await ready(world)
    member, _, _ = await people(world)
    card, _ = await file_hazard(world)
    await press_as(world, member, card, "受理定级")
    await press_as(world, member, await world.api.expect(world.dept_group.id), "一般隐患")
    return member, card, await world.api.expect(world.dept_group.id)


async def accepted(world: World) -> tuple[Any, Any, Any, Message]:
    """A hazard accepted (一般, 3天内) by the department; the accept notices swept out. Returns people and card."""
    await ready(world)
    member, other, lead = await people(world)
    card, _ = await file_hazard(world)
    await accept(world, member, card)
    await sweep(world.app)
    await world.until(world.officer.id, "已受理")
    return member, other, lead, card


async def submit_rectification(world: World) -> None:
    notice = world.api.sent(world.officer.id)[-1]
    await press_as(world, world.officer, notice, "提交整改")
    await world.until(world.officer.id, "整改措施")
    await answer(world, world.officer, None, "已整改到位")
    await world.api.send_photo(world.officer, sample_jpeg(label="after"))
    await press_as(world, world.officer, await world.until(world.officer.id, "第 1 张"), "完成")
    await world.until(world.officer.id, "已完成：提交整改")
    await sweep(world.app)


MAJOR = "🔴重大隐患（挂牌督办）"


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo of a 'scene' of its own: blocks of colour laid out by the seed (perceptually unlike any other seed)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    cells = Image.new("RGB", (8, 6))
    cells.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(48)])
    image.paste(cells.resize(size, Image.Resampling.NEAREST))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


async def file_with(world: World, photos: list[bytes], grade: str = "一般隐患") -> None:
    """The officer reports a hazard with these photos; the cards reach both groups."""
    question = await report_until_photos(world)
    for n, data in enumerate(photos, 1):
        await world.api.send_photo(world.officer, data)
        assert f"第 {n} 张" in (await world.api.expect(world.officer.id))["plain_text"]
    await submit(world, await finish(world, question, grade))
    await world.until(world.officer.id, "已送达")  # the follow-up once both units have the report


async def accept_in_topic(world: World, member: Any, card: Message, grade: str = "一般隐患") -> None:
    """受理定级 from the card in the department's topic, 15 days, 王五."""
    group = world.dept_group
    await press_as(world, member, card, "受理定级")
    await press_as(world, member, await world.until(group.id, "隐患等级"), grade)
    await world.until(group.id, "整改期限")
    await press_as(world, member, await answer(world, member, group, "十五日内"), "确认")
    await world.until(group.id, "责任人")
    assert "已完成：受理定级" in (await answer(world, member, group, "王五 仓库主管"))["plain_text"]


async def rectify(world: World, code: str, photos: list[bytes]) -> None:
    """The officer submits the rectification of `code` from its latest notice, with these photos."""
    notice = [m for m in world.api.sent(world.officer.id) if code in (m["plain_text"] or "") and
              "提交整改" in buttons(m)][-1]  # fmt: skip
    await press_as(world, world.officer, notice, "提交整改")
    await world.until(world.officer.id, "整改措施")
    asked = await answer(world, world.officer, None, "已更换灭火器，清理安全出口")
    assert "整改后照片" in asked["plain_text"]
    for n, data in enumerate(photos, 1):
        await world.api.send_photo(world.officer, data)
        received = await world.until(world.officer.id, f"第 {n} 张")
    await press_as(world, world.officer, received, "完成")
    await world.until(world.officer.id, "已完成：提交整改")


# an export worker (reports.worker.COMMAND) that reads its job and never answers: the code under test stops it (the
# sleep bounds it only if a test fails to)
NEVER_ANSWERING_WORKER = (sys.executable, "-c", "import sys, time; sys.stdin.buffer.read(); time.sleep(60)")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


async def document(world: World, chat_id: int) -> Any:
    """The next document the bot sends to the chat (the files /export sends)."""
    while True:
        message = await world.api.expect(chat_id, timeout=20)
        if message["document_file"] is not None:
            return message


def anchors(world: World) -> dict[str, int]:
    """Each thread's anchor message id, by unit."""
    with sqlite3.connect(world.database()) as conn:
        return dict(conn.execute("SELECT unit_id, anchor_message_id FROM hazard_threads").fetchall())


def card(world: World, chat: Any, unit_id: str) -> Any:
    """The thread's anchor card as the group sees it now."""
    return world.api.chat(chat).messages[anchors(world)[unit_id]]


def shown(message: Any) -> str:
    return message["plain_text"] or message["plain_caption"] or ""


async def filed(world: World, photos: list[bytes]) -> Any:
    await ready(world)
    member, _, lead = await people(world)
    await file_with(world, photos)
    await world.until(world.dept_group.id, "YH-2026-000001")
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])
    return member, lead


async def leads_and_office(world: World) -> tuple[Any, Any]:
    """The department's lead joined, and the 安委办's group bound."""
    dept_lead = world.api.add_user(first_name="消防大队长")
    world.api.set_member(world.dept_group, dept_lead)
    await world.join(dept_lead, "xfdd", "负责人")
    office = world.api.add_group(title="县安委办", is_forum=False, bot_is_admin=True, can_manage_topics=False,
                                 members=[world.admin])
    await world.bind(office, "awb")
    return dept_lead, office
