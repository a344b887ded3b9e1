"""The Feishu (飞书) implementation of the messenger port, through the official SDK (lark-oapi): the one place that
renders neutral views for Feishu — catalog Html as message cards (card markdown, images by uploaded image keys,
keyboards as button rows, shared with `update_multi` so that an update shows to everyone in the group) — and turns
Feishu's error codes into the port's.

Addresses: Feishu names chats, users and messages with strings (oc_…, ou_…, om_…); the ledger keeps integers, paired
with them in the address book (storage.addresses). A thread is a message: in a 话题群 the bot's first message opens the
topic; in an ordinary group the hazard's card is the root and everything after it replies in its thread
(reply_in_thread).

The SDK fetches its tenant access token with a blocking HTTP call; it is fetched here in a worker thread whenever the
SDK's cache has none, so that the event loop never waits on it, and dropped when Feishu says it is no longer valid.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import httpx
import lark_oapi as lark
from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.api.im.v1 import (
    CreateFileRequest,
    CreateFileRequestBody,
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    DeleteChatMembersRequest,
    DeleteChatMembersRequestBody,
    GetChatRequest,
    GetMessageResourceRequest,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.core.token.manager import TokenManager

from domain.hazards import Photo
from messenger.feishu_pacing import FeishuPacing
from messenger.port import (
    Blocked,
    Captioned,
    MessengerError,
    NotEditable,
    Place,
    Refused,
    RetryLater,
    ThreadGone,
    Unreachable,
)
from texts import Html
from texts.limits import clip_html
from views.keyboards import Keyboard

MARKDOWN_LIMIT = 8000  # characters of a card's text: 24 KB of UTF-8 at most, under the card's 30 KB
IMAGES_PER_CARD = 10
RATE_LIMITED = {99991400, 230020}  # the app's frequency limit; a group's
TOKEN_PROBLEMS = {99991661, 99991663, 99991668, 99991677}
BOT_NOT_THERE = {230002, 230013, 230027}  # not in the chat; the user is outside the app's availability; no permission
RECALLED = {230011}
DEFAULT_WAIT = timedelta(seconds=1)
FILE_TYPES = {".xlsx": "xls", ".xls": "xls", ".csv": "stream", ".pdf": "pdf", ".docx": "doc", ".doc": "doc"}

# --------------------------------------------------------------------------------------------- rendering

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "&#42;", "~": "&#126;", "`": "&#96;",
                          "[": "&#91;", "]": "&#93;"})  # fmt: skip
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`", "s": "~~"}


class _Markdown(HTMLParser):
    """The catalog's Html subset as Feishu card markdown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str | None] = []
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.out.append("[")
        elif tag == "blockquote":
            self.quote += 1
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append("\n")
            self.out.append("> ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)

    def handle_data(self, data: str) -> None:
        text = data.translate(_ESCAPES)
        if self.quote:
            text = text.replace("\n", "\n> ")
        self.out.append(text)


def markdown(text: Html) -> str:
    """Catalog Html as card markdown (bold, italic, code, links, quotes), clipped to what a card holds."""
    parser = _Markdown()
    parser.feed(clip_html(text, MARKDOWN_LIMIT))
    parser.close()
    return "".join(parser.out)


def actions(keyboard: Keyboard | None) -> list[dict[str, Any]]:
    """A neutral keyboard as card action rows; a button's value carries its callback data."""
    return [{"tag": "action", "actions": [
        {"tag": "button", "text": {"tag": "plain_text", "content": b.label}, "type": "default", "value": {"d": b.data}}
        for b in row]} for row in keyboard or () if row]  # fmt: skip


def card(text: Html | None, keyboard: Keyboard | None = None, images: Sequence[tuple[str, Html | None]] = (),
         title: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A shared card: the text, then each image with its caption, then the buttons."""
    elements: list[dict[str, Any]] = []
    if text:
        elements.append({"tag": "markdown", "content": markdown(text)})
    for key, caption in images:
        elements.append({"tag": "img", "img_key": key, "alt": {"tag": "plain_text", "content": ""}})
        if caption:
            elements.append({"tag": "markdown", "content": markdown(caption)})
    elements += actions(keyboard)
    built: dict[str, Any] = {"config": {"wide_screen_mode": True, "update_multi": True}, "elements": elements}
    if title is not None:
        built["header"] = {"title": {"tag": "plain_text", "content": title}, "template": "orange"}
    return built


def without_buttons(shown: dict[str, Any]) -> dict[str, Any]:
    """The same card with its action rows taken off."""
    return shown | {"elements": [e for e in shown.get("elements", []) if e.get("tag") != "action"]}


# --------------------------------------------------------------------------------------------- errors


class FeishuError(Exception):
    """A response with a code other than 0, before it is read as the port's error."""

    def __init__(self, code: int, msg: str, status: int, headers: dict[str, str]) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg, self.status, self.headers = code, msg, status, headers


def translate(exc: FeishuError, *, editing: bool = False, in_thread: bool = False) -> MessengerError:
    """Feishu's error as the port's: what the one retry policy reads."""
    reason = str(exc)
    if exc.code in RATE_LIMITED or exc.status == 429:
        reset = exc.headers.get("x-ogw-ratelimit-reset") or exc.headers.get("X-Ogw-Ratelimit-Reset")
        wait = timedelta(seconds=max(1, int(reset))) if reset and reset.isdigit() else DEFAULT_WAIT
        return RetryLater(wait, reason)
    if exc.code in TOKEN_PROBLEMS or exc.status >= 500:
        return Unreachable(reason)
    if exc.code in BOT_NOT_THERE:
        return Blocked(reason)
    if exc.code in RECALLED:
        if editing:
            return NotEditable(reason)
        return ThreadGone(reason) if in_thread else Refused(reason)
    if editing:
        return NotEditable(reason)
    return Refused(reason)


class Addresses(Protocol):
    """The address book the messenger reads (storage.addresses.AddressBook)."""

    async def local(self, kind: str, external_id: str) -> int: ...

    async def external(self, kind: str, local_id: int) -> str: ...

    async def card(self, message_local_id: int) -> str | None: ...

    async def keep_card(self, message_local_id: int, card: str) -> None: ...


def client(app_id: str, app_secret: str, domain: str) -> lark.Client:
    """The SDK's Open API client."""
    return lark.Client.builder().app_id(app_id).app_secret(app_secret).domain(domain) \
        .log_level(lark.LogLevel.WARNING).build()  # fmt: skip


class FeishuMessenger:
    """The messenger port over the Feishu Open API (lark-oapi)."""

    file_limit = 30 * 2**20  # im/v1/files: 文件大小不得超过30M

    def __init__(self, api: lark.Client, addresses: Addresses, path_of: Callable[[Photo], Path],
                 pacing: FeishuPacing | None = None) -> None:  # fmt: skip
        self.api = api
        self.addresses = addresses
        self.path_of = path_of
        self.pacing = pacing or FeishuPacing()
        self._image_keys: dict[str, str] = {}  # a stored photo's sha256 → its uploaded image key
        self._names: dict[int, str] = {}
        self._private: dict[int, bool] = {}

    # ------------------------------------------------------------------ the port
    async def send_text(self, place: Place, text: Html, keyboard: Keyboard | None = None) -> int:
        return await self._send(place, card(text, keyboard))

    async def send_image(self, place: Place, image: Photo, caption: Html | None = None,
                         keyboard: Keyboard | None = None) -> int:  # fmt: skip
        key = await self._image_key(image)
        return await self._send(place, card(None, keyboard, [(key, caption)]))

    async def send_album(self, place: Place, images: Sequence[Captioned]) -> None:
        """Cards of at most ten images each, in their order, every image with its caption."""
        for start in range(0, len(images), IMAGES_PER_CARD):
            chunk = images[start : start + IMAGES_PER_CARD]
            keys = [(await self._image_key(photo), caption) for photo, caption in chunk]
            await self._send(place, card(None, None, keys))

    async def send_chart(self, chat_id: int, png: bytes, caption: Html) -> int:
        key = await self._upload(png)
        return await self._send(Place(chat_id), card(None, None, [(key, caption)]))

    async def send_file(self, place: Place, path: Path, filename: str, caption: Html | None = None) -> int:
        """Upload the file (as Feishu's type for its suffix), send it, then its caption as a card of its own (a file
        message carries no text)."""
        with path.open("rb") as handle:  # streamed from disk by the SDK's client (httpx), never read whole
            request = CreateFileRequest.builder().request_body(
                CreateFileRequestBody.builder().file_type(FILE_TYPES.get(path.suffix.lower(), "stream"))
                .file_name(filename).file(handle).build()).build()  # fmt: skip
            with self._translated():
                response = await self._call(self.api.im.v1.file.acreate, request)
        sent = await self._send_message(place, "file", json.dumps({"file_key": response.data.file_key}))
        if caption:
            await self.send_text(place, caption)
        return sent

    async def edit_card(self, chat_id: int, message_id: int, text: Html, keyboard: Keyboard | None) -> None:
        shown = card(text, keyboard)
        old = await self.addresses.card(message_id)
        images = [e for e in json.loads(old).get("elements", []) if e.get("tag") == "img"] if old else []
        if images:  # a photo's card keeps its picture
            shown["elements"] = images + shown["elements"]
        await self._patch(chat_id, message_id, shown)

    async def set_buttons(self, chat_id: int, message_id: int, keyboard: Keyboard | None) -> None:
        old = await self.addresses.card(message_id)
        if old is None:
            raise NotEditable("the card this message shows is not known")
        shown = without_buttons(json.loads(old))
        shown["elements"] += actions(keyboard)
        if not shown["elements"]:
            return
        await self._patch(chat_id, message_id, shown)

    async def open_thread(self, chat_id: int, title: str) -> int:
        """A topic's first message: the title as a card header; what follows replies in its thread."""
        return await self._send(Place(chat_id), {"config": {"wide_screen_mode": True, "update_multi": True},
                                                 "header": {"title": {"tag": "plain_text", "content": title},
                                                            "template": "orange"},
                                                 "elements": [{"tag": "hr"}]})  # fmt: skip

    # ------------------------------------------------------------------ inbound: what a message or a chat is
    async def download(self, message_id: str, key: str, kind: str = "image") -> bytes | None:
        """A picture or file a person sent (by its message and key); None when Feishu would not give it."""
        request = GetMessageResourceRequest.builder().message_id(message_id).file_key(key).type(kind).build()
        try:
            response = await self._call(self.api.im.v1.message_resource.aget, request)
        except (FeishuError, MessengerError):
            return None
        return bytes(response.file.read()) if response.file is not None else None

    async def leave(self, chat_id: int) -> None:
        """Take the bot out of a group (the chat-members API with the app's own id: 机器人自行退群)."""
        assert self.api.config is not None
        body = DeleteChatMembersRequestBody.builder().id_list([str(self.api.config.app_id)]).build()
        request = DeleteChatMembersRequest.builder().chat_id(await self.addresses.external("chat", chat_id)) \
            .member_id_type("app_id").request_body(body).build()  # fmt: skip
        with self._translated():
            await self._call(self.api.im.v1.chat_members.adelete, request)

    async def describe_group(self, chat_id: int) -> tuple[str, bool]:
        """A group's name and whether it is a 话题群 (group_message_type "thread": every hazard a topic)."""
        request = GetChatRequest.builder().chat_id(await self.addresses.external("chat", chat_id)).build()
        with self._translated():
            response = await self._call(self.api.im.v1.chat.aget, request)
        return str(response.data.name or ""), response.data.group_message_type == "thread"

    async def is_private(self, chat_id: int) -> bool:
        """Whether a chat is someone's private chat with the bot (chat_mode "p2p"); asked once per chat."""
        if chat_id not in self._private:
            request = GetChatRequest.builder().chat_id(await self.addresses.external("chat", chat_id)).build()
            with self._translated():
                response = await self._call(self.api.im.v1.chat.aget, request)
            self._private[chat_id] = response.data.chat_mode == "p2p"
        return self._private[chat_id]

    async def user_name(self, user_id: int) -> str:
        """A person's name as Feishu shows it ("" when the app may not read contacts); asked once per person."""
        if user_id in self._names:
            return self._names[user_id]
        self._names[user_id] = name = await self._user_name(user_id)
        return name

    async def _user_name(self, user_id: int) -> str:
        request = GetUserRequest.builder().user_id(await self.addresses.external("user", user_id)) \
            .user_id_type("open_id").build()  # fmt: skip
        try:
            response = await self._call(self.api.contact.v3.user.aget, request)
        except (FeishuError, MessengerError):
            return ""
        user = response.data.user if response.data is not None else None
        return str(user.name or "") if user is not None else ""

    # ------------------------------------------------------------------ Open API calls
    async def _send(self, place: Place, shown: dict[str, Any]) -> int:
        content = json.dumps(shown, ensure_ascii=False)
        local = await self._send_message(place, "interactive", content)
        await self.addresses.keep_card(local, content)
        return local

    async def _send_message(self, place: Place, msg_type: str, content: str) -> int:
        parent = place.reply_to if place.reply_to is not None else place.thread_id
        paced = await self.addresses.external("chat" if place.chat_id < 0 else "user", place.chat_id)
        if parent is not None:
            request: Any = ReplyMessageRequest.builder().message_id(await self.addresses.external("message", parent)) \
                .request_body(ReplyMessageRequestBody.builder().msg_type(msg_type).content(content)
                              .reply_in_thread(True).build()).build()  # fmt: skip
            with self._translated(in_thread=True):
                response = await self._call(self.api.im.v1.message.areply, request, paced)
        else:  # a group (negative, as in the ledger), or a person: the bot's private chat with them
            kind, id_type = ("chat", "chat_id") if place.chat_id < 0 else ("user", "open_id")
            receiver = await self.addresses.external(kind, place.chat_id)
            request = CreateMessageRequest.builder().receive_id_type(id_type) \
                .request_body(CreateMessageRequestBody.builder().receive_id(receiver).msg_type(msg_type)
                              .content(content).build()).build()  # fmt: skip
            with self._translated():
                response = await self._call(self.api.im.v1.message.acreate, request, paced)
        return await self.addresses.local("message", response.data.message_id)

    async def _patch(self, chat_id: int, message_id: int, shown: dict[str, Any]) -> None:
        content = json.dumps(shown, ensure_ascii=False)
        if content == await self.addresses.card(message_id):
            return  # unchanged is done
        try:
            external = await self.addresses.external("message", message_id)
        except KeyError as exc:
            raise NotEditable(str(exc)) from exc
        paced = await self.addresses.external("chat" if chat_id < 0 else "user", chat_id)
        request = PatchMessageRequest.builder().message_id(external) \
            .request_body(PatchMessageRequestBody.builder().content(content).build()).build()  # fmt: skip
        with self._translated(editing=True):
            await self._call(self.api.im.v1.message.apatch, request, paced)
        await self.addresses.keep_card(message_id, content)

    async def _image_key(self, photo: Photo) -> str:
        if photo.sha256 not in self._image_keys:
            data = await asyncio.to_thread(self.path_of(photo).read_bytes)
            self._image_keys[photo.sha256] = await self._upload(data)
        return self._image_keys[photo.sha256]

    async def _upload(self, data: bytes) -> str:
        request = CreateImageRequest.builder().request_body(
            CreateImageRequestBody.builder().image_type("message").image(BytesIO(data)).build()).build()
        with self._translated():
            response = await self._call(self.api.im.v1.image.acreate, request)
        return str(response.data.image_key)

    async def _call(self, method: Callable[[Any], Any], request: Any, paced: str | None = None) -> Any:
        """One Open API call with a valid token (a send or an update paced for the chat `paced`); a response other
        than code 0 raised as FeishuError."""
        config = self.api.config
        assert config is not None
        if not TokenManager.cache.get(f"self_tenant_token:{config.app_id}"):
            await asyncio.to_thread(TokenManager.get_self_tenant_token, config)
        if paced is not None:
            await self.pacing.wait(paced)
        try:
            response = await method(request)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        if not response.success():
            raw = response.raw
            error = FeishuError(response.code or -1, response.msg or "", raw.status_code if raw else 0,
                                dict(raw.headers or {}) if raw else {})  # fmt: skip
            if error.code in TOKEN_PROBLEMS:
                TokenManager.cache.set(f"self_tenant_token:{config.app_id}", "", 0)
            raise error
        return response

    @staticmethod
    @contextmanager
    def _translated(*, editing: bool = False, in_thread: bool = False) -> Iterator[None]:
        try:
            yield
        except FeishuError as exc:
            raise translate(exc, editing=editing, in_thread=in_thread) from exc

