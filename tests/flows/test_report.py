"""Reporting a hazard in private chat, filing it, and threading it to its department and township."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from sandbox.images import sample_jpeg, sample_png
from tests.flows.conftest import World
from tests.flows.steps import buttons, finish, press, ready, report_until_photos, rows, say, submit


async def test_report_with_photos_opens_a_topic_and_a_reply_thread(world: World) -> None:
    await ready(world)
    photos_question = await report_until_photos(world)
    for n in range(2):
        await world.api.send_photo(world.officer, sample_jpeg(label=f"p{n}"))
        ack = await world.api.expect(world.officer.id)
        assert f"第 {n + 1} 张" in ack["text"]
    card = await finish(world, photos_question)
    assert "照片：2 张" in card["text"] and "消防安全" in card["text"]
    filed = await submit(world, card)
    assert "YH-2026-000001" in filed["text"] and "县消防救援大队（行业主管）、城关镇（属地）" in filed["text"]

    # department: a topic of its own, opened by the card and the photos as one album
    topic_card = await world.api.expect(world.dept_group.id)
    topics = world.api.topics(world.dept_group.id)
    assert len(topics) == 1 and topics[0]["name"].startswith("YH-2026-000001 示范化工有限公司 二号仓库")
    assert topic_card["message_thread_id"] == topics[0]["message_thread_id"]
    assert "YH-2026-000001" in topic_card["text"] and "二号仓库灭火器过期" in topic_card["text"]
    album = await world.api.expect(world.dept_group.id)
    assert album["method"] == "sendMediaGroup" and len(album["media"]) == 2

    # township without topics: the card is the thread, the album replies to it
    town_card = await world.api.expect(world.town_group.id)
    town_album = await world.api.expect(world.town_group.id)
    assert town_album["reply_to_message_id"] == town_card["message_id"]

    [(code, grade, state)] = rows(world, "SELECT code, grade, state FROM hazards")
    assert (code, grade, state) == ("YH-2026-000001", "general", "reported")
    photos = rows(world, "SELECT sha256, media_path, size FROM hazard_photos ORDER BY position")
    assert len(photos) == 2
    for sha, path, size in photos:
        stored = world.settings.media_dir / path
        assert stored.exists() and stored.stat().st_size == size and sha in path
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])
    threads = rows(world, "SELECT unit_id, topic_id, anchor_message_id FROM hazard_threads ORDER BY unit_id")
    assert threads == [("cgz", None, town_card["message_id"]),
                       ("xfdd", topics[0]["message_thread_id"], topic_card["message_id"])]
    assert rows(world, "SELECT action, to_state FROM events") == [("report", "reported")]
    assert not list((world.settings.media_dir / "staging").iterdir())


async def test_caption_shortcut_asks_only_what_is_missing(world: World) -> None:
    await ready(world)
    await world.api.send_album(world.officer, [sample_jpeg(label=f"a{n}") for n in range(3)],
                               caption="#隐患 #重大 车间配电箱电线私拉乱接 地点：一号车间")
    categories = await world.api.expect(world.officer.id)
    assert next(iter(buttons(categories))) == "消防安全"
    card = await press(world, categories, "消防安全")
    assert card["plain_text"].startswith("行业领域：消防安全\n\n请确认隐患报告")
    assert "照片：3 张" in card["text"] and "一号车间" in card["text"] and "重大隐患" in card["text"]
    filed = await submit(world, card)
    assert "YH-2026-000001" in filed["text"]
    assert rows(world, "SELECT grade, place FROM hazards") == [("major", "一号车间")]
    assert len(rows(world, "SELECT 1 FROM hazard_photos")) == 3


async def test_cancel_stores_nothing(world: World) -> None:
    await ready(world)
    await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="c"))
    await world.api.expect(world.officer.id)
    assert "已取消" in (await say(world, "/cancel"))["text"]
    assert rows(world, "SELECT COUNT(*) FROM hazards") == [(0,)]
    assert not list((world.settings.media_dir / "staging").iterdir())
    assert "没有进行中的操作" in (await say(world, "/cancel"))["text"]


async def test_bad_files_and_text_are_refused(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    too_long = await say(world, "长" * 5000)
    assert "5000字" in too_long["text"] and "1000字以内" in too_long["text"]
    categories = await say(world, "<b>配电箱</b> & 电线 <script>")
    assert "消防安全" in buttons(categories)
    await press(world, categories, "消防安全")
    photos_question = await say(world, "配电室")

    await world.api.send_document(world.officer, b"%PDF-1.4 not an image", file_name="a.pdf",
                                  mime_type="application/pdf")
    assert "只能接收图片" in (await world.api.expect(world.officer.id))["text"]
    await world.api.send_document(world.officer, b"\x00garbage", file_name="fake.jpg", mime_type="image/jpeg")
    assert "只能接收图片" in (await world.api.expect(world.officer.id))["text"]
    await world.api.send_document(world.officer, sample_png(), file_name="big.png", mime_type="image/png",
                                  file_size=25 * 1024 * 1024)
    assert "超过 20 MB" in (await world.api.expect(world.officer.id))["text"]
    await world.api.send_document(world.officer, sample_png(), file_name="ok.png", mime_type="image/png")
    assert "第 1 张" in (await world.api.expect(world.officer.id))["text"]

    card = await finish(world, photos_question)
    assert "描述：&lt;b&gt;配电箱&lt;/b&gt; &amp; 电线 &lt;script&gt;" in card["text"]  # escaped in the HTML sent
    assert "描述：<b>配电箱</b> & 电线 <script>" in card["plain_text"]  # so the officer sees it as typed
    await submit(world, card)
    assert rows(world, "SELECT description FROM hazards") == [("<b>配电箱</b> & 电线 <script>",)]
    assert rows(world, "SELECT media_path FROM hazard_photos")[0][0].endswith(".png")


async def test_stale_forged_and_unknown_buttons_change_nothing(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    categories = await say(world, "灭火器过期")
    key = buttons(categories)["消防安全"].split(":")[1]

    forged = await world.api.press(world.officer, categories, f"r1:{key}:cat:no_such_category")
    assert "没有这个行业领域" in (await world.api.expect(world.officer.id))["text"]
    assert await world.api.wait_callback_answer(forged)

    other = await world.api.press(world.officer, categories, "r1:0123456789abcdef:cat:xfaq")
    await world.api.expect_nothing(world.officer.id)
    assert "失效" in (await world.api.wait_callback_answer(other)).get("text", "")

    junk = await world.api.press(world.officer, categories, "garbage")
    await world.api.expect_nothing(world.officer.id)
    assert "无效" in (await world.api.wait_callback_answer(junk)).get("text", "")

    await say(world, "/cancel")
    stale = await world.api.press(world.officer, categories, buttons(categories)["消防安全"])
    await world.api.expect_nothing(world.officer.id)
    assert "失效" in (await world.api.wait_callback_answer(stale)).get("text", "")
    assert rows(world, "SELECT COUNT(*) FROM hazards") == [(0,)]


async def test_double_tapped_submit_files_once(world: World) -> None:
    await ready(world)
    photos_question = await report_until_photos(world)
    card = await finish(world, photos_question)
    submit_button = buttons(card)["提交"]
    await world.api.press(world.officer, card, submit_button)
    second = await world.api.press(world.officer, card, submit_button)
    assert "已立案" in (await world.api.expect_edit(world.officer.id)).message["text"]
    assert "已送达" in (await world.api.expect(world.officer.id))["plain_text"]  # once delivered, said once
    await world.api.expect_nothing(world.officer.id)
    assert "失效" in (await world.api.wait_callback_answer(second)).get("text", "")
    assert rows(world, "SELECT COUNT(*) FROM hazards") == [(1,)]


async def test_unit_without_group_keeps_the_report_and_gets_it_when_bound(world: World) -> None:
    await ready(world, bind_township=False)
    photos_question = await report_until_photos(world)
    filed = await submit(world, await finish(world, photos_question))
    # not claimed delivered before it is: the confirmation says it is on its way
    assert "已提交，正在分送" in filed["plain_text"] and "已分送" not in filed["plain_text"]
    notice = await world.api.expect(world.admin.id)
    assert "城关镇" in notice["text"] and "/bind cgz" in notice["text"]
    assert rows(world, "SELECT unit_id FROM hazard_threads WHERE delivered_at IS NULL") == [("cgz",)]
    await world.api.expect(world.dept_group.id)  # the department got it at once
    followup = (await world.api.expect(world.officer.id))["plain_text"]  # the officer hears which unit waits
    assert "已送达：县消防救援大队" in followup and "尚未送达：城关镇" in followup and "绑定" in followup

    await world.bind(world.town_group, "cgz")
    delivered = await world.api.expect(world.town_group.id)
    assert "YH-2026-000001" in delivered["text"]
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])
    later = (await world.api.expect(world.officer.id))["plain_text"]
    assert "已送达：城关镇" in later and "县消防救援大队" not in later  # each outcome told once
    await world.api.expect_nothing(world.officer.id)


async def test_location_is_taken_as_the_place(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    categories = await say(world, "脚手架松动")
    await press(world, categories, "建筑施工")
    await world.api.send_location(world.officer, 30.12345, 120.54321)
    photos_question = await world.api.expect(world.officer.id)
    card = await finish(world, photos_question)
    # a place with a map link Chinese phones open (AMap, told the point is WGS-84 as Telegram sends it), not numbers
    assert "位置：现场定位（在地图中查看）" in card["plain_text"] and "30.12345" not in card["plain_text"]
    [link] = [e["url"] for e in card["entities"] if e["type"] == "text_link"]
    assert link.startswith("https://uri.amap.com/marker?position=120.543210%2C30.123450&name=")
    assert "coordinate=wgs84" in link
    await submit(world, card)
    assert rows(world, "SELECT latitude, longitude, department_id FROM hazards") == [(30.12345, 120.54321, "zjj")]
    # the filed card (/show) links the same place
    shown = await say(world, "/show YH-2026-000001")
    assert "位置：现场定位（在地图中查看）" in shown["plain_text"]
    assert [e["url"] for e in shown["entities"] if e["type"] == "text_link"] == [link]


async def test_only_officers_report(world: World) -> None:
    await ready(world)
    member = world.api.add_user(first_name="部门成员")
    await world.join(member, "xfdd", "成员")
    assert "只有企业安全员" in (await world.command(member, "/report"))["text"]


@pytest.mark.parametrize("overrides", [{"conversation_timeout_seconds": 0.3}])
async def test_idle_report_ends_with_a_message(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    ended = await world.api.expect(world.officer.id, timeout=5)
    assert "已自动取消" in ended["text"]
    assert "没有进行中的操作" in (await say(world, "/cancel"))["text"]


async def test_a_draft_survives_a_restart_with_its_photos(world: World) -> None:
    """Half a report, a photo staged, the bot restarted (a deploy): the officer carries on where they were."""
    await ready(world)
    await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="before-restart"))
    ack = await world.api.expect(world.officer.id)
    assert "第 1 张" in ack["text"]
    await world.restart()
    card = await finish(world, ack)
    assert "照片：1 张" in card["text"]
    await submit(world, card)
    [(sha, path)] = rows(world, "SELECT sha256, media_path FROM hazard_photos")
    assert (world.settings.media_dir / path).exists() and sha in path
    assert not list((world.settings.media_dir / "staging").iterdir())


async def test_a_draft_left_idle_past_the_time_out_while_the_bot_was_stopped_ends_at_start(world: World) -> None:
    """PTB's time-out timers are not kept across a restart: the time-out is applied when the bot starts again."""
    await ready(world)
    await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="abandoned"))
    assert "第 1 张" in (await world.api.expect(world.officer.id))["text"]
    await world.restart()  # written at the clean stop, restored
    assert list((world.settings.media_dir / "staging").iterdir())
    world.clock.advance(timedelta(seconds=world.settings.conversation_timeout_seconds + 60))
    await world.restart()  # the bot was stopped while the draft went idle past the time-out
    assert "已自动取消" in (await world.until(world.officer.id, "已自动取消"))["text"]
    assert not list((world.settings.media_dir / "staging").iterdir())
    assert rows(world, "SELECT COUNT(*) FROM sessions") == rows(world, "SELECT COUNT(*) FROM conversations") == [(0,)]
    answer = await say(world, "灭火器过期，安全出口被杂物堵塞")  # not taken as an answer to the abandoned report
    assert "请选择隐患所属行业领域" not in answer["text"] and "没能恢复" not in answer["text"]
    assert "请描述" in (await say(world, "/report"))["text"]


async def test_a_session_this_version_cannot_read_is_dropped_not_a_failed_start(world: World) -> None:
    await ready(world)
    await say(world, "/report")
    await world.restart()  # written at the clean stop
    with sqlite3.connect(world.database()) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone() == (1,)
        conn.execute("UPDATE sessions SET data = ?", (b"not a pickle",))
    await world.restart()
    assert "没能恢复" in (await say(world, "灭火器过期"))["text"]  # the bot started; the draft is gone, it says so
    assert "请描述" in (await say(world, "/report"))["text"]
