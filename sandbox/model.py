"""The sandbox's world: users, chats, topics, messages, files and the update queue.

This is what the Bot API double serves and what a later web page shows; it knows nothing
about HTTP. Users act through ``World.post_*`` and ``World.press_button`` (which queue updates
for the bot), and the Bot API methods in ``sandbox.botapi`` change it on the bot's behalf.
Every change is published as a ``WorldEvent`` so readers (tests waiting for a reply, a web
page pushing to a browser) need not poll.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.formatting import detect_entities
from sandbox.images import photo_sizes

Clock = Callable[[], datetime]

# Telegram's limit for files a bot may download with getFile.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Statuses in which a member is in the chat and can read it.
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
# Update kinds a bot gets when it has not chosen (Telegram leaves these three out by default).
DEFAULT_UPDATE_KINDS_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


# Bot API names that are not Python identifiers.
_ALIASES = {"from": "from_user"}


def utc_now() -> datetime:
    """The real time, aware; the default clock."""
    return datetime.now(UTC)


class _ItemAccess:
    """Lets records be read as ``msg.text`` or ``msg["text"]``, whichever a test prefers."""

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, _ALIASES.get(key, key))
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        """Attribute ``key`` or ``default``, like ``dict.get``."""
        return getattr(self, _ALIASES.get(key, key), default)


@dataclass(eq=False)
class User(_ItemAccess):
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    # Telegram refuses a bot's first message to someone who never opened the chat with it.
    started: bool = True
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """The User object as the Bot API serialises it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        """First and last name, as a client shows them."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class Member:
    """Someone's standing in a chat: status and, for administrators, their rights."""

    status: str
    rights: dict[str, bool] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        """Creator or administrator."""
        return self.status in ("creator", "administrator")

    def can(self, right: str) -> bool:
        """Whether this member holds an administrator right (the creator holds all)."""
        return self.status == "creator" or (self.status == "administrator" and self.rights.get(right, False))


@dataclass
class Topic(_ItemAccess):
    """A forum topic; its id is the id of the service message that opened it."""

    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    is_deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        """The ForumTopic object."""
        data: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data

    def as_record(self) -> dict[str, Any]:
        """The topic for tests to read, with its state."""
        return {**self.to_api(), "is_closed": self.is_closed, "is_deleted": self.is_deleted}


@dataclass(eq=False)
class Chat(_ItemAccess):
    """A private chat, group or supergroup, with its members, topics and messages."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    members: dict[int, Member] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1

    def to_api(self) -> dict[str, Any]:
        """The Chat object embedded in messages."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data

    def member(self, user_id: int) -> Member:
        """The standing of ``user_id`` here; "left" for anyone never added."""
        return self.members.get(user_id) or Member("left")


@dataclass(eq=False)
class StoredFile(_ItemAccess):
    """A file held by the sandbox, as Telegram holds uploads; ``size`` may be claimed larger than ``data``."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    size: int
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    file_path: str | None = None

    def photo_size(self) -> dict[str, Any]:
        """The PhotoSize object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "width": self.width,
            "height": self.height,
        }

    def media_object(self) -> dict[str, Any]:
        """The Document (or Video, Audio ...) object for a non-photo file."""
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        if self.kind in ("video", "animation", "video_note"):
            data.update(width=self.width, height=self.height, duration=0)
        if self.kind in ("audio", "voice", "video_note"):
            data.setdefault("duration", 0)
        if self.kind == "video_note":
            data["length"] = self.width
        return data

    def file_object(self) -> dict[str, Any]:
        """The File object getFile answers with."""
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.file_path:
            data["file_path"] = self.file_path
        return data


@dataclass(eq=False)
class Edit(_ItemAccess):
    """One edit the bot made to a message, with what the message held before it."""

    method: str
    params: dict[str, Any]
    message: Message
    date: datetime
    before: dict[str, Any]

    @property
    def chat_id(self) -> int:
        """The chat of the edited message."""
        return self.message.chat.id

    @property
    def message_id(self) -> int:
        """The edited message."""
        return self.message.message_id


@dataclass(eq=False)
class Message(_ItemAccess):
    """A message in a chat; bot messages keep the Bot API call that made them.

    For tests, ``text`` and ``caption`` are the strings as the bot sent them (HTML and all, so
    escaping can be checked); ``plain_text`` and ``plain_caption`` are what a user sees, markup
    parsed away, which is also what ``to_api`` serialises for the bot, with ``entities``. For
    users' messages the two are the same. Edits change a message in place and are listed in
    ``edits``.
    """

    chat: Chat
    message_id: int
    sender: User
    date: datetime
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    thread_id: int | None = None
    is_topic_message: bool = False
    text: str | None = None
    plain_text: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    caption: str | None = None
    plain_caption: str | None = None
    caption_entities: tuple[dict[str, Any], ...] = ()
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: Message | None = None
    media_group_id: str | None = None
    photo_files: list[StoredFile] | None = None
    document_file: StoredFile | None = None
    media_kind: str | None = None  # "document", "video" ... for non-photo files
    location: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other content: forum_topic_created, forward_origin ...
    album: list[Message] = field(default_factory=list)
    edit_date: datetime | None = None
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    service: bool = False  # a service message (topic created, closed ...), not something "sent"
    update_id: int | None = None  # for users' messages: the update that carried it to the bot

    def __post_init__(self) -> None:
        # Without a parse mode what was sent is what is shown.
        if self.plain_text is None:
            self.plain_text = self.text
        if self.plain_caption is None:
            self.plain_caption = self.caption

    # -- reading ----------------------------------------------------------------------------

    @property
    def chat_id(self) -> int:
        """The chat's id."""
        return self.chat.id

    @property
    def message_thread_id(self) -> int | None:
        """The forum topic (or reply thread) the message is in."""
        return self.thread_id

    @property
    def from_user(self) -> User:
        """The sender, as python-telegram-bot names it."""
        return self.sender

    @property
    def reply_to_message_id(self) -> int | None:
        """The message this one explicitly replies to."""
        return self.reply_to.message_id if self.reply_to else None

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        """PhotoSize objects, smallest first, as the Bot API lists them."""
        return [f.photo_size() for f in self.photo_files] if self.photo_files else None

    @property
    def document(self) -> dict[str, Any] | None:
        """The Document object, for a document message."""
        return self.document_file.media_object() if self.document_file and self.media_kind == "document" else None

    @property
    def file(self) -> StoredFile | None:
        """The file this message carries: the largest photo size or the document."""
        if self.photo_files:
            return self.photo_files[-1]
        return self.document_file

    @property
    def media(self) -> list[dict[str, Any]] | None:
        """For an album: one entry per item with its type, file_id, caption and message_id."""
        if not self.album:
            return None
        items = []
        for member in self.album:
            item: dict[str, Any] = {"type": member.content_type, "message_id": member.message_id}
            if member.file:
                item["media"] = member.file.file_id
                item["file_unique_id"] = member.file.file_unique_id
            if member.caption is not None:
                item["caption"] = member.caption
                item["plain_caption"] = member.plain_caption
            items.append(item)
        return items

    @property
    def content_type(self) -> str:
        """What the message holds: "text", "photo", "document", "location" ..."""
        if self.photo_files:
            return "photo"
        if self.document_file:
            return self.media_kind or "document"
        if self.location:
            return "location"
        if self.text is not None:
            return "text"
        return next(iter(self.extra), "service")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons (empty when there is no inline keyboard)."""
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    def button(self, text: str) -> dict[str, Any]:
        """The inline button labelled ``text`` (exactly, or else the only one containing it)."""
        exact = [b for b in self.buttons if b.get("text") == text]
        partial = [b for b in self.buttons if text in b.get("text", "")]
        found = exact or partial
        if len(found) != 1:
            labels = [b.get("text") for b in self.buttons]
            raise LookupError(f"{len(found)} buttons match {text!r}; the buttons are {labels}")
        return found[0]

    def callback_data(self, text: str) -> str:
        """The callback_data of the button labelled ``text``."""
        data = self.button(text).get("callback_data")
        if data is None:
            raise LookupError(f"button {text!r} has no callback_data")
        return str(data)

    @property
    def body(self) -> str:
        """Text or caption as sent, whichever the message has (empty for neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def plain(self) -> str:
        """Text or caption as a user sees it (empty for neither)."""
        return self.plain_text if self.plain_text is not None else (self.plain_caption or "")

    # -- serialising ------------------------------------------------------------------------

    def to_api(self, *, nested: bool = True) -> dict[str, Any]:
        """The Message object as the Bot API serialises it."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "date": int(self.date.timestamp()),
            "chat": self.chat.to_api(),
        }
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
            if self.is_topic_message:
                data["is_topic_message"] = True
        if nested:
            replied = self.reply_to
            if replied is None and self.is_topic_message and self.thread_id != self.message_id:
                # In a forum Telegram shows every topic message as a reply to the topic's first message.
                replied = self.chat.messages.get(self.thread_id or 0)
            if replied is not None:
                data["reply_to_message"] = replied.to_api(nested=False)
        if self.edit_date is not None:
            data["edit_date"] = int(self.edit_date.timestamp())
        if self.media_group_id:
            data["media_group_id"] = self.media_group_id
        if self.plain_text is not None:
            data["text"] = self.plain_text
            if self.entities:
                data["entities"] = list(self.entities)
        if self.photo_files:
            data["photo"] = self.photo
        if self.document_file:
            data[self.media_kind or "document"] = self.document_file.media_object()
        if self.plain_caption is not None:
            data["caption"] = self.plain_caption
            if self.caption_entities:
                data["caption_entities"] = list(self.caption_entities)
        if self.location:
            data["location"] = self.location
        data.update(self.extra)
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup  # Telegram returns only inline keyboards
        return data

    def snapshot(self) -> dict[str, Any]:
        """What an edit can change, for the record of edits."""
        return {
            "text": self.text,
            "plain_text": self.plain_text,
            "entities": self.entities,
            "caption": self.caption,
            "plain_caption": self.plain_caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
        }

    def __repr__(self) -> str:
        where = f"{self.chat.id}" + (f"/{self.thread_id}" if self.thread_id is not None else "")
        body = self.body
        shown = body if len(body) <= 60 else body[:57] + "…"
        extra = f" via {self.method}" if self.method else ""
        buttons = f" buttons={[b.get('text') for b in self.buttons]}" if self.buttons else ""
        return f"<Message {where}#{self.message_id} {self.content_type}{extra} {shown!r}{buttons}>"


@dataclass(eq=False)
class CallbackQuery(_ItemAccess):
    """A button press and the answer the bot gave it (None until it answers)."""

    id: str
    user: User
    message: Message
    data: str
    answer: dict[str, Any] | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class WorldEvent:
    """Something that changed; ``kind`` is one of message, edit, delete, topic, answer, update, chat."""

    kind: str
    chat_id: int | None = None
    message: Message | None = None
    payload: Any = None


class World:
    """Everything the sandbox knows; the single source of truth for the double and the web page."""

    def __init__(self, bot: User, *, clock: Clock | None = None, privacy_mode: bool = True) -> None:
        self.bot = bot
        self.clock: Clock = clock or utc_now
        # Telegram's default: in groups where it is not an admin, a bot sees only commands,
        # replies to it and mentions of it.
        self.privacy_mode = privacy_mode
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        # Any size's file_id resends the whole photo, so each size maps to the set it belongs to.
        self.photo_sets: dict[str, list[StoredFile]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self._by_username: dict[str, Chat] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._listeners: list[Callable[[WorldEvent], None]] = []
        self._user_ids = itertools.count(100001)
        self._group_ids = itertools.count(1)
        self._update_ids = itertools.count(100000001)
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)
        self._album_numbers = itertools.count(13000000000000001)

    # -- listening --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[WorldEvent], None]) -> None:
        """Call ``listener`` synchronously with every change."""
        self._listeners.append(listener)

    def publish(self, event: WorldEvent) -> None:
        """Tell every listener about ``event``."""
        for listener in self._listeners:
            listener(event)

    def now(self) -> datetime:
        """The world's time: the injected clock, so the sandbox can move it forward."""
        return self.clock()

    # -- people and chats -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        user_id: int | None = None,
        started: bool = True,
        is_bot: bool = False,
    ) -> User:
        """A new user with their private chat with the bot (whose id is the user's id)."""
        user = User(
            id=user_id if user_id is not None else next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_bot=is_bot,
            started=started,
        )
        if user.id in self.users:
            raise ValueError(f"user id {user.id} is taken")
        self.users[user.id] = user
        chat = Chat(id=user.id, type="private", username=username, first_name=first_name, last_name=last_name)
        chat.members = {user.id: Member("member"), self.bot.id: Member("member")}
        self._register_chat(chat)
        return user

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
        chat_id: int | None = None,
        chat_type: str = "supergroup",
    ) -> Chat:
        """A group with the bot in it; supergroup ids look like Telegram's (-100…)."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type is group or supergroup")
        if is_forum and chat_type != "supergroup":
            raise ValueError("only supergroups can have topics")
        number = next(self._group_ids)
        if chat_id is None:
            chat_id = -(1_000_000_000_000 + number) if chat_type == "supergroup" else -(400_000_000 + number)
        chat = Chat(id=chat_id, type=chat_type, title=title, username=username, is_forum=is_forum)
        for user in members:
            chat.members[user.id] = Member("member")
        for user in admins:
            chat.members[user.id] = Member("administrator", dict.fromkeys(ADMIN_RIGHTS, True))
        if owner is not None:
            chat.members[owner.id] = Member("creator")
        chat.members[self.bot.id] = self._bot_member(bot_is_admin, can_manage_topics)
        self._register_chat(chat)
        return chat

    def _register_chat(self, chat: Chat) -> None:
        if chat.id in self.chats:
            raise ValueError(f"chat id {chat.id} is taken")
        self.chats[chat.id] = chat
        if chat.username:
            self._by_username[chat.username.lower()] = chat

    @staticmethod
    def _bot_member(is_admin: bool, can_manage_topics: bool, **rights: bool) -> Member:
        if not is_admin:
            return Member("member")
        granted = dict.fromkeys(ADMIN_RIGHTS, True)
        granted.update(can_promote_members=False, can_manage_topics=can_manage_topics, **rights)
        return Member("administrator", granted)

    def chat(self, chat: Chat | int) -> Chat:
        """The chat with this id (or the chat itself); LookupError when there is none."""
        if isinstance(chat, Chat):
            return chat
        found = self.chats.get(chat)
        if found is None:
            raise LookupError(f"no chat {chat} in the sandbox")
        return found

    def resolve_chat(self, chat_id: int | str) -> Chat | None:
        """The chat a Bot API chat_id (a number or "@username") names, if any."""
        if isinstance(chat_id, int):
            return self.chats.get(chat_id)
        if chat_id.startswith("@"):
            return self._by_username.get(chat_id[1:].lower())
        try:
            return self.chats.get(int(chat_id))
        except ValueError:
            return None

    def set_bot_rights(
        self, chat: Chat | int, *, is_admin: bool | None = None, can_manage_topics: bool | None = None, **rights: bool
    ) -> None:
        """Change the bot's standing in a group; the bot gets a my_chat_member update as in Telegram."""
        target = self.chat(chat)
        old = target.member(self.bot.id)
        admin = old.is_admin if is_admin is None else is_admin
        manage = old.rights.get("can_manage_topics", True) if can_manage_topics is None else can_manage_topics
        self._change_bot_member(target, self._bot_member(admin, manage, **rights))

    def remove_bot(self, chat: Chat | int, *, kicked: bool = True) -> None:
        """Take the bot out of a group (kicked, or left)."""
        target = self.chat(chat)
        self._change_bot_member(target, Member("kicked" if kicked else "left"))

    def add_bot(self, chat: Chat | int, by: User, *, is_admin: bool = False) -> None:
        """``by`` adds the bot to a group it is not in (the bot gets a my_chat_member update from ``by``)."""
        self._change_bot_member(self.chat(chat), self._bot_member(is_admin, is_admin), actor=by)

    def bot_leaves(self, chat: Chat | int) -> None:
        """The bot leaves a group by itself (leaveChat): a my_chat_member update from the bot."""
        self._change_bot_member(self.chat(chat), Member("left"), actor=self.bot)

    def _change_bot_member(self, chat: Chat, new: Member, actor: User | None = None) -> None:
        old = chat.member(self.bot.id)
        chat.members[self.bot.id] = new
        actor = actor or next(
            (self.users[uid] for uid, m in chat.members.items() if m.is_admin and uid != self.bot.id), self.bot
        )
        self.enqueue_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": actor.to_api(),
                "date": int(self.now().timestamp()),
                "old_chat_member": member_object(self.bot, old),
                "new_chat_member": member_object(self.bot, new),
            },
        )
        self.publish(WorldEvent("chat", chat.id))

    def set_forum(self, chat: Chat | int, is_forum: bool) -> None:
        """Turn topics on or off in a supergroup."""
        target = self.chat(chat)
        if is_forum and target.type != "supergroup":
            raise ValueError("only supergroups can have topics")
        target.is_forum = is_forum
        self.publish(WorldEvent("chat", target.id))

    def set_member(self, chat: Chat | int, user: User, status: str = "member", **rights: bool) -> None:
        """Put ``user`` in a group with a status (member, administrator, creator, left, kicked, restricted)."""
        target = self.chat(chat)
        granted = {**dict.fromkeys(ADMIN_RIGHTS, True), **rights} if status == "administrator" else dict(rights)
        target.members[user.id] = Member(status, granted)
        self.publish(WorldEvent("chat", target.id))

    def private_chat(self, user: User) -> Chat:
        """The user's private chat with the bot."""
        return self.chats[user.id]

    # -- messages ---------------------------------------------------------------------------

    def new_message(
        self,
        chat: Chat,
        sender: User,
        *,
        thread_id: int | None = None,
        reply_to: Message | None = None,
        publish: bool = True,
        **content: Any,
    ) -> Message:
        """Store a new message in ``chat`` with the next id; listeners hear of it unless publish=False."""
        message = Message(
            chat=chat,
            message_id=chat.next_message_id,
            sender=sender,
            date=self.now(),
            thread_id=thread_id,
            is_topic_message=chat.is_forum and thread_id is not None,
            reply_to=reply_to,
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        if publish:
            self.publish(WorldEvent("message", chat.id, message))
        return message

    def new_album_id(self) -> str:
        """A media_group_id."""
        return str(next(self._album_numbers))

    # -- files ------------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Keep a file under a new file_id; identical bytes share a file_unique_id, as in Telegram."""
        number = next(self._file_numbers)
        digest = hashlib.sha256(data).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"{_FILE_ID_PREFIX.get(kind, 'BQAC')}{number:08d}{digest}",
            file_unique_id=f"AQAD{digest}{'' if kind != 'photo' else f'{width}x{height}'}",
            kind=kind,
            data=data,
            size=len(data) if size is None else size,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def store_photo(self, data: bytes, *, size: int | None = None) -> list[StoredFile] | None:
        """Keep a photo in the sizes Telegram makes of it, smallest first; None if not an image."""
        sizes = photo_sizes(data)
        if sizes is None:
            return None
        stored = [self.store_file(s.data, kind="photo", width=s.width, height=s.height) for s in sizes]
        if size is not None:
            stored[-1].size = size
        self._register_photo(stored)
        return stored

    def _register_photo(self, sizes: list[StoredFile]) -> None:
        for stored in sizes:
            self.photo_sets[stored.file_id] = sizes

    def file_path(self, stored: StoredFile) -> str:
        """The download path getFile gives, assigned on first request as Telegram does."""
        if stored.file_path is None:
            folder = {"photo": "photos", "document": "documents", "video": "videos", "audio": "music", "voice": "voice"}
            suffix = _suffix(stored)
            stored.file_path = f"{folder.get(stored.kind, 'documents')}/file_{len(self._by_path)}{suffix}"
            self._by_path[stored.file_path] = stored
        return stored.file_path

    def file_by_path(self, path: str) -> StoredFile | None:
        """The file behind a download path."""
        return self._by_path.get(path)

    # -- updates ----------------------------------------------------------------------------

    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update of ``kind`` ("message", "callback_query" ...) for getUpdates."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self.publish(WorldEvent("update", payload=update_id))
        return update_id

    def bot_sees(self, message: Message) -> bool:
        """Whether Telegram would deliver ``message`` to the bot (privacy mode in groups)."""
        chat = message.chat
        if chat.type == "private":
            return True
        bot_member = chat.member(self.bot.id)
        if bot_member.status not in PRESENT:
            return False
        if bot_member.is_admin or not self.privacy_mode:
            return True
        if message.reply_to is not None and message.reply_to.sender is self.bot:
            return True
        body = message.plain
        entities = message.entities or message.caption_entities
        for entity in entities:
            if entity["type"] == "bot_command":
                command = body[entity["offset"] : entity["offset"] + entity["length"]]
                target = command.partition("@")[2]
                if not target or target.lower() == (self.bot.username or "").lower():
                    return True
        return bool(self.bot.username) and f"@{self.bot.username}".lower() in body.lower()

    def _deliver(self, message: Message) -> Message:
        if self.bot_sees(message):
            message.update_id = self.enqueue_update("message", message.to_api())
        return message

    # -- users acting -----------------------------------------------------------------------

    def _posting_place(
        self, user: User, chat: Chat | int | None, thread_id: int | None, reply_to: Message | int | None
    ) -> tuple[Chat, int | None, Message | None]:
        target = self.private_chat(user) if chat is None else self.chat(chat)
        if target.type == "private" and target.id != user.id:
            raise ValueError(f"{user.full_name} cannot post in another user's private chat")
        if target.member(user.id).status not in PRESENT:
            raise ValueError(
                f"{user.full_name} is not a member of {target.title or target.id}; "
                "pass members=[...] to add_group or call set_member"
            )
        replied: Message | None = None
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = target.messages.get(reply_id)
            if replied is None or replied.deleted:
                raise ValueError(f"no message {reply_id} to reply to in chat {target.id}")
            if thread_id is None and target.is_forum:
                thread_id = replied.thread_id  # a reply lands in the topic of what it replies to
        if thread_id is not None:
            if not target.is_forum:
                raise ValueError(f"chat {target.id} has no topics")
            topic = target.topics.get(thread_id)
            if topic is None or topic.is_deleted:
                raise ValueError(f"chat {target.id} has no topic {thread_id}")
            if topic.is_closed and not target.member(user.id).is_admin:
                raise ValueError(f"topic {thread_id} is closed")
        if target.type == "private":
            user.started = True
        return target, thread_id, replied

    def post_text(
        self,
        user: User,
        text: str,
        *,
        chat: Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
    ) -> Message:
        """``user`` sends ``text``; Telegram's own entities (commands, hashtags ...) are detected."""
        if not text.strip():
            raise ValueError("Telegram does not send an empty message")
        target, thread, replied = self._posting_place(user, chat, thread_id, reply_to)
        message = self.new_message(
            target, user, thread_id=thread, reply_to=replied, text=text, entities=detect_entities(text)
        )
        return self._deliver(message)

    def post_photo(
        self,
        user: User,
        image: bytes,
        *,
        caption: str | None = None,
        chat: Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> Message:
        """``user`` sends a photo (kept in several sizes); bytes that are no image count as 1×1."""
        target, thread, replied = self._posting_place(user, chat, thread_id, reply_to)
        sizes = self.store_photo(image, size=file_size)
        if sizes is None:
            sizes = [self.store_file(image, kind="photo", width=1, height=1, size=file_size)]
            self._register_photo(sizes)
        message = self.new_message(
            target,
            user,
            thread_id=thread,
            reply_to=replied,
            photo_files=sizes,
            media_group_id=media_group_id,
            **_caption_content(caption),
        )
        return self._deliver(message)

    def post_album(
        self,
        user: User,
        images: Sequence[bytes],
        *,
        caption: str | None = None,
        chat: Chat | int | None = None,
        thread_id: int | None = None,
    ) -> list[Message]:
        """``user`` sends photos as one album: one message each, the caption on the first."""
        if not 2 <= len(images) <= 10:
            raise ValueError("an album holds 2 to 10 photos")
        album_id = self.new_album_id()
        messages = [
            self.post_photo(
                user,
                image,
                caption=caption if i == 0 else None,
                chat=chat,
                thread_id=thread_id,
                media_group_id=album_id,
            )
            for i, image in enumerate(images)
        ]
        for message in messages:
            message.album = messages
        return messages

    def post_document(
        self,
        user: User,
        data: bytes,
        *,
        file_name: str = "file.bin",
        mime_type: str | None = "application/octet-stream",
        caption: str | None = None,
        chat: Chat | int | None = None,
        thread_id: int | None = None,
        reply_to: Message | int | None = None,
        file_size: int | None = None,
    ) -> Message:
        """``user`` sends a file; ``file_size`` lets a test claim a size without the bytes."""
        target, thread, replied = self._posting_place(user, chat, thread_id, reply_to)
        stored = self.store_file(data, kind="document", file_name=file_name, mime_type=mime_type, size=file_size)
        message = self.new_message(
            target,
            user,
            thread_id=thread,
            reply_to=replied,
            document_file=stored,
            media_kind="document",
            **_caption_content(caption),
        )
        return self._deliver(message)

    def post_location(
        self,
        user: User,
        latitude: float,
        longitude: float,
        *,
        chat: Chat | int | None = None,
        thread_id: int | None = None,
    ) -> Message:
        """``user`` shares a location."""
        target, thread, replied = self._posting_place(user, chat, thread_id, None)
        location = {"latitude": latitude, "longitude": longitude}
        message = self.new_message(target, user, thread_id=thread, reply_to=replied, location=location)
        return self._deliver(message)

    def press_button(self, user: User, message: Message, data: str) -> CallbackQuery:
        """``user`` presses an inline button carrying ``data`` (which need not be on the message)."""
        query = CallbackQuery(id=f"{next(self._query_numbers)}{user.id}", user=user, message=message, data=data)
        self.callback_queries[query.id] = query
        chat_instance = hashlib.sha256(f"{message.chat.id}".encode()).hexdigest()[:16]
        self.enqueue_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_api(),
                "message": message.to_api(),
                "chat_instance": str(int(chat_instance, 16)),
                "data": data,
            },
        )
        return query


_FILE_ID_PREFIX = {"photo": "AgAC", "document": "BQAC", "video": "BAAC", "audio": "CQAC", "voice": "AwAC"}


def _suffix(stored: StoredFile) -> str:
    if stored.kind == "photo":
        return ".jpg"
    if stored.file_name and "." in stored.file_name:
        return "." + stored.file_name.rsplit(".", 1)[1].lower()
    return ""


def _caption_content(caption: str | None) -> dict[str, Any]:
    if caption is None:
        return {}
    return {"caption": caption, "caption_entities": detect_entities(caption)}


def member_object(user: User, member: Member) -> dict[str, Any]:
    """The ChatMember object for ``user`` standing as ``member``."""
    data: dict[str, Any] = {"status": member.status, "user": user.to_api()}
    if member.status == "creator":
        data["is_anonymous"] = False
    elif member.status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        data.update({right: member.rights.get(right, False) for right in ADMIN_RIGHTS})
    elif member.status == "restricted":
        data.update(is_member=True, until_date=0)
        for right in (
            "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
            "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
            "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
            "can_invite_users", "can_pin_messages", "can_manage_topics",
        ):  # fmt: skip
            data[right] = member.rights.get(right, False)
    elif member.status == "kicked":
        data["until_date"] = 0
    return data
