"""Delivery into units' groups: one photo rides on the card; a delivery cut short resumes without a second card."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import sweep
from outbound.retry import MAX_ATTEMPTS
from sandbox.images import sample_jpeg, sample_png
from tests.flows.conftest import World
from tests.flows.steps import finish, ready, report_until_photos, submit


async def test_a_delivery_cut_short_after_the_card_resumes_with_the_photos(world: World) -> None:
    await ready(world)
    photos_question = await report_until_photos(world)
    for n in range(2):
        await world.api.send_photo(world.officer, sample_jpeg(label=f"d{n}"))
        await world.api.expect(world.officer.id)
    group = world.dept_group.id
    world.api.fail_next("sendMediaGroup", 500, "Internal Server Error", when=lambda p: p.get("chat_id") == group)
    await submit(world, await finish(world, photos_question))
    card = await world.api.expect(group)
    await world.eventually("SELECT anchor_message_id, delivered_at IS NULL FROM hazard_threads WHERE unit_id = 'xfdd'",
                           [(card["message_id"], 1)])

    await sweep(world.app)  # too soon: the retry waits its backoff
    await world.api.expect_nothing(group, within=0.2)
    world.clock.advance(timedelta(seconds=30))
    await sweep(world.app)  # the sweep a minute later
    album = await world.api.expect(group)
    assert album["method"] == "sendMediaGroup" and album["reply_to_message_id"] == card["message_id"]
    await world.api.expect_nothing(group)
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])


async def test_one_photo_goes_out_as_the_card_itself(world: World) -> None:
    """One photo and a card that fits a caption: one message per unit, the photo captioned by the card, with buttons."""
    await ready(world)
    photos_question = await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="one"))
    await world.api.expect(world.officer.id)
    await submit(world, await finish(world, photos_question))
    anchors: list[int] = []
    for group in (world.dept_group, world.town_group):
        card = await world.api.expect(group.id)
        assert card["method"] == "sendPhoto" and "YH-2026-000001" in card["caption"]
        assert "照片：1 张" in card["plain_caption"] and card["reply_markup"]["inline_keyboard"]
        await world.api.expect_nothing(group.id)
        anchors.append(card["message_id"])
    await world.eventually("SELECT anchor_message_id, delivered_at IS NULL FROM hazard_threads ORDER BY unit_id",
                           [(anchors[1], 0), (anchors[0], 0)])  # cgz (the township), then xfdd


async def test_a_card_too_long_for_a_caption_goes_first_and_its_photo_replies(world: World) -> None:
    await ready(world)
    photos_question = await report_until_photos(world, description="消防通道堵塞，" + "灭火器过期" * 190)
    await world.api.send_photo(world.officer, sample_jpeg(label="long"))
    await world.api.expect(world.officer.id)
    await submit(world, await finish(world, photos_question))
    card = await world.api.expect(world.town_group.id)
    photo = await world.api.expect(world.town_group.id)
    assert card["method"] == "sendMessage" and "YH-2026-000001" in card["text"]
    assert photo["method"] == "sendPhoto" and photo["reply_to_message_id"] == card["message_id"]


async def test_an_image_sent_as_a_file_reaches_both_units_and_show(world: World) -> None:
    """An image sent as a file keeps its document file_id: it goes out by sendDocument, which Telegram accepts."""
    await ready(world)
    photos_question = await report_until_photos(world)
    await world.api.send_document(world.officer, sample_png(label="file"), file_name="现场.png", mime_type="image/png")
    assert "第 1 张" in (await world.api.expect(world.officer.id))["text"]
    await submit(world, await finish(world, photos_question))
    for group in (world.dept_group, world.town_group):
        card = await world.api.expect(group.id)
        assert card["method"] == "sendDocument" and "YH-2026-000001" in card["caption"]
        assert card["document_file"].data == sample_png(label="file") and card["reply_markup"]["inline_keyboard"]
    assert "已送达：县消防救援大队、城关镇" in (await world.api.expect(world.officer.id))["plain_text"]
    await world.eventually("SELECT kind FROM hazard_photos", [("document",)])
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])

    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "已送达县消防救援大队" in shown["text"]
    again = await world.api.expect(world.officer.id)
    assert again["method"] == "sendDocument" and again["document_file"].data == sample_png(label="file")


async def test_photos_and_image_files_go_out_each_by_its_kind(world: World) -> None:
    """A photo and two image files: the card, the photo, then the files as an album of documents (Telegram groups
    documents only with documents)."""
    await ready(world)
    photos_question = await report_until_photos(world)
    await world.api.send_photo(world.officer, sample_jpeg(label="p"))
    await world.api.expect(world.officer.id)
    for n in range(2):
        await world.api.send_document(world.officer, sample_png(label=f"f{n}"), file_name=f"{n}.png",
                                      mime_type="image/png")  # fmt: skip
        await world.api.expect(world.officer.id)
    await submit(world, await finish(world, photos_question))
    card = await world.api.expect(world.town_group.id)
    photo = await world.api.expect(world.town_group.id)
    album = await world.api.expect(world.town_group.id)
    assert card["method"] == "sendMessage" and "照片：3 张" in card["plain_text"]
    assert photo["method"] == "sendPhoto" and photo["reply_to_message_id"] == card["message_id"]
    assert album["method"] == "sendMediaGroup" and [m["type"] for m in album["media"]] == ["document", "document"]
    assert "已送达" in (await world.api.expect(world.officer.id))["plain_text"]


async def test_a_failing_delivery_is_retried_by_the_sweep_then_reported_once(world: World) -> None:
    """Retried by the sweep with the notices' backoff; after its attempts the admins hear once (unit and reason),
    the officer hears it could not arrive; a new /bind delivers it."""
    await ready(world)
    dept = world.dept_group.id
    fault = world.api.fail_next("createForumTopic", 500, "Internal Server Error", times=1000,
                                when=lambda p: p.get("chat_id") == dept)  # fmt: skip
    filed = await submit(world, await finish(world, await report_until_photos(world)))
    assert "已提交，正在分送" in filed["plain_text"]
    await world.api.expect(world.town_group.id)
    await world.eventually("SELECT attempts FROM hazard_threads WHERE unit_id = 'xfdd'", [(1,)])
    await world.api.expect_nothing(world.officer.id, within=0.2)  # one unit still being tried: not yet told

    await sweep(world.app)  # its backoff has not passed: not tried again
    assert fault.hits == 1
    world.clock.advance(timedelta(seconds=30))
    await sweep(world.app)  # the next minute's sweep tries again
    assert fault.hits == 2
    for _ in range(12):  # hours of sweeps: 8 attempts in all, then given up
        world.clock.advance(timedelta(hours=1))
        await sweep(world.app)
    assert fault.hits == MAX_ATTEMPTS
    told = await world.until(world.admin.id, "分送")
    assert "YH-2026-000001" in told["plain_text"] and "县消防救援大队" in told["plain_text"]
    assert "Internal Server Error" in told["plain_text"] and "/bind xfdd" in told["plain_text"]
    officer = (await world.api.expect(world.officer.id))["plain_text"]
    assert "已送达：城关镇" in officer and "未能送达：县消防救援大队" in officer and "已通知管理员" in officer
    await world.api.expect_nothing(world.admin.id, within=0.2)  # once
    await world.api.expect_nothing(world.officer.id, within=0)
    shown = await world.command(world.officer, "/show YH-2026-000001")
    assert "未能送达县消防救援大队" in shown["plain_text"] and "已送达城关镇" in shown["plain_text"]

    world.api.clear_faults()
    await world.bind(world.dept_group, "xfdd")  # the admin fixed the group: delivered at once
    assert "YH-2026-000001" in (await world.until(dept, "YH-2026-000001"))["plain_text"]
    assert "已送达：县消防救援大队" in (await world.api.expect(world.officer.id))["plain_text"]


async def test_a_failed_delivery_is_retried_after_a_restart(world: World) -> None:
    await ready(world)
    town = world.town_group.id
    world.api.fail_next("sendMessage", 502, "Bad Gateway", when=lambda p: p.get("chat_id") == town)
    await submit(world, await finish(world, await report_until_photos(world)))
    await world.eventually("SELECT attempts, delivered_at IS NULL FROM hazard_threads WHERE unit_id = 'cgz'",
                           [(1, 1)])  # fmt: skip
    await world.restart()
    world.clock.advance(timedelta(seconds=30))
    await sweep(world.app)
    assert "YH-2026-000001" in (await world.until(town, "YH-2026-000001"))["plain_text"]
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])
    assert "已送达：县消防救援大队、城关镇" in (await world.until(world.officer.id, "已送达"))["plain_text"]


async def test_a_delivery_told_to_wait_waits_for_that_unit_only_and_is_not_a_failed_attempt(world: World) -> None:
    await ready(world)
    town = world.town_group.id
    world.api.fail_next("sendMessage", 429, retry_after=120, when=lambda p: p.get("chat_id") == town)
    await submit(world, await finish(world, await report_until_photos(world)))
    await world.api.expect(world.dept_group.id)  # the other unit at once
    await world.eventually("SELECT attempts, next_attempt_at IS NOT NULL FROM hazard_threads WHERE unit_id = 'cgz'",
                           [(0, 1)])  # fmt: skip
    world.clock.advance(timedelta(seconds=60))
    await sweep(world.app)
    await world.api.expect_nothing(town, within=0.2)  # not before Telegram said
    world.clock.advance(timedelta(seconds=60))
    await sweep(world.app)
    assert "YH-2026-000001" in (await world.api.expect(town))["plain_text"]
    assert "已送达：县消防救援大队、城关镇" in (await world.api.expect(world.officer.id))["plain_text"]
    await world.api.expect_nothing(world.admin.id, within=0)


async def test_an_image_file_staged_before_a_restart_keeps_its_kind(world: World) -> None:
    """The draft, kept across a restart, remembers that its image came as a file."""
    await ready(world)
    photos_question = await report_until_photos(world)
    await world.api.send_document(world.officer, sample_png(label="kept"), file_name="a.png", mime_type="image/png")
    await world.api.expect(world.officer.id)
    await world.restart()
    await submit(world, await finish(world, photos_question))
    card = await world.api.expect(world.town_group.id)
    assert card["method"] == "sendDocument" and card["document_file"].data == sample_png(label="kept")
