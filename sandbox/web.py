"""The sandbox's web page: a small chat client over the double's world, served by aiohttp.

The browser picks who it is (any user of the world) and acts as that user through the same
`World.post_*`/`press_button` calls tests use, so the bot sees ordinary updates. It reads what
is in the world as JSON (messages rendered by `sandbox.render`), and waits for changes with a
long poll on /api/updates. Everything is served on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from sandbox.images import image_dimensions
from sandbox.model import PRESENT, Chat, Message, StoredFile, User
from sandbox.render import entities_to_html
from texts import plain, table
from texts.dates import date_with_weekday

if TYPE_CHECKING:
    from sandbox.runner import Sandbox

STATIC = Path(__file__).with_name("static")
PAGE_TEXTS = "sandbox.page"  # the catalog table of the page's own words
SLOT = re.compile(r"\{\{ (\w+) \}\}")  # {{ key }} in index.html
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
LONG_POLL_SECONDS = 20.0
SHOWN_MESSAGES = 300  # per chat or topic: the newest ones
MAX_UPLOAD = 50 * 1024 * 1024  # what Telegram lets a user send
ANSWER_WAIT = 3.0  # how long a button press waits for the bot's answerCallbackQuery

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PageError(Exception):
    """A request the page should not have made; answered 400 with a Chinese message."""


class Page:
    """What the page needs from a sandbox's world, whatever the messenger; the HTTP handlers below speak only to this.

    The shared part — a change counter for long polls, who has read what, the clock — is here; the world's people,
    chats and actions are a subclass's: `TelegramPage` over the Bot API double, `sandbox.feishu.page.FeishuPage` over
    the Feishu double. Ids on the page are integers as Telegram's are (a private chat's id is its person's, groups
    are negative), so the browser's script is the same for both.
    """

    text_limit = 4096  # the longest message the page lets a user type
    messenger = "Telegram"  # the page's words name the messenger the sandbox stands in for

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.version = 0
        self._changed = asyncio.Event()
        # (user, chat, thread) → the newest message id that user has seen there
        self.read: dict[tuple[int, int, int | None], int] = {}

    def changed(self, *_: object) -> None:
        """Something a reader sees has changed: the long polls answer."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, since: int, timeout: float) -> int:  # noqa: ASYNC109
        """The version once it is past ``since``, or the current one after ``timeout``."""
        if self.version > since:
            return self.version
        event = self._changed
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            pass
        return self.version

    def local(self, instant: datetime) -> datetime:
        """An instant in the bot's zone."""
        return instant.astimezone(self.sandbox.zone)

    def clock(self) -> dict[str, Any]:
        """The sandbox time as the page shows it, and how far it has been moved."""
        now = self.local(self.sandbox.clock.now())
        offset = self.sandbox.moved
        days, hours = offset.days, offset.seconds // 3600
        moved = "".join([plain("sandbox.web.days", n=days) if days else "",
                         plain("sandbox.web.hours", n=hours) if hours else ""])  # fmt: skip
        return {
            "now": plain("sandbox.web.now", day=date_with_weekday(now.date()), time=f"{now:%H:%M}"),
            "offset_hours": round(offset.total_seconds() / 3600, 2),
            "moved": plain("sandbox.web.moved", moved=moved) if moved else plain("sandbox.web.not_moved"),
        }

    def mark_seen(self, user: int, chat: int, thread: int | None, message: int) -> None:
        """The user has seen the chat's (or topic's) messages up to ``message``."""
        key = (user, chat, thread)
        self.read[key] = max(self.read.get(key, 0), message)

    def seen(self, user: int, chat: int, thread: int | None) -> int:
        """The newest message the user has seen there."""
        return self.read.get((user, chat, thread), 0)

    # -- what a world says ---------------------------------------------------------------------

    def mark_all_read(self) -> None:
        """Everything so far counts as read (the cast's set-up is not news)."""
        raise NotImplementedError

    def bot(self) -> dict[str, Any]:
        """The bot as the page names it: id, name, username (the invite links' bot)."""
        raise NotImplementedError

    def people(self) -> list[dict[str, Any]]:
        """Everyone the page can be: the cast first, then people added from the page."""
        raise NotImplementedError

    def default_user(self) -> int | None:
        """Who the page is at first (a safety officer)."""
        raise NotImplementedError

    def token_help(self) -> str:
        """How to run the real bot instead."""
        raise NotImplementedError

    def chat_list(self, user: Any) -> list[dict[str, Any]]:
        """The user's chats: private chat first, then groups with their topics."""
        raise NotImplementedError

    def conversation(self, user: Any, chat: Any, thread: Any) -> dict[str, Any]:
        """One chat or topic as the user sees it: chat, thread, title, closed, messages (reading marks them read)."""
        raise NotImplementedError

    async def send_text(self, data: dict[str, Any], text: str) -> None:
        """The user (data's user, chat, thread) sends a text message."""
        raise NotImplementedError

    async def send_photos(self, data: Any, images: list[bytes], caption: str | None) -> None:
        """The user sends one photo or an album."""
        raise NotImplementedError

    async def send_document(self, data: Any, content: bytes, name: str, mime: str, caption: str | None) -> None:
        """The user sends a file."""
        raise NotImplementedError

    async def send_location(self, data: dict[str, Any], latitude: float, longitude: float) -> None:
        """The user shares a location."""
        raise NotImplementedError

    async def press(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The user presses a button (data's user, chat, message, data); the bot's answer: text and alert, or None."""
        raise NotImplementedError

    def add_person(self, name: str) -> int:
        """A new person (not yet joined); their id."""
        raise NotImplementedError

    def stored_file(self, file_id: str) -> tuple[bytes, str, str | None] | None:
        """A file or photo the page links to: its bytes, type and name (None: no such file)."""
        raise NotImplementedError


class TelegramPage(Page):
    """The page over the Bot API double's world."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)
        self.sandbox: Sandbox = sandbox
        self.world = sandbox.api.world
        self.world.subscribe(self.changed)

    def mark_all_read(self) -> None:
        for chat in self.world.chats.values():
            for message in chat.messages.values():
                for user_id in chat.members:
                    self.mark_seen(user_id, chat.id, _thread_key(chat, message), message.message_id)

    def bot(self) -> dict[str, Any]:
        bot = self.sandbox.api.bot
        return {"id": bot.id, "name": bot.first_name, "username": bot.username}

    def default_user(self) -> int | None:
        cast = self.sandbox.cast
        return next((user.id for user, part in cast.people if part.role == "officer"), None) if cast else None

    def token_help(self) -> str:
        return plain("startup.no_token")

    # -- reading ----------------------------------------------------------------------------

    def place(self, data: Any) -> tuple[User, Chat, int | None]:
        """Who is sending, into which chat and topic, from a request's `user`, `chat` and `thread` fields."""
        user = self.user(data.get("user"))
        chat = self.chat_for(user, data.get("chat"))
        return user, chat, self.thread_for(chat, data.get("thread"))

    def user(self, value: Any) -> User:
        """The user a request acts as."""
        try:
            user = self.world.users.get(int(value))
        except (TypeError, ValueError):
            user = None
        if user is None or user.is_bot:
            raise PageError(plain("sandbox.error.unknown_user"))
        return user

    def chat_for(self, user: User, value: Any) -> Chat:
        """A chat the user can see: their private chat with the bot or a group they are in."""
        try:
            chat = self.world.chats.get(int(value))
        except (TypeError, ValueError):
            chat = None
        if chat is None or (chat.type == "private" and chat.id != user.id):
            raise PageError(plain("sandbox.error.unknown_chat"))
        if chat.member(user.id).status not in PRESENT:
            raise PageError(plain("sandbox.error.not_in_group"))
        return chat

    def thread_for(self, chat: Chat, value: Any) -> int | None:
        """The topic a request means (None: the chat itself, or a forum's 综合 topic)."""
        if value in (None, "", "null"):
            return None
        try:
            thread = int(value)
        except (TypeError, ValueError):
            raise PageError(plain("sandbox.error.unknown_topic")) from None
        topic = chat.topics.get(thread)
        if not chat.is_forum or topic is None or topic.is_deleted:
            raise PageError(plain("sandbox.error.unknown_topic"))
        return thread

    def chat_list(self, value: Any) -> list[dict[str, Any]]:
        user = self.user(value)
        listed = []
        for chat in self.world.chats.values():
            if chat.member(user.id).status not in PRESENT or (chat.type == "private" and chat.id != user.id):
                continue
            entry: dict[str, Any] = {
                "id": chat.id,
                "type": chat.type,
                "title": self.sandbox.api.bot.first_name if chat.type == "private" else chat.title,
                "is_forum": chat.is_forum,
                "unread": self._unread(user, chat, None),
                "topics": [],
            }
            if chat.is_forum:
                entry["topics"] = [
                    {"id": t.message_thread_id, "name": t.name, "closed": t.is_closed,
                     "unread": self._unread(user, chat, t.message_thread_id)}
                    for t in sorted(chat.topics.values(), key=lambda t: -t.message_thread_id) if not t.is_deleted
                ]  # fmt: skip
            listed.append(entry)
        listed.sort(key=lambda c: c["type"] != "private")  # then the groups in the org file's order
        return listed

    def _unread(self, user: User, chat: Chat, thread: int | None) -> int:
        seen = self.seen(user.id, chat.id, thread)
        return sum(
            1
            for m in chat.messages.values()
            if m.message_id > seen and m.sender is not user and not m.deleted and _thread_key(chat, m) == thread
            and not (m.album and m.album[0] is not m)
        )  # fmt: skip

    def messages(self, user: User, chat: Chat, thread: int | None) -> list[dict[str, Any]]:
        """What the user sees in a chat or topic, oldest first; reading them marks them read."""
        shown = [m for m in chat.messages.values() if not m.deleted and _thread_key(chat, m) == thread]
        if shown:
            self.mark_seen(user.id, chat.id, thread, shown[-1].message_id)
        items: list[dict[str, Any]] = []
        for message in shown[-SHOWN_MESSAGES:]:
            if message.album and message.album[0] is not message:
                continue  # shown with the album's first message
            items.append(self.message_json(user, message))
        return items

    def message_json(self, user: User, message: Message) -> dict[str, Any]:
        """One message (or a whole album) as the page draws it."""
        parts = message.album or [message]
        captioned = next((m for m in parts if m.plain_caption), message)
        if message.plain_text is not None:
            body = entities_to_html(message.plain_text, message.entities)
        else:
            body = entities_to_html(captioned.plain_caption or "", captioned.caption_entities)
        sender = message.sender
        item: dict[str, Any] = {
            "id": message.message_id,
            "from": {"id": sender.id, "name": sender.full_name, "bot": sender.is_bot},
            "mine": sender is user,
            "date": self.local(message.date).strftime("%m-%d %H:%M"),
            "html": body,
            "edited": message.edit_date is not None,
            "photos": [_photo(m.photo_files) for m in parts if m.photo_files],
            "document": None,
            "location": message.location,
            "keyboard": [[_button(b) for b in row] for row in message.inline_keyboard],
            "service": _service_text(message),
            "reply": None,
        }
        if message.document_file is not None:
            stored = message.document_file
            item["document"] = {"href": f"/files/{stored.file_id}?download=1",
                                "name": stored.file_name or plain("sandbox.web.file"),
                                "size": stored.size, "mime": stored.mime_type or ""}  # fmt: skip
        replied = message.reply_to
        if replied is not None and not (message.chat.is_forum and replied.message_id == message.thread_id):
            item["reply"] = {"from": replied.sender.full_name, "snippet": _snippet(replied)}
        return item

    def people(self) -> list[dict[str, Any]]:
        cast = self.sandbox.cast
        listed = []
        for user in self.world.users.values():
            if user.is_bot:
                continue
            part = cast.part_of(user.id) if cast else None
            listed.append({
                "id": user.id, "name": user.full_name,
                "label": part.label if part else plain("sandbox.web.new_person"),
                "group": part.group if part else plain("sandbox.web.others"),
            })  # fmt: skip
        return listed

    def conversation(self, user: Any, chat: Any, thread: Any) -> dict[str, Any]:
        person = self.user(user)
        place = self.chat_for(person, chat)
        topic_id = self.thread_for(place, thread)
        topic = place.topics.get(topic_id) if topic_id is not None else None
        title = topic.name if topic else (self.sandbox.api.bot.first_name if place.type == "private" else place.title)
        return {"chat": place.id, "thread": topic_id, "title": title, "closed": bool(topic and topic.is_closed),
                "messages": self.messages(person, place, topic_id)}  # fmt: skip

    async def send_text(self, data: dict[str, Any], text: str) -> None:
        user, chat, thread = self.place(data)
        await _posting(self.sandbox.api.send_text(user, text, chat=chat.id, thread_id=thread))

    async def send_photos(self, data: Any, images: list[bytes], caption: str | None) -> None:
        user, chat, thread = self.place(data)
        api = self.sandbox.api
        if len(images) == 1:
            await _posting(api.send_photo(user, images[0], caption=caption, chat=chat.id, thread_id=thread))
        else:
            await _posting(api.send_album(user, images, caption=caption, chat=chat.id, thread_id=thread))

    async def send_document(self, data: Any, content: bytes, name: str, mime: str, caption: str | None) -> None:
        user, chat, thread = self.place(data)
        await _posting(self.sandbox.api.send_document(user, content, file_name=name, mime_type=mime, caption=caption,
                                                      chat=chat.id, thread_id=thread))  # fmt: skip

    async def send_location(self, data: dict[str, Any], latitude: float, longitude: float) -> None:
        user, chat, thread = self.place(data)
        await _posting(self.sandbox.api.send_location(user, latitude, longitude, chat=chat.id, thread_id=thread))

    async def press(self, data: dict[str, Any]) -> dict[str, Any] | None:
        user = self.user(data.get("user"))
        chat = self.chat_for(user, data.get("chat"))
        message = chat.messages.get(number(data.get("message")))
        callback_data = data.get("data")
        if message is None or message.deleted or not any(b.get("callback_data") == callback_data
                                                         for b in message.buttons):  # fmt: skip
            raise PageError(plain("sandbox.error.stale_button"))
        api = self.sandbox.api
        query_id = await _posting(api.press(user, message, str(callback_data)))
        try:
            answer = await api.wait_callback_answer(query_id, timeout=ANSWER_WAIT)
        except AssertionError:
            return None
        return {"text": answer.get("text") or "", "alert": bool(answer.get("show_alert"))}

    def add_person(self, name: str) -> int:
        user = self.sandbox.api.add_user(name)
        self.changed()
        return user.id

    def stored_file(self, file_id: str) -> tuple[bytes, str, str | None] | None:
        stored = self.world.files.get(file_id)
        if stored is None:
            return None
        mime = stored.mime_type or ("image/jpeg" if stored.kind == "photo" else "application/octet-stream")
        return stored.data, mime, stored.file_name


def number(value: Any) -> int:
    """A request's id field as an integer (0 when it is not one: no such thing)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _thread_key(chat: Chat, message: Message) -> int | None:
    """Which list a message belongs to: its topic in a forum, else the chat as a whole (None)."""
    return message.thread_id if chat.is_forum else None


def _photo(sizes: list[StoredFile]) -> dict[str, Any]:
    # show a size a screen needs (Telegram's 800px rendition where there is one); open the original
    shown = next((s for s in reversed(sizes) if max(s.width, s.height) <= 800), sizes[0])
    return {"src": f"/files/{shown.file_id}", "full": f"/files/{sizes[-1].file_id}",
            "width": shown.width, "height": shown.height}


def _button(button: dict[str, Any]) -> dict[str, Any]:
    return {"text": str(button.get("text", "")), "data": button.get("callback_data"), "url": button.get("url")}


def _snippet(message: Message) -> str:
    text = message.plain.strip().splitlines()[0] if message.plain.strip() else ""
    if not text:
        kind = message.content_type if message.content_type in ("photo", "document", "location") else "other"
        text = plain(f"sandbox.web.snippet_{kind}")
    return text if len(text) <= 40 else text[:39] + "…"


def _service_text(message: Message) -> str | None:
    if not message.service:
        return None
    extra = message.extra
    if "forum_topic_created" in extra:
        return plain("sandbox.web.topic_created", name=extra["forum_topic_created"].get("name", ""))
    if "forum_topic_edited" in extra:
        return plain("sandbox.web.topic_edited", name=extra["forum_topic_edited"].get("name", ""))
    if "forum_topic_closed" in extra:
        return plain("sandbox.web.topic_closed")
    if "forum_topic_reopened" in extra:
        return plain("sandbox.web.topic_reopened")
    return plain("sandbox.web.service")


# -- HTTP handlers --------------------------------------------------------------------------

PAGE: web.AppKey[Page] = web.AppKey("page", Page)


def _page(request: web.Request) -> Page:
    return request.app[PAGE]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise PageError(plain("sandbox.error.bad_request")) from None
    if not isinstance(data, dict):
        raise PageError(plain("sandbox.error.bad_request"))
    return data


def render_index(messenger: str = "Telegram") -> str:
    """index.html with its words from the catalog's sandbox.page table.

    ``{{ key }}`` becomes the entry sandbox.page.key, HTML-escaped (an unknown key raises KeyError);
    ``{{ texts }}`` becomes the whole table as JSON, which app.js reads once at start and fills
    its ``{name}`` placeholders from (its function ``t``). ``{messenger}`` in an entry is the
    messenger the sandbox stands in for (Telegram, 飞书), filled here.
    """
    words = {key: text.replace("{messenger}", messenger) for key, text in table(PAGE_TEXTS).items()}
    as_json = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")  # cannot close the <script>

    def fill(slot: re.Match[str]) -> str:
        return as_json if slot[1] == "texts" else html.escape(words[slot[1]])

    return SLOT.sub(fill, (STATIC / "index.html").read_text(encoding="utf-8"))


async def index(request: web.Request) -> web.StreamResponse:
    """The page itself, its words filled in from the catalog."""
    page = render_index(_page(request).messenger)
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})


async def state(request: web.Request) -> web.Response:
    """Who can be chosen, the bot, the clock and how to run the real bot."""
    page = _page(request)
    return web.json_response({
        "bot": page.bot(),
        "people": page.people(),
        "default_user": page.default_user(),
        "clock": page.clock(),
        "version": page.version,
        "token_help": page.token_help(),
        "org_file": str(page.sandbox.org_file),
    })  # fmt: skip


async def chats(request: web.Request) -> web.Response:
    """The chat list of the user."""
    page = _page(request)
    listed = page.chat_list(request.query.get("user"))
    return web.json_response({"chats": listed, "clock": page.clock(), "version": page.version})


async def messages(request: web.Request) -> web.Response:
    """The messages of one chat or topic, as the user sees them."""
    query = request.query
    return web.json_response(_page(request).conversation(query.get("user"), query.get("chat"), query.get("thread")))


async def updates(request: web.Request) -> web.Response:
    """A long poll: answers when anything changed after ``since`` (or after a while with nothing)."""
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        since = 0
    version = await _page(request).wait(since, LONG_POLL_SECONDS)
    return web.json_response({"version": version})


async def send(request: web.Request) -> web.Response:
    """The user sends a text message."""
    page = _page(request)
    data = await _body(request)
    text = str(data.get("text") or "")
    if not text.strip():
        raise PageError(plain("sandbox.error.empty_message"))
    if len(text) > page.text_limit:
        raise PageError(plain("sandbox.error.message_too_long"))
    await page.send_text(data, text)
    return web.json_response({"ok": True})


async def upload(request: web.Request) -> web.Response:
    """The user sends photos (one, or 2–10 as an album) or a file, with an optional caption."""
    page = _page(request)
    form = await request.post()
    caption = str(form.get("caption") or "").strip() or None
    files = [f for f in form.getall("file", []) if isinstance(f, web.FileField)]
    if not files:
        raise PageError(plain("sandbox.error.no_file"))
    if form.get("as") == "photo":
        images = [f.file.read() for f in files]
        if len(images) > 10:
            raise PageError(plain("sandbox.error.too_many_photos"))
        if any(image_dimensions(image) is None for image in images):
            raise PageError(plain("sandbox.error.not_an_image"))
        await page.send_photos(form, images, caption)
    else:
        if len(files) != 1:
            raise PageError(plain("sandbox.error.one_file"))
        field = files[0]
        await page.send_document(form, field.file.read(), field.filename or "file.bin",
                                 field.content_type or "application/octet-stream", caption)  # fmt: skip
    return web.json_response({"ok": True})


async def location(request: web.Request) -> web.Response:
    """The user shares a location."""
    page = _page(request)
    data = await _body(request)
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (KeyError, TypeError, ValueError):
        raise PageError(plain("sandbox.error.no_location")) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PageError(plain("sandbox.error.bad_location"))
    await page.send_location(data, latitude, longitude)
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    """The user presses an inline button; answers with the bot's callback answer (toast or alert)."""
    page = _page(request)
    return web.json_response({"answer": await page.press(await _body(request))})


async def move_time(request: web.Request) -> web.Response:
    """+1 小时 / +1 天 / +1 周: move the sandbox clock, then let the bot run what fell due."""
    page = _page(request)
    data = await _body(request)
    step = STEPS.get(str(data.get("step")))
    if step is None:
        raise PageError(plain("sandbox.error.bad_jump"))
    sweeps = await page.sandbox.advance(step)
    page.changed()  # the page shows the new time even when the bot sends nothing
    return web.json_response({"clock": page.clock(), "sweeps": sweeps})


async def add_person(request: web.Request) -> web.Response:
    """A new person (not yet joined), to try an invite link with."""
    page = _page(request)
    data = await _body(request)
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 32:
        raise PageError(plain("sandbox.error.bad_name"))
    return web.json_response({"id": page.add_person(name)})


async def file(request: web.Request) -> web.StreamResponse:
    """A stored file's bytes (photos inline; ``?download=1`` as an attachment with its name)."""
    stored = _page(request).stored_file(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound(text=plain("sandbox.error.no_such_file"))
    data, mime, name = stored
    headers = {"Cache-Control": "private, max-age=3600"}
    if request.query.get("download"):
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name or 'file.bin')}"
    return web.Response(body=data, content_type=mime, headers=headers)


async def _posting(action: Awaitable[Any]) -> Any:
    """Run a user's action; the world's refusals (a closed topic, not a member) become page errors."""
    try:
        return await action
    except (ValueError, LookupError) as error:
        raise PageError(plain("sandbox.error.not_sent", error=error)) from None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse other sites' pages posting here; answer page errors as JSON."""
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin is not None and origin not in _own_origins(request):
            return web.json_response({"error": plain("sandbox.error.foreign_origin")}, status=403)
    try:
        return await handler(request)
    except PageError as error:
        return web.json_response({"error": str(error)}, status=400)


def _own_origins(request: web.Request) -> set[str]:
    port = request.url.port
    return {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}


def build_web_app(page: Page) -> web.Application:
    """The page's aiohttp application over a world's page."""
    app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024, middlewares=[guard])
    app[PAGE] = page
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/chats", chats)
    app.router.add_get("/api/messages", messages)
    app.router.add_get("/api/updates", updates)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/upload", upload)
    app.router.add_post("/api/location", location)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/time", move_time)
    app.router.add_post("/api/people", add_person)
    app.router.add_get("/files/{file_id}", file)
    return app


def page_of(app: web.Application) -> Page:
    """The Page behind a built web app (tests and the runner reach it here)."""
    return app[PAGE]

