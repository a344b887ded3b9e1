"""A Feishu Open Platform double: the Open API endpoints the bot uses and the long connection, on 127.0.0.1.

The real SDK (lark-oapi) talks to it as to open.feishu.cn: `lark.Client` with `domain=double.url` for the Open API, and
`lark.ws.Client` with the same domain for the long connection (the SDK asks `/callback/ws/endpoint` for a WebSocket URL,
connects, and reads protobuf frames, pbbp2.Frame, as Feishu sends them). The double runs its server in a thread of its
own: the SDK fetches tokens and the connection URL with blocking `requests` calls, which would otherwise wait on the
very loop that must answer them.

Tests act as users (`send_text`, `send_image`, `press`), which sends `im.message.receive_v1` and `card.action.trigger`
events down the long connection, and read what the bot did (`sent`, `expect`, `requests`). Every request is checked as
Feishu documents it — the tenant access token, required fields, receive_id_type, the content of each msg_type, a card's
elements and its 30 KB limit, image and file types — and refused with Feishu's codes; refusals are kept in
`violations`. `fail_next` answers the next matching request with a chosen error (99991400 rate limit with its
x-ogw-ratelimit-reset header, 230002 bot not in the chat, 230011 message recalled, 99991663 token invalid …).

    async with FeishuDouble() as feishu:
        officer = feishu.add_user("张三")
        group = feishu.add_group("县消防救援大队", topics=True)
        await feishu.send_text(officer, "/start")
        reply = await feishu.expect(feishu.p2p(officer))
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import secrets
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web
from lark_oapi.ws.pb.pbbp2_pb2 import Frame

from sandbox.feishu.cards import CardProblem, card_buttons, card_images, card_text, parse_content

log = logging.getLogger(__name__)

# Feishu's codes (Open Platform "通用错误码" and the IM API's error tables)
OK = 0
RATE_LIMITED = 99991400  # 应用频率限制 (HTTP 429, x-ogw-ratelimit-limit / x-ogw-ratelimit-reset)
TOKEN_MISSING = 99991661
TOKEN_INVALID = 99991663
APP_INVALID = 10003  # app_id or app_secret wrong (auth v3)
INVALID_PARAM = 230001
BOT_NOT_IN_CHAT = 230002
MESSAGE_RECALLED = 230011
GROUP_RATE_LIMITED = 230020  # 群维度的发送频率限制
CONTENT_TOO_LONG = 230025
CARD_INVALID = 230099
NOT_FOUND = 230001
FILE_INVALID = 234001
CALLBACK_BUDGET = 3.0  # seconds Feishu waits for the answer to a card callback

IMAGE_TYPES = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg", b"GIF8": "gif", b"BM": "bmp", b"RIFF": "webp"}
IMAGE_LIMIT = 10 * 1024 * 1024
FILE_TYPES = {"opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"}
FILE_LIMIT = 30 * 1024 * 1024


@dataclass
class User:
    open_id: str
    name: str


@dataclass
class Chat:
    chat_id: str
    name: str
    chat_type: str  # "p2p" or "group"
    topics: bool = False  # a 话题群: group_message_type "thread", every message a topic of its own
    members: set[str] = field(default_factory=set)
    bot_in: bool = True


@dataclass
class Message:
    """A message in the double's world; `card` is the parsed card of an interactive one (after its last edit)."""

    message_id: str
    chat_id: str
    sender: str  # an open_id, or "bot"
    msg_type: str
    content: dict[str, Any]
    root_id: str = ""
    parent_id: str = ""
    thread_id: str = ""
    recalled: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)
    date: datetime = field(default_factory=lambda: datetime.now(UTC))  # the double's clock, when it was sent

    @property
    def text(self) -> str:
        """What a reader sees: a card's text, a text message's text."""
        if self.msg_type == "interactive":
            return card_text(self.content)
        if self.msg_type == "text":
            return str(self.content.get("text", ""))
        return ""

    @property
    def buttons(self) -> list[tuple[str, dict[str, Any]]]:
        return card_buttons(self.content) if self.msg_type == "interactive" else []

    @property
    def images(self) -> list[str]:
        if self.msg_type == "image":
            return [self.content["image_key"]]
        return card_images(self.content) if self.msg_type == "interactive" else []

    def value(self, label: str) -> dict[str, Any]:
        """The value of the button labelled `label`."""
        for text, value in self.buttons:
            if text == label:
                return value
        raise KeyError(f"no button {label!r} on {self.message_id}: {[b for b, _ in self.buttons]}")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    code: int


@dataclass
class _Fault:
    method: str
    path_part: str
    code: int
    status: int
    headers: dict[str, str]
    times: int


class FeishuDouble:
    def __init__(self, app_id: str | None = None, app_secret: str = "test-secret", bot_name: str = "隐患闭环", *,
                 group_messages: bool = False, limits: bool = False,
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        """`clock`: what a message's date is read from (the sandbox's movable clock; default the real time)."""
        # an app id of its own by default: the SDK caches tokens per app id for the whole process
        self.app_id = app_id or "cli_" + secrets.token_hex(8)
        self.app_secret, self.bot_name = app_secret, bot_name
        # the app holds 获取群组中所有消息 (im:message.group_msg): every group message reaches it, not only @-mentions
        self.group_messages = group_messages
        # Feishu's limits for sending and updating messages, enforced: 1,000 a minute and 50 a second for the app
        # (99991400, HTTP 429), 5 a second to one chat (230020); `sends` keeps when each send was accepted
        self.limits = limits
        self.sends: list[float] = []
        self.refused_for_rate = 0
        self._app_window: deque[float] = deque()
        self._chat_windows: dict[str, deque[float]] = defaultdict(deque)
        self.bot_open_id = "ou_bot_" + secrets.token_hex(6)
        self.users: dict[str, User] = {}
        self.chats: dict[str, Chat] = {}
        self.messages: dict[str, Message] = {}
        self.images: dict[str, bytes] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.callback_times: list[float] = []  # seconds the bot took to answer each card callback
        self._tokens: set[str] = set()
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._taken: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._ws: web.WebSocketResponse | None = None
        self._connected: asyncio.Event | None = None
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.connections = 0  # long connections opened so far
        self._clock = clock or (lambda: datetime.now(UTC))
        self._watchers: list[Callable[[], None]] = []

    def watch(self, changed: Callable[[], None]) -> None:
        """Call `changed` after anything a reader sees changes (a message sent, a card updated, a person added) — from
        the double's own thread when the bot did it: the watcher hands it to its loop itself."""
        self._watchers.append(changed)

    def _changed(self) -> None:
        for changed in self._watchers:
            changed()

    # ---------------------------------------------------------------- life
    async def __aenter__(self) -> FeishuDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), name="feishu-double", daemon=True)
        self._thread.start()
        await asyncio.to_thread(started.wait, 10)
        if not self._port:
            raise RuntimeError("the Feishu double did not start")

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._connected = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_post("/callback/ws/endpoint", self._endpoint)
        app.router.add_get("/ws", self._websocket)
        app.router.add_route("*", "/open-apis/{tail:.*}", self._open_api)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        loop.run_until_complete(web.SockSite(self._runner, sock).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    async def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        if self._ws is not None:
            asyncio.run_coroutine_threadsafe(self._ws.close(), loop)
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(self._thread.join, 10)

    @property
    def url(self) -> str:
        """The domain to give the SDK (Open API and long connection)."""
        return f"http://127.0.0.1:{self._port}"

    # ---------------------------------------------------------------- world
    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{secrets.token_hex(4)}"

    def add_user(self, name: str) -> User:
        with self._lock:
            user = User(self._id("ou"), name)
            self.users[user.open_id] = user
        self._changed()
        return user

    def add_group(self, name: str, members: list[User] | None = None, *, topics: bool = False,
                  bot_in: bool = True) -> Chat:  # fmt: skip
        with self._lock:
            chat = Chat(self._id("oc"), name, "group", topics, {u.open_id for u in members or []}, bot_in)
            self.chats[chat.chat_id] = chat
        self._changed()
        return chat

    def p2p(self, user: User) -> Chat:
        """The user's private chat with the bot (made on first use)."""
        with self._lock:
            for chat in self.chats.values():
                if chat.chat_type == "p2p" and user.open_id in chat.members:
                    return chat
            chat = Chat(self._id("oc"), user.name, "p2p", False, {user.open_id})
            self.chats[chat.chat_id] = chat
            return chat

    def remove_bot(self, chat: Chat) -> None:
        chat.bot_in = False

    async def add_bot(self, chat: Chat, by: User) -> None:
        """`by` adds the bot to the group (群设置 → 群机器人): Feishu tells the app with im.chat.member.bot.added_v1."""
        with self._lock:
            chat.bot_in = True
            chat.members.add(by.open_id)
        event = {"chat_id": chat.chat_id, "operator_id": {"open_id": by.open_id}, "external": False,
                 "operator_tenant_key": "tenant", "name": chat.name}  # fmt: skip
        await self._deliver("im.chat.member.bot.added_v1", event)

    def plant_card(self, chat: Chat, card: dict[str, Any]) -> Message:
        """A card in `chat` as if the bot had sent it — an old version's, or one forged by a test — already read (not
        what `expect` returns next)."""
        with self._lock:
            message = Message(self._id("om"), chat.chat_id, "bot", "interactive", card, date=self._clock())
            self.messages[message.message_id] = message
            self._taken.add(message.message_id)
        self._changed()
        return message

    def recall(self, message_id: str) -> None:
        self.messages[message_id].recalled = True
        self._changed()

    def expire_tokens(self) -> None:
        """Every tenant access token issued so far stops working (the bot must fetch a new one)."""
        with self._lock:
            self._tokens.clear()

    def fail_next(self, method: str, path_part: str, code: int, *, status: int = 400,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:  # fmt: skip
        """Answer the next `times` requests whose method and path match with Feishu's error `code`."""
        with self._lock:
            self._faults.append(_Fault(method.upper(), path_part, code, status, headers or {}, times))

    def rate_limit_next(self, path_part: str = "/im/v1/messages", *, reset: int = 1, times: int = 1) -> None:
        """The app's frequency limit, as Feishu answers it: HTTP 429, code 99991400, the reset in seconds."""
        self.fail_next("*", path_part, RATE_LIMITED, status=429, times=times,
                       headers={"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": str(reset)})

    # ---------------------------------------------------------------- reading
    def sent(self, chat: Chat, thread_of: str | None = None) -> list[Message]:
        """The bot's messages in a chat (in a thread: those whose root is `thread_of`, the root included)."""
        with self._lock:
            return [m for m in self.messages.values() if m.chat_id == chat.chat_id and m.sender == "bot"
                    and (thread_of is None or thread_of in (m.message_id, m.root_id))]  # fmt: skip

    async def expect(self, chat: Chat, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The bot's next message in `chat` not yet taken by a test."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for message in self.sent(chat):
                    if message.message_id not in self._taken:
                        self._taken.add(message.message_id)
                        return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no message from the bot in {chat.name} within {timeout} s")
            await asyncio.sleep(0.01)

    async def until(self, chat: Chat, text: str, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The bot's next message in `chat` showing `text`, taking the ones before it."""
        while True:
            message = await self.expect(chat, timeout)
            if text in message.text:
                return message

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    def calls(self, path_part: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    # ---------------------------------------------------------------- acting as users
    async def send_text(self, user: User, text: str, chat: Chat | None = None, *, mention: bool = False,
                        reply_to: Message | None = None) -> Message:  # fmt: skip
        """The user writes `text` (in a group: @-mentioning the bot when `mention`)."""
        place = chat or self.p2p(user)
        content = {"text": (f"@_user_1 {text}" if mention else text)}
        return await self._user_message(user, place, "text", content, mention=mention, reply_to=reply_to)

    async def send_image(self, user: User, data: bytes, chat: Chat | None = None, *,
                         reply_to: Message | None = None) -> Message:  # fmt: skip
        """The user sends a picture."""
        key = self._store_image(data)
        return await self._user_message(user, chat or self.p2p(user), "image", {"image_key": key}, reply_to=reply_to)

    async def send_post(self, user: User, text: str, images: list[bytes], chat: Chat | None = None, *,
                        reply_to: Message | None = None) -> Message:  # fmt: skip
        """A rich-text message: a line of text and pictures (Feishu's way to caption photos)."""
        row: list[dict[str, Any]] = [{"tag": "text", "text": text}]
        row += [{"tag": "img", "image_key": self._store_image(data)} for data in images]
        return await self._user_message(user, chat or self.p2p(user), "post", {"title": "", "content": [row]},
                                        reply_to=reply_to)  # fmt: skip

    async def send_file(self, user: User, name: str, data: bytes, chat: Chat | None = None, *,
                        reply_to: Message | None = None) -> Message:  # fmt: skip
        with self._lock:
            key = self._id("file_v3")
            self.files[key] = (name, data)
        return await self._user_message(user, chat or self.p2p(user), "file", {"file_key": key, "file_name": name},
                                        reply_to=reply_to)  # fmt: skip

    def _store_image(self, data: bytes) -> str:
        with self._lock:
            key = self._id("img_v3")
            self.images[key] = data
            return key

    async def _user_message(self, user: User, chat: Chat, msg_type: str, content: dict[str, Any], *,
                            mention: bool = False, reply_to: Message | None = None) -> Message:  # fmt: skip
        with self._lock:
            chat.members.add(user.open_id)
            message = Message(self._id("om"), chat.chat_id, user.open_id, msg_type, content, date=self._clock())
            if reply_to is not None:
                message.parent_id = reply_to.message_id
                message.root_id = reply_to.root_id or reply_to.message_id
                message.thread_id = reply_to.thread_id
            self.messages[message.message_id] = message
        self._changed()
        mentions = [{"key": "@_user_1", "id": {"open_id": self.bot_open_id}, "name": self.bot_name}] if mention else []
        event = {"sender": {"sender_id": {"open_id": user.open_id}, "sender_type": "user", "tenant_key": "tenant"},
                 "message": {"message_id": message.message_id, "root_id": message.root_id,
                             "parent_id": message.parent_id, "thread_id": message.thread_id,
                             "create_time": str(int(time.time() * 1000)), "chat_id": chat.chat_id,
                             "chat_type": chat.chat_type, "message_type": msg_type,
                             "content": json.dumps(content, ensure_ascii=False), "mentions": mentions}}  # fmt: skip
        if chat.bot_in and (chat.chat_type == "p2p" or mention or self.group_messages):
            await self._deliver("im.message.receive_v1", event)
        return message

    async def press(self, user: User, message: Message, label: str) -> dict[str, Any]:
        """The user presses a button on a card; the bot's answer to the callback (a toast, maybe a card)."""
        value = message.value(label)
        event = {"operator": {"open_id": user.open_id, "tenant_key": "tenant"}, "token": self._id("c"),
                 "action": {"tag": "button", "value": value}, "host": "im_message",
                 "context": {"open_message_id": message.message_id, "open_chat_id": message.chat_id}}  # fmt: skip
        return await self._deliver("card.action.trigger", event)

    async def _deliver(self, event_type: str, event: dict[str, Any]) -> dict[str, Any]:
        loop = self._loop
        assert loop is not None
        future = asyncio.run_coroutine_threadsafe(self._push(event_type, event), loop)
        return await asyncio.wrap_future(future)

    async def _push(self, event_type: str, event: dict[str, Any]) -> dict[str, Any]:
        """Send one event down the long connection as a DATA frame; the bot's response frame, decoded."""
        assert self._connected is not None
        await asyncio.wait_for(self._connected.wait(), 10)
        envelope = {"schema": "2.0", "header": {"event_id": secrets.token_hex(16), "event_type": event_type,
                    "create_time": str(int(time.time() * 1000)), "token": "", "app_id": self.app_id,
                    "tenant_key": "tenant"}, "event": event}  # fmt: skip
        message_id = secrets.token_hex(8)
        frame = Frame(SeqID=0, LogID=0, service=1, method=1, payload=json.dumps(envelope).encode())
        for key, value in (("type", "event"), ("message_id", message_id), ("sum", "1"), ("seq", "0"),
                           ("trace_id", secrets.token_hex(8))):  # fmt: skip
            header = frame.headers.add()
            header.key, header.value = key, value
        answered: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[message_id] = answered
        started = time.monotonic()
        assert self._ws is not None
        await self._ws.send_bytes(frame.SerializeToString())
        answer = await asyncio.wait_for(answered, 30)
        took = time.monotonic() - started
        if event_type == "card.action.trigger":
            self.callback_times.append(took)
            if took > CALLBACK_BUDGET:
                self.violations.append(f"card callback answered after {took:.1f} s (Feishu waits {CALLBACK_BUDGET} s)")
        return answer

    # ---------------------------------------------------------------- the long connection
    async def _endpoint(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("AppID") != self.app_id or body.get("AppSecret") != self.app_secret:
            return web.json_response({"code": 1000040343, "msg": "app id or secret is invalid"})
        url = f"ws://127.0.0.1:{self._port}/ws?device_id={secrets.token_hex(6)}&service_id=1"
        config = {"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}
        return web.json_response({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": config}})

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.connections += 1
        assert self._connected is not None
        self._connected.set()
        async for message in ws:
            if message.type != WSMsgType.BINARY:
                continue
            frame = Frame()
            frame.ParseFromString(message.data)
            headers = {h.key: h.value for h in frame.headers}
            if frame.method == 0 and headers.get("type") == "ping":  # CONTROL: answer a ping with a pong
                pong = Frame(SeqID=0, LogID=0, service=frame.service, method=0)
                header = pong.headers.add()
                header.key, header.value = "type", "pong"
                await ws.send_bytes(pong.SerializeToString())
            elif frame.method == 1 and headers.get("message_id") in self._answers:
                response = json.loads(frame.payload)
                data = response.get("data")
                decoded = json.loads(base64.b64decode(data)) if data else {}
                if response.get("code") != 200:
                    self.violations.append(f"the bot failed an event: {response}")
                self._answers.pop(headers["message_id"]).set_result(decoded)
        if self._ws is ws:
            self._ws = None
            self._connected.clear()
        return ws

    # ---------------------------------------------------------------- the Open API
    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return web.json_response({"code": APP_INVALID, "msg": "app_id or app_secret is invalid"})
        token = "t-" + secrets.token_hex(16)
        with self._lock:
            self._tokens.add(token)
        return web.json_response({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200})

    async def _open_api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        query = dict(request.query)
        body: Any = None
        if request.content_type == "multipart/form-data":
            body = {}
            async for part in await request.multipart():
                if isinstance(part, BodyPartReader) and part.name:
                    data = await part.read()
                    body[part.name] = bytes(data) if part.name in {"image", "file"} else data.decode()
        elif request.can_read_body:
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return self._refuse(request.method, path, query, None, INVALID_PARAM, "request body is not JSON")
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            return self._refuse(request.method, path, query, body, TOKEN_MISSING, "Missing access token", 400)
        if authorization.removeprefix("Bearer ") not in self._tokens:
            return self._refuse(request.method, path, query, body, TOKEN_INVALID, "Invalid access token", 400)
        limited = self._rate_limited(request.method, path, query, body)
        if limited is not None:
            code, status, reset = limited
            return self._answer(Request(request.method, path, query, body, code),
                                {"code": code, "msg": "request trigger frequency limit"}, status,
                                {"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": str(reset)})
        fault = self._fault(request.method, path)
        if fault is not None:
            return self._answer(Request(request.method, path, query, body, fault.code),
                                {"code": fault.code, "msg": "fault injected by the test"}, fault.status, fault.headers)
        try:
            with self._lock:
                data = self._route(request.method, path, query, body)
        except _Refusal as refusal:
            return self._refuse(request.method, path, query, body, refusal.code, refusal.msg)
        if isinstance(data, web.Response):
            self.requests.append(Request(request.method, path, query, body, 0))
            return data
        if request.method != "GET":
            self._changed()
        return self._answer(Request(request.method, path, query, body, 0), {"code": 0, "msg": "success", "data": data})

    def _rate_limited(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, int, int] | None:
        """(code, HTTP status, seconds to wait) when a send or an update would pass Feishu's limits."""
        parts = path.strip("/").split("/")
        sending = parts[:3] == ["im", "v1", "messages"] and (
            (method == "POST" and (len(parts) == 3 or parts[-1] == "reply")) or (method == "PATCH" and len(parts) == 4))
        if not self.limits or not sending:
            return None
        with self._lock:
            if len(parts) == 3:
                chat = str(body.get("receive_id", "")) if isinstance(body, dict) else ""
            else:
                message = self.messages.get(parts[3])
                chat = message.chat_id if message is not None else ""
            now = time.monotonic()
            for window, seconds in ((self._app_window, 60), (self._chat_windows[chat], 1)):
                while window and window[0] <= now - seconds:
                    window.popleft()
            last_second = sum(1 for t in reversed(self._app_window) if t > now - 1) if self._app_window else 0
            if len(self._app_window) >= 1000 or last_second >= 50:
                self.refused_for_rate += 1
                reset = self._app_window[0] + 60 - now if len(self._app_window) >= 1000 else 1
                return RATE_LIMITED, 429, max(1, round(reset))
            if len(self._chat_windows[chat]) >= 5:
                self.refused_for_rate += 1
                return GROUP_RATE_LIMITED, 400, 1
            self._app_window.append(now)
            self._chat_windows[chat].append(now)
            self.sends.append(now)
        return None

    def _fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fault.path_part in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _answer(self, logged: Request, payload: dict[str, Any], status: int = 200,
                headers: dict[str, str] | None = None) -> web.Response:  # fmt: skip
        with self._lock:
            self.requests.append(logged)
        return web.json_response(payload, status=status, headers=headers)

    def _refuse(self, method: str, path: str, query: dict[str, str], body: Any, code: int, msg: str,
                status: int = 400) -> web.Response:  # fmt: skip
        with self._lock:
            self.violations.append(f"{method} {path}: {code} {msg}")
        return self._answer(Request(method, path, query, body, code), {"code": code, "msg": msg}, status)

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        parts = path.strip("/").split("/")  # im/v1/messages/{id}/reply …
        if parts[:2] == ["contact", "v3"]:
            return self._contact(method, parts, query)
        if parts[:2] != ["im", "v1"] or len(parts) < 3:
            raise _Refusal(404, f"no such endpoint {path}")
        resource, rest = parts[2], parts[3:]
        if resource == "messages":
            if method == "POST" and not rest:
                return self._create(query, body)
            if method == "POST" and len(rest) == 2 and rest[1] == "reply":
                return self._reply(rest[0], body)
            if method == "PATCH" and len(rest) == 1:
                return self._patch(rest[0], body)
            if method == "GET" and len(rest) == 3 and rest[1] == "resources":
                return self._resource(rest[0], rest[2], query)
        if resource == "images" and method == "POST" and not rest:
            return self._upload_image(body)
        if resource == "files" and method == "POST" and not rest:
            return self._upload_file(body)
        if resource == "chats" and method == "GET" and len(rest) == 1:
            return self._chat_info(rest[0])
        if resource == "chats" and method == "DELETE" and len(rest) == 2 and rest[1] == "members":
            return self._remove_members(rest[0], query, body)
        raise _Refusal(404, f"no such endpoint {method} {path}")

    def _contact(self, method: str, parts: list[str], query: dict[str, str]) -> dict[str, Any]:
        """GET /contact/v3/users/{id}?user_id_type=open_id: a person's name (needs contact:user.base:readonly)."""
        if method != "GET" or len(parts) != 4 or parts[2] != "users":
            raise _Refusal(404, f"no such endpoint {method} /{'/'.join(parts)}")
        if query.get("user_id_type", "open_id") != "open_id":
            raise _Refusal(INVALID_PARAM, "the double serves user_id_type open_id")
        user = self.users.get(parts[3])
        if user is None:
            raise _Refusal(41050, "no user authority error")
        return {"user": {"open_id": user.open_id, "name": user.name}}

    def _new_message(self, chat: Chat, body: Any) -> Message:
        if not isinstance(body, dict):
            raise _Refusal(INVALID_PARAM, "body must be a JSON object")
        msg_type = body.get("msg_type")
        if not isinstance(msg_type, str):
            raise _Refusal(INVALID_PARAM, "msg_type is required")
        if not chat.bot_in:
            raise _Refusal(BOT_NOT_IN_CHAT, "Bot is not in the chat")
        try:
            content = parse_content(msg_type, body.get("content"), set(self.images), set(self.files))
        except OverflowError as exc:
            raise _Refusal(CONTENT_TOO_LONG, str(exc)) from None
        except CardProblem as exc:
            raise _Refusal(CARD_INVALID, f"card content invalid: {exc}") from None
        except ValueError as exc:
            raise _Refusal(INVALID_PARAM, str(exc)) from None
        uuid = body.get("uuid")
        if uuid is not None:
            if not isinstance(uuid, str) or len(uuid) > 50:
                raise _Refusal(INVALID_PARAM, "uuid is at most 50 characters")
            for message in self.messages.values():  # the same uuid within an hour: the first message, not a new one
                if message.sender == "bot" and getattr(message, "uuid", None) == uuid:
                    return message
        message = Message(self._id("om"), chat.chat_id, "bot", msg_type, content, date=self._clock())
        message.uuid = uuid  # type: ignore[attr-defined]
        return message

    def _create(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        kind = query.get("receive_id_type")
        if kind not in {"open_id", "user_id", "union_id", "email", "chat_id"}:
            raise _Refusal(INVALID_PARAM, f"receive_id_type {kind!r} is invalid")
        receive_id = body.get("receive_id") if isinstance(body, dict) else None
        if not isinstance(receive_id, str) or not receive_id:
            raise _Refusal(INVALID_PARAM, "receive_id is required")
        if kind == "chat_id":
            chat = self.chats.get(receive_id)
            if chat is None:
                raise _Refusal(BOT_NOT_IN_CHAT, "chat not found or the bot is not in it")
        elif kind == "open_id":
            user = self.users.get(receive_id)
            if user is None:
                raise _Refusal(INVALID_PARAM, f"invalid open_id {receive_id}")
            chat = self.p2p(user)
        else:
            raise _Refusal(INVALID_PARAM, f"the double serves receive_id_type chat_id and open_id, not {kind}")
        message = self._new_message(chat, body)
        self.messages.setdefault(message.message_id, message)
        return self._message_data(message)

    def _reply(self, parent_id: str, body: Any) -> dict[str, Any]:
        parent = self.messages.get(parent_id)
        if parent is None:
            raise _Refusal(NOT_FOUND, f"message {parent_id} not found")
        if parent.recalled:
            raise _Refusal(MESSAGE_RECALLED, "The message was recalled")
        chat = self.chats[parent.chat_id]
        message = self._new_message(chat, body)
        if message.message_id not in self.messages:
            message.parent_id = parent.message_id
            message.root_id = parent.root_id or parent.message_id
            if body.get("reply_in_thread") or chat.topics:
                message.thread_id = parent.thread_id or "omt_" + parent.message_id.removeprefix("om_")
                parent.thread_id = message.thread_id
            self.messages[message.message_id] = message
        return self._message_data(message)

    def _patch(self, message_id: str, body: Any) -> dict[str, Any]:
        message = self.messages.get(message_id)
        if message is None:
            raise _Refusal(NOT_FOUND, f"message {message_id} not found")
        if message.recalled:
            raise _Refusal(MESSAGE_RECALLED, "The message was recalled")
        if message.sender != "bot" or message.msg_type != "interactive":
            raise _Refusal(INVALID_PARAM, "only cards the bot sent can be updated")
        if not isinstance(body, dict):
            raise _Refusal(INVALID_PARAM, "body must be a JSON object")
        try:
            card = parse_content("interactive", body.get("content"), set(self.images), set(self.files))
        except OverflowError as exc:
            raise _Refusal(CONTENT_TOO_LONG, str(exc)) from None
        except (CardProblem, ValueError) as exc:
            raise _Refusal(CARD_INVALID, f"card content invalid: {exc}") from None
        chat = self.chats[message.chat_id]
        if chat.chat_type == "group" and not card.get("config", {}).get("update_multi"):
            # an unshared card in a group updates only for the one who pressed it: the others keep the old buttons
            raise _Refusal(INVALID_PARAM, "a group's card must be shared (config.update_multi) to be updated for all")
        message.edits.append(message.content)
        message.content = card
        return {}

    def _resource(self, message_id: str, key: str, query: dict[str, str]) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message.sender == "bot":
            raise _Refusal(NOT_FOUND, "message not found (the bot downloads what users sent)")
        kind = query.get("type")
        if kind == "image" and key in self.images and key in json.dumps(message.content):
            return web.Response(body=self.images[key], content_type="image/jpeg")
        if kind == "file" and key in self.files and key in json.dumps(message.content):
            name, data = self.files[key]
            return web.Response(body=data, content_type="application/octet-stream",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
        raise _Refusal(FILE_INVALID, f"resource {key} of type {kind!r} is not in message {message_id}")

    def _upload_image(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("image_type") not in {"message", "avatar"}:
            raise _Refusal(FILE_INVALID, "image_type must be message or avatar")
        data = body.get("image")
        if not isinstance(data, bytes) or not data:
            raise _Refusal(FILE_INVALID, "image is required")
        if len(data) > IMAGE_LIMIT:
            raise _Refusal(FILE_INVALID, "image is larger than 10 MB")
        if not any(data.startswith(magic) for magic in IMAGE_TYPES):
            raise _Refusal(FILE_INVALID, "image format is not supported")
        return {"image_key": self._store_image(data)}

    def _upload_file(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("file_type") not in FILE_TYPES:
            raise _Refusal(FILE_INVALID, f"file_type must be one of {sorted(FILE_TYPES)}")
        name, data = body.get("file_name"), body.get("file")
        if not isinstance(name, str) or not name or not isinstance(data, bytes) or not data:
            raise _Refusal(FILE_INVALID, "file_name and a non-empty file are required")
        if len(data) > FILE_LIMIT:
            raise _Refusal(FILE_INVALID, "file is larger than 30 MB")
        key = self._id("file_v3")
        self.files[key] = (name, data)
        return {"file_key": key}

    def _chat_info(self, chat_id: str) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is None or not chat.bot_in:
            raise _Refusal(BOT_NOT_IN_CHAT, "chat not found or the bot is not in it")
        return {"name": chat.name, "chat_mode": "group" if chat.chat_type == "group" else "p2p",
                "group_message_type": "thread" if chat.topics else "chat",
                "user_count": str(len(chat.members))}  # fmt: skip

    def _remove_members(self, chat_id: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        """DELETE /im/v1/chats/{chat_id}/members: the double serves the bot leaving (member_id_type app_id)."""
        chat = self.chats.get(chat_id)
        if chat is None or not chat.bot_in:
            raise _Refusal(BOT_NOT_IN_CHAT, "chat not found or the bot is not in it")
        ids = body.get("id_list") if isinstance(body, dict) else None
        if query.get("member_id_type") != "app_id" or ids != [self.app_id]:
            raise _Refusal(INVALID_PARAM, "the double removes only the bot itself: member_id_type app_id, its app id")
        chat.bot_in = False
        return {"invalid_id_list": []}

    def _message_data(self, message: Message) -> dict[str, Any]:
        return {"message_id": message.message_id, "root_id": message.root_id, "parent_id": message.parent_id,
                "thread_id": message.thread_id, "msg_type": message.msg_type, "chat_id": message.chat_id,
                "create_time": str(int(time.time() * 1000)), "deleted": False, "updated": False,
                "sender": {"id": self.app_id, "id_type": "app_id", "sender_type": "app"},
                "body": {"content": json.dumps(message.content, ensure_ascii=False)}}  # fmt: skip


class _Refusal(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg
