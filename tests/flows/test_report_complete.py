"""Issue 12 §1: every path into a report ends with every required field really filled, asked for in order."""

from __future__ import annotations

import pickle
import sqlite3

from domain.hazards import TextProblem
from sandbox.images import sample_jpeg
from sandbox.model import Message
from tests.flows.conftest import World, start_bot, stop_bot
from tests.flows.steps import buttons, press, ready, rows, say, submit
from usecases import sessions as session_codec


async def officer_says_photo(world: World, caption: str) -> Message:
    await world.api.send_photo(world.officer, sample_jpeg(label="cap"), caption=caption)
    return await world.api.expect(world.officer.id)


async def test_a_photo_captioned_only_with_the_tag_asks_for_every_missing_field(world: World) -> None:
    """Was: a hazard filed with the description and place "empty", and topics titled "… empty"."""
    await ready(world)
    asked = await officer_says_photo(world, "#隐患")
    assert "请描述" in asked["text"] and "empty" not in asked["text"]
    categories = await say(world, "配电箱电线私拉乱接")
    assert "消防安全" in buttons(categories)
    place_question = await press(world, categories, "消防安全")
    assert "具体位置" in place_question["text"]
    grade_question = await say(world, "一号车间")
    assert "隐患等级" in grade_question["text"]  # the photo came with the report: no photo question
    card = await press(world, grade_question, next(k for k in buttons(grade_question) if "一般" in k))
    assert "empty" not in card["text"] and "-" not in card["plain_text"].split("位置：")[1].split("\n")[0]
    assert "描述：配电箱电线私拉乱接" in card["plain_text"] and "位置：一号车间" in card["plain_text"]
    await submit(world, card)
    assert rows(world, "SELECT description, place FROM hazards") == [("配电箱电线私拉乱接", "一号车间")]
    topic = await world.api.expect(world.dept_group.id)
    assert "配电箱电线私拉乱接" in topic["caption"] and "empty" not in topic["caption"]
    assert all("empty" not in t["name"] for t in world.api.topics(world.dept_group.id))


async def test_a_caption_without_a_place_asks_for_the_place(world: World) -> None:
    await ready(world)
    categories = await officer_says_photo(world, "#隐患 #重大 车间配电箱电线私拉乱接")
    place_question = await press(world, categories, "消防安全")
    assert "具体位置" in place_question["text"]
    card = await say(world, "一号车间")
    assert "请确认隐患报告" in card["text"] and "位置：一号车间" in card["plain_text"]
    await submit(world, card)
    assert rows(world, "SELECT description, place, grade FROM hazards") == [
        ("车间配电箱电线私拉乱接", "一号车间", "major")]


async def test_a_caption_that_says_nothing_gets_the_hint_then_the_question(world: World) -> None:
    await ready(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="x"), caption="#隐患 🔥！！ 地点：。。")
    hint = await world.api.expect(world.officer.id)
    assert "没有说清隐患" in hint["text"] and "在什么位置" in hint["text"] and "有多严重" in hint["text"]
    place_hint = await world.api.expect(world.officer.id)
    assert "位置没有说清" in place_hint["text"]
    asked = await world.api.expect(world.officer.id)
    assert "请描述" in asked["text"]
    assert rows(world, "SELECT COUNT(*) FROM hazards") == [(0,)]


async def test_typed_descriptions_that_say_nothing_are_refused_and_change_nothing(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    for useless in ("#隐患", "。。。", "🔥😀", "火", "#消防安全 #重大"):
        refused = await say(world, useless)
        assert "没有说清隐患" in refused["text"] and "例如" in refused["text"], useless
    categories = await say(world, "灭火器过期")
    assert "消防安全" in buttons(categories)
    assert "具体位置" in (await press(world, categories, "消防安全"))["text"]
    refused = await say(world, "……")
    assert "位置没有说清" in refused["text"]
    photos_question = await say(world, "二号仓库")
    assert "现场照片" in photos_question["text"]


async def test_an_edit_from_the_confirm_card_is_checked_like_the_first_answer(world: World) -> None:
    await ready(world)
    categories = await officer_says_photo(world, "#隐患 #一般 灭火器过期 地点：二号仓库")
    card = await press(world, categories, "消防安全")
    assert "请确认隐患报告" in card["text"]
    await world.api.press(world.officer, card, buttons(card)["修改"])
    which = await world.api.expect(world.officer.id)
    reopened = await press(world, which, "隐患描述")
    assert "请描述" in reopened["text"]
    assert "没有说清隐患" in (await say(world, "！"))["text"]
    again = await say(world, "灭火器过期三个月，压力表指针在红区")
    assert "请确认隐患报告" in again["text"] and "压力表" in again["plain_text"]
    await submit(world, again)
    assert rows(world, "SELECT description FROM hazards") == [("灭火器过期三个月，压力表指针在红区",)]


async def test_an_album_captioned_only_with_the_tag_keeps_every_photo_and_asks_the_rest(world: World) -> None:
    await ready(world)
    await world.api.send_album(world.officer, [sample_jpeg(label=f"al{n}") for n in range(3)], caption="#隐患")
    asked = await world.api.expect(world.officer.id)
    assert "请描述" in asked["text"]
    await world.api.expect_nothing(world.officer.id)  # the album's other photos are taken silently
    categories = await say(world, "仓库内电动车违规充电")
    place_question = await press(world, categories, next(iter(buttons(categories))))
    assert "具体位置" in place_question["text"]
    grade_question = await say(world, "成品仓库北侧")
    card = await press(world, grade_question, next(k for k in buttons(grade_question) if "一般" in k))
    assert "照片：3 张" in card["text"] and "位置：成品仓库北侧" in card["plain_text"]
    await submit(world, card)
    assert rows(world, "SELECT description, place FROM hazards") == [("仓库内电动车违规充电", "成品仓库北侧")]
    assert rows(world, "SELECT COUNT(*) FROM hazard_photos") == [(3,)]


async def test_a_draft_the_version_before_stored_with_the_placeholder_is_never_filed(world: World) -> None:
    """A draft the version before had filled with "empty" (kept across the upgrade) is not filed: the version before
    pickled its sessions, and a pickled session is never unpickled now, only dropped; the officer starts again."""
    await ready(world)
    categories = await officer_says_photo(world, "#隐患 #一般 灭火器过期 地点：二号仓库")
    card = await press(world, categories, "消防安全")
    assert "请确认隐患报告" in card["text"]
    await stop_bot(world.app)
    with sqlite3.connect(world.database()) as conn:  # as the version before would have stored it
        [(text,)] = conn.execute("SELECT data FROM sessions WHERE user_id = ?", (world.officer.id,)).fetchall()
        draft = session_codec.load(text)["draft"]
        draft.description, draft.place = TextProblem.EMPTY, TextProblem.EMPTY
        conn.execute("UPDATE sessions SET data = ? WHERE user_id = ?", (pickle.dumps({"draft": draft}),
                                                                           world.officer.id))  # fmt: skip
    world.app = await start_bot(world.settings, world.clock, world.kb)
    pressed = await world.api.press(world.officer, card, buttons(card)["提交"])
    assert "已失效" in (await world.api.wait_callback_answer(pressed))["text"]
    assert rows(world, "SELECT COUNT(*) FROM hazards") == [(0,)]
    assert "请描述" in (await say(world, "/report"))["text"]
    categories = await say(world, "灭火器过期，压力不足")
    place_question = await press(world, categories, "消防安全")
    assert "具体位置" in place_question["text"]
