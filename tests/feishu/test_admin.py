"""The admin's commands on Feishu, through the same use cases as on Telegram: /members, /remove confirmed on a card
(the removed person refused at once, their open report ended), /invites revoked on a card, /status, /major, /kb and
/kb add with the file sent next."""

from __future__ import annotations

import re

from messenger.feishu import card
from tests.feishu.conftest import FeishuWorld
from texts import Html
from views.callbacks import RemoveMember
from views.keyboards import Button


async def test_members_then_remove_with_a_confirmation_refuses_the_person_at_once(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    assert "请描述" in (await fworld.command(officer, "/report")).text  # a report left open

    listed = await fworld.command(fworld.admin, "/members e01")
    assert "张安全" in listed.text and "安全员" in listed.text
    officer_id = re.search(r"ID (\d+)", listed.text)
    assert officer_id, listed.text
    assert "用法" in (await fworld.command(fworld.admin, "/members")).text
    assert "不能移除您自己" not in (await fworld.command(fworld.admin, "/remove 12x")).text

    confirm = await fworld.command(fworld.admin, f"/remove {officer_id.group(1)}")
    assert "确认移除 张安全" in confirm.text and [b for b, _ in confirm.buttons] == ["确认移除", "取消"]
    forged = feishu.plant_card(feishu.p2p(officer), card(Html("x"), (
        (Button("确认移除", RemoveMember(int(officer_id.group(1)), True).encode()),),)))
    await feishu.press(officer, forged, "确认移除")  # not an admin: refused, nobody removed
    assert "仅限管理员" in (await feishu.expect(feishu.p2p(officer))).text
    await fworld.press_in_place(fworld.admin, confirm, "确认移除")
    assert "已移除 张安全" in feishu.messages[confirm.message_id].text

    told = await fworld.command(officer, "仓库消防通道堵塞")  # the open report's next answer
    assert "成员身份已被管理员移除" in told.text
    assert "成员身份已被管理员移除" in (await fworld.command(officer, "/my")).text
    assert fworld.bot.inbound.sessions.get(await fworld.bot.addresses.local("user", officer.open_id)) == {}

    await fworld.join(officer, "e01", "安全员")  # a new invite still gets through
    assert "YH-" not in (await fworld.command(officer, "/my")).text


async def test_configured_admins_cannot_be_removed(fworld: FeishuWorld) -> None:
    listed = await fworld.command(fworld.admin, "/members")
    assert "用法" in listed.text
    own = await fworld.bot.addresses.local("user", fworld.admin.open_id)
    assert "不能移除您自己" in (await fworld.command(fworld.admin, f"/remove {own}")).text


async def test_invites_listed_and_revoked_on_the_card(fworld: FeishuWorld) -> None:
    feishu = fworld.feishu
    created = await fworld.command(fworld.admin, "/invite e02 安全员")
    code = re.search(r"/start (\S+)", created.text)
    assert code
    listed = await fworld.command(fworld.admin, "/invites")
    assert "未使用的邀请链接" in listed.text and [b for b, _ in listed.buttons] == ["撤销 1"]
    await fworld.press_in_place(fworld.admin, listed, "撤销 1")
    assert "已撤销邀请链接" in feishu.messages[listed.message_id].text
    newcomer = feishu.add_user("李新")
    assert "加入成功" not in (await fworld.command(newcomer, f"/start {code.group(1)}")).text


async def test_status_major_and_the_knowledge_base(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    assert "数据库大小" in (await fworld.command(fworld.admin, "/status")).text
    assert "没有未销号的重大隐患" in (await fworld.command(fworld.admin, "/major")).text
    await fworld.join(officer, "e01", "安全员")
    assert "仅限管理员" in (await fworld.command(officer, "/status")).text
    assert "仅限安委办和管理员" in (await fworld.command(officer, "/major")).text

    listing = await fworld.command(fworld.admin, "/kb")
    assert "知识库文件" in listing.text
    asked = await fworld.command(fworld.admin, "/kb add 冬季防火要点")
    assert ".txt" in asked.text
    text = "冬季防火要点\n\n严禁在仓库内使用电暖器，每日下班前由专人检查电源是否切断。"
    await feishu.send_file(fworld.admin, "winter.txt", text.encode())
    added = await feishu.expect(feishu.p2p(fworld.admin), timeout=15)
    assert "已加入知识库" in added.text and "冬季防火要点" in added.text
    answer = await fworld.command(fworld.admin, "仓库能用电暖器吗")
    assert "电暖器" in answer.text

    await feishu.send_file(fworld.admin, "stray.txt", b"not asked for")  # a file with no /kb add before it
    assert "已加入知识库" not in (await feishu.expect(feishu.p2p(fworld.admin))).text
