"""Delivery into units' groups cut short: it resumes where it stopped, without a second card."""

from __future__ import annotations

from outbound.delivery import deliver_pending
from sandbox.images import sample_jpeg
from tests.flows.conftest import World
from tests.flows.test_report import finish, ready, report_until_photos, submit


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

    await deliver_pending(world.app)  # as at the next start
    album = await world.api.expect(group)
    assert album["method"] == "sendMediaGroup" and album["reply_to_message_id"] == card["message_id"]
    await world.api.expect_nothing(group)
    await world.eventually("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL", [(0,)])
