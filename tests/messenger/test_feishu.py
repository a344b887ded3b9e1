"""The Feishu implementation of the messenger port, through the real SDK against the Feishu double: cards, threads,
images, edits, the address book, and Feishu's errors read as the port's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.hazards import MediaKind, Photo
from messenger.feishu import FeishuError, FeishuMessenger, client, markdown, translate
from messenger.port import Blocked, NotEditable, Place, Refused, RetryLater, ThreadGone, Unreachable
from sandbox.feishu.double import FeishuDouble
from storage.addresses import OFFSET, AddressBook
from storage.db import Database
from texts import Html
from views.keyboards import Button

PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


@pytest.fixture
async def feishu() -> AsyncIterator[FeishuDouble]:
    async with FeishuDouble() as double:
        yield double
    assert not [v for v in double.violations if "fault injected" in v]


@pytest.fixture
async def book(tmp_path: Path) -> AsyncIterator[AddressBook]:
    db = await Database.open(tmp_path / "ledger.sqlite3")
    yield AddressBook(db, "feishu")
    await db.close()


@pytest.fixture
def messenger(feishu: FeishuDouble, book: AddressBook, tmp_path: Path) -> FeishuMessenger:
    (tmp_path / "photo.png").write_bytes(PNG)
    api = client(feishu.app_id, feishu.app_secret, feishu.url)
    return FeishuMessenger(api, book, lambda p: tmp_path / p.media_path)


def _photo() -> Photo:
    return Photo("img_user", "u", "a" * 64, len(PNG), "photo.png", MediaKind.PHOTO)


def test_catalog_html_becomes_card_markdown() -> None:
    assert markdown(Html("<b>YH-2026-000001</b> 整改期限 <i>3天内</i>")) == "**YH-2026-000001** 整改期限 *3天内*"
    assert markdown(Html('<a href="https://example.cn/">地图</a>')) == "[地图](https://example.cn/)"
    assert markdown(Html("<blockquote>第一行\n第二行</blockquote>")) == "> 第一行\n> 第二行"
    # what a user typed shows as typed, never as marks
    assert markdown(Html("a*b*c &lt;x&gt; [1]")) == "a&#42;b&#42;c &lt;x&gt; &#91;1&#93;"


async def test_a_card_with_buttons_goes_to_a_chat_and_is_edited_for_everyone(
        feishu: FeishuDouble, messenger: FeishuMessenger, book: AddressBook) -> None:
    group = feishu.add_group("县消防救援大队")
    chat = await book.local("chat", group.chat_id)
    assert chat < -OFFSET  # a chat is negative in the ledger, as a Telegram group is
    keyboard = ((Button("受理定级", "h1:7:accept"), Button("移送", "h1:7:transfer")),)
    sent = await messenger.send_text(Place(chat), Html("<b>隐患</b> 已上报"), keyboard)
    message = await feishu.expect(group)
    assert await book.external("message", sent) == message.message_id
    assert message.text == "隐患 已上报"
    assert message.buttons == [("受理定级", {"d": "h1:7:accept"}), ("移送", {"d": "h1:7:transfer"})]
    assert message.content["config"]["update_multi"] is True  # shared: an edit shows to the whole group

    await messenger.edit_card(chat, sent, Html("已受理"), None)
    assert feishu.messages[message.message_id].text == "已受理" and feishu.messages[message.message_id].buttons == []
    calls = len(feishu.calls("/im/v1/messages"))
    await messenger.edit_card(chat, sent, Html("已受理"), None)  # unchanged: nothing to ask Feishu
    assert len(feishu.calls("/im/v1/messages")) == calls
    await messenger.set_buttons(chat, sent, ((Button("查看详情", "v1:7:details"),),))
    assert feishu.messages[message.message_id].buttons == [("查看详情", {"d": "v1:7:details"})]
    assert feishu.messages[message.message_id].text == "已受理"
    assert feishu.violations == []


async def test_a_thread_opens_with_a_title_and_everything_after_replies_in_it(
        feishu: FeishuDouble, messenger: FeishuMessenger, book: AddressBook) -> None:
    group = feishu.add_group("城关镇", topics=True)
    chat = await book.local("chat", group.chat_id)
    thread = await messenger.open_thread(chat, "YH-2026-000001 配电箱无防护")
    card = await messenger.send_text(Place(chat, thread_id=thread), Html("卡片"))
    await messenger.send_image(Place(chat, thread_id=thread), _photo(), Html("整改前"))
    root = await book.external("message", thread)
    in_thread = feishu.sent(group, thread_of=root)
    assert [m.text for m in in_thread] == ["YH-2026-000001 配电箱无防护", "卡片", "整改前"]
    assert len({m.thread_id for m in in_thread[1:]}) == 1 and in_thread[1].thread_id
    assert in_thread[2].images and feishu.images[in_thread[2].images[0]] == PNG
    assert await book.external("message", card) == in_thread[1].message_id
    assert feishu.violations == []


async def test_an_album_is_one_card_per_ten_images_and_each_photo_is_uploaded_once(
        feishu: FeishuDouble, messenger: FeishuMessenger, book: AddressBook) -> None:
    group = feishu.add_group("县应急管理局")
    chat = await book.local("chat", group.chat_id)
    await messenger.send_album(Place(chat), [(_photo(), Html(f"照片{i}")) for i in range(12)])
    cards = feishu.sent(group)
    assert [len(m.images) for m in cards] == [10, 2]
    assert len(feishu.calls("/im/v1/images")) == 1


async def test_a_chart_is_uploaded_and_sent(feishu: FeishuDouble, messenger: FeishuMessenger,
                                            book: AddressBook) -> None:  # fmt: skip
    group = feishu.add_group("安委办")
    await messenger.send_chart(await book.local("chat", group.chat_id), PNG, Html("本周统计"))
    message = await feishu.expect(group)
    assert message.text == "本周统计" and len(message.images) == 1


async def test_the_rate_limit_is_retry_later_with_fei_shus_reset(feishu: FeishuDouble, messenger: FeishuMessenger,
                                                                 book: AddressBook) -> None:  # fmt: skip
    group = feishu.add_group("县住房和城乡建设局")
    chat = await book.local("chat", group.chat_id)
    feishu.rate_limit_next(reset=7)
    with pytest.raises(RetryLater) as caught:
        await messenger.send_text(Place(chat), Html("提醒"))
    assert caught.value.wait == timedelta(seconds=7)
    await messenger.send_text(Place(chat), Html("提醒"))  # after the wait it goes
    assert (await feishu.expect(group)).text == "提醒"


async def test_a_removed_bot_a_recalled_root_and_an_old_card(feishu: FeishuDouble, messenger: FeishuMessenger,
                                                             book: AddressBook) -> None:  # fmt: skip
    group = feishu.add_group("城关镇")
    chat = await book.local("chat", group.chat_id)
    root = await messenger.open_thread(chat, "YH-2026-000002")
    card = await messenger.send_text(Place(chat, thread_id=root), Html("卡片"))
    feishu.recall(await book.external("message", root))
    with pytest.raises(ThreadGone):
        await messenger.send_text(Place(chat, thread_id=root), Html("提醒"))
    feishu.recall(await book.external("message", card))
    with pytest.raises(NotEditable):
        await messenger.edit_card(chat, card, Html("已受理"), None)
    feishu.remove_bot(group)
    with pytest.raises(Blocked):
        await messenger.send_text(Place(chat), Html("提醒"))


async def test_an_expired_token_is_fetched_again(feishu: FeishuDouble, messenger: FeishuMessenger,
                                                 book: AddressBook) -> None:  # fmt: skip
    group = feishu.add_group("县消防救援大队")
    chat = await book.local("chat", group.chat_id)
    await messenger.send_text(Place(chat), Html("一"))
    feishu.expire_tokens()
    with pytest.raises(Unreachable):  # the one retry policy tries again later …
        await messenger.send_text(Place(chat), Html("二"))
    await messenger.send_text(Place(chat), Html("二"))  # … with a new token
    assert [m.text for m in feishu.sent(group)] == ["一", "二"]


@pytest.mark.parametrize(("code", "status", "expected"), [
    (99991400, 429, RetryLater), (230020, 400, RetryLater), (230002, 400, Blocked), (230013, 400, Blocked),
    (99991663, 400, Unreachable), (230001, 400, Refused), (230099, 400, Refused), (1, 500, Unreachable),
])  # fmt: skip
def test_fei_shus_codes_become_the_ports(code: int, status: int, expected: type[Exception]) -> None:
    translated = translate(FeishuError(code, "msg", status, {}))
    assert type(translated) is expected
    assert str(code) in str(translated)


def test_in_an_edit_every_refusal_means_the_card_cannot_be_edited() -> None:
    assert type(translate(FeishuError(230011, "recalled", 400, {}), editing=True)) is NotEditable
    assert type(translate(FeishuError(230001, "bad", 400, {}), editing=True)) is NotEditable
    assert type(translate(FeishuError(230011, "recalled", 400, {}), in_thread=True)) is ThreadGone


def test_the_card_json_is_what_feishu_documents() -> None:
    from messenger.feishu import card

    built = card(Html("文字"), ((Button("受理", "h1:1:accept"),),))
    assert json.loads(json.dumps(built))["elements"][1]["actions"][0]["value"] == {"d": "h1:1:accept"}


async def test_sends_are_paced_to_feishus_limits_so_none_is_refused(book: AddressBook, tmp_path: Path) -> None:
    async with FeishuDouble(limits=True) as feishu:  # 50 a second for the app, 5 a second to one chat
        messenger = FeishuMessenger(client(feishu.app_id, feishu.app_secret, feishu.url), book,
                                    lambda p: tmp_path / p.media_path)  # fmt: skip
        group = feishu.add_group("县消防救援大队")
        chat = await book.local("chat", group.chat_id)
        await asyncio.gather(*(messenger.send_text(Place(chat), Html(f"提醒{i}")) for i in range(7)))
        assert feishu.refused_for_rate == 0 and len(feishu.sent(group)) == 7
        assert feishu.sends[-1] - feishu.sends[0] >= 1.0  # the sixth and seventh waited for the chat's next second
