"""The Bot API methods, as Telegram's server answers them, over the sandbox's World.

A request reaches here already checked against the spec (sandbox.spec); ``prepare`` adds the
checks the spec's JSON cannot express (lengths after entity parsing, callback data bytes,
album sizes ...) and ``call`` runs the method. Both raise ``ApiError``: with ``violation=True``
for a request the bot built wrongly, without for refusals a correct bot must handle (a chat it
was removed from, a deleted topic, an edit that changes nothing). Error texts follow Telegram's.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, bad_request, forbidden, violation
from sandbox.formatting import EntityParseError, FormattedText, parse
from sandbox.images import image_dimensions
from sandbox.model import (
    DEFAULT_UPDATE_KINDS_EXCLUDED,
    DOWNLOAD_LIMIT,
    PRESENT,
    Chat,
    Edit,
    Message,
    StoredFile,
    Topic,
    World,
    WorldEvent,
    member_object,
)
from sandbox.spec import BotApiSpec, UploadedFile

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
TOPIC_NAME_LIMIT = 128
CALLBACK_ANSWER_LIMIT = 200
PHOTO_UPLOAD_LIMIT = 10 * 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024
TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
# What an edit must change for Telegram to accept it.
_VISIBLE = ("plain_text", "entities", "plain_caption", "caption_entities", "reply_markup")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
# Inline button fields that do not choose what the button does.
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
# Methods that send a file in a field named after the kind of message they make.
_FILE_SENDS = {
    "sendDocument": "document",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}


@dataclass
class Call:
    """One request on its way through: the method, its coerced params, and what prepare parsed."""

    method: str
    params: dict[str, Any]
    attachments: dict[str, UploadedFile] = field(default_factory=dict)
    formatted: dict[str, FormattedText] = field(default_factory=dict)


Handler = Callable[[Call], Any]


class BotApi:
    """Telegram's side of the Bot API, over a World."""

    def __init__(self, world: World, spec: BotApiSpec) -> None:
        self.world = world
        self.spec = spec
        self.bot = world.bot
        self.allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self.chat_actions: list[tuple[int, int | None, str]] = []
        self.closing = False
        self._poll_event = asyncio.Event()
        self._poll_generation = 0
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": _true,
            "close": _true,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._edit_forum_topic,
            "closeForumTopic": lambda call: self._set_topic_closed(call, closed=True),
            "reopenForumTopic": lambda call: self._set_topic_closed(call, closed=False),
            "deleteForumTopic": self._delete_forum_topic,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "leaveChat": self._leave_chat,
        }
        for method, kind in _FILE_SENDS.items():
            self._handlers[method] = functools.partial(self._send_file, kind=kind)
        world.subscribe(self._on_event)

    # -- dispatch ---------------------------------------------------------------------------

    def prepare(self, method: str, params: dict[str, Any], attachments: dict[str, UploadedFile] | None = None) -> Call:
        """Check what the spec's JSON cannot say; raise a violation or return the call ready to run."""
        call = Call(method, params, attachments or {})
        problems: list[str] = []
        try:
            self._check_texts(call, problems)
        except EntityParseError as error:
            raise violation(f"can't parse entities: {error}") from None
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            problems.extend(_keyboard_problems(markup))
        self._check_method_rules(call, problems)
        if problems:
            raise violation(problems[0], details=tuple(problems))
        return call

    async def call(self, call: Call) -> Any:
        """Run a prepared call and return its ``result``."""
        if call.method == "getUpdates":
            return await self._get_updates(call)
        handler = self._handlers.get(call.method, self._generic)
        return handler(call)

    def _check_texts(self, call: Call, problems: list[str]) -> None:
        p = call.params
        if call.method in ("sendMessage", "editMessageText") and isinstance(p.get("text"), str):
            text = parse(p["text"], p.get("parse_mode"), p.get("entities"))
            call.formatted["text"] = text
            if not text.text.strip():
                problems.append("message text is empty")
            elif text.length > TEXT_LIMIT:
                problems.append("message is too long")
        if isinstance(p.get("caption"), str):
            caption = parse(p["caption"], p.get("parse_mode"), p.get("caption_entities"))
            call.formatted["caption"] = caption
            if caption.length > CAPTION_LIMIT:
                problems.append("message caption is too long")
        media = p.get("media")
        items = media if isinstance(media, list) else [media] if isinstance(media, dict) else []
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("caption"), str):
                caption = parse(item["caption"], item.get("parse_mode"), item.get("caption_entities"))
                call.formatted[f"media.{index}.caption"] = caption
                if caption.length > CAPTION_LIMIT:
                    problems.append(f"media[{index}]: message caption is too long")

    def _check_method_rules(self, call: Call, problems: list[str]) -> None:
        p, method = call.params, call.method
        if method == "sendMediaGroup" and isinstance(p.get("media"), list):
            items = p["media"]
            if not 2 <= len(items) <= 10:
                problems.append(f"media group must have 2-10 items, got {len(items)}")
            kinds = {item.get("type") for item in items if isinstance(item, dict)}
            if len(kinds) > 1 and kinds & {"document", "audio"}:
                problems.append("documents and audio can only be grouped with their own kind")
        if method in ("createForumTopic", "editForumTopic") and isinstance(p.get("name"), str):
            if not 1 <= len(p["name"]) <= TOPIC_NAME_LIMIT:
                problems.append(f"topic name must be 1-{TOPIC_NAME_LIMIT} characters, got {len(p['name'])}")
        if method == "createForumTopic" and "icon_color" in p and p["icon_color"] not in TOPIC_COLORS:
            problems.append("TOPIC_ICON_COLOR_INVALID")
        if method == "answerCallbackQuery" and len(p.get("text") or "") > CALLBACK_ANSWER_LIMIT:
            problems.append(f"callback answer text is over {CALLBACK_ANSWER_LIMIT} characters")
        if method == "sendChatAction" and p.get("action") not in CHAT_ACTIONS:
            problems.append("wrong type of action")
        if method == "setMyCommands" and isinstance(p.get("commands"), list):
            if len(p["commands"]) > 100:
                problems.append("too many commands")
            for command in p["commands"]:
                if isinstance(command, dict) and not _COMMAND.fullmatch(str(command.get("command", ""))):
                    problems.append(f"BOT_COMMAND_INVALID: {command.get('command')!r}")
                if isinstance(command, dict) and not 1 <= len(str(command.get("description", ""))) <= 256:
                    problems.append(f"command description must be 1-256 characters: {command.get('command')!r}")
        if method == "getUpdates" and not 1 <= p.get("limit", 100) <= 100:
            problems.append("limit must be 1-100")
        self._check_attachments(call, problems)

    def _check_attachments(self, call: Call, problems: list[str]) -> None:
        references = [v for v in call.params.values() if isinstance(v, str) and v.startswith("attach://")]
        media = call.params.get("media")
        for item in media if isinstance(media, list) else [media] if isinstance(media, dict) else []:
            if isinstance(item, dict):
                references.extend(v for v in item.values() if isinstance(v, str) and v.startswith("attach://"))
        for reference in references:
            if reference.removeprefix("attach://") not in call.attachments:
                problems.append(f"{reference} names no part of the multipart request")

    def _generic(self, call: Call) -> Any:
        """Any other method in the spec: accept it, answering with something of the declared type."""
        self._check_file_kinds(call)
        returns = self.spec.methods[call.method].returns
        if returns == ("Message",) and "chat_id" in call.params:
            chat = self._chat_to_send_to(call.params)
            thread, reply = self._placement(chat, call.params)
            return self._bot_message(chat, call, thread, reply, **self._caption(call)).to_api()
        if returns and returns[0] == "Integer":
            return 0
        if returns and returns[0] == "String":
            return ""
        if returns and returns[0].startswith("Array of"):
            return []
        return True

    # -- updates ----------------------------------------------------------------------------

    def _on_event(self, event: WorldEvent) -> None:
        if event.kind == "update":
            self.wake_polls()

    def wake_polls(self) -> None:
        """Let waiting getUpdates calls look again (new updates, a newer poll, or closing)."""
        self._poll_event.set()
        self._poll_event = asyncio.Event()

    async def _get_updates(self, call: Call) -> list[dict[str, Any]]:
        p = call.params
        if self.world.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in p:
            self.allowed_updates = frozenset(p["allowed_updates"]) or None
        self._confirm(p.get("offset"))
        limit = p.get("limit", 100)
        timeout = max(0, p.get("timeout", 0))
        # Telegram allows one poll at a time: a newer one ends the older with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self.wake_polls()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            batch = self._pending(limit)
            remaining = deadline - loop.time()
            if batch or self.closing or remaining <= 0:
                return batch
            event = self._poll_event
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return []

    def _confirm(self, offset: int | None) -> None:
        queue = self.world.updates
        if offset is None:
            return
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()

    def _wanted(self, update: dict[str, Any]) -> bool:
        kind = _update_kind(update)
        if self.allowed_updates is None:
            return kind not in DEFAULT_UPDATE_KINDS_EXCLUDED
        return kind in self.allowed_updates

    def _pending(self, limit: int) -> list[dict[str, Any]]:
        queue = self.world.updates
        batch: list[dict[str, Any]] = []
        unwanted = 0
        for update in queue:
            if not self._wanted(update):
                unwanted += 1
            elif len(batch) < limit:
                batch.append(update)
            else:
                break
        if unwanted:
            # Updates the bot does not take are never delivered; drop them so they cannot pile up.
            self.world.updates = deque(u for u in queue if self._wanted(u))
        return batch

    # -- the bot and its settings -----------------------------------------------------------

    def _get_me(self, call: Call) -> dict[str, Any]:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.world.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, call: Call) -> bool:
        self.world.webhook = dict(call.params)
        self.wake_polls()
        return True

    def _delete_webhook(self, call: Call) -> bool:
        self.world.webhook = None
        if call.params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    def _get_webhook_info(self, call: Call) -> dict[str, Any]:
        webhook = self.world.webhook or {}
        return {
            "url": webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    def _set_my_commands(self, call: Call) -> bool:
        key = commands_key(call.params.get("scope"), call.params.get("language_code"))
        self.world.commands[key] = [dict(c) for c in call.params["commands"]]
        return True

    def _get_my_commands(self, call: Call) -> list[dict[str, Any]]:
        key = commands_key(call.params.get("scope"), call.params.get("language_code"))
        return list(self.world.commands.get(key, []))

    def _delete_my_commands(self, call: Call) -> bool:
        key = commands_key(call.params.get("scope"), call.params.get("language_code"))
        self.world.commands.pop(key, None)
        return True

    def _set_chat_menu_button(self, call: Call) -> bool:
        chat_id = call.params.get("chat_id")
        self.world.menu_buttons[chat_id] = call.params.get("menu_button") or {"type": "default"}
        return True

    def _get_chat_menu_button(self, call: Call) -> dict[str, Any]:
        chat_id = call.params.get("chat_id")
        return self.world.menu_buttons.get(chat_id) or self.world.menu_buttons.get(None) or {"type": "default"}

    # -- where a message goes ---------------------------------------------------------------

    def _find_chat(self, chat_id: Any) -> Chat:
        chat = self.world.resolve_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _chat_to_send_to(self, params: dict[str, Any]) -> Chat:
        chat = self._find_chat(params["chat_id"])
        if chat.type == "private":
            user = self.world.users[chat.id]
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        status = chat.member(self.bot.id).status
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status not in PRESENT:
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def _placement(self, chat: Chat, params: dict[str, Any]) -> tuple[int | None, Message | None]:
        reply = self._reply_target(chat, params)
        thread = params.get("message_thread_id")
        if thread is None and reply is not None and chat.is_forum:
            thread = reply.thread_id  # a reply lands in the topic of what it replies to
        if thread is not None:
            self._check_thread(chat, thread)
        return thread, reply

    def _check_thread(self, chat: Chat, thread_id: int) -> None:
        if chat.is_forum:
            topic = chat.topics.get(thread_id)
            if topic is None or topic.is_deleted:
                raise bad_request("message thread not found")
            if topic.is_closed and not chat.member(self.bot.id).can("can_manage_topics"):
                raise bad_request("TOPIC_CLOSED")
            return
        root = chat.messages.get(thread_id) if chat.type == "supergroup" else None
        if root is None or root.deleted:
            raise bad_request("message thread not found")

    def _reply_target(self, chat: Chat, params: dict[str, Any]) -> Message | None:
        reply = params.get("reply_parameters")
        if not reply:
            return None
        source = chat if reply.get("chat_id") in (None, chat.id) else self._find_chat(reply["chat_id"])
        target = source.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        # A reply to another chat is shown as a quote (external_reply); only same-chat replies link.
        return target if source is chat else None

    def _bot_message(
        self,
        chat: Chat,
        call: Call,
        thread: int | None,
        reply: Message | None,
        *,
        publish: bool = True,
        **content: Any,
    ) -> Message:
        params = call.params
        return self.world.new_message(
            chat,
            self.bot,
            thread_id=thread,
            reply_to=reply,
            publish=publish,
            method=call.method,
            params=params,
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            **content,
        )

    def _caption(self, call: Call) -> dict[str, Any]:
        parsed = call.formatted.get("caption")
        if parsed is None or not parsed.text:
            return {}
        return {"caption": call.params["caption"], "plain_caption": parsed.text, "caption_entities": parsed.entities}

    # -- sending ----------------------------------------------------------------------------

    def _send_message(self, call: Call) -> dict[str, Any]:
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        text = call.formatted["text"]
        message = self._bot_message(
            chat, call, thread, reply, text=call.params["text"], plain_text=text.text, entities=text.entities
        )
        return message.to_api()

    def _send_photo(self, call: Call) -> dict[str, Any]:
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        sizes = self._photo(call.params["photo"], call)
        return self._bot_message(chat, call, thread, reply, photo_files=sizes, **self._caption(call)).to_api()

    def _send_file(self, call: Call, kind: str) -> dict[str, Any]:
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        stored = self._file(call.params[kind], call, kind)
        message = self._bot_message(
            chat, call, thread, reply, document_file=stored, media_kind=kind, **self._caption(call)
        )
        return message.to_api()

    def _send_location(self, call: Call) -> dict[str, Any]:
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        p = call.params
        location = {"latitude": p["latitude"], "longitude": p["longitude"]}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if key in p:
                location[key] = p[key]
        return self._bot_message(chat, call, thread, reply, location=location).to_api()

    def _send_media_group(self, call: Call) -> list[dict[str, Any]]:
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        album_id = self.world.new_album_id()
        contents: list[dict[str, Any]] = []
        for index, item in enumerate(call.params["media"]):
            kind = item["type"]
            content: dict[str, Any] = {}
            if kind == "photo":
                content["photo_files"] = self._photo(item["media"], call)
            else:
                content.update(document_file=self._file(item["media"], call, kind), media_kind=kind)
            caption = call.formatted.get(f"media.{index}.caption")
            if caption is not None and caption.text:
                content.update(caption=item["caption"], plain_caption=caption.text, caption_entities=caption.entities)
            contents.append(content)
        # Create every message before anyone hears of one, so readers see the album whole.
        messages = [
            self._bot_message(chat, call, thread, reply, publish=False, media_group_id=album_id, **content)
            for content in contents
        ]
        for message in messages:
            message.album = messages
            message.reply_markup = None
        for message in messages:
            self.world.publish(WorldEvent("message", chat.id, message))
        return [m.to_api() for m in messages]

    def _send_chat_action(self, call: Call) -> bool:
        chat = self._chat_to_send_to(call.params)
        thread = call.params.get("message_thread_id")
        if thread is not None:
            self._check_thread(chat, thread)
        self.chat_actions.append((chat.id, thread, call.params["action"]))
        return True

    def _source_message(self, call: Call, verb: str) -> Message:
        source_chat = self._find_chat(call.params["from_chat_id"])
        message = source_chat.messages.get(call.params["message_id"])
        if message is None or message.deleted or message.service:
            raise bad_request(f"message to {verb} not found")
        return message

    def _copied_content(self, message: Message) -> dict[str, Any]:
        return {
            "text": message.plain_text,
            "entities": message.entities,
            "caption": message.plain_caption,
            "caption_entities": message.caption_entities,
            "photo_files": message.photo_files,
            "document_file": message.document_file,
            "media_kind": message.media_kind,
            "location": message.location,
        }

    def _copy_message(self, call: Call) -> dict[str, Any]:
        source = self._source_message(call, "copy")
        chat = self._chat_to_send_to(call.params)
        thread, reply = self._placement(chat, call.params)
        content = self._copied_content(source)
        if "caption" in call.params:
            content.update(caption=None, plain_caption=None, caption_entities=())
            content.update(self._caption(call))
        message = self._bot_message(chat, call, thread, reply, **content)
        return {"message_id": message.message_id}

    def _forward_message(self, call: Call) -> dict[str, Any]:
        source = self._source_message(call, "forward")
        chat = self._chat_to_send_to(call.params)
        thread = call.params.get("message_thread_id")
        if thread is not None:
            self._check_thread(chat, thread)
        origin = {"type": "user", "sender_user": source.sender.to_api(), "date": int(source.date.timestamp())}
        content = self._copied_content(source)
        message = self._bot_message(chat, call, thread, None, extra={"forward_origin": origin}, **content)
        message.reply_markup = None
        return message.to_api()

    # -- files ------------------------------------------------------------------------------

    def _resolve(self, value: Any, call: Call) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            return call.attachments[value.removeprefix("attach://")]
        return value

    def _photo(self, value: Any, call: Call) -> list[StoredFile]:
        value = self._resolve(value, call)
        if isinstance(value, UploadedFile):
            if len(value.data) > PHOTO_UPLOAD_LIMIT:
                raise violation("photo over 10 MB: send it as a document")
            dimensions = image_dimensions(value.data)
            if dimensions is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = dimensions
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise violation("PHOTO_INVALID_DIMENSIONS")
            sizes = self.world.store_photo(value.data)
            assert sizes is not None
            return sizes
        return self.world.photo_sets[self._of_kind(value, "photo").file_id]

    def _file(self, value: Any, call: Call, kind: str) -> StoredFile:
        value = self._resolve(value, call)
        if isinstance(value, UploadedFile):
            if len(value.data) > UPLOAD_LIMIT:
                raise ApiError(413, "Request Entity Too Large")
            dimensions = image_dimensions(value.data) if kind in ("video", "animation") else None
            width, height = dimensions or (0, 0)
            return self.world.store_file(
                value.data,
                kind=kind,
                file_name=value.filename,
                mime_type=value.content_type,
                width=width,
                height=height,
            )
        return self._of_kind(value, kind)

    def _of_kind(self, value: Any, kind: str) -> StoredFile:
        """A stored file re-sent by its file_id, which Telegram takes only for its own kind ("It is not possible
        to change the file type when resending by file_id": a photo is not a document, nor a document a photo)."""
        existing = self._existing(value)
        if existing.kind != kind:
            raise bad_request("type of file mismatch")
        return existing

    def _check_file_kinds(self, call: Call) -> None:
        """Any other sending method: every file_id it is handed must be of the kind its field or media item names."""
        if not call.method.startswith(("send", "editMessageMedia")):
            return
        fields = self.spec.methods[call.method].fields
        for name, value in call.params.items():
            field_spec = fields.get(name)
            if field_spec is not None and "InputFile" in field_spec.types and isinstance(value, str):
                if not value.startswith("attach://"):
                    self._of_kind(value, name)
        media = call.params.get("media")
        for item in media if isinstance(media, list) else [media] if isinstance(media, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("media"), str) and not item["media"].startswith(
                    "attach://"):
                self._of_kind(item["media"], str(item.get("type")))

    def _existing(self, value: Any) -> StoredFile:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # The sandbox has no network to fetch from, like an office that cannot reach Telegram.
            raise bad_request("failed to get HTTP URL content")
        stored = self.world.files.get(value) if isinstance(value, str) else None
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def _get_file(self, call: Call) -> dict[str, Any]:
        stored = self.world.files.get(call.params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        self.world.file_path(stored)
        return stored.file_object()

    # -- editing and deleting ---------------------------------------------------------------

    def _editable(self, call: Call) -> Message:
        p = call.params
        if "inline_message_id" in p:
            raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline mode
        if "chat_id" not in p or "message_id" not in p:
            raise violation("message identifier is not specified")
        chat = self._find_chat(p["chat_id"])
        message = chat.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if message.sender is not self.bot or message.service:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, call: Call, message: Message, changes: dict[str, Any]) -> dict[str, Any]:
        before = message.snapshot()
        after = {**before, **changes}
        # Telegram compares what users would see, not the markup that produced it.
        if all(after[key] == before[key] for key in _VISIBLE):
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            setattr(message, key, value)
        if "text" in changes or "caption" in changes:
            message.parse_mode = call.params.get("parse_mode")
        message.edit_date = self.world.now()
        edit = Edit(call.method, call.params, message, message.edit_date, before)
        message.edits.append(edit)
        self.world.publish(WorldEvent("edit", message.chat.id, message, edit))
        return message.to_api()

    def _edit_message_text(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        if message.plain_text is None:
            raise bad_request("there is no text in the message to edit")
        text = call.formatted["text"]
        changes = {
            "text": call.params["text"],
            "plain_text": text.text,
            "entities": text.entities,
            # Telegram drops an inline keyboard that an edit does not repeat.
            "reply_markup": call.params.get("reply_markup"),
        }
        return self._apply_edit(call, message, changes)

    def _edit_message_caption(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        if not (message.photo_files or message.document_file):
            raise bad_request("there is no caption in the message to edit")
        caption = call.formatted.get("caption")
        shown = caption.text if caption and caption.text else None
        changes = {
            "caption": call.params.get("caption") if shown is not None else None,
            "plain_caption": shown,
            "caption_entities": caption.entities if caption else (),
            "reply_markup": call.params.get("reply_markup"),
        }
        return self._apply_edit(call, message, changes)

    def _edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        return self._apply_edit(call, message, {"reply_markup": call.params.get("reply_markup")})

    def _delete_message(self, call: Call) -> bool:
        chat = self._find_chat(call.params["chat_id"])
        self._delete_one(chat, call.params["message_id"])
        return True

    def _delete_messages(self, call: Call) -> bool:
        chat = self._find_chat(call.params["chat_id"])
        for message_id in call.params["message_ids"]:
            message = chat.messages.get(message_id)
            if message is not None and not message.deleted:
                self._delete_one(chat, message_id)
        return True

    def _delete_one(self, chat: Chat, message_id: int) -> None:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if (
            message.sender is not self.bot
            and chat.type != "private"
            and not chat.member(self.bot.id).can("can_delete_messages")
        ):
            raise bad_request("message can't be deleted")
        message.deleted = True
        self.world.publish(WorldEvent("delete", chat.id, message))

    # -- buttons ----------------------------------------------------------------------------

    def _answer_callback_query(self, call: Call) -> bool:
        query = self.world.callback_queries.get(call.params["callback_query_id"])
        if query is None or query.answer is not None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        query.answer = dict(call.params)
        query.answered_at = self.world.now()
        self.world.publish(WorldEvent("answer", query.message.chat.id, query.message, query))
        return True

    # -- topics -----------------------------------------------------------------------------

    def _forum(self, call: Call, action: str) -> Chat:
        chat = self._chat_to_send_to(call.params)
        if chat.type != "supergroup" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not chat.member(self.bot.id).can("can_manage_topics"):
            raise bad_request(f"not enough rights to {action} a topic")
        return chat

    def _topic(self, chat: Chat, call: Call) -> Topic:
        topic = chat.topics.get(call.params["message_thread_id"])
        if topic is None or topic.is_deleted:
            raise bad_request("message thread not found")
        return topic

    def _service(self, chat: Chat, call: Call, thread: int | None, content: dict[str, Any]) -> Message:
        return self._bot_message(chat, call, thread, None, extra=content, service=True)

    def _create_forum_topic(self, call: Call) -> dict[str, Any]:
        chat = self._forum(call, "create")
        p = call.params
        created: dict[str, Any] = {"name": p["name"], "icon_color": p.get("icon_color", 7322096)}
        if p.get("icon_custom_emoji_id"):
            created["icon_custom_emoji_id"] = p["icon_custom_emoji_id"]
        # The topic's id is the id of the service message that opens it.
        service = self._bot_message(
            chat, call, None, None, publish=False, extra={"forum_topic_created": created}, service=True
        )
        service.thread_id = service.message_id
        service.is_topic_message = True
        topic = Topic(service.message_id, p["name"], created["icon_color"], p.get("icon_custom_emoji_id"))
        chat.topics[topic.message_thread_id] = topic
        self.world.publish(WorldEvent("message", chat.id, service))
        self.world.publish(WorldEvent("topic", chat.id, service, topic))
        return topic.to_api()

    def _edit_forum_topic(self, call: Call) -> bool:
        chat = self._forum(call, "edit")
        topic = self._topic(chat, call)
        p = call.params
        edited: dict[str, Any] = {}
        if "name" in p and p["name"] != topic.name:
            edited["name"] = topic.name = p["name"]
        if "icon_custom_emoji_id" in p and p["icon_custom_emoji_id"] != (topic.icon_custom_emoji_id or ""):
            topic.icon_custom_emoji_id = p["icon_custom_emoji_id"] or None
            edited["icon_custom_emoji_id"] = p["icon_custom_emoji_id"]
        if not edited:
            raise bad_request("TOPIC_NOT_MODIFIED")
        self._service(chat, call, topic.message_thread_id, {"forum_topic_edited": edited})
        self.world.publish(WorldEvent("topic", chat.id, None, topic))
        return True

    def _set_topic_closed(self, call: Call, *, closed: bool) -> bool:
        chat = self._forum(call, "close" if closed else "reopen")
        topic = self._topic(chat, call)
        if topic.is_closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.is_closed = closed
        key = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(chat, call, topic.message_thread_id, {key: {}})
        self.world.publish(WorldEvent("topic", chat.id, None, topic))
        return True

    def _delete_forum_topic(self, call: Call) -> bool:
        chat = self._forum(call, "delete")
        topic = self._topic(chat, call)
        topic.is_deleted = True
        for message in chat.messages.values():
            if message.thread_id == topic.message_thread_id and not message.deleted:
                message.deleted = True
        self.world.publish(WorldEvent("topic", chat.id, None, topic))
        return True

    # -- chats and members ------------------------------------------------------------------

    def _visible_chat(self, chat_id: Any) -> Chat:
        chat = self._find_chat(chat_id)
        if chat.type != "private" and chat.member(self.bot.id).status not in PRESENT:
            raise bad_request("chat not found")
        return chat

    def _get_chat(self, call: Call) -> dict[str, Any]:
        chat = self._visible_chat(call.params["chat_id"])
        info = chat.to_api()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if chat.type != "private":
            info["permissions"] = {"can_send_messages": True, "can_send_photos": True, "can_send_documents": True}
        return info

    def _get_chat_member(self, call: Call) -> dict[str, Any]:
        chat = self._visible_chat(call.params["chat_id"])
        user = self.world.users.get(call.params["user_id"])
        if user is None:
            raise bad_request("user not found")
        return member_object(user, chat.member(user.id))

    def _get_chat_administrators(self, call: Call) -> list[dict[str, Any]]:
        chat = self._visible_chat(call.params["chat_id"])
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [member_object(self.world.users[uid], member) for uid, member in chat.members.items() if member.is_admin]

    def _get_chat_member_count(self, call: Call) -> int:
        chat = self._visible_chat(call.params["chat_id"])
        return sum(1 for member in chat.members.values() if member.status in PRESENT)


    def _leave_chat(self, call: Call) -> bool:
        chat = self._visible_chat(call.params["chat_id"])
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.world.bot_leaves(chat)
        return True


def _true(call: Call) -> bool:
    return True


def _update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def commands_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple[str, str]:
    """How setMyCommands' scope and language are keyed: ("default", ""), ("chat:-100…", "zh") ..."""
    if not scope:
        return "default", language_code or ""
    parts = [str(scope.get("type", "default"))]
    for key in ("chat_id", "user_id"):
        if key in scope:
            parts.append(str(scope[key]))
    return ":".join(parts), language_code or ""


def _keyboard_problems(markup: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return problems
    for r, row in enumerate(rows):
        for c, button in enumerate(row if isinstance(row, list) else []):
            if not isinstance(button, dict):
                continue
            where = f"inline_keyboard[{r}][{c}]"
            data = button.get("callback_data")
            if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                problems.append(f"BUTTON_DATA_INVALID: {where} callback_data is {len(data.encode('utf-8'))} bytes")
            if not button.get("text"):
                problems.append(f"BUTTON_TEXT_INVALID: {where} has no text")
            actions = [key for key in button if key not in _BUTTON_DECORATION]
            if len(actions) != 1:
                problems.append(
                    f"can't parse inline keyboard button: {where} must have exactly one action, has {actions}"
                )
            if "url" in button and not button["url"]:
                problems.append(f"BUTTON_URL_INVALID: {where}")
    return problems
