"""The long connection through the SDK's own WebSocket client, against the Feishu double: messages arrive on the
bot's loop, a button press is answered within Feishu's 3 seconds while its work goes on after."""

from __future__ import annotations

import asyncio
import json

from lark_oapi.api.im.v1 import P2ImMessageReceiveV1
from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTrigger

from feishu.connection import LongConnection
from sandbox.feishu.double import FeishuDouble, Message


async def test_messages_and_presses_reach_the_bots_loop() -> None:
    received: list[tuple[str, str, str]] = []
    pressed: list[dict[str, str]] = []
    slow = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def on_message(event: P2ImMessageReceiveV1) -> None:
        assert asyncio.get_running_loop() is loop
        assert event.event is not None and event.event.message is not None and event.event.sender is not None
        message, sender = event.event.message, event.event.sender
        assert sender.sender_id is not None
        text = json.loads(str(message.content))["text"]
        received.append((str(sender.sender_id.open_id), str(message.chat_type), text))

    async def on_press(event: P2CardActionTrigger) -> None:
        assert event.event is not None and event.event.action is not None
        await slow.wait()  # the work takes longer than Feishu waits for the answer
        pressed.append(dict(event.event.action.value or {}))

    async with FeishuDouble() as feishu:
        connection = LongConnection(feishu.app_id, feishu.app_secret, feishu.url, on_message, on_press,
                                    toast=lambda event: "正在处理")
        connection.start()
        await asyncio.to_thread(connection.connected.wait, 10)
        officer = feishu.add_user("张三")
        await feishu.send_text(officer, "/start")
        await feishu.wait_for(lambda: bool(received), what="the message on the bot's loop")
        assert received == [(officer.open_id, "p2p", "/start")]

        group = feishu.add_group("县消防救援大队", [officer])
        # without the group-message permission, a message that does not @-mention the bot does not reach it
        await feishu.send_text(officer, "不提到机器人的群消息", chat=group)
        card = Message("om_card", group.chat_id, "bot", "interactive", {"elements": [{"tag": "action", "actions": [
            {"tag": "button", "text": {"tag": "plain_text", "content": "受理定级"}, "value": {"d": "h1:7:accept"}}]}]})
        feishu.messages[card.message_id] = card
        answer = await feishu.press(officer, card, "受理定级")
        assert answer == {"toast": {"type": "info", "content": "正在处理"}}
        assert feishu.callback_times[0] < 3.0 and not pressed  # answered before the work was done
        slow.set()
        await feishu.wait_for(lambda: bool(pressed), what="the press's work")
        assert pressed == [{"d": "h1:7:accept"}]
        assert received == [(officer.open_id, "p2p", "/start")]
        await connection.stop()
    assert feishu.violations == []
