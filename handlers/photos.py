"""Receiving a photo or image file from Telegram: a document that is not an image refused before it is fetched, the
rest checked, downloaded, verified and staged by the one neutral step (usecases.talk.take_image)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.error import TelegramError

from domain.hazards import MAX_PHOTOS, MediaKind, Photo
from handlers.common import reply
from handlers.context import BotContext
from handlers.talk import TelegramTalk
from texts import t
from usecases.talk import take_image


async def receive_image(update: Update, context: BotContext, staging_key: str, have: int) -> Photo | None:
    """The image of this message staged under `staging_key`, or None after telling the sender why not."""
    message = update.effective_message
    assert message is not None
    source: Any = message.photo[-1] if message.photo else message.document
    if have < MAX_PHOTOS and (source is None or (message.document and not (message.document.mime_type or "")
                                                 .startswith("image/"))):  # fmt: skip
        await reply(update, t("report.not_an_image"))
        return None

    async def download() -> bytes | None:
        try:
            return bytes(await (await source.get_file()).download_as_bytearray())
        except TelegramError:
            return None

    # an image sent as a file keeps a document's file_id: re-sent with sendDocument, never sendPhoto
    kind = MediaKind.PHOTO if message.photo else MediaKind.DOCUMENT
    return await take_image(context.services, TelegramTalk(update, context), staging_key, have, download,
                            source.file_id if source else "", source.file_unique_id if source else "", kind,
                            source.file_size if source else None)  # fmt: skip
