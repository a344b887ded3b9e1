"""The two messengers behind one set of verbs, so that one scenario runs on both: Telegram through the Bot API double,
Feishu through the Feishu double. A driver acts as a person (types in a private chat or in a group's thread, sends a
photo, presses a button) and reads what the bot sent where (a person's private chat, a unit's group)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.jobs import sweep
from tests.feishu.conftest import FeishuWorld
from tests.flows.conftest import World
from tests.flows.steps import buttons, ready


@dataclass(frozen=True)
class Seen:
    """A message the bot sent, as a person sees it: its text and its buttons' labels; `raw` is the double's own."""

    text: str
    labels: list[str]
    raw: Any


class Driver(Protocol):
    name: str
    officer: Any
    member: Any
    lead: Any
    dept: Any  # 县消防救援大队's group (with topics)
    town: Any  # 城关镇's group (without)

    async def setup(self) -> None: ...
    async def private(self, person: Any, text: str) -> Seen: ...
    async def photo(self, person: Any, data: bytes) -> None: ...
    async def answer(self, person: Any, group: Any, text: str) -> Seen: ...
    async def press(self, person: Any, message: Seen, label: str) -> None: ...
    async def press_in_place(self, person: Any, message: Seen, label: str) -> Seen: ...
    async def next(self, place: Any) -> Seen: ...
    async def until(self, place: Any, text: str) -> Seen: ...
    def advance(self, delta: dt.timedelta) -> None: ...
    async def sweep(self) -> None: ...
    def events(self) -> list[tuple[str, str]]: ...


def _events(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT action, to_state FROM events ORDER BY id").fetchall()


class TelegramDriver:
    name = "telegram"

    def __init__(self, world: World) -> None:
        self.world, self.api = world, world.api
        self.officer, self.dept, self.town = world.officer, world.dept_group, world.town_group
        self.member = self.api.add_user(first_name="消防一")
        self.lead = self.api.add_user(first_name="城关镇长")

    async def setup(self) -> None:
        await ready(self.world)
        self.api.set_member(self.dept, self.member)
        await self.world.join(self.member, "xfdd", "成员")
        self.api.set_member(self.town, self.lead)
        await self.world.join(self.lead, "cgz", "负责人")

    @staticmethod
    def _seen(message: Any) -> Seen:
        return Seen(message["plain_text"] or message["plain_caption"] or "", list(buttons(message)), message)

    def _chat(self, place: Any) -> int:
        return int(place.id)

    async def private(self, person: Any, text: str) -> Seen:
        await self.api.send_text(person, text)
        return self._seen(await self.api.expect(person.id))

    async def photo(self, person: Any, data: bytes) -> None:
        await self.api.send_photo(person, data)

    async def answer(self, person: Any, group: Any, text: str) -> Seen:
        thread_id = self.api.sent(group)[-1]["message_thread_id"]  # the topic of the bot's last message there
        await self.api.send_text(person, text, chat=group, thread_id=thread_id)
        return self._seen(await self.api.expect(group.id))

    async def press(self, person: Any, message: Seen, label: str) -> None:
        await self.api.press(person, message.raw, buttons(message.raw)[label])

    async def press_in_place(self, person: Any, message: Seen, label: str) -> Seen:
        await self.press(person, message, label)
        return self._seen((await self.api.expect_edit(person.id)).message)

    async def next(self, place: Any) -> Seen:
        return self._seen(await self.api.expect(self._chat(place)))

    async def until(self, place: Any, text: str) -> Seen:
        return self._seen(await self.world.until(self._chat(place), text))

    def advance(self, delta: dt.timedelta) -> None:
        self.world.clock.advance(delta)

    async def sweep(self) -> None:
        await sweep(self.world.app)

    def events(self) -> list[tuple[str, str]]:
        return _events(self.world.database())


class FeishuDriver:
    name = "feishu"

    def __init__(self, world: FeishuWorld) -> None:
        self.world, self.feishu = world, world.feishu
        self.officer, self.dept, self.town = world.officer, world.dept_group, world.town_group
        self.member = self.feishu.add_user("消防一")
        self.lead = self.feishu.add_user("城关镇长")

    async def setup(self) -> None:
        await self.world.bind(self.dept, "xfdd")
        await self.world.bind(self.town, "cgz")
        await self.world.join(self.officer, "e01", "安全员")
        self.dept.members.add(self.member.open_id)
        await self.world.join(self.member, "xfdd", "成员")
        self.town.members.add(self.lead.open_id)
        await self.world.join(self.lead, "cgz", "负责人")

    @staticmethod
    def _seen(message: Any) -> Seen:
        return Seen(message.text, [label for label, _ in message.buttons], message)

    def _chat(self, place: Any) -> Any:
        return place if hasattr(place, "chat_id") else self.feishu.p2p(place)

    async def private(self, person: Any, text: str) -> Seen:
        await self.feishu.send_text(person, text)
        return self._seen(await self.feishu.expect(self.feishu.p2p(person)))

    async def photo(self, person: Any, data: bytes) -> None:
        await self.feishu.send_image(person, data)

    async def answer(self, person: Any, group: Any, text: str) -> Seen:
        """Typed in the thread of the bot's last message in the group, @-mentioning the bot (without the permission
        to read every group message, Feishu gives the bot only what mentions it)."""
        last = self.feishu.sent(group)[-1]
        await self.feishu.send_text(person, text, chat=group, mention=True, reply_to=last)
        return self._seen(await self.feishu.expect(group))

    async def press(self, person: Any, message: Seen, label: str) -> None:
        await self.feishu.press(person, message.raw, label)

    async def press_in_place(self, person: Any, message: Seen, label: str) -> Seen:
        card = self.feishu.messages[message.raw.message_id]
        edits = len(card.edits)
        await self.press(person, message, label)
        await self.feishu.wait_for(lambda: len(card.edits) > edits, what=f"the card after {label}")
        return self._seen(card)

    async def next(self, place: Any) -> Seen:
        return self._seen(await self.feishu.expect(self._chat(place)))

    async def until(self, place: Any, text: str) -> Seen:
        return self._seen(await self.feishu.until(self._chat(place), text))

    def advance(self, delta: dt.timedelta) -> None:
        self.world.clock.advance(delta)

    async def sweep(self) -> None:
        await self.world.bot.inbound.background.wait()  # the sweep an action started, first
        await self.world.bot.sweep()

    def events(self) -> list[tuple[str, str]]:
        return _events(self.world.settings.database_path)


Make = Callable[[Any], Driver]
