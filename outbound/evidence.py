"""Evidence where the decision is made: the report's photos (整改前) and the rectification's (整改后) as one album.

The 待验收 notice in each unit's thread is preceded by this album, so the verifier decides with both sets in view
(issue 12 §3); /show sends the same album.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, InputMediaPhoto, Message

from bot.services import Services
from domain.hazards import Hazard, Photo
from domain.lifecycle import Action
from storage.lifecycle import TRANSITION, OutboxRow
from texts import t

ALBUM_LIMIT = 10  # Telegram's most items in one media group


def album(code: str, before: Sequence[Photo], after: Sequence[Photo]) -> list[InputMediaPhoto]:
    """Every photo captioned 整改前 n/N or 整改后 n/N with the hazard's id, report photos first."""
    return [
        *(InputMediaPhoto(p.file_id, caption=t("evidence.caption_before", code=code, n=n, total=len(before)))
          for n, p in enumerate(before, 1)),
        *(InputMediaPhoto(p.file_id, caption=t("evidence.caption_after", code=code, n=n, total=len(after)))
          for n, p in enumerate(after, 1)),
    ]  # fmt: skip


async def send_album(bot: Bot, chat_id: int, items: Sequence[InputMediaPhoto], *, topic_id: int | None = None,
                     reply_to: int | None = None) -> Message | None:
    """Send the items as albums of at most ten (a lone photo as a photo: an album needs two); the first message."""
    first: Message | None = None
    for start in range(0, len(items), ALBUM_LIMIT):
        chunk = items[start : start + ALBUM_LIMIT]
        if len(chunk) == 1:
            sent: Sequence[Message] = [await bot.send_photo(
                chat_id, chunk[0].media, caption=chunk[0].caption, message_thread_id=topic_id,
                reply_to_message_id=reply_to, allow_sending_without_reply=True)]  # fmt: skip
        else:
            sent = await bot.send_media_group(chat_id, list(chunk), message_thread_id=topic_id,
                                              reply_to_message_id=reply_to, allow_sending_without_reply=True)
        first = first or sent[0]
    return first


async def album_for(services: Services, row: OutboxRow, hazard: Hazard) -> list[InputMediaPhoto]:
    """The before/after album that goes with a 提交整改 notice into the units' threads; empty for any other row."""
    if row.kind != TRANSITION or row.payload.get("action") != Action.SUBMIT_RECTIFICATION:
        return []
    before = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_photos(hazard.id, str(row.payload["photos_stage"]))
    return album(hazard.code, before, after)
