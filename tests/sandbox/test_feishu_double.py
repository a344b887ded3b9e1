"""The Feishu double refuses what Feishu refuses, with Feishu's codes, over raw HTTP (no SDK to smooth it over)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.feishu.double import FeishuDouble

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
async def feishu() -> AsyncIterator[FeishuDouble]:
    async with FeishuDouble() as double:
        yield double


async def _token(session: aiohttp.ClientSession, feishu: FeishuDouble, secret: str | None = None) -> dict[str, Any]:
    async with session.post(f"{feishu.url}/open-apis/auth/v3/tenant_access_token/internal",
                            json={"app_id": feishu.app_id, "app_secret": secret or feishu.app_secret}) as response:
        return dict(await response.json())


async def _call(session: aiohttp.ClientSession, feishu: FeishuDouble, method: str, path: str, token: str | None,
                **kwargs: Any) -> tuple[int, dict[str, Any], dict[str, str]]:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, f"{feishu.url}/open-apis{path}", headers=headers, **kwargs) as response:
        return response.status, dict(await response.json()), dict(response.headers)


def _card(**changes: Any) -> str:
    card: dict[str, Any] = {"config": {"update_multi": True}, "elements": [{"tag": "markdown", "content": "隐患"}]}
    return json.dumps(card | changes, ensure_ascii=False)


async def test_a_wrong_secret_gets_no_token_and_a_call_without_a_valid_token_is_refused(feishu: FeishuDouble) -> None:
    group = feishu.add_group("县消防救援大队")
    body = {"receive_id": group.chat_id, "msg_type": "text", "content": json.dumps({"text": "你好"})}
    async with aiohttp.ClientSession() as session:
        assert (await _token(session, feishu, "wrong"))["code"] == 10003
        _, missing, _ = await _call(session, feishu, "POST", "/im/v1/messages?receive_id_type=chat_id", None, json=body)
        _, forged, _ = await _call(session, feishu, "POST", "/im/v1/messages?receive_id_type=chat_id", "t-x", json=body)
    assert missing["code"] == 99991661 and forged["code"] == 99991663
    assert feishu.sent(group) == []


@pytest.mark.parametrize(("query", "body", "code"), [
    ("", {"receive_id": "CHAT", "msg_type": "text", "content": '{"text": "x"}'}, 230001),  # no receive_id_type
    ("?receive_id_type=chat_id", {"msg_type": "text", "content": '{"text": "x"}'}, 230001),  # no receive_id
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "content": '{"text": "x"}'}, 230001),  # no msg_type
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "text", "content": "not json"}, 230001),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "text", "content": {"text": "x"}}, 230001),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "image", "content": '{"image_key": "no"}'}, 230001),
    ("?receive_id_type=chat_id", {"receive_id": "oc_none", "msg_type": "text", "content": '{"text": "x"}'}, 230002),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "interactive", "content": _card(elements=[])},
     230099),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "interactive",
                                  "content": _card(elements=[{"tag": "video"}])}, 230099),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "interactive", "content": _card(elements=[
        {"tag": "action", "actions": [{"tag": "button", "text": {"tag": "plain_text", "content": " "}}]}])}, 230099),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "interactive", "content": _card(elements=[
        {"tag": "img", "img_key": "img_unknown", "alt": {"tag": "plain_text", "content": ""}}])}, 230099),
    ("?receive_id_type=chat_id", {"receive_id": "CHAT", "msg_type": "interactive",
                                  "content": _card(elements=[{"tag": "markdown", "content": "隐" * 11000}])}, 230025),
])  # fmt: skip
async def test_a_malformed_message_is_refused_with_feishus_code(feishu: FeishuDouble, query: str,
                                                                body: dict[str, Any], code: int) -> None:  # fmt: skip
    group = feishu.add_group("城关镇")
    if body.get("receive_id") == "CHAT":
        body = body | {"receive_id": group.chat_id}
    async with aiohttp.ClientSession() as session:
        token = (await _token(session, feishu))["tenant_access_token"]
        status, answer, _ = await _call(session, feishu, "POST", f"/im/v1/messages{query}", token, json=body)
    assert (status, answer["code"]) == (400, code), answer
    assert feishu.sent(group) == [] and len(feishu.violations) == 1


async def test_uploads_are_checked_and_a_groups_card_must_be_shared_to_be_updated(feishu: FeishuDouble) -> None:
    group = feishu.add_group("县应急管理局")
    async with aiohttp.ClientSession() as session:
        token = (await _token(session, feishu))["tenant_access_token"]
        not_an_image = aiohttp.FormData({"image_type": "message"})
        not_an_image.add_field("image", b"%PDF-1.4", filename="a.pdf")
        _, refused, _ = await _call(session, feishu, "POST", "/im/v1/images", token, data=not_an_image)
        wrong_type = aiohttp.FormData({"file_type": "xlsx", "file_name": "台账.xlsx"})
        wrong_type.add_field("file", b"PK", filename="台账.xlsx")
        _, refused_file, _ = await _call(session, feishu, "POST", "/im/v1/files", token, data=wrong_type)
        image = aiohttp.FormData({"image_type": "message"})
        image.add_field("image", PNG, filename="a.png")
        _, uploaded, _ = await _call(session, feishu, "POST", "/im/v1/images", token, data=image)
        unshared = json.dumps({"elements": [{"tag": "markdown", "content": "隐患"}]})
        _, sent, _ = await _call(session, feishu, "POST", "/im/v1/messages?receive_id_type=chat_id", token,
                                 json={"receive_id": group.chat_id, "msg_type": "interactive", "content": unshared})
        message_id = sent["data"]["message_id"]
        _, patched, _ = await _call(session, feishu, "PATCH", f"/im/v1/messages/{message_id}", token,
                                    json={"content": unshared})
        _, shared, _ = await _call(session, feishu, "PATCH", f"/im/v1/messages/{message_id}", token,
                                   json={"content": _card()})
    assert refused["code"] == 234001 and refused_file["code"] == 234001
    assert uploaded["code"] == 0 and uploaded["data"]["image_key"] in feishu.images
    assert patched["code"] == 230001 and shared["code"] == 0
    assert feishu.messages[message_id].edits and feishu.messages[message_id].content["config"]["update_multi"]


async def test_the_rate_limit_is_http_429_with_the_reset_header(feishu: FeishuDouble) -> None:
    group = feishu.add_group("安委办")
    feishu.rate_limit_next(reset=3)
    body = {"receive_id": group.chat_id, "msg_type": "text", "content": json.dumps({"text": "你好"})}
    async with aiohttp.ClientSession() as session:
        token = (await _token(session, feishu))["tenant_access_token"]
        status, answer, headers = await _call(session, feishu, "POST", "/im/v1/messages?receive_id_type=chat_id",
                                              token, json=body)  # fmt: skip
        again, _, _ = await _call(session, feishu, "POST", "/im/v1/messages?receive_id_type=chat_id", token, json=body)
    assert (status, answer["code"], headers["x-ogw-ratelimit-reset"]) == (429, 99991400, "3")
    assert again == 200 and [m.text for m in feishu.sent(group)] == ["你好"]


async def test_the_bot_may_take_only_itself_out_of_a_group(feishu: FeishuDouble) -> None:
    someone = feishu.add_user("群主")
    group = feishu.add_group("陌生人的群", [someone])
    path = f"/im/v1/chats/{group.chat_id}/members"
    async with aiohttp.ClientSession() as session:
        token = (await _token(session, feishu))["tenant_access_token"]
        _, as_user, _ = await _call(session, feishu, "DELETE", f"{path}?member_id_type=open_id", token,
                                    json={"id_list": [someone.open_id]})  # fmt: skip
        _, itself, _ = await _call(session, feishu, "DELETE", f"{path}?member_id_type=app_id", token,
                                   json={"id_list": [feishu.app_id]})  # fmt: skip
        _, again, _ = await _call(session, feishu, "DELETE", f"{path}?member_id_type=app_id", token,
                                  json={"id_list": [feishu.app_id]})  # fmt: skip
    assert as_user["code"] == 230001 and someone.open_id in group.members
    assert itself["code"] == 0 and not group.bot_in
    assert again["code"] == 230002  # no longer in the chat
    feishu.violations.clear()
