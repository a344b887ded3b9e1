"""The sandbox's page over the Feishu double: the same chat client, Feishu's world behind it.

Feishu's ids are strings (ou_…, oc_…, om_…, omt_…); the page's script works with Telegram-shaped integers, so each is
given one here, in the order the double made them: a person n, their private chat with the bot n too, a group −n, a
message or a thread (话题) n in their own counters. A group's threads are the page's topics — in a 话题群 every
hazard's, in an ordinary group every card the units answered under — and its main list shows what is not a reply in a
thread.
Cards are drawn from their markdown (the same marks messenger/feishu.py writes); a user's text is escaped.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from sandbox.feishu.cards import card_text
from sandbox.feishu.double import Chat, Message, User
from sandbox.images import image_dimensions
from sandbox.web import SHOWN_MESSAGES, Page, PageError, _posting, number
from texts import plain

if TYPE_CHECKING:
    from sandbox.feishu.runner import FeishuSandbox

_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s\"]+)\)")
_INLINE = ((re.compile(r"\*\*(.+?)\*\*", re.DOTALL), "b"), (re.compile(r"~~(.+?)~~", re.DOTALL), "s"),
           (re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])"), "i"),
           (re.compile(r"`([^`]+)`"), "code"))  # fmt: skip
_MIME = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"BM": "image/bmp",
         b"RIFF": "image/webp"}  # fmt: skip


def markdown_html(markdown: str) -> str:
    """A card's markdown as the page's safe HTML: bold, italic, strike, code, http(s) links, quotes.

    The bot's markdown carries a user's text with < > * ` [ ] as entities (messenger/feishu.py), so a mark here is
    always the bot's; any stray "<" is escaped all the same, so nothing but these tags reaches the page.
    """
    lines, out, quoted = markdown.replace("<", "&lt;").split("\n"), [], []
    for line in [*lines, None]:
        if line is not None and line.startswith(">"):
            quoted.append(line[1:].removeprefix(" "))
            continue
        if quoted:
            out.append("<blockquote>" + "\n".join(quoted) + "</blockquote>")
            quoted = []
        if line is not None:
            out.append(line)
    text = "\n".join(out).replace("</blockquote>\n", "</blockquote>")
    text = _LINK.sub(lambda m: f'<a href="{m[2]}" target="_blank" rel="noopener">{m[1]}</a>', text)
    for pattern, tag in _INLINE:
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    return text


class FeishuPage(Page):
    """The page over the Feishu double's world."""

    messenger = "飞书"

    def __init__(self, sandbox: FeishuSandbox) -> None:
        super().__init__(sandbox)
        self.sandbox: FeishuSandbox = sandbox
        self.feishu = sandbox.feishu
        self._numbers: dict[str, int] = {}
        self._names: dict[int, str] = {}  # a person's or a group's number → its id (messages: in _messages)
        self._messages: dict[int, str] = {}
        self._threads: dict[int, str] = {}
        self._counts = {"user": 0, "group": 0, "message": 0, "thread": 0}

    def watch(self, loop: Any) -> None:
        """Follow the double's changes (told from its own thread) on the page's loop."""
        self.feishu.watch(lambda: loop.call_soon_threadsafe(self.changed))

    # -- numbers -----------------------------------------------------------------------------------

    def _number(self, kind: str, external: str) -> int:
        given = self._numbers.get(external)
        if given is None:
            self._counts[kind] += 1
            given = -self._counts[kind] if kind == "group" else self._counts[kind]
            self._numbers[external] = given
            {"message": self._messages, "thread": self._threads}.get(kind, self._names)[given] = external
        return given

    def _sync(self) -> None:
        """Number everything the double has, in the order it was made (so newer is larger, as unread counts need)."""
        for user in list(self.feishu.users.values()):
            self._number("user", user.open_id)
        for chat in list(self.feishu.chats.values()):
            if chat.chat_type == "group":
                self._number("group", chat.chat_id)
        for message in list(self.feishu.messages.values()):
            self._number("message", message.message_id)
            if message.thread_id:
                self._number("thread", message.thread_id)

    def _chat_number(self, chat: Chat) -> int:
        if chat.chat_type == "p2p":
            return self._numbers[next(iter(chat.members))]
        return self._numbers[chat.chat_id]

    # -- who and where -----------------------------------------------------------------------------

    def user(self, value: Any) -> User:
        """The person a request acts as."""
        self._sync()
        user = self.feishu.users.get(self._names.get(number(value), ""))
        if user is None:
            raise PageError(plain("sandbox.error.unknown_user"))
        return user

    def chat_for(self, user: User, value: Any) -> Chat:
        """The user's private chat with the bot (its number is theirs) or a group they are in with the bot."""
        asked = number(value)
        if asked == self._numbers[user.open_id]:
            return self.feishu.p2p(user)
        chat = self.feishu.chats.get(self._names.get(asked, "")) if asked < 0 else None
        if chat is None:
            raise PageError(plain("sandbox.error.unknown_chat"))
        if user.open_id not in chat.members or not chat.bot_in:
            raise PageError(plain("sandbox.error.not_in_group"))
        return chat

    def thread_for(self, chat: Chat, value: Any) -> str | None:
        """A thread of the group (None: the group's main list)."""
        if value in (None, "", "null"):
            return None
        thread = self._threads.get(number(value))
        if thread is None or chat.chat_type != "group" or thread not in self._threads_of(chat):
            raise PageError(plain("sandbox.error.unknown_topic"))
        return thread

    def _threads_of(self, chat: Chat) -> dict[str, Message]:
        """The group's threads, each with its root (the message the thread answers)."""
        roots: dict[str, Message] = {}
        for message in self._in(chat):
            if message.thread_id and (not message.root_id or message.thread_id not in roots):
                roots[message.thread_id] = message
        return roots

    def _topic_name(self, root: Message) -> str:
        """A thread as the list names it: its root's first line."""
        text = root.text.replace("@_user_1", "@" + self.feishu.bot_name) or _snippet(root)
        first = next((line for line in text.splitlines() if line.strip()), "")
        return first if len(first) <= 30 else first[:29] + "…"

    def _in(self, chat: Chat) -> list[Message]:
        return [m for m in list(self.feishu.messages.values()) if m.chat_id == chat.chat_id and not m.recalled]

    def _shown(self, chat: Chat, thread: str | None) -> list[Message]:
        """A list's messages: a thread's root and replies, or the group's messages that are not replies in a thread."""
        if thread is not None:
            return [m for m in self._in(chat) if m.thread_id == thread]
        return [m for m in self._in(chat) if not m.thread_id or not m.root_id]

    def _place(self, data: Any) -> tuple[User, Chat, Message | None]:
        """Who sends, where, and the thread's root to reply under (None: not in a thread)."""
        user = self.user(data.get("user"))
        chat = self.chat_for(user, data.get("chat"))
        thread = self.thread_for(chat, data.get("thread"))
        return user, chat, self._threads_of(chat)[thread] if thread is not None else None

    # -- reading -----------------------------------------------------------------------------------

    def mark_all_read(self) -> None:
        self._sync()
        for chat in list(self.feishu.chats.values()):
            chat_number = self._chat_number(chat)
            for thread in [None, *self._threads_of(chat)]:
                shown = self._shown(chat, thread)
                if shown:
                    for open_id in chat.members:
                        self.mark_seen(self._numbers[open_id], chat_number, self._thread_number(thread),
                                       self._number("message", shown[-1].message_id))  # fmt: skip

    def _thread_number(self, thread: str | None) -> int | None:
        return None if thread is None else self._number("thread", thread)

    def bot(self) -> dict[str, Any]:
        return {"id": 0, "name": self.feishu.bot_name, "username": ""}

    def people(self) -> list[dict[str, Any]]:
        self._sync()
        cast = self.sandbox.cast
        listed = []
        for user in list(self.feishu.users.values()):
            part = cast.part_of(user.open_id) if cast else None
            listed.append({
                "id": self._numbers[user.open_id], "name": user.name,
                "label": part.label if part else plain("sandbox.web.new_person"),
                "group": part.group if part else plain("sandbox.web.others"),
            })  # fmt: skip
        return listed

    def default_user(self) -> int | None:
        cast = self.sandbox.cast
        officer = next((user for user, part in cast.people if part.role == "officer"), None) if cast else None
        return self._numbers.get(officer.open_id) if officer else None

    def token_help(self) -> str:
        return plain("startup.feishu_credentials")

    def chat_list(self, value: Any) -> list[dict[str, Any]]:
        user = self.user(value)
        me = self._numbers[user.open_id]
        listed: list[dict[str, Any]] = [{"id": me, "type": "private", "title": self.feishu.bot_name, "is_forum": False,
                                         "unread": self._unread(user, self.feishu.p2p(user), None), "topics": []}]
        for chat in list(self.feishu.chats.values()):
            if chat.chat_type != "group" or user.open_id not in chat.members or not chat.bot_in:
                continue
            threads = self._threads_of(chat)
            listed.append({
                "id": self._numbers[chat.chat_id], "type": "supergroup", "title": chat.name, "is_forum": True,
                "unread": self._unread(user, chat, None),
                "topics": [{"id": self._number("thread", thread), "name": self._topic_name(root), "closed": False,
                            "unread": self._unread(user, chat, thread)} for thread, root in reversed(threads.items())],
            })  # fmt: skip
        return listed

    def _unread(self, user: User, chat: Chat, thread: str | None) -> int:
        seen = self.seen(self._numbers[user.open_id], self._chat_number(chat), self._thread_number(thread))
        shown = self._shown(chat, thread)
        return sum(1 for m in shown if self._number("message", m.message_id) > seen and m.sender != user.open_id)

    def conversation(self, user: Any, chat: Any, thread: Any) -> dict[str, Any]:
        person = self.user(user)
        place = self.chat_for(person, chat)
        topic = self.thread_for(place, thread)
        shown = self._shown(place, topic)
        chat_number = self._chat_number(place)
        if shown:
            self.mark_seen(self._numbers[person.open_id], chat_number, self._thread_number(topic),
                           self._number("message", shown[-1].message_id))  # fmt: skip
        title = self.feishu.bot_name if place.chat_type == "p2p" else place.name
        if topic is not None:
            title = self._topic_name(self._threads_of(place)[topic])
        return {"chat": chat_number, "thread": self._thread_number(topic), "title": title, "closed": False,
                "messages": [self._message_json(person, m, in_thread=topic is not None)
                             for m in shown[-SHOWN_MESSAGES:]]}  # fmt: skip

    def _message_json(self, user: User, message: Message, *, in_thread: bool) -> dict[str, Any]:
        sender = self.feishu.users.get(message.sender)
        photos = [_photo(self.feishu.images.get(key, b""), key) for key in _image_keys(message)]
        item: dict[str, Any] = {
            "id": self._number("message", message.message_id),
            "from": {"id": self._numbers[sender.open_id] if sender else 0,
                     "name": sender.name if sender else self.feishu.bot_name, "bot": sender is None},
            "mine": message.sender == user.open_id,
            "date": self.local(message.date).strftime("%m-%d %H:%M"),
            "html": self._body(message),
            "edited": bool(message.edits),
            "photos": [p for p in photos if p is not None],
            "document": None, "location": None, "service": None, "reply": None,
            "keyboard": _keyboard(message),
        }  # fmt: skip
        if message.msg_type == "file":
            key = str(message.content.get("file_key", ""))
            name, data = self.feishu.files.get(key, ("", b""))
            item["document"] = {"href": f"/files/file:{key}?download=1", "name": name or plain("sandbox.web.file"),
                                "size": len(data), "mime": ""}  # fmt: skip
        parent = self.feishu.messages.get(message.parent_id) if message.parent_id else None
        if parent is not None and not (in_thread and message.thread_id):
            author = self.feishu.users.get(parent.sender)
            item["reply"] = {"from": author.name if author else self.feishu.bot_name, "snippet": _snippet(parent)}
        return item

    def _body(self, message: Message) -> str:
        content = message.content
        if message.msg_type == "interactive":
            parts = []
            header = content.get("header")
            if isinstance(header, dict):
                parts.append(f"<b>{html.escape(str(header['title']['content']))}</b>")
            parts += [markdown_html(str(e["content"])) for e in content.get("elements", [])
                      if e.get("tag") == "markdown"]  # fmt: skip
            return "\n".join(parts)
        mention = "@" + self.feishu.bot_name
        if message.msg_type == "text":
            return html.escape(str(content.get("text", ""))).replace("@_user_1", mention)
        if message.msg_type == "post":
            return html.escape("".join(str(e.get("text", "")) for row in content.get("content", []) for e in row
                                       if e.get("tag") == "text"))  # fmt: skip
        return ""

    # -- acting ------------------------------------------------------------------------------------

    async def send_text(self, data: dict[str, Any], text: str) -> None:
        """A text; in a group, a first word starting with @ mentions the bot (as choosing it from Feishu's list)."""
        user, chat, root = self._place(data)
        mention = chat.chat_type == "group" and text.startswith("@")
        if mention:
            text = text.partition(" ")[2].strip() or text
        await _posting(self.feishu.send_text(user, text, chat, mention=mention, reply_to=root))

    async def send_photos(self, data: Any, images: list[bytes], caption: str | None) -> None:
        """One picture as an image message; with a caption or several, one rich-text message (Feishu's own way)."""
        user, chat, root = self._place(data)
        if len(images) == 1 and not caption:
            await _posting(self.feishu.send_image(user, images[0], chat, reply_to=root))
        else:
            await _posting(self.feishu.send_post(user, caption or "", images, chat, reply_to=root))

    async def send_document(self, data: Any, content: bytes, name: str, mime: str, caption: str | None) -> None:
        user, chat, root = self._place(data)
        await _posting(self.feishu.send_file(user, name, content, chat, reply_to=root))
        if caption:
            await _posting(self.feishu.send_text(user, caption, chat, reply_to=root))

    async def send_location(self, data: dict[str, Any], latitude: float, longitude: float) -> None:
        raise PageError(plain("sandbox.error.no_location_on_feishu"))

    async def press(self, data: dict[str, Any]) -> dict[str, Any] | None:
        user = self.user(data.get("user"))
        chat = self.chat_for(user, data.get("chat"))
        message = self.feishu.messages.get(self._messages.get(number(data.get("message")), ""))
        label = str(data.get("data") or "")
        if (message is None or message.recalled or message.chat_id != chat.chat_id
                or label not in (text for text, _ in message.buttons)):  # fmt: skip
            raise PageError(plain("sandbox.error.stale_button"))
        answer = await _posting(self.feishu.press(user, message, label))
        toast = answer.get("toast") if isinstance(answer, dict) else None
        if not isinstance(toast, dict):
            return None
        return {"text": str(toast.get("content") or ""), "alert": toast.get("type") in ("error", "warning")}

    def add_person(self, name: str) -> int:
        user = self.feishu.add_user(name)
        self._sync()
        return self._numbers[user.open_id]

    def stored_file(self, file_id: str) -> tuple[bytes, str, str | None] | None:
        kind, _, key = file_id.partition(":")
        if kind == "img" and key in self.feishu.images:
            data = self.feishu.images[key]
            return data, next((m for magic, m in _MIME.items() if data.startswith(magic)), "image/jpeg"), None
        if kind == "file" and key in self.feishu.files:
            name, data = self.feishu.files[key]
            return data, "application/octet-stream", name
        return None


def _image_keys(message: Message) -> list[str]:
    if message.msg_type == "post":
        return [str(e["image_key"]) for row in message.content.get("content", []) for e in row if e.get("tag") == "img"]
    return message.images


def _photo(data: bytes, key: str) -> dict[str, Any] | None:
    size = image_dimensions(data)
    if size is None:
        return None
    return {"src": f"/files/img:{key}", "full": f"/files/img:{key}", "width": size[0], "height": size[1]}


def _keyboard(message: Message) -> list[list[dict[str, Any]]]:
    """A card's button rows; a button's data is its label (what the double's press takes)."""
    if message.msg_type != "interactive":
        return []
    return [[{"text": b["text"]["content"], "data": b["text"]["content"], "url": b.get("url")} for b in e["actions"]]
            for e in message.content.get("elements", []) if e.get("tag") == "action"]  # fmt: skip


def _snippet(message: Message) -> str:
    text = card_text(message.content) if message.msg_type == "interactive" else message.text
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        kind = {"image": "photo", "post": "photo", "file": "document"}.get(message.msg_type, "other")
        first = plain(f"sandbox.web.snippet_{kind}")
    return first if len(first) <= 40 else first[:39] + "…"
