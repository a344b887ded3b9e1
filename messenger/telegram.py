"""The Telegram implementation of the messenger port (python-telegram-bot): the one place that renders neutral views
for Telegram — catalog Html as parse mode HTML clipped to Telegram's limits, keyboards as inline keyboards, stored
images by the send method of their kind — and turns Telegram's errors into the port's.

An image the officer sent as a file (a document) keeps its document file_id: it goes out as a document, and in albums
of documents only (Telegram groups documents with documents alone, and refuses a document's file_id to sendPhoto).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from domain.hazards import MediaKind, Photo
from messenger.port import (
    Blocked,
    Captioned,
    ChatMoved,
    MessengerError,
    NotEditable,
    Place,
    Refused,
    RetryLater,
    ThreadGone,
    Unreachable,
)
from messenger.telegram_pacing import retry_after
from texts import Html
from texts.limits import CAPTION_LIMIT, clip, clip_html, tg_len
from views.keyboards import Keyboard

ALBUM_LIMIT = 10  # sendMediaGroup takes 2–10 items


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """A neutral keyboard as Telegram's inline keyboard."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in keyboard])  # fmt: skip


def topic_gone(exc: BadRequest) -> bool:
    """Whether Telegram says the forum topic no longer exists."""
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic was deleted" in text


def not_modified(exc: BadRequest) -> bool:
    """Whether Telegram refused an edit because nothing would change (which is success)."""
    return "message is not modified" in exc.message.lower()


def translate(exc: TelegramError) -> MessengerError:
    """Telegram's error as the port's: what the one retry policy reads."""
    reason = str(exc)
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_after(exc), reason)
    if isinstance(exc, ChatMigrated):
        return ChatMoved(exc.new_chat_id, reason)
    if isinstance(exc, Forbidden):
        return Blocked(reason)
    if isinstance(exc, BadRequest):
        return ThreadGone(reason) if topic_gone(exc) else Refused(reason)
    return Unreachable(reason)


@contextmanager
def translated(*, editing: bool = False) -> Iterator[None]:
    """Telegram's errors raised as the port's; in an edit, a refusal means the message cannot be edited."""
    try:
        yield
    except BadRequest as exc:
        if editing:
            raise NotEditable(str(exc)) from exc
        raise translate(exc) from exc
    except TelegramError as exc:
        raise translate(exc) from exc


def _where(place: Place) -> dict[str, Any]:
    where: dict[str, Any] = {"message_thread_id": place.thread_id}
    if place.reply_to is not None:
        where |= {"reply_to_message_id": place.reply_to, "allow_sending_without_reply": True}
    return where


class TelegramMessenger:
    """The messenger port over a python-telegram-bot Bot (paced by messenger.telegram_pacing)."""

    file_limit = 50 * 2**20  # the Bot API's sendDocument: "files of any type of up to 50 MB in size"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(self, place: Place, text: Html, keyboard: Keyboard | None = None) -> int:
        """sendMessage in HTML, clipped to Telegram's 4,096 characters."""
        with translated():
            message = await self.bot.send_message(place.chat_id, clip_html(text), reply_markup=markup(keyboard),
                                                  **_where(place))  # fmt: skip
        return message.message_id

    async def send_image(self, place: Place, image: Photo, caption: Html | None = None,
                         keyboard: Keyboard | None = None) -> int:
        """sendPhoto or sendDocument, by the image's kind."""
        with translated():
            message = await self._send_image(place, image, caption, markup(keyboard))
        return message.message_id

    async def _send_image(self, place: Place, image: Photo, caption: Html | None,
                          reply_markup: InlineKeyboardMarkup | None) -> Message:
        send = self.bot.send_document if image.kind is MediaKind.DOCUMENT else self.bot.send_photo
        return await send(place.chat_id, image.file_id, caption=caption, reply_markup=reply_markup, **_where(place))

    async def send_album(self, place: Place, images: Sequence[Captioned]) -> None:
        """Each run of one kind as albums of at most ten (a run of one alone), in their order."""
        with translated():
            for kind, run in groupby(images, key=lambda item: item[0].kind):
                same = list(run)
                for start in range(0, len(same), ALBUM_LIMIT):
                    chunk = same[start : start + ALBUM_LIMIT]
                    if len(chunk) == 1:
                        await self._send_image(place, chunk[0][0], chunk[0][1], None)
                        continue
                    media: list[InputMediaPhoto] | list[InputMediaDocument] = (
                        [InputMediaDocument(p.file_id, caption=c) for p, c in chunk] if kind is MediaKind.DOCUMENT
                        else [InputMediaPhoto(p.file_id, caption=c) for p, c in chunk]
                    )  # fmt: skip
                    await self.bot.send_media_group(place.chat_id, media, **_where(place))

    async def send_chart(self, chat_id: int, png: bytes, caption: Html) -> int:
        """sendPhoto of the picture's bytes."""
        with translated():
            message = await self.bot.send_photo(chat_id, png, caption=clip(caption, CAPTION_LIMIT))
        return message.message_id

    async def send_file(self, place: Place, path: Path, filename: str, caption: Html | None = None) -> int:
        """sendDocument of the file, streamed from disk as it is sent (an export's files are tens of MB: never
        read whole into memory)."""
        with path.open("rb") as handle, translated():
            document = InputFile(handle, filename=filename, read_file_handle=False)
            message = await self.bot.send_document(place.chat_id, document, caption=caption, **_where(place))
        return message.message_id

    async def edit_card(self, chat_id: int, message_id: int, text: Html, keyboard: Keyboard | None) -> None:
        """editMessageText, or editMessageCaption when the card is a photo's caption and still fits one."""
        reply_markup = markup(keyboard)
        with translated(editing=True):
            try:
                await self.bot.edit_message_text(clip_html(text), chat_id, message_id, reply_markup=reply_markup)
            except BadRequest as exc:
                if not_modified(exc):
                    return
                if "no text in the message" not in exc.message.lower() or tg_len(text) > CAPTION_LIMIT:
                    raise  # the card no longer fits a caption: it is replaced by a card of its own
                try:
                    await self.bot.edit_message_caption(chat_id, message_id, caption=text, reply_markup=reply_markup)
                except BadRequest as again:
                    if not not_modified(again):
                        raise

    async def set_buttons(self, chat_id: int, message_id: int, keyboard: Keyboard | None) -> None:
        """editMessageReplyMarkup. Called raw: PTB's Bot.edit_message_reply_markup also sends the default parse_mode,
        which that method does not take (Telegram ignores it; the Bot API double counts it a violation)."""
        kwargs: dict[str, object] = {"chat_id": chat_id, "message_id": message_id}
        if (reply_markup := markup(keyboard)) is not None:
            kwargs["reply_markup"] = reply_markup
        with translated(editing=True):
            try:
                with warnings.catch_warnings():  # PTB suggests its own method, which is the one that sends parse_mode
                    warnings.filterwarnings("ignore", message=".*editMessageReplyMarkup.*", category=PTBUserWarning)
                    await self.bot.do_api_request("editMessageReplyMarkup", api_kwargs=kwargs)
            except BadRequest as exc:
                if not not_modified(exc):
                    raise

    async def open_thread(self, chat_id: int, title: str) -> int:
        """createForumTopic."""
        with translated():
            topic = await self.bot.create_forum_topic(chat_id, title)
        return topic.message_thread_id
