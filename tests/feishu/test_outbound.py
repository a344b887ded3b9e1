"""The outbound pipeline on Feishu: the sweep that delivers to Telegram delivers, unchanged, through the Feishu
messenger — a filed hazard's card in its two units' groups (a 话题群 and an ordinary group), the reporter told in the
private chat, the cards updated in place when the hazard moves on."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.org import load_org
from config.settings import Settings
from domain.clock import FakeClock
from domain.hazards import Draft, Grade
from domain.lifecycle import Action, Actor, Payload, Transition
from domain.members import InviteSpec, Role
from domain.org import UnitKind
from kernel.services import Services
from messenger.feishu import FeishuMessenger, client
from outbound.dispatcher import Outbound
from sandbox.feishu.double import FeishuDouble, User
from sandbox.images import sample_jpeg
from storage.addresses import AddressBook
from storage.members import GroupBinding
from usecases.actions import apply_action
from usecases.reporting import file_report

MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@dataclass
class County:
    feishu: FeishuDouble
    services: Services
    book: AddressBook
    outbound: Outbound
    officer: User
    member: User

    async def local(self, user: User) -> int:
        return await self.book.local("user", user.open_id)


@pytest.fixture
async def county(tmp_path: Path) -> AsyncIterator[County]:
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        media_dir=tmp_path / "media", knowledge_dir=tmp_path / "knowledge")
    services = await Services.open(settings, load_org(settings.org_file), FakeClock(MONDAY))
    async with FeishuDouble() as feishu:
        book = AddressBook(services.repos.db, "feishu")
        messenger = FeishuMessenger(client(feishu.app_id, feishu.app_secret, feishu.url), book, services.media.path_of)
        county = County(feishu, services, book, Outbound(services, messenger), feishu.add_user("张三"),
                        feishu.add_user("李四"))
        for code, spec, user in (("a", InviteSpec(Role.OFFICER, None, "e01"), county.officer),
                                 ("b", InviteSpec(Role.MEMBER, "xfdd", None), county.member)):  # fmt: skip
            await services.members.create_invite(code, spec, 1, MONDAY, MONDAY + dt.timedelta(days=1))
            await services.members.redeem_invite(code, await county.local(user), user.name, MONDAY)
        yield county
        assert feishu.violations == []
    await services.close()


async def test_a_filed_hazard_reaches_both_units_on_feishu_and_its_cards_follow_it(county: County) -> None:
    feishu, services, book = county.feishu, county.services, county.book
    department = feishu.add_group("县消防救援大队", [county.member], topics=True)  # a 话题群
    township = feishu.add_group("城关镇")  # an ordinary group: the card is the thread's root
    for unit_id, group in (("xfdd", department), ("cgz", township)):
        chat = await book.local("chat", group.chat_id)
        await services.groups.bind(GroupBinding(unit_id, chat, group.name, group.topics), 1, MONDAY)

    staged = [services.media.stage("d1", sample_jpeg(label="scene"), "img_user", "u-1", ".jpg")]
    draft = Draft(key="d1", enterprise_id="e01", description="二号仓库灭火器过期，安全出口被杂物堵塞",
                  category_id="xfaq", place="二号仓库", grade=Grade.GENERAL, photos=staged, photos_done=True)
    hazard = (await file_report(services, draft, await county.local(county.officer), None)).hazard
    await county.outbound.deliver()

    topic = feishu.sent(department)
    assert hazard.code in topic[0].text  # the topic's first message, its title
    card = topic[1]
    assert card.root_id == topic[0].message_id and card.thread_id  # the card in the topic
    assert "已上报" in card.text and len(card.images) == 1  # one photo: the card is its caption
    assert [label for label, _ in card.buttons] and all(v["d"].startswith("h1:") for _, v in card.buttons)
    [root] = feishu.sent(township)
    assert "已上报" in root.text and not root.root_id
    told = await feishu.until(feishu.p2p(county.officer), hazard.code)
    assert "县消防救援大队" in told.text and "城关镇" in told.text

    member = Actor(await county.local(county.member), Role.MEMBER, "xfdd", UnitKind.DEPARTMENT)
    accept = Payload(grade=Grade.GENERAL, deadline=MONDAY + dt.timedelta(days=3, hours=8), responsible_person="王五")
    assert isinstance(await apply_action(services, hazard.id, member, Action.ACCEPT, accept, [], None), Transition)
    await county.outbound.sweep()
    for shown in (feishu.messages[card.message_id], feishu.messages[root.message_id]):
        assert "整改中" in shown.text and "王五" in shown.text, shown.text
        assert shown.edits  # updated in place, for everyone in the group (a shared card)
    assert len(feishu.messages[card.message_id].images) == 1  # the photo stays on its card
