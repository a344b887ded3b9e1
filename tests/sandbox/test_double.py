"""The Bot API double against a real python-telegram-bot Application, and over raw HTTP."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from telegram import (
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    InputPaidMediaPhoto,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, RetryAfter
from telegram.warnings import PTBUserWarning

from sandbox.double import ApiError, BotApiDouble
from sandbox.formatting import EntityParseError, detect_entities, parse_html, parse_markdown_v2, utf16_len
from sandbox.images import sample_jpeg, sample_png
from tests.sandbox.conftest import App

# -- round trips through a real Application ---------------------------------------------------


async def test_start_up_calls_get_me_and_polls(api: BotApiDouble, app: App) -> None:
    assert app.bot.username == "hazard_bot"
    assert app.bot.id == 123456
    await api.wait_for(lambda: bool(api.calls("getUpdates")), timeout=2, what="the bot polls")
    assert [r.method for r in api.requests][:3] == ["getMe", "deleteWebhook", "getUpdates"]


async def test_text_round_trip(api: BotApiDouble, app: App) -> None:
    user = api.add_user("张三")
    sent = await api.send_text(user, "你好")
    reply = await api.expect(user.id)
    assert reply.text == "你好"
    assert reply.method == "sendMessage"
    assert reply.sender is api.bot
    assert reply.chat_id == user.id == sent.chat_id
    assert reply["text"] == "你好"  # records read as attributes or items
    assert reply.callback_data("好") == "ok:1"


async def test_command_carries_bot_command_entity(api: BotApiDouble) -> None:
    user = api.add_user("李四")
    plain = await api.send_text(user, "/report 化工厂")
    addressed = await api.send_text(user, "/report@hazard_bot")
    assert plain.entities == ({"type": "bot_command", "offset": 0, "length": 7},)
    assert addressed.entities == ({"type": "bot_command", "offset": 0, "length": 18},)
    update = api.world.updates[0]
    assert update["message"]["entities"][0]["type"] == "bot_command"


async def test_photo_is_stored_in_sizes_and_downloaded(api: BotApiDouble, app: App) -> None:
    user = api.add_user("王五")
    image = sample_jpeg(1280, 960)
    sent = await api.send_photo(user, image, caption="#隐患 配电箱")
    reply = await api.expect(user.id)
    assert reply.text == f"photo {len(image)} bytes"
    assert sent.photo is not None and len(sent.photo) == 4
    assert [(p["width"], p["height"]) for p in sent.photo][-1] == (1280, 960)
    assert all(p["file_size"] > 0 for p in sent.photo)
    assert api.files[sent.photo[-1]["file_id"]].data == image
    assert sent.caption_entities[0]["type"] == "hashtag"
    assert len(api.downloads) == 1


async def test_button_press_is_answered_and_the_edit_drops_the_keyboard(api: BotApiDouble, app: App) -> None:
    user = api.add_user("赵六")
    await api.send_text(user, "确认吗")
    card = await api.expect(user.id)
    query_id = await api.press(user, card, button="好")
    answer = await api.wait_callback_answer(query_id)
    assert answer["text"] == "收到 ok:1"
    edit = await api.expect_edit(user.id)
    assert edit.message is card and card.text == "已确认"
    assert card.reply_markup is None and edit.before["text"] == "确认吗"


async def test_forged_callback_data_still_reaches_the_bot(api: BotApiDouble, app: App) -> None:
    user = api.add_user("孙七")
    await api.send_text(user, "x")
    card = await api.expect(user.id)
    query_id = await api.press(user, card, "v9:forged")
    assert (await api.wait_callback_answer(query_id))["text"] == "收到 v9:forged"


async def test_forum_topic_is_created_and_posted_into(api: BotApiDouble, app: App) -> None:
    user = api.add_user("周八")
    group = api.add_group("县应急管理局", is_forum=True, members=[user])
    command = await api.send_text(user, "/topic YH-2026-000001 化工厂", chat=group)
    assert command.chat.to_api()["is_forum"] is True and command.sender is user
    posted = await api.expect(group.id)
    [topic] = api.topics(group.id)
    assert topic["name"] == "YH-2026-000001 化工厂"
    assert posted.message_thread_id == topic["message_thread_id"]
    assert posted.to_api()["is_topic_message"] is True
    assert posted.text == "<b>已开题</b>" and posted.plain_text == "已开题"
    assert posted.entities[0]["type"] == "bold"
    assert api.sent(group.id, thread_id=topic["message_thread_id"]) == [posted]
    # A user's message in the topic is a reply to the topic's opening message, as in Telegram.
    follow_up = await api.send_text(user, "补充", chat=group, thread_id=topic["message_thread_id"])
    assert follow_up.to_api()["reply_to_message"]["forum_topic_created"]["name"] == topic["name"]


@pytest.mark.parametrize(
    ("forum", "can_manage_topics", "refusal"),
    [(False, True, "chat is not a forum"), (True, False, "not enough rights to create a topic")],
)
async def test_topic_refused_like_telegram(
    api: BotApiDouble, app: App, forum: bool, can_manage_topics: bool, refusal: str
) -> None:
    user = api.add_user("吴九")
    group = api.add_group("乡镇", is_forum=forum, can_manage_topics=can_manage_topics, members=[user])
    await api.send_text(user, "/topic x", chat=group)
    reply = await api.expect(group.id)
    assert refusal in reply.body.lower()
    assert api.topics(group.id) == []
    assert not api.violations  # refused, but the request itself was well-formed


async def test_album_upload_is_multipart_and_stored(api: BotApiDouble, app: App) -> None:
    user = api.add_user("郑十")
    await api.send_text(user, "/album")
    first = await api.expect(user.id)
    assert first.method == "sendMediaGroup"
    assert first.media is not None and [m["type"] for m in first.media] == ["photo", "photo"]
    assert first.caption == "<i>现场</i>" and first.plain_caption == "现场"
    assert first.caption_entities[0]["type"] == "italic"
    assert len({m.media_group_id for m in first.album}) == 1
    assert all(api.files[m["media"]].data for m in first.media)
    await api.expect_nothing(user.id, within=0.05)  # the album was one send


async def test_document_upload_and_a_file_too_big_to_download(api: BotApiDouble, app: App) -> None:
    user = api.add_user("钱一")
    await api.send_text(user, "/card")
    sent = await api.expect(user.id)
    assert sent.document is not None and sent.document["file_name"] == "export.csv"
    assert sent.file is not None and sent.file.data == b"id,name\n1,x\n"
    await api.send_document(user, b"%PDF", file_name="big.pdf", mime_type="application/pdf", file_size=25 * 2**20)
    assert (await api.expect(user.id)).text == "refused: File is too big"
    await api.send_document(user, b"hello", file_name="a.txt", mime_type="text/plain")
    assert (await api.expect(user.id)).text == "document 5 bytes"


async def test_a_file_id_is_taken_only_by_the_send_method_of_its_kind(api: BotApiDouble, app: App) -> None:
    """As Telegram: "It is not possible to change the file type when resending by file_id" — every send method."""
    user = api.add_user("孙二")
    sent_photo = await api.send_photo(user, sample_jpeg(label="p"))
    sent_file = await api.send_document(user, sample_png(label="d"), file_name="d.png", mime_type="image/png")
    assert sent_photo.photo_files and sent_file.document_file
    photo_id = sent_photo.photo_files[-1].file_id
    document_id = sent_file.document_file.file_id
    video_id = api.world.store_file(b"\x00\x00\x00\x18ftypmp42", kind="video").file_id
    refused: list[Callable[[], Awaitable[Any]]] = [
        lambda: app.bot.send_photo(user.id, document_id),
        lambda: app.bot.send_document(user.id, photo_id),
        lambda: app.bot.send_video(user.id, document_id),
        lambda: app.bot.send_document(user.id, video_id),
        lambda: app.bot.send_animation(user.id, document_id),
        lambda: app.bot.send_media_group(user.id, [InputMediaPhoto(photo_id), InputMediaPhoto(document_id)]),
        lambda: app.bot.send_media_group(user.id, [InputMediaDocument(document_id), InputMediaDocument(photo_id)]),
        lambda: app.bot.send_media_group(user.id, [InputMediaVideo(video_id), InputMediaVideo(document_id)]),
        lambda: app.bot.send_paid_media(user.id, 1, [InputPaidMediaPhoto(document_id)]),
    ]
    for call in refused:
        with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
            await call()
    assert not api.violations  # refused at run time, as Telegram does: not a malformed request
    assert (await app.bot.send_document(user.id, document_id, caption="原件")).document.file_id == document_id
    assert (await app.bot.send_photo(user.id, photo_id)).photo
    album = await app.bot.send_media_group(user.id, [InputMediaDocument(document_id), InputMediaDocument(document_id)])
    assert [m.document.file_id for m in album if m.document] == [document_id, document_id]


async def test_location_round_trip(api: BotApiDouble, app: App) -> None:
    user = api.add_user("冯二")
    await api.send_location(user, 30.5728, 104.0668)
    assert (await api.expect(user.id)).text == "at 30.5728,104.0668"


async def test_expect_is_per_thread_and_expect_nothing_watches(api: BotApiDouble, app: App) -> None:
    user = api.add_user("陈三")
    await api.send_text(user, "一")
    await api.send_text(user, "二")
    first, second = await api.expect_many(user.id, 2)
    assert (first.text, second.text) == ("一", "二")
    await api.expect_nothing(user.id, within=0.05)
    with pytest.raises(AssertionError, match="sent nothing new") as failure:
        await api.expect(user.id, timeout=0.05)
    assert "✓" in str(failure.value) and "sendMessage" in str(failure.value)


# -- refusals a correct bot must handle (not violations) --------------------------------------


async def test_runtime_refusals_are_telegram_like_but_not_violations(api: BotApiDouble, app: App) -> None:
    user = api.add_user("褚四")
    group = api.add_group("消防大队", is_forum=True, members=[user])
    with pytest.raises(BadRequest, match="thread not found"):
        await app.bot.send_message(group.id, "x", message_thread_id=999)
    with pytest.raises(BadRequest, match="replied not found"):
        await app.bot.send_message(user.id, "x", reply_to_message_id=999)
    sent = await app.bot.send_message(user.id, "x", reply_to_message_id=999, allow_sending_without_reply=True)
    assert sent.reply_to_message is None
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)
    api.remove_bot(group.id)
    with pytest.raises(Forbidden, match="kicked"):
        await app.bot.send_message(group.id, "x")
    stranger = api.add_user("陌生人", started=False)
    with pytest.raises(Forbidden, match="initiate"):
        await app.bot.send_message(stranger.id, "x")
    assert not api.violations and len(api.errors) == 5


async def test_chat_and_member_reflect_bot_rights(api: BotApiDouble, app: App) -> None:
    group = api.add_group("交通运输局", is_forum=True, can_manage_topics=False)
    chat = await app.bot.get_chat(group.id)
    assert chat.is_forum and chat.type == "supergroup" and chat.title == "交通运输局"
    member = await app.bot.get_chat_member(group.id, app.bot.id)
    assert isinstance(member, ChatMemberAdministrator) and not member.can_manage_topics
    api.set_bot_rights(group.id, can_manage_topics=True)
    member = await app.bot.get_chat_member(group.id, app.bot.id)
    assert isinstance(member, ChatMemberAdministrator) and member.can_manage_topics
    api.set_bot_rights(group.id, is_admin=False)
    assert (await app.bot.get_chat_member(group.id, app.bot.id)).status == "member"
    admins = await app.bot.get_chat_administrators(group.id)
    assert admins == ()


async def test_commands_are_recorded_per_scope_and_language(api: BotApiDouble, app: App) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    await app.bot.set_my_commands([BotCommand("report", "上报隐患")], language_code="zh")
    await app.bot.set_my_commands([BotCommand("help", "帮助")], scope=BotCommandScopeAllPrivateChats())
    assert api.commands[("default", "zh")] == [{"command": "report", "description": "上报隐患"}]
    assert api.commands[("all_private_chats", "")][0]["command"] == "help"
    assert (await app.bot.get_my_commands(language_code="zh"))[0].command == "report"


async def test_privacy_mode_hides_plain_group_text_from_a_non_admin_bot(api: BotApiDouble) -> None:
    user = api.add_user("卫五")
    group = api.add_group("住建局", bot_is_admin=False, members=[user])
    plain = await api.send_text(user, "闲聊", chat=group)
    command = await api.send_text(user, "/help", chat=group)
    assert plain.update_id is None and command.update_id is not None


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter.retry_after as int
async def test_injected_429_then_success(api: BotApiDouble, app: App) -> None:
    user = api.add_user("蒋六")
    fault = api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as error:
        await app.bot.send_message(user.id, "x")
    assert "Retry in 3 seconds" in str(error.value)
    await app.bot.send_message(user.id, "x")
    assert fault.hits == 1 and api.errors[0].error_code == 429 and not api.violations


async def test_escaped_html_is_kept_as_sent_and_shown_parsed(api: BotApiDouble, app: App) -> None:
    user = api.add_user("秦一")
    sent = await app.bot.send_message(user.id, "<b>描述</b>: &lt;script&gt; &amp;", parse_mode="HTML")
    [record] = api.sent(user.id)
    assert record.text == "<b>描述</b>: &lt;script&gt; &amp;"
    assert record.plain_text == sent.text == "描述: <script> &"
    # An edit that changes only the markup, not what users see, is "not modified" in Telegram.
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text(
            "<strong>描述</strong>: &lt;script&gt; &amp;",
            chat_id=user.id,
            message_id=sent.message_id,
            parse_mode="HTML",
        )


async def test_deleted_topic_and_answered_query_are_refused(api: BotApiDouble, app: App) -> None:
    user = api.add_user("尤二")
    group = api.add_group("安委办", is_forum=True, members=[user])
    topic = await app.bot.create_forum_topic(group.id, "YH-2026-000002")
    await app.bot.delete_forum_topic(group.id, topic.message_thread_id)
    with pytest.raises(BadRequest, match="thread not found"):
        await app.bot.send_message(group.id, "x", message_thread_id=topic.message_thread_id)
    assert api.topics(group.id)[0]["is_deleted"] is True
    card = await app.bot.send_message(user.id, "x", reply_markup=_keyboard("a"))
    query_id = await api.press(user, api.sent(user.id)[-1], "a")
    assert card.message_id == api.callback_query(query_id).message.message_id
    await api.wait_callback_answer(query_id)  # the demo bot's handler answers it
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(query_id)
    api.errors.clear()


async def test_group_without_topics_threads_by_replies(api: BotApiDouble, app: App) -> None:
    user = api.add_user("许三")
    group = api.add_group("城关镇", members=[user])
    root = await app.bot.send_message(group.id, "YH-2026-000003")
    await app.bot.send_message(group.id, "其他")
    await app.bot.send_message(group.id, "进展", reply_to_message_id=root.message_id)
    assert [m.text for m in api.sent(group.id, thread_id=root.message_id)] == ["YH-2026-000003", "进展"]
    reply = await api.send_text(user, "收到", chat=group, reply_to=root.message_id)
    assert reply.to_api()["reply_to_message"]["message_id"] == root.message_id


async def test_faults_can_target_calls_and_migrate_chats(api: BotApiDouble, app: App) -> None:
    from telegram.error import ChatMigrated

    one, other = api.add_user("何四"), api.add_user("吕五")
    api.fail_next("sendMessage", 400, migrate_to_chat_id=-1009, when=lambda p: p["chat_id"] == one.id, times=2)
    with pytest.raises(ChatMigrated) as migrated:
        await app.bot.send_message(one.id, "x")
    assert migrated.value.new_chat_id == -1009
    await app.bot.send_message(other.id, "y")  # other chats are untouched
    slow = api.fail_next("getMe", error_code=None, delay=0.05)
    started = time.monotonic()
    await app.bot.get_me()
    assert time.monotonic() - started >= 0.05 and slow.hits == 1
    api.interceptors.append(lambda method, params: ApiError(502, "Bad Gateway") if method == "sendMessage" else None)
    with pytest.raises(Exception, match="Bad Gateway"):
        await app.bot.send_message(other.id, "z")


# -- spec violations --------------------------------------------------------------------------


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]])


async def _long_text(app: App, chat_id: int) -> Any:
    return await app.bot.send_message(chat_id, "字" * 4097)


async def _long_html_text(app: App, chat_id: int) -> Any:
    # 4096 characters once the tags are gone, 4105 with them: only the parsed length counts.
    await app.bot.send_message(chat_id, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    return await app.bot.send_message(chat_id, "<b>" + "字" * 4097 + "</b>", parse_mode="HTML")


async def _long_callback_data(app: App, chat_id: int) -> Any:
    return await app.bot.send_message(chat_id, "x", reply_markup=_keyboard("x" * 65))


async def _long_callback_data_in_bytes(app: App, chat_id: int) -> Any:
    return await app.bot.send_message(chat_id, "x", reply_markup=_keyboard("隐" * 22))  # 66 bytes


async def _long_caption(app: App, chat_id: int) -> Any:
    return await app.bot.send_photo(chat_id, sample_jpeg(32, 32), caption="字" * 1025)


async def _unclosed_html(app: App, chat_id: int) -> Any:
    return await app.bot.send_message(chat_id, "<b>粗体", parse_mode="HTML")


async def _unescaped_user_input(app: App, chat_id: int) -> Any:
    return await app.bot.send_message(chat_id, "描述: a<b 且 c>d", parse_mode="HTML")


async def _unknown_method(app: App, chat_id: int) -> Any:
    return await app.bot.do_api_request("sendHazard", api_kwargs={"chat_id": chat_id})


async def _raw(app: App, method: str, **params: Any) -> Any:
    # PTB warns when do_api_request names a method it has; here bypassing its checks is the point.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return await app.bot.do_api_request(method, api_kwargs=params)


async def _missing_required(app: App, chat_id: int) -> Any:
    return await _raw(app, "sendMessage", chat_id=chat_id)


async def _unknown_parameter(app: App, chat_id: int) -> Any:
    return await _raw(app, "sendMessage", chat_id=chat_id, text="x", colour=1)


async def _wrong_type(app: App, chat_id: int) -> Any:
    return await _raw(app, "sendMessage", chat_id=chat_id, text="x", protect_content="maybe")


async def _album_of_one(app: App, chat_id: int) -> Any:
    return await _raw(app, "sendMediaGroup", chat_id=chat_id, media=[InputMediaPhoto(sample_jpeg(32, 32))])


async def _long_topic_name(app: App, chat_id: int) -> Any:
    return await app.bot.create_forum_topic(chat_id, "题" * 129)


@pytest.mark.parametrize(
    ("make_request", "error"),
    [
        (_long_text, "too long"),
        (_long_html_text, "too long"),
        (_long_callback_data, "BUTTON_DATA_INVALID"),
        (_long_callback_data_in_bytes, "BUTTON_DATA_INVALID"),
        (_long_caption, "caption is too long"),
        (_unclosed_html, "can't parse entities"),
        (_unescaped_user_input, "can't parse entities"),
        (_unknown_method, "Not Found"),
        (_missing_required, "text is empty"),
        (_unknown_parameter, "unknown parameter"),
        (_wrong_type, "expected Boolean"),
        (_album_of_one, "2-10 items"),
        (_long_topic_name, "1-128"),
    ],
)
async def test_spec_violations_are_refused_and_recorded(
    api: BotApiDouble, app: App, make_request: Any, error: str
) -> None:
    user = api.add_user("沈七")
    forum = api.add_group("应急局", is_forum=True, members=[user])
    chat_id = forum.id if make_request is _long_topic_name else user.id
    with pytest.raises((BadRequest, EndPointNotFound)) as refused:
        await make_request(app, chat_id)
    assert error.lower() in refused.value.message.lower()
    [violation] = api.violations
    assert isinstance(violation, ApiError) and violation.violation
    assert error.lower() in " ".join(violation.details).lower()
    api.violations.clear()  # provoked on purpose; the fixture fails a test on any that remain


# -- raw HTTP ---------------------------------------------------------------------------------


async def test_wrong_token_is_401(api: BotApiDouble) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{api.url}/bot999:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_json_form_and_any_case_method_names(api: BotApiDouble) -> None:
    user = api.add_user("韩八")
    url = f"{api.base_url}{api.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/SENDMESSAGE", json={"chat_id": user.id, "text": "json"}) as response:
            assert (await response.json())["result"]["text"] == "json"
        form = {
            "chat_id": str(user.id),
            "text": "form",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        }
        async with http.post(f"{url}/sendmessage", data=form) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
        async with http.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["username"] == "hazard_bot"
    assert [m.text for m in api.sent(user.id)] == ["json", "form"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: BotApiDouble) -> None:
    user = api.add_user("杨九")
    url = f"{api.base_url}{api.token}/getUpdates"

    async def arrive_later() -> None:
        await asyncio.sleep(0.05)
        await api.send_text(user, "到了")

    async with aiohttp.ClientSession() as http:
        started = time.monotonic()
        arrival = asyncio.create_task(arrive_later())
        async with http.post(url, json={"timeout": 10}) as response:
            updates = (await response.json())["result"]
        await arrival
        assert time.monotonic() - started < 1.0
        assert [u["message"]["text"] for u in updates] == ["到了"]
        # Without an offset the update stays; an offset past it confirms it.
        async with http.post(url, json={"timeout": 0}) as response:
            assert len((await response.json())["result"]) == 1
        async with http.post(url, json={"offset": updates[0]["update_id"] + 1, "timeout": 0}) as response:
            assert (await response.json())["result"] == []
        assert api.pending_updates == 0


async def test_allowed_updates_albums_and_one_poll_at_a_time(api: BotApiDouble) -> None:
    user = api.add_user("孔一")
    first, second = await api.send_album(user, [sample_jpeg(label="1"), sample_jpeg(label="2")], caption="#隐患")
    card = api.world.new_message(api.world.private_chat(user), api.bot, text="卡片")
    await api.press(user, card, "x")
    url = f"{api.base_url}{api.token}/getUpdates"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"allowed_updates": ["message"]}) as response:
            raw = (await response.json())["result"]
        updates = [u["message"] for u in raw]
        assert [m.get("caption") for m in updates] == ["#隐患", None]
        assert updates[0]["media_group_id"] == updates[1]["media_group_id"] == first.media_group_id
        assert second.album == [first, second]
        # A second poll ends the first with 409, as Telegram does when two instances poll.
        older = asyncio.create_task(http.post(url, json={"offset": raw[-1]["update_id"] + 1, "timeout": 5}))
        await api.wait_for(lambda: len(api.calls("getUpdates")) == 2)
        async with http.post(url, json={"timeout": 0}) as response:
            assert (await response.json())["result"] == []  # the press was not wanted: dropped
        async with await older as response:
            assert response.status == 409 and "terminated by other getUpdates" in (await response.json())["description"]


async def test_bot_reply_latency_is_not_bound_to_the_poll_timeout(api: BotApiDouble) -> None:
    from sandbox.ptb import running
    from tests.sandbox.conftest import build_demo_app

    app = build_demo_app(api)
    async with running(app, poll_timeout=30):
        user = api.add_user("朱十")
        started = time.monotonic()
        for n in range(5):
            await api.send_text(user, f"第{n}条")
            await api.expect(user.id)
        assert time.monotonic() - started < 1.0


# -- formatting -------------------------------------------------------------------------------


def test_html_is_parsed_like_telegram() -> None:
    parsed = parse_html(
        '<b>粗</b> &lt;x&gt; &amp; &nbsp; <a href="https://e.cn">链</a><pre><code class="language-py">1</code></pre>'
    )
    assert parsed.text == "粗 <x> & &nbsp; 链1"
    kinds = [(e["type"], e["offset"], e["length"]) for e in parsed.entities]
    assert kinds == [("bold", 0, 1), ("text_link", 15, 1), ("pre", 16, 1)]
    assert parsed.entities[2]["language"] == "py"


@pytest.mark.parametrize("markup", ["<b>x", "x</b>", "<b>x</i>", "<foo>x</foo>", "1 < 2", '<a href="x>y</a>'])
def test_bad_html_is_refused(markup: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(markup)


def test_entity_offsets_are_utf16() -> None:
    assert utf16_len("😀字") == 3
    assert parse_html("😀<b>字</b>").entities[0]["offset"] == 2
    assert detect_entities("😀 /start")[0] == {"type": "bot_command", "offset": 3, "length": 6}


def test_markdown_v2_wants_reserved_characters_escaped() -> None:
    assert parse_markdown_v2(r"*粗* 1\.5").text == "粗 1.5"
    with pytest.raises(EntityParseError, match="reserved"):
        parse_markdown_v2("1.5")
