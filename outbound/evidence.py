"""Evidence where the decision is made: the report's photos (整改前) and the rectification's (整改后) as one album.

The 待验收 notice in each unit's thread is preceded by this album, so the verifier decides with both sets in view
(issue 12 §3); /show sends the same album. Images sent as files go by their kind (outbound.media's rule): a run of
documents is an album of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from telegram import Bot, InputMediaDocument, InputMediaPhoto

from domain.hazards import Hazard, MediaKind, Photo
from domain.lifecycle import Action
from kernel.services import Services
from storage.lifecycle import TRANSITION, OutboxRow
from texts import Html, t

ALBUM_LIMIT = 10  # Telegram's most items in one media group

Captioned = tuple[Photo, Html]


def album(code: str, before: Sequence[Photo], after: Sequence[Photo]) -> list[Captioned]:
    """Every photo captioned 整改前 n/N or 整改后 n/N with the hazard's id, report photos first; the first caption also
    says how the album divides, since a chat shows an album under one caption and the others only photo by photo."""
    captions = [
        *(t("evidence.caption_before", code=code, n=n, total=len(before)) for n in range(1, len(before) + 1)),
        *(t("evidence.caption_after", code=code, n=n, total=len(after)) for n in range(1, len(after) + 1)),
    ]
    if captions:
        captions[0] = Html(f"{t('evidence.album_summary', code=code, before=len(before), after=len(after))}\n"
                           f"{captions[0]}")
    return list(zip([*before, *after], captions, strict=True))


async def send_album(bot: Bot, chat_id: int, items: Sequence[Captioned], *, topic_id: int | None = None,
                     reply_to: int | None = None) -> None:
    """Send the captioned images in their order, each run of one kind as albums of at most ten (a run of one alone):
    Telegram groups photos with photos and files with files only, and refuses a document's file id to sendPhoto."""
    where = {"message_thread_id": topic_id, "reply_to_message_id": reply_to, "allow_sending_without_reply": True}
    for kind, run in groupby(items, key=lambda item: item[0].kind):
        same = list(run)
        for start in range(0, len(same), ALBUM_LIMIT):
            chunk = same[start : start + ALBUM_LIMIT]
            if len(chunk) == 1:
                photo, caption = chunk[0]
                send = bot.send_document if kind is MediaKind.DOCUMENT else bot.send_photo
                await send(chat_id, photo.file_id, caption=caption, **where)  # type: ignore[arg-type]
                continue
            media: list[InputMediaPhoto] | list[InputMediaDocument] = (
                [InputMediaDocument(p.file_id, caption=c) for p, c in chunk] if kind is MediaKind.DOCUMENT
                else [InputMediaPhoto(p.file_id, caption=c) for p, c in chunk]
            )  # fmt: skip
            await bot.send_media_group(chat_id, media, **where)  # type: ignore[arg-type]


async def album_for(services: Services, row: OutboxRow, hazard: Hazard) -> list[Captioned]:
    """The before/after album that goes with a 提交整改 notice into the units' threads; empty for any other row."""
    if row.kind != TRANSITION or row.payload.get("action") != Action.SUBMIT_RECTIFICATION:
        return []
    before = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_photos(hazard.id, str(row.payload["photos_stage"]))
    return album(hazard.code, before, after)
