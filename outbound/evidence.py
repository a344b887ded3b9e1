"""Evidence where the decision is made: the report's photos (整改前) and the rectification's (整改后) as one album.

The 待验收 notice in each unit's thread is preceded by this album, so the verifier decides with both sets in view
(issue 12 §3); /show sends the same album.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, InputMediaPhoto
from telegram.error import BadRequest

from bot.services import Services
from domain.hazards import Hazard, Photo
from domain.lifecycle import Action
from storage.lifecycle import TRANSITION, OutboxRow
from texts import Html, t

log = logging.getLogger(__name__)

ALBUM_LIMIT = 10  # Telegram's most items in one media group


def album(code: str, before: Sequence[Photo], after: Sequence[Photo]) -> list[InputMediaPhoto]:
    """Every photo captioned 整改前 n/N or 整改后 n/N with the hazard's id, report photos first; the first caption also
    says how the album divides, since a chat shows an album under one caption and the others only photo by photo."""
    captions = [
        *(t("evidence.caption_before", code=code, n=n, total=len(before)) for n in range(1, len(before) + 1)),
        *(t("evidence.caption_after", code=code, n=n, total=len(after)) for n in range(1, len(after) + 1)),
    ]
    if captions:
        captions[0] = Html(f"{t('evidence.album_summary', code=code, before=len(before), after=len(after))}\n"
                           f"{captions[0]}")
    return [InputMediaPhoto(p.file_id, caption=c) for p, c in zip([*before, *after], captions, strict=True)]


async def send_album(bot: Bot, chat_id: int, items: Sequence[InputMediaPhoto], *, topic_id: int | None = None,
                     reply_to: int | None = None) -> None:
    """Send the items as albums of at most ten (a lone photo as a photo: an album needs two).

    An image the officer sent as a file has a document's file id, which an album of photos refuses ("type of file
    mismatch"): that chunk then goes one by one, each as a photo or else as a document, captioned the same. One that
    still cannot be sent is logged and skipped: the decision's notice after it must not be held up by a picture.
    """
    for start in range(0, len(items), ALBUM_LIMIT):
        chunk = items[start : start + ALBUM_LIMIT]
        try:
            if len(chunk) == 1:
                raise BadRequest("a lone photo")  # an album needs two: sent on its own below
            await bot.send_media_group(chat_id, list(chunk), message_thread_id=topic_id, reply_to_message_id=reply_to,
                                       allow_sending_without_reply=True)  # fmt: skip
        except BadRequest as exc:
            if len(chunk) > 1:
                log.info("album to %s refused (%s): sending its photos one by one", chat_id, exc)
            for item in chunk:
                await _send_one(bot, chat_id, item, topic_id, reply_to)


async def _send_one(bot: Bot, chat_id: int, item: InputMediaPhoto, topic_id: int | None, reply_to: int | None) -> None:
    file_id = str(item.media)
    where = {"message_thread_id": topic_id, "reply_to_message_id": reply_to, "allow_sending_without_reply": True}
    try:
        await bot.send_photo(chat_id, file_id, caption=item.caption, **where)  # type: ignore[arg-type]
    except BadRequest:
        try:
            await bot.send_document(chat_id, file_id, caption=item.caption, **where)  # type: ignore[arg-type]
        except BadRequest as exc:
            log.warning("evidence photo %s not sent to %s: %s", file_id, chat_id, exc)


async def album_for(services: Services, row: OutboxRow, hazard: Hazard) -> list[InputMediaPhoto]:
    """The before/after album that goes with a 提交整改 notice into the units' threads; empty for any other row."""
    if row.kind != TRANSITION or row.payload.get("action") != Action.SUBMIT_RECTIFICATION:
        return []
    before = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_photos(hazard.id, str(row.payload["photos_stage"]))
    return album(hazard.code, before, after)
