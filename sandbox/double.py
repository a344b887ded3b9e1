"""A Bot API double: an HTTP server on 127.0.0.1 that a real python-telegram-bot Application talks to.

Tests act as users (``send_text``, ``send_photo``, ``press`` ...), which queues updates the bot
fetches with getUpdates, and read what the bot did (``expect``, ``sent``, ``requests``). Every
request is checked against the Bot API spec; breaches are answered with Telegram's 400 and kept
in ``violations``, so a test can fail on them even when the bot swallows the error.

    async with BotApiDouble(token="123456:TEST", bot_username="hazard_bot") as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url) \
            .base_file_url(api.base_file_url).build()
        user = api.add_user("张三")
        await api.send_text(user, "/start")
        reply = await api.expect(user.id)

What tests read is a ``sandbox.model.Message`` record, readable as attributes or as items
(``msg.text`` or ``msg["text"]``, ``msg.get("reply_markup")``): ``method`` and ``params`` of the
call that made it, ``text``/``caption`` as the bot sent them (markup included) and
``plain_text``/``plain_caption`` as users see them with ``entities``, ``parse_mode``,
``reply_markup`` (parsed JSON), ``message_thread_id``, ``reply_to_message_id``, ``photo`` (PhotoSize
dicts), ``document``, ``location``, ``media`` and ``album`` for albums, ``edits``, ``deleted``;
``to_api()`` gives the Message object the bot received. Helpers: ``buttons``,
``callback_data("label")``, ``file`` (the StoredFile with its bytes).

Layers: ``sandbox.model.World`` holds users, chats, messages and files; ``sandbox.botapi``
answers Bot API methods over it; this module is the HTTP transport plus the test-facing API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.errors import ApiError
from sandbox.faults import Fault
from sandbox.model import (
    CallbackQuery,
    Chat,
    Clock,
    Edit,
    Message,
    StoredFile,
    User,
    World,
    WorldEvent,
)
from sandbox.spec import BotApiSpec, UploadedFile

__all__ = ["ApiError", "BotApiDouble", "Chat", "Edit", "Fault", "Message", "Request", "StoredFile", "User"]

log = logging.getLogger(__name__)

# PTB uploads files in the request body; Telegram accepts uploads up to 50 MB.
MAX_BODY = 60 * 1024 * 1024


class Request(NamedTuple):
    """One Bot API call the bot made: the method (as the spec spells it) and its params."""

    method: str
    params: dict[str, Any]


class _Outcome(NamedTuple):
    method: str
    params: dict[str, Any]
    result: str  # "ok" or the error description, for failure dumps


ChatRef = Chat | int


def _chat_id(chat: ChatRef) -> int:
    return chat.id if isinstance(chat, Chat) else chat


class BotApiDouble:
    """The Bot API over HTTP on 127.0.0.1, backed by a World; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "hazard_bot",
        *,
        bot_first_name: str = "隐患闭环机器人",
        port: int = 0,
        clock: Clock | None = None,
        privacy_mode: bool = True,
        spec: BotApiSpec | None = None,
    ) -> None:
        self.token = token
        self.bot = User(id=int(token.split(":")[0]), first_name=bot_first_name, username=bot_username, is_bot=True)
        self.world = World(self.bot, clock=clock, privacy_mode=privacy_mode)
        self.spec = spec or BotApiSpec.default()
        self.api = BotApi(self.world, self.spec)
        self.requests: list[Request] = []
        self.errors: list[ApiError] = []
        self.violations: list[ApiError] = []
        self.downloads: list[str] = []
        self.faults: list[Fault] = []
        # Called with (method, params) before each call runs; the first ApiError returned answers
        # it instead (for policies such as Telegram's rate limits, beyond one-off faults).
        self.interceptors: list[Callable[[str, dict[str, Any]], ApiError | None]] = []
        self._port = port
        self._runner: web.AppRunner | None = None
        self._recent: deque[_Outcome] = deque(maxlen=20)
        # What the bot sent, per chat: one entry per send call (an album is its first message).
        self._outbox: dict[int, list[Message]] = defaultdict(list)
        self._taken: set[tuple[int, int]] = set()
        self._cursor: dict[int, int] = defaultdict(int)
        self._edits: dict[int, list[Edit]] = defaultdict(list)
        self._edit_cursor: dict[int, int] = defaultdict(int)
        self._changed = asyncio.Event()
        self.world.subscribe(self._on_event)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, port: int | None = None) -> None:
        """Listen on 127.0.0.1 (a free port unless given)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # Handler cancellation ends a long poll whose client went away (PTB cancels its poll on stop).
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port if port is None else port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.api.closing = False

    async def stop(self) -> None:
        """Answer pending long polls and close the server."""
        self.api.closing = True
        self.api.wake_polls()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiDouble:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL (the sandbox's web page will live here)."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url``."""
        return f"{self.url}/file/bot"

    # -- the world --------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        user_id: int | None = None,
        started: bool = True,
    ) -> User:
        """A user with a private chat whose id is the user's id; ``started=False``: never opened it."""
        return self.world.add_user(first_name, last_name, username, language_code, user_id=user_id, started=started)

    def add_group(
        self,
        title: str,
        *,
        is_forum: bool = False,
        bot_is_admin: bool = True,
        can_manage_topics: bool = True,
        members: Iterable[User] = (),
        admins: Iterable[User] = (),
        owner: User | None = None,
        username: str | None = None,
        chat_type: str = "supergroup",
    ) -> Chat:
        """A group (a supergroup unless ``chat_type="group"``) with the bot in it; ids are negative."""
        return self.world.add_group(
            title,
            is_forum=is_forum,
            bot_is_admin=bot_is_admin,
            can_manage_topics=can_manage_topics,
            members=members,
            admins=admins,
            owner=owner,
            username=username,
            chat_type=chat_type,
        )

    def set_bot_rights(
        self, chat: ChatRef, *, is_admin: bool | None = None, can_manage_topics: bool | None = None, **rights: bool
    ) -> None:
        """Change the bot's standing in a group (the bot gets a my_chat_member update)."""
        self.world.set_bot_rights(_chat_id(chat), is_admin=is_admin, can_manage_topics=can_manage_topics, **rights)

    def add_bot(self, chat: ChatRef, by: User, *, is_admin: bool = False) -> None:
        """``by`` adds the bot to a group it is not in (take it out first with ``remove_bot``)."""
        self.world.add_bot(_chat_id(chat), by, is_admin=is_admin)

    def set_forum(self, chat: ChatRef, is_forum: bool) -> None:
        """Turn topics on or off."""
        self.world.set_forum(_chat_id(chat), is_forum)

    def set_member(self, chat: ChatRef, user: User, status: str = "member", **rights: bool) -> None:
        """Add ``user`` to a group, or change their status (administrator, left, kicked ...)."""
        self.world.set_member(_chat_id(chat), user, status, **rights)

    def remove_bot(self, chat: ChatRef, *, kicked: bool = True) -> None:
        """Remove the bot from a group: later sends there get 403 Forbidden."""
        self.world.remove_bot(_chat_id(chat), kicked=kicked)

    def block_bot(self, user: User, blocked: bool = True) -> None:
        """``user`` blocks (or unblocks) the bot: sends to them get 403 Forbidden."""
        user.blocked_bot = blocked

    def chat(self, chat: ChatRef) -> Chat:
        """The Chat record for an id."""
        return self.world.chat(_chat_id(chat))

    @property
    def users(self) -> dict[int, User]:
        """Everyone in the sandbox by id, the bot included."""
        return self.world.users

    # -- acting as users --------------------------------------------------------------------

    async def send_text(
        self,
        user: User,
        text: str,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
    ) -> Message:
        """``user`` sends ``text`` (to their private chat unless ``chat``); a /command gets its entity."""
        message = self.world.post_text(user, text, chat=chat, thread_id=thread_id, reply_to=reply_to)
        await asyncio.sleep(0)
        return message

    async def send_photo(
        self,
        user: User,
        image: bytes,
        caption: str | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
        file_size: int | None = None,
    ) -> Message:
        """``user`` sends a photo; it is stored in several sizes (``file_size`` claims the largest's size)."""
        message = self.world.post_photo(
            user, image, caption=caption, chat=chat, thread_id=thread_id, reply_to=reply_to, file_size=file_size
        )
        await asyncio.sleep(0)
        return message

    async def send_album(
        self,
        user: User,
        images: Sequence[bytes],
        caption: str | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
    ) -> list[Message]:
        """``user`` sends 2-10 photos as one album (shared media_group_id, caption on the first)."""
        messages = self.world.post_album(user, images, caption=caption, chat=chat, thread_id=thread_id)
        await asyncio.sleep(0)
        return messages

    async def send_document(
        self,
        user: User,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str | None = "application/octet-stream",
        caption: str | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
        file_size: int | None = None,
    ) -> Message:
        """``user`` sends a file; ``file_size`` claims a size (say 25 MB) without the bytes."""
        message = self.world.post_document(
            user,
            data,
            file_name=file_name,
            mime_type=mime_type,
            caption=caption,
            chat=chat,
            thread_id=thread_id,
            reply_to=reply_to,
            file_size=file_size,
        )
        await asyncio.sleep(0)
        return message

    async def send_location(
        self, user: User, latitude: float, longitude: float, chat: ChatRef | None = None, thread_id: int | None = None
    ) -> Message:
        """``user`` shares a location."""
        message = self.world.post_location(user, latitude, longitude, chat=chat, thread_id=thread_id)
        await asyncio.sleep(0)
        return message

    async def press(
        self, user: User, message: Message, callback_data: str | None = None, *, button: str | None = None
    ) -> str:
        """``user`` presses a button on a bot message: by its data (forged data allowed) or its label.

        Returns the callback query id, for ``callback_answer``.
        """
        if message.sender is not self.bot:
            raise ValueError("only buttons on the bot's messages can be pressed")
        if message.chat.member(user.id).status not in ("creator", "administrator", "member", "restricted"):
            raise ValueError(f"{user.full_name} cannot see chat {message.chat.id}")
        if callback_data is None:
            if button is None:
                raise ValueError("press needs callback_data or button=<label>")
            callback_data = message.callback_data(button)
        query = self.world.press_button(user, message, callback_data)
        await asyncio.sleep(0)
        return query.id

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery params the bot sent for this query, or None so far."""
        return self.world.callback_queries[query_id].answer

    def callback_query(self, query_id: str) -> CallbackQuery:
        """The callback query record (user, message, data, answer)."""
        return self.world.callback_queries[query_id]

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until the bot answers the query; its answerCallbackQuery params."""
        await self.wait_for(
            lambda: self.callback_answer(query_id) is not None,
            timeout,
            f"the bot did not answer callback query {query_id}",
        )
        answer = self.callback_answer(query_id)
        assert answer is not None
        return answer

    # -- reading what the bot did -----------------------------------------------------------
    # The waits take ``timeout=`` (hence the ASYNC109 noqa): tests read better with the limit
    # beside the expectation than wrapped in asyncio.timeout().

    def sent(self, chat: ChatRef, thread_id: int | None = None) -> list[Message]:
        """What the bot sent into ``chat`` (one entry per send; an album is its first message), in order.

        ``thread_id``: only that forum topic, or in a group without topics that reply thread.
        """
        return [m for m in self._outbox.get(_chat_id(chat), []) if _in_thread(m, thread_id)]

    def messages(self, chat: ChatRef, thread_id: int | None = None) -> list[Message]:
        """Every message in ``chat`` (users', the bot's, service messages, deleted ones flagged)."""
        return [m for m in self.chat(chat).messages.values() if _in_thread(m, thread_id)]

    async def expect(self, chat: ChatRef, thread_id: int | None = None, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The next message the bot sends to ``chat`` (each is returned once); AssertionError on timeout."""
        chat_id = _chat_id(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self._take(chat_id, thread_id)
            if found is not None:
                return found
            if not await self._wait_change(deadline - loop.time()):
                where = f"chat {chat_id}" + (f" thread {thread_id}" if thread_id is not None else "")
                raise AssertionError(f"the bot sent nothing new to {where} within {timeout}s\n{self.dump(chat_id)}")

    async def expect_many(
        self,
        chat: ChatRef,
        n: int,
        thread_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Message]:
        """The next ``n`` messages the bot sends to ``chat``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        found: list[Message] = []
        for _ in range(n):
            try:
                found.append(await self.expect(chat, thread_id, max(0.0, deadline - loop.time())))
            except AssertionError as error:
                raise AssertionError(f"expected {n} messages, got {len(found)}: {found}\n{error}") from None
        return found

    async def expect_nothing(self, chat: ChatRef, thread_id: int | None = None, within: float = 0.3) -> None:
        """Assert the bot sends nothing new to ``chat`` for ``within`` seconds."""
        chat_id = _chat_id(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            pending = self._untaken(chat_id, thread_id)
            if pending:
                raise AssertionError(f"the bot sent {pending} to chat {chat_id}\n{self.dump(chat_id)}")
            if not await self._wait_change(deadline - loop.time()):
                return

    def edits(self, chat: ChatRef) -> list[Edit]:
        """Every edit the bot made to messages in ``chat``, in order."""
        return list(self._edits.get(_chat_id(chat), []))

    async def expect_edit(self, chat: ChatRef, timeout: float = 5.0) -> Edit:  # noqa: ASYNC109
        """The next edit the bot makes in ``chat`` (each returned once); ``edit.message`` is the message now."""
        chat_id = _chat_id(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            edits = self._edits.get(chat_id, [])
            cursor = self._edit_cursor[chat_id]
            if cursor < len(edits):
                self._edit_cursor[chat_id] = cursor + 1
                return edits[cursor]
            if not await self._wait_change(deadline - loop.time()):
                raise AssertionError(
                    f"the bot edited nothing in chat {chat_id} within {timeout}s\n{self.dump(chat_id)}"
                )

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:  # noqa: ASYNC109
        """Wait until ``condition()`` holds, re-checking whenever the bot does something."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if not await self._wait_change(deadline - loop.time()):
                raise AssertionError(f"{what}: not met within {timeout}s\n{self.dump()}")

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Params of every call of ``method`` (any spelling), in order."""
        lowered = method.lower()
        return [r.params for r in self.requests if r.method.lower() == lowered]

    def topics(self, chat: ChatRef) -> list[dict[str, Any]]:
        """Forum topics created in ``chat``: message_thread_id, name, icon_color, is_closed, is_deleted."""
        return [topic.as_record() for topic in self.chat(chat).topics.values()]

    @property
    def files(self) -> dict[str, StoredFile]:
        """Every stored file by file_id (users' and the bot's uploads); ``.data`` holds the bytes."""
        return self.world.files

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """setMyCommands by (scope, language_code): ("default", ""), ("chat:-100…", "zh") ..."""
        return self.world.commands

    @property
    def chat_actions(self) -> list[tuple[int, int | None, str]]:
        """sendChatAction calls as (chat_id, thread_id, action)."""
        return self.api.chat_actions

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self.world.updates)

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every spec violation seen."""
        if self.violations:
            lines = "\n".join(f"  {v!r} params={_brief(v.params)}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Bot API spec violation(s):\n{lines}")

    # -- faults -----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int | None = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        when: Callable[[dict[str, Any]], bool] | None = None,
        migrate_to_chat_id: int | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Answer the next ``times`` calls of ``method`` ("*": any) with an error instead of running them.

        429 gets ``retry_after`` (default 1) and Telegram's description. ``when`` limits it to
        calls whose params match; ``delay`` answers late; ``error_code=None`` with a delay is a
        slow success. Returns the Fault, whose ``hits`` counts the calls it answered.
        """
        fault = Fault(
            method,
            error_code,
            description,
            retry_after,
            migrate_to_chat_id,
            times=times,
            when=when,
            delay=delay,
        )
        self.faults.append(fault)
        return fault

    def add_fault(self, fault: Fault) -> Fault:
        """Queue a prepared Fault."""
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every fault not yet spent."""
        self.faults.clear()

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, params):
                fault.hits += 1
                if fault.spent:
                    self.faults.remove(fault)
                return fault
        return None

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        name = request.match_info["method"]
        method = self.spec.canonical(name)
        try:
            params, uploads = await _read_params(request)
        except ValueError as error:
            return self._refuse(ApiError(400, f"Bad Request: {error}", violation=True), name, {})
        if method is None:
            self.requests.append(Request(name, params))
            refusal = ApiError(404, "Not Found", violation=True, details=(f'Not Found: unknown method "{name}"',))
            return self._refuse(refusal, name, params)
        fields = self.spec.methods[method].fields
        for part, upload in uploads.items():
            if part in fields:
                params[part] = upload  # a file sent directly as the parameter, not via attach://
        params = self.spec.coerce(method, params)
        self.requests.append(Request(method, params))
        self._poke()  # a test may be waiting for the call itself (say, the first getUpdates)
        problems = self.spec.check(method, params)
        try:
            if problems:
                raise ApiError(400, f"Bad Request: {problems[0]}", violation=True, details=tuple(problems))
            call = self.api.prepare(method, params, uploads)
            for intercept in self.interceptors:
                intercepted = intercept(method, params)
                if intercepted is not None:
                    return self._refuse(intercepted, method, params)
            fault = self._fault_for(method, params)
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)  # a slow Telegram is the point of this fault
                injected = fault.error()
                if injected is not None:
                    return self._refuse(injected, method, params)
            result = await self.api.call(call)
        except ApiError as error:
            return self._refuse(error, method, params)
        self._recent.append(_Outcome(method, params, "ok"))
        self._poke()
        return _json({"ok": True, "result": result})

    def _refuse(self, error: ApiError, method: str, params: dict[str, Any]) -> web.Response:
        error.method = method
        error.params = params
        self.errors.append(error)
        if error.violation:
            self.violations.append(error)
            log.warning("Bot API violation in %s: %s params=%s", method, list(error.details), _brief(params))
        self._recent.append(_Outcome(method, params, f"{error.error_code} {error.description}"))
        self._poke()
        return _json(error.to_response(), error.error_code)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        path = request.match_info["path"]
        stored = self.world.file_by_path(path)
        if stored is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        self.downloads.append(path)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # -- change tracking --------------------------------------------------------------------

    def _on_event(self, event: WorldEvent) -> None:
        message = event.message
        if event.kind == "message" and message is not None and message.sender is self.bot and not message.service:
            if not message.album or message.album[0] is message:
                self._outbox[message.chat.id].append(message)
        elif event.kind == "edit" and isinstance(event.payload, Edit):
            self._edits[event.payload.chat_id].append(event.payload)
        self._poke()

    def _poke(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, remaining: float) -> bool:
        """Wait for the next change; False when ``remaining`` runs out first."""
        if remaining <= 0:
            return False
        event = self._changed
        try:
            async with asyncio.timeout(remaining):
                await event.wait()
        except TimeoutError:
            return False
        return True

    def _take(self, chat_id: int, thread_id: int | None) -> Message | None:
        outbox = self._outbox.get(chat_id, [])
        cursor = self._cursor[chat_id]
        found: Message | None = None
        for message in outbox[cursor:]:
            key = (chat_id, message.message_id)
            if key not in self._taken and _in_thread(message, thread_id):
                self._taken.add(key)
                found = message
                break
        # Skip past what has been taken so later scans start at the first message still waiting.
        while cursor < len(outbox) and (chat_id, outbox[cursor].message_id) in self._taken:
            cursor += 1
        self._cursor[chat_id] = cursor
        return found

    def _untaken(self, chat_id: int, thread_id: int | None) -> list[Message]:
        outbox = self._outbox.get(chat_id, [])
        return [
            m
            for m in outbox[self._cursor[chat_id] :]
            if (chat_id, m.message_id) not in self._taken and _in_thread(m, thread_id)
        ]

    def dump(self, chat_id: int | None = None) -> str:
        """What the bot sent, recent requests and errors: the context a failing test needs."""
        lines: list[str] = []
        if chat_id is not None:
            sent = self._outbox.get(chat_id, [])
            lines.append(f"the bot sent {len(sent)} message(s) to chat {chat_id} (✓ = already expected):")
            for message in sent[-15:]:
                mark = "✓" if (chat_id, message.message_id) in self._taken else " "
                lines.append(f"  {mark} {message!r}")
        others = [(cid, msgs) for cid, msgs in self._outbox.items() if cid != chat_id and msgs]
        for cid, msgs in others[:10]:
            lines.append(f"chat {cid}: {len(msgs)} message(s), last {msgs[-1]!r}")
        lines.append("recent requests:")
        lines.extend(f"  {o.method} {_brief(o.params)} -> {o.result}" for o in self._recent)
        if self.violations:
            lines.append(f"violations: {self.violations}")
        return "\n".join(lines)


def _in_thread(message: Message, thread_id: int | None) -> bool:
    if thread_id is None:
        return True
    if message.chat.is_forum or message.thread_id is not None:
        return message.thread_id == thread_id
    # Without topics a thread is a reply chain: the root message and everything replying into it.
    root = message
    for _ in range(100):
        if root.reply_to is None:
            break
        root = root.reply_to
    return root.message_id == thread_id


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Params from the query string and a JSON, urlencoded or multipart body; file parts apart."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise ValueError(f"can't parse JSON body: {error}") from None
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = UploadedFile(value.file.read(), value.filename, value.content_type)
            else:
                params[key] = value
    return params, uploads


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"), status=status, content_type="application/json"
    )


def _brief(params: dict[str, Any] | None) -> str:
    if not params:
        return "{}"
    shown = {k: (v if len(repr(v)) <= 80 else repr(v)[:77] + "…") for k, v in params.items()}
    return repr(shown)
