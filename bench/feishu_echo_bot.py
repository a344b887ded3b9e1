"""The floor for bench_feishu.py: a bare echo bot on the same transport as ours on Feishu — the SDK's long connection
(in a thread of its own, as feishu/connection.py runs it) and the SDK's Open API calls — doing per update the calls
our bot makes, without any of its own work: a text is answered with a card (with a button), a picture is downloaded
and answered with a card, a press is answered with a toast and its card updated in place.
Reads HAZARD_FEISHU_APP_ID / _APP_SECRET / _DOMAIN as `python -m bot` does.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lark_oapi as lark
from lark_oapi.api.im.v1 import (
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetMessageResourceRequest,
    P2ImMessageReceiveV1,
    PatchMessageRequest,
    PatchMessageRequestBody,
)
from lark_oapi.core.token.manager import TokenManager
from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTrigger

from feishu.connection import LongConnection


def card(text: str) -> str:
    return json.dumps({"config": {"update_multi": True}, "elements": [
        {"tag": "markdown", "content": text},
        {"tag": "action", "actions": [{"tag": "button", "text": {"tag": "plain_text", "content": "下一步"},
                                       "value": {"d": "next"}}]}]}, ensure_ascii=False)  # fmt: skip


async def main() -> None:
    app_id, secret = os.environ["HAZARD_FEISHU_APP_ID"], os.environ["HAZARD_FEISHU_APP_SECRET"]
    domain = os.environ["HAZARD_FEISHU_DOMAIN"]
    api = lark.Client.builder().app_id(app_id).app_secret(secret).domain(domain).log_level(lark.LogLevel.WARNING) \
        .build()  # fmt: skip
    config = api.config
    assert config is not None
    await asyncio.to_thread(TokenManager.get_self_tenant_token, config)

    async def say(chat_id: str, text: str) -> None:
        request = CreateMessageRequest.builder().receive_id_type("chat_id").request_body(
            CreateMessageRequestBody.builder().receive_id(chat_id).msg_type("interactive").content(card(text)).build()
        ).build()
        await api.im.v1.message.acreate(request)

    async def on_message(event: P2ImMessageReceiveV1) -> None:
        assert event.event is not None and event.event.message is not None
        message = event.event.message
        content = json.loads(message.content or "{}")
        if message.message_type == "image":
            request = GetMessageResourceRequest.builder().message_id(str(message.message_id)) \
                .file_key(content["image_key"]).type("image").build()  # fmt: skip
            response = await api.im.v1.message_resource.aget(request)
            size = len(response.file.read()) if response.file is not None else 0
            await say(str(message.chat_id), f"照片 {size} 字节")
        else:
            await say(str(message.chat_id), str(content.get("text", "")))

    async def on_press(event: P2CardActionTrigger) -> None:
        assert event.event is not None and event.event.context is not None
        request = PatchMessageRequest.builder().message_id(str(event.event.context.open_message_id)) \
            .request_body(PatchMessageRequestBody.builder().content(card("已按下")).build()).build()  # fmt: skip
        await api.im.v1.message.apatch(request)

    connection = LongConnection(app_id, secret, domain, on_message, on_press, toast=lambda event: "已收到")
    connection.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await connection.stop()


if __name__ == "__main__":
    asyncio.run(main())
