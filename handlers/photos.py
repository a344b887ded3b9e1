"""Receiving a photo or image file: size and type checked, downloaded, verified, staged under a key."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from PIL import Image, UnidentifiedImageError
from telegram import Update
from telegram.error import TelegramError

from domain.hazards import MAX_PHOTOS, MediaKind, Photo
from handlers.common import reply
from handlers.context import BotContext
from texts import t

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}


async def receive_image(update: Update, context: BotContext, staging_key: str, have: int) -> Photo | None:
    """The image of this message staged under `staging_key`, or None after telling the sender why not."""
    message = update.effective_message
    assert message is not None
    settings = context.services.settings
    mb = settings.max_photo_bytes // (1024 * 1024)
    if have >= MAX_PHOTOS:
        await reply(update, t("report.too_many_photos", max=MAX_PHOTOS))
        return None
    source: Any = message.photo[-1] if message.photo else message.document
    if source is None or (message.document and not (message.document.mime_type or "").startswith("image/")):
        await reply(update, t("report.not_an_image"))
        return None
    if (source.file_size or 0) > settings.max_photo_bytes:
        await reply(update, t("report.photo_too_big", mb=mb))
        return None
    try:
        data = bytes(await (await source.get_file()).download_as_bytearray())
    except TelegramError:
        await reply(update, t("report.photo_download_failed"))
        return None
    suffix = await asyncio.to_thread(image_suffix, data)
    if suffix is None or len(data) > settings.max_photo_bytes:
        await reply(update, t("report.not_an_image" if suffix is None else "report.photo_too_big", mb=mb))
        return None
    # an image sent as a file keeps a document's file_id: re-sent with sendDocument, never sendPhoto
    kind = MediaKind.PHOTO if message.photo else MediaKind.DOCUMENT
    return context.services.media.stage(staging_key, data, source.file_id, source.file_unique_id, suffix, kind)


def image_suffix(data: bytes) -> str | None:
    """The file suffix of a real image, or None for anything Pillow cannot read as one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
