"""Evidence where the decision is made (issue 12 §3) and 挂牌督办 is seen (§5), through the bot and the double:
the 整改前/整改后 album a verifier gets, reused photos flagged, 验收意见 and confirmation, the 回头看's note and photos,
the 安委办 told of a 重大 hazard at once, /major, and the treatment plan's progress in the menu, /show and ledger."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from typing import Any

import openpyxl
from PIL import Image

from bot.jobs import sweep
from sandbox.model import Message
from tests.flows.conftest import World
from tests.flows.steps import (
    MAJOR,
    accept_in_topic,
    answer,
    buttons,
    document,
    file_with,
    people,
    press_as,
    ready,
    recheck_pass,
    rectify,
    scene,
    verify,
)


def retaken(data: bytes) -> bytes:
    """The same picture re-encoded smaller and at a lower quality: other bytes, the same scene."""
    with Image.open(io.BytesIO(data)) as image:
        smaller = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    buffer = io.BytesIO()
    smaller.save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def rows(world: World, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(world.database()) as conn:
        return conn.execute(sql).fetchall()








async def accepted_with_photos(world: World, report: list[bytes]) -> tuple[Any, Any, Any]:
    """Groups bound, people joined, a hazard reported with `report` photos and accepted (一般, 15 days)."""
    await ready(world)
    member, other, lead = await people(world)
    await file_with(world, report)
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000001"))
    await sweep(world.app)
    await world.until(world.officer.id, "已受理")
    return member, other, lead


def captions(message: Message) -> list[str]:
    """The captions of an album's items, or of a single photo."""
    if message["media"]:
        return [item.get("plain_caption") or "" for item in message["media"]]
    return [message["plain_caption"] or ""]


async def test_the_verifier_gets_the_photos_before_and_after_as_one_album_over_the_decision(world: World) -> None:
    member, _, _ = await accepted_with_photos(world, [scene(1), scene(2)])
    await rectify(world, "YH-2026-000001", [scene(3)])
    await sweep(world.app)
    for group in (world.dept_group, world.town_group):
        album = await world.until(group.id, "整改前")
        assert album["method"] == "sendMediaGroup"
        assert captions(album) == ["📷 YH-2026-000001 验收凭据：整改前照片 2 张在前，整改后照片 1 张在后\n"
                                   "YH-2026-000001 整改前 1/2", "YH-2026-000001 整改前 2/2",
                                   "YH-2026-000001 整改后 1/1"]  # fmt: skip
        files = [item["file_unique_id"] for item in album["media"]]
        assert len(set(files)) == 3
        notice = await world.api.expect(group.id)  # the decision right under the album
        assert "已提交整改" in notice["plain_text"] and "疑似重复使用照片" not in notice["plain_text"]
        if group is world.dept_group:
            assert {"验收通过", "退回整改"} <= set(buttons(notice))

    shown = await world.command(member, "/show YH-2026-000001")
    assert "整改前照片：2 张 · 整改后照片：1 张" in shown["plain_text"]
    assert captions(await world.api.expect(member.id))[2] == "YH-2026-000001 整改后 1/1"

    await world.api.send_text(world.admin, "/export")
    ledger = openpyxl.load_workbook(io.BytesIO((await document(world, world.admin.id))["document_file"].data))
    sheet = ledger["隐患排查治理台账"]
    values = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert (values["整改前照片数"], values["整改后照片数"]) == (2, 1)


async def test_a_photo_used_before_is_flagged_to_the_verifier_and_kept_in_the_audit_log(world: World) -> None:
    first = scene(10)
    member, _, _ = await accepted_with_photos(world, [first])
    await file_with(world, [scene(11)])  # YH-2026-000002, another hazard of the same enterprise
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000002"))
    await sweep(world.app)
    await world.until(world.officer.id, "YH-2026-000002")

    # the first hazard "rectified" with its own report photo, byte for byte
    await rectify(world, "YH-2026-000001", [first])
    await sweep(world.app)
    flagged = await world.until(world.dept_group.id, "已提交整改")
    assert "疑似重复使用照片" in flagged["plain_text"]
    assert "整改后第 1 张与本隐患上报时的照片完全相同" in flagged["plain_text"]

    # the second with the first hazard's photo taken again (re-encoded, smaller): a near duplicate
    await rectify(world, "YH-2026-000002", [scene(12), retaken(first)])
    await sweep(world.app)
    flagged = await world.until(world.dept_group.id, "已提交整改")
    assert "YH-2026-000002" in flagged["plain_text"]
    assert "整改后第 2 张与 YH-2026-000001 的照片高度相似" in flagged["plain_text"]
    assert "第 1 张" not in flagged["plain_text"]

    audit = rows(world, "SELECT h.code, e.action, json_extract(e.data, '$.reuse[0].code'),"
                        " json_extract(e.data, '$.reuse[0].match') FROM events e JOIN hazards h ON h.id = e.hazard_id"
                        " WHERE e.action = 'photo_reuse' ORDER BY e.id")  # fmt: skip
    assert audit == [("YH-2026-000001", "photo_reuse", "YH-2026-000001", "exact"),
                     ("YH-2026-000002", "photo_reuse", "YH-2026-000001", "near")]  # fmt: skip
    shown = await world.command(member, "/show YH-2026-000002")
    assert "疑似重复使用照片" in shown["plain_text"] and "YH-2026-000001" in shown["plain_text"]
    hashes = rows(world, "SELECT COUNT(*) FROM hazard_photos WHERE phash IS NULL OR length(phash) != 16")
    assert hashes == [(0,)]  # every photo's perceptual hash is kept beside it


async def test_verifying_asks_for_an_opinion_and_a_confirmation(world: World) -> None:
    member, _, _ = await accepted_with_photos(world, [scene(20)])
    await rectify(world, "YH-2026-000001", [scene(21)])
    await sweep(world.app)
    submitted = await world.until(world.dept_group.id, "已提交整改")
    await press_as(world, member, submitted, "验收通过")
    asked = await world.until(world.dept_group.id, "验收意见")
    assert "无意见" in buttons(asked)
    confirm = await answer(world, member, world.dept_group, "灭火器已更换，出口畅通，同意销号")
    assert "请确认验收通过" in confirm["plain_text"] and "同意销号" in confirm["plain_text"]
    assert rows(world, "SELECT state FROM hazards") == [("awaiting_verification",)]  # nothing yet
    await press_as(world, member, confirm, "确认")
    await world.until(world.dept_group.id, "已完成：验收通过")
    await sweep(world.app)
    told = await world.until(world.officer.id, "验收通过")
    assert "验收意见：灭火器已更换，出口畅通，同意销号" in told["plain_text"]
    assert rows(world, "SELECT reason, json_extract(data, '$.opinion') FROM events WHERE action = 'verify_pass'") == [
        ("灭火器已更换，出口畅通，同意销号", "灭火器已更换，出口畅通，同意销号")]


async def test_cancelling_at_the_confirmation_changes_nothing(world: World) -> None:
    member, _, _ = await accepted_with_photos(world, [scene(30)])
    await rectify(world, "YH-2026-000001", [scene(31)])
    await sweep(world.app)
    await press_as(world, member, await world.until(world.dept_group.id, "已提交整改"), "退回整改")
    await world.until(world.dept_group.id, "理由")
    confirm = await answer(world, member, world.dept_group, "照片看不清出口")
    await press_as(world, member, confirm, "取消")
    assert "未作任何更改" in (await world.until(world.dept_group.id, "已取消"))["plain_text"]
    assert rows(world, "SELECT state FROM hazards") == [("awaiting_verification",)]


async def test_the_recheck_takes_a_note_and_photos_and_a_rebound_asks_for_site_photos(world: World) -> None:
    member, _, lead = await accepted_with_photos(world, [scene(40)])
    await rectify(world, "YH-2026-000001", [scene(41)])
    await sweep(world.app)
    await verify(world, member, await world.until(world.dept_group.id, "已提交整改"))
    world.clock.advance(timedelta(days=31))
    await sweep(world.app)
    await sweep(world.app)
    task = await world.until(world.town_group.id, "回头看：销号已满")
    await press_as(world, lead, task, "发现反弹")
    await world.until(world.town_group.id, "反弹情况")
    asked = await answer(world, lead, world.town_group, "安全出口又被堵")
    assert "现场照片" in asked["plain_text"] and "整改后" not in asked["plain_text"]
    await world.api.send_text(lead, "/cancel", chat=world.town_group)
    await world.until(world.town_group.id, "已取消")

    await press_as(world, lead, task, "复查通过")
    await world.until(world.town_group.id, "复查情况")
    photos = await answer(world, lead, world.town_group, "出口畅通，灭火器在有效期内")
    assert "现场照片" in photos["plain_text"]
    await world.api.send_photo(lead, scene(42), chat=world.town_group)
    await press_as(world, lead, await world.until(world.town_group.id, "第 1 张"), "完成")
    await world.until(world.town_group.id, "已完成：复查通过")
    assert rows(world, "SELECT reason FROM events WHERE action = 'recheck_pass'") == [("出口畅通，灭火器在有效期内",)]
    assert rows(world, "SELECT COUNT(*) FROM hazard_photos WHERE stage LIKE 'recheck_pass:%'") == [(1,)]


async def test_recheck_pass_without_photos(world: World) -> None:
    member, _, lead = await accepted_with_photos(world, [scene(50)])
    await rectify(world, "YH-2026-000001", [scene(51)])
    await sweep(world.app)
    await verify(world, member, await world.until(world.dept_group.id, "已提交整改"))
    world.clock.advance(timedelta(days=31))
    await sweep(world.app)
    await sweep(world.app)
    await recheck_pass(world, lead, await world.until(world.town_group.id, "回头看：销号已满"))
    assert rows(world, "SELECT state FROM hazards") == [("archived",)]


# --- 挂牌督办 ------------------------------------------------------------------------------------


async def office_and_lead(world: World) -> tuple[Any, Any, Any]:
    """The 安委办's group bound, a member of the 安委办 and the department's lead joined."""
    office_group = world.api.add_group(title="县安委办", is_forum=False, members=[world.admin])
    await world.bind(office_group, "awb")
    office_member = world.api.add_user(first_name="安委办干部")
    world.api.set_member(office_group, office_member)
    await world.join(office_member, "awb", "成员")
    department_lead = world.api.add_user(first_name="消防大队长")
    await world.join(department_lead, "xfdd", "负责人")
    return office_group, office_member, department_lead


async def test_grading_a_hazard_major_tells_the_office_and_the_departments_leads_at_once(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    office_group, _, department_lead = await office_and_lead(world)
    await file_with(world, [scene(60)])
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000001"), MAJOR)
    await sweep(world.app)  # the same day: nothing is overdue
    for chat in (office_group.id, department_lead.id):
        told = await world.until(chat, "YH-2026-000001")
        assert "【挂牌督办】" in told["plain_text"] and "定为🔴重大隐患" in told["plain_text"]
        assert "挂牌督办清单" in told["plain_text"]


async def test_a_general_hazard_does_not_go_to_the_office(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    office_group, _, department_lead = await office_and_lead(world)
    await file_with(world, [scene(61)])
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000001"))
    await sweep(world.app)
    await world.until(world.officer.id, "已受理")
    assert not [m for m in world.api.sent(office_group.id) if "YH-2026-000001" in (m["plain_text"] or "")]
    await world.api.expect_nothing(department_lead.id)


async def test_the_office_lists_open_major_hazards_with_deadline_plan_and_days_overdue(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    _, office_member, _ = await office_and_lead(world)
    assert "目前没有" in (await world.command(office_member, "/major"))["plain_text"]
    await file_with(world, [scene(70)])
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000001"), MAJOR)
    await file_with(world, [scene(71)])  # a 一般 one, not listed
    listed = await world.command(office_member, "/major")
    assert "挂牌督办清单" in listed["plain_text"] and "共 1 项" in listed["plain_text"]
    assert "YH-2026-000001" in listed["plain_text"] and "YH-2026-000002" not in listed["plain_text"]
    assert "期限 2026年12月8日（星期二）18:00" in listed["plain_text"] and "治理方案 0/6" in listed["plain_text"]
    assert "逾期" not in listed["plain_text"]
    world.clock.advance(timedelta(days=18))  # Friday 11th
    listed = await world.command(office_member, "/major")
    assert "逾期 3 天" in listed["plain_text"]
    assert "仅限安委办和管理员" in (await world.command(member, "/major"))["plain_text"]
    assert "仅限安委办和管理员" in (await world.command(world.officer, "/major"))["plain_text"]
    assert "YH-2026-000001" in (await world.command(world.admin, "/major"))["plain_text"]


async def test_the_plan_menu_shows_what_is_done_and_the_plan_is_in_show_and_the_ledger(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    await file_with(world, [scene(80)])
    card = await world.until(world.dept_group.id, "YH-2026-000001")
    await accept_in_topic(world, member, card, MAJOR)
    await sweep(world.app)
    notice = await world.until(world.dept_group.id, "已受理")
    await press_as(world, member, notice, "填写治理方案")
    menu = await world.until(world.dept_group.id, "治理方案部分")
    assert "已填写 0/6 项，还差 6 项" in menu["plain_text"] and "不能验收通过" in menu["plain_text"]
    await press_as(world, member, menu, "方法和措施")
    asked = await world.until(world.dept_group.id, "该部分内容")
    await world.api.send_text(member, "更换储罐阀门，增设可燃气体报警", chat=world.dept_group,
                              thread_id=asked["message_thread_id"])
    await world.until(world.dept_group.id, "已完成：填写治理方案")
    await press_as(world, member, notice, "填写治理方案")
    menu = await world.until(world.dept_group.id, "治理方案部分")
    assert "已填写 1/6 项，还差 5 项：治理目标和任务、经费和物资" in menu["plain_text"]
    labels = list(buttons(menu))
    assert labels[-1] == "✓ 方法和措施" and "治理目标和任务" in labels
    await world.api.send_text(member, "/cancel", chat=world.dept_group, thread_id=menu["message_thread_id"])

    shown = await world.command(member, "/show YH-2026-000001")
    assert "治理方案（已填写 1/6 项）" in shown["plain_text"]
    assert "✓ 方法和措施：更换储罐阀门，增设可燃气体报警" in shown["plain_text"]
    assert "✗ 治理目标和任务：未填写" in shown["plain_text"]
    await world.api.send_text(world.admin, "/export")
    ledger = openpyxl.load_workbook(io.BytesIO((await document(world, world.admin.id))["document_file"].data))
    sheet = ledger["隐患排查治理台账"]
    values = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert values["治理方案（重大隐患）"] == "方法和措施：更换储罐阀门，增设可燃气体报警"


async def test_an_after_photo_sent_as_a_file_still_reaches_the_verifier_with_the_notice(world: World) -> None:
    await accepted_with_photos(world, [scene(90)])
    notice = [m for m in world.api.sent(world.officer.id) if "提交整改" in buttons(m)][-1]
    await press_as(world, world.officer, notice, "提交整改")
    await world.until(world.officer.id, "整改措施")
    await answer(world, world.officer, None, "已更换灭火器")
    await world.api.send_document(world.officer, scene(91), file_name="整改后.jpg", mime_type="image/jpeg")
    await press_as(world, world.officer, await world.until(world.officer.id, "第 1 张"), "完成")
    await world.until(world.officer.id, "已完成：提交整改")
    await sweep(world.app)
    before = await world.until(world.dept_group.id, "整改前 1/1")
    assert before["photo"]  # an album of a photo and a file is refused: the two go one by one
    after = await world.api.expect(world.dept_group.id)
    assert after["document"] and captions(after) == ["YH-2026-000001 整改后 1/1"]
    assert "已提交整改" in (await world.api.expect(world.dept_group.id))["plain_text"]
    assert not world.api.violations


async def test_the_major_list_is_not_shown_in_a_departments_group(world: World) -> None:
    await ready(world)
    member, _, _ = await people(world)
    office_group, office_member, _ = await office_and_lead(world)
    await file_with(world, [scene(95)])
    await accept_in_topic(world, member, await world.until(world.dept_group.id, "YH-2026-000001"), MAJOR)
    world.api.set_member(world.dept_group, office_member)
    refused = await world.command(office_member, "/major", chat=world.dept_group)
    assert "仅限安委办和管理员" in refused["plain_text"] and "YH-2026-000001" not in refused["plain_text"]
    world.api.set_member(office_group, office_member)
    assert "YH-2026-000001" in (await world.command(office_member, "/major", chat=office_group))["plain_text"]


async def test_an_opinion_given_before_a_restart_is_confirmed_after_it(world: World) -> None:
    member, _, _ = await accepted_with_photos(world, [scene(96)])
    await rectify(world, "YH-2026-000001", [scene(97)])
    await sweep(world.app)
    await press_as(world, member, await world.until(world.dept_group.id, "已提交整改"), "验收通过")
    await world.until(world.dept_group.id, "验收意见")
    confirm = await answer(world, member, world.dept_group, "出口畅通，同意销号")
    await world.restart()  # the answers so far are in the session, stored as JSON
    await press_as(world, member, confirm, "确认")
    await world.until(world.dept_group.id, "已完成：验收通过")
    assert rows(world, "SELECT reason FROM events WHERE action = 'verify_pass'") == [("出口畅通，同意销号",)]
