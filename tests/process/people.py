"""The county's people as the crash test drives them: officers who report and rectify, a department member
who accepts and verifies. Each follows only the bot's messages in its own chat and never consumes them,
so the checks can read everything afterwards; any flow may be cut short by a kill at any step."""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.double import BotApiDouble, Chat, Message, User
from sandbox.images import sample_jpeg

WAIT = 20.0  # a live bot answers in milliseconds; this only bounds a hang (two cores shared with the bot)


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows from the bot's database, read beside the running bot (WAL: readers never block it)."""
    with closing(sqlite3.connect(database, timeout=10)) as conn:
        return conn.execute(sql, params).fetchall()


def sha256(data: bytes) -> str:
    """Hex SHA-256, as the media store names files."""
    return hashlib.sha256(data).hexdigest()


def shown(message: Message) -> str:
    """What the user sees of a message: its text or caption."""
    return message.plain_text or message.plain_caption or ""


class Reader:
    """Follows what the bot sends into one chat (or one topic), from now on, without consuming it."""

    def __init__(self, api: BotApiDouble, chat_id: int, thread_id: int | None = None) -> None:
        self.api, self.chat_id, self.thread_id = api, chat_id, thread_id
        self.cursor = len(api.sent(chat_id, thread_id))

    async def next(self, needle: str, *, query_id: str | None = None) -> Message | None:
        """The next bot message showing `needle`; None if the button press `query_id` was refused instead."""
        found: list[Message] = []

        def arrived() -> bool:
            messages = self.api.sent(self.chat_id, self.thread_id)
            for index in range(self.cursor, len(messages)):
                if needle in shown(messages[index]):
                    self.cursor = index + 1
                    found.append(messages[index])
                    return True
            return query_id is not None and bool((self.api.callback_answer(query_id) or {}).get("text"))

        await self.api.wait_for(arrived, WAIT, f"{needle!r} in chat {self.chat_id}")
        return found[0] if found else None

    async def shown_on(self, message: Message, needle: str) -> Message:
        """`message` once the bot has edited it to show `needle` (a button's answer given in place)."""
        await self.api.wait_for(lambda: needle in shown(message), WAIT, f"{needle!r} on message {message.message_id}")
        return message


@dataclass
class Draft:
    """A report an officer began: where it began in the private chat and the photos sent with it, in order."""

    start: int
    photos: list[str] = field(default_factory=list)


@dataclass
class Officer:
    """A safety officer of one enterprise: reports hazards (step by step or by a #隐患 caption) and rectifies."""

    api: BotApiDouble
    user: User
    enterprise_id: str
    database: Path
    rng: random.Random
    drafts: list[Draft] = field(default_factory=list)
    serial: int = 0

    async def run(self) -> None:
        """Act until cancelled (the bot is killed)."""
        while True:
            rectifying = query(self.database, "SELECT id FROM hazards WHERE enterprise_id = ? AND state = 'rectifying'",
                               (self.enterprise_id,))  # fmt: skip
            if rectifying and self.rng.random() < 0.5:
                await self.rectify(self.rng.choice(rectifying)[0])
            elif self.rng.random() < 0.6:
                await self.report_step_by_step()
            else:
                await self.report_by_caption()

    def _photo(self, draft: Draft | None = None) -> bytes:
        self.serial += 1
        data = sample_jpeg(320, 240, (40 + self.serial % 200, 90, 140), f"{self.user.id}-{self.serial}")
        if draft is not None:
            draft.photos.append(sha256(data))
        return data

    def _begin(self) -> tuple[Draft, Reader]:
        draft = Draft(len(self.api.sent(self.user.id)))
        self.drafts.append(draft)
        return draft, Reader(self.api, self.user.id)

    async def report_step_by_step(self) -> None:
        """/report, description, category, place, 0-3 photos, grade, 提交."""
        draft, chat = self._begin()
        await self.api.send_text(self.user, "/report")
        await chat.next("请描述")
        await self.api.send_text(self.user, f"灭火器过期，安全出口堵塞（{self.user.id}-{len(self.drafts)}）")
        categories = await chat.next("请选择隐患所属行业领域")
        assert categories is not None
        await self.api.press(self.user, categories, button="消防安全")
        await chat.shown_on(categories, "具体位置")
        await self.api.send_text(self.user, f"{len(self.drafts)}号仓库")
        last = await chat.next("现场照片")
        for n in range(self.rng.choice((0, 1, 1, 2, 3))):
            await self.api.send_photo(self.user, self._photo(draft))
            last = await chat.next(f"已收到第 {n + 1} 张")
        assert last is not None
        await self.api.press(self.user, last, button="完成")
        await self._grade_and_submit(chat, await chat.shown_on(last, "请初步判定隐患等级"))

    async def report_by_caption(self) -> None:
        """A photo or an album captioned #隐患 #消防安全 … 地点：…, then grade and 提交."""
        draft, chat = self._begin()
        caption = f"#隐患 #消防安全 电线私拉乱接（{self.user.id}-{len(self.drafts)}） 地点：配电室{len(self.drafts)}"
        count = self.rng.choice((1, 2, 3))
        if count == 1:
            await self.api.send_photo(self.user, self._photo(draft), caption=caption)
        else:
            await self.api.send_album(self.user, [self._photo(draft) for _ in range(count)], caption=caption)
        grade = await chat.next("请初步判定隐患等级")
        assert grade is not None
        await self._grade_and_submit(chat, grade)

    async def _grade_and_submit(self, chat: Reader, grade: Message) -> None:
        """一般隐患 on the grade question, which becomes the card; 提交 on the card, which becomes the filing."""
        await self.api.press(self.user, grade, button="一般隐患")
        card = await chat.shown_on(grade, "请确认隐患报告")
        await self.api.press(self.user, card, button="提交")
        await chat.shown_on(card, "已立案")

    async def rectify(self, hazard_id: int) -> None:
        """提交整改 from the private chat: measures, one or two after-photos, 完成."""
        chat = Reader(self.api, self.user.id)
        anchor = self.api.sent(self.user.id)[-1]
        pressed = await self.api.press(self.user, anchor, f"h1:{hazard_id}:submit")
        if await chat.next("整改措施", query_id=pressed) is None:
            return  # refused: the hazard moved on
        await self.api.send_text(self.user, f"已更换灭火器、清理出口（措施 {self.user.id}-{self.serial}）")
        await chat.next("整改后")
        last = None
        for n in range(self.rng.choice((1, 2))):
            await self.api.send_photo(self.user, self._photo())
            last = await chat.next(f"已收到第 {n + 1} 张")
        assert last is not None
        await self.api.press(self.user, last, button="完成")
        await chat.next("已完成：提交整改")

    def draft_of(self, position: int) -> Draft | None:
        """The report the officer was working on when the bot's message at `position` arrived."""
        begun = [d for d in self.drafts if d.start <= position]
        return begun[-1] if begun else None


@dataclass
class DepartmentMember:
    """A member of the department's group (with topics): accepts reported hazards, verifies rectifications."""

    api: BotApiDouble
    user: User
    group: Chat
    unit_id: str
    database: Path
    rng: random.Random
    serial: int = 0

    async def run(self) -> None:
        """Act until cancelled (the bot is killed)."""
        while True:
            work = await self._work()
            hazard_id, state, topic = self.rng.choice(work)
            if state == "reported":
                await self.accept(hazard_id, topic)
            else:
                await self.verify(hazard_id, topic, passed=self.rng.random() < 0.6)

    async def _work(self) -> list[tuple[int, str, int]]:
        """Hazards this unit can act on now, delivered into its topics (waits until there are some)."""
        while True:
            rows = query(self.database,
                         "SELECT h.id, h.state, t.topic_id FROM hazards h JOIN hazard_threads t ON t.hazard_id = h.id"
                         " WHERE t.unit_id = ? AND t.delivered_at IS NOT NULL AND t.topic_id IS NOT NULL"
                         " AND h.state IN ('reported', 'awaiting_verification')", (self.unit_id,))  # fmt: skip
            ready = [(h, s, t) for h, s, t in rows if self.api.sent(self.group, t)]
            if ready:
                return ready
            await asyncio.sleep(0.05)  # new work arrives through the database; poll it

    async def _press(self, hazard_id: int, topic: int, action: str, needle: str) -> tuple[Reader, Message] | None:
        """Press an action button for the hazard in its topic; the bot's first question, or None if refused."""
        chat = Reader(self.api, self.group.id, topic)
        anchor = self.api.sent(self.group, topic)[-1]
        pressed = await self.api.press(self.user, anchor, f"h1:{hazard_id}:{action}")
        question = await chat.next(needle, query_id=pressed)
        return None if question is None else (chat, question)

    async def _say(self, topic: int, text: str) -> None:
        await self.api.send_text(self.user, text, chat=self.group, thread_id=topic)

    async def accept(self, hazard_id: int, topic: int) -> None:
        """受理定级: 一般, a deadline typed as officials write it and confirmed, the person responsible."""
        asked = await self._press(hazard_id, topic, "accept", "请确定隐患等级")
        if asked is None:
            return
        chat, grade = asked
        await self.api.press(self.user, grade, button="一般隐患")
        await chat.next("请输入整改期限")
        await self._say(topic, self.rng.choice(("明天", "3天内", "2个工作日内")))
        echo = await chat.next("确认吗")
        assert echo is not None
        await self.api.press(self.user, echo, button="确认")
        await chat.next("责任人")
        self.serial += 1
        await self._say(topic, f"王五-{self.user.id}-{self.serial} 仓库主管")
        await chat.next("已完成：受理定级")

    async def verify(self, hazard_id: int, topic: int, *, passed: bool) -> None:
        """验收通过, or 退回整改 with a reason."""
        if passed:
            asked = await self._press(hazard_id, topic, "verify_pass", "验收意见")
            if asked is None:
                return
            chat, opinion = asked
            await self.api.press(self.user, opinion, button="无意见")
        else:
            asked = await self._press(hazard_id, topic, "verify_refuse", "请输入理由")
            if asked is None:
                return
            chat, _ = asked
            self.serial += 1
            await self._say(topic, f"出口仍有杂物（退回 {self.user.id}-{self.serial}）")
        confirm = await chat.next("请确认")
        if confirm is None:
            return
        await self.api.press(self.user, confirm, button="确认")
        await chat.next("已完成：验收通过" if passed else "已完成：退回整改")


INVITE_CODE = re.compile(r"start=([\w-]+)")


async def join(api: BotApiDouble, admin: User, user: User, target: str, role: str) -> None:
    """The admin invites `user` as `role` of `target`; the user follows the link."""
    admin_chat = Reader(api, admin.id)
    await api.send_text(admin, f"/invite {target} {role}")
    created = await admin_chat.next("start=")
    assert created is not None
    code = INVITE_CODE.search(shown(created))
    assert code, shown(created)
    user_chat = Reader(api, user.id)
    await api.send_text(user, f"/start {code.group(1)}")
    await user_chat.next("加入成功")


async def bind(api: BotApiDouble, admin: User, group: Chat, unit_id: str) -> None:
    """The admin binds a group to a unit."""
    chat = Reader(api, group.id)
    await api.send_text(admin, f"/bind {unit_id}", chat=group)
    await chat.next("已将本群绑定")
