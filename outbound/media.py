"""Re-sending stored images with the send method of their kind: Telegram refuses a document's file_id to sendPhoto.

An image the officer sent as a file (a document) is kept with its document file_id; it goes out as a document,
and in albums of documents only (Telegram groups documents with documents alone). Photos go out as photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from telegram import Bot, InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto, Message

from domain.hazards import MediaKind, Photo

ALBUM_LIMIT = 10  # sendMediaGroup takes 2–10 items


async def send_one(bot: Bot, chat_id: int, photo: Photo, *, caption: str | None = None,
                   reply_markup: InlineKeyboardMarkup | None = None, message_thread_id: int | None = None,
                   reply_to_message_id: int | None = None) -> Message:
    """One stored image, captioned or not, by the method of its kind."""
    send = bot.send_document if photo.kind is MediaKind.DOCUMENT else bot.send_photo
    return await send(chat_id, photo.file_id, caption=caption, reply_markup=reply_markup,
                      message_thread_id=message_thread_id, reply_to_message_id=reply_to_message_id)  # fmt: skip


async def send_all(bot: Bot, chat_id: int, photos: Sequence[Photo], *, message_thread_id: int | None = None,
                   reply_to_message_id: int | None = None) -> None:
    """The images in their order: each run of one kind as an album (a run of one alone)."""
    for kind, run in groupby(photos, key=lambda p: p.kind):
        same = list(run)
        for start in range(0, len(same), ALBUM_LIMIT):
            chunk = same[start:start + ALBUM_LIMIT]
            if len(chunk) == 1:
                await send_one(bot, chat_id, chunk[0], message_thread_id=message_thread_id,
                               reply_to_message_id=reply_to_message_id)  # fmt: skip
                continue
            media: list[InputMediaPhoto] | list[InputMediaDocument] = (
                [InputMediaDocument(p.file_id) for p in chunk] if kind is MediaKind.DOCUMENT
                else [InputMediaPhoto(p.file_id) for p in chunk]
            )  # fmt: skip
            await bot.send_media_group(chat_id, media, message_thread_id=message_thread_id,
                                       reply_to_message_id=reply_to_message_id)  # fmt: skip
