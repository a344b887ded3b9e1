"""How a dialogue speaks to the person in front of it, whatever the messenger: the one thing a question-and-answer use
case needs of an adapter (handlers.talk for Telegram, feishu.talk for Feishu)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError

from domain.hazards import MAX_PHOTOS, MediaKind, Photo
from kernel.services import Services
from messenger.port import Captioned
from texts import Html, t
from views.keyboards import Keyboard

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif"}

# what a user is in the middle of (a draft, an action's answers), kept across restarts
Session = MutableMapping[str, Any]


class Talk(Protocol):
    """The person's side of a dialogue: the chat the message came from, or the message whose button was pressed."""

    @property
    def chat_id(self) -> int | None:
        """The chat the person is talking in (a person's private chat is their user id), as the ledger keeps it."""
        ...

    @property
    def thread_id(self) -> int | None:
        """The thread of that chat they are talking in (a forum topic; on Feishu, the thread's first message)."""
        ...

    async def say(self, text: Html, keyboard: Keyboard | None = None) -> int | None:
        """A new message in the chat (in its thread); its id."""
        ...

    async def alert(self, key: str, **values: object) -> None:
        """Tell the person the catalog's `key`: on the press itself where the messenger can (an alert), else in the
        chat."""
        ...

    async def album(self, images: Sequence[Captioned]) -> None:
        """Images in the chat (its thread), captioned, in their order (messenger.port.Messenger.send_album)."""
        ...

    async def edit(self, message_id: int, text: Html) -> None:
        """Change the text of a message the bot sent in this chat (a progress line); best effort."""
        ...

    async def send_file(self, path: Path, filename: str, caption: Html | None = None) -> None:
        """A file the bot made, in the chat (its thread)."""
        ...

    @property
    def file_limit(self) -> int:
        """The largest file (bytes) `send_file` may send on this messenger."""
        ...

    async def unbutton(self, message_id: int) -> None:
        """Take the buttons off a question the bot asked in this chat (best effort: one that cannot be edited keeps
        them)."""
        ...

    async def in_place(self, text: Html, keyboard: Keyboard | None = None) -> None:
        """Show `text` in place of the pressed button's message (its buttons replaced); a new message when not a press
        or when that message can no longer be changed."""
        ...

    async def refuse(self, key: str = "button.stale") -> None:
        """Answer a press that cannot act (stale, forged, not yours) without changing anything."""
        ...

    async def acknowledge(self) -> None:
        """Answer a press that acts (Telegram needs every press answered; Feishu already answered with a toast)."""
        ...

    def soon(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run `work` after this answer (a delivery, a sweep), without holding anyone's updates."""
        ...


Download = Callable[[], Awaitable[bytes | None]]  # the message's image, or None when it could not be fetched


async def take_image(services: Services, talk: Talk, staging_key: str, have: int, download: Download, file_id: str,
                     unique_id: str, kind: MediaKind, size: int | None) -> Photo | None:  # fmt: skip
    """Check, fetch, verify and stage one image the person sent, or None after telling them why not."""
    settings = services.settings
    mb = settings.max_photo_bytes // (1024 * 1024)
    if have >= MAX_PHOTOS:
        await talk.say(t("report.too_many_photos", max=MAX_PHOTOS))
        return None
    if (size or 0) > settings.max_photo_bytes:
        await talk.say(t("report.photo_too_big", mb=mb))
        return None
    data = await download()
    if data is None:
        await talk.say(t("report.photo_download_failed"))
        return None
    suffix = await asyncio.to_thread(image_suffix, data)
    if suffix is None or len(data) > settings.max_photo_bytes:
        await talk.say(t("report.not_an_image" if suffix is None else "report.photo_too_big", mb=mb))
        return None
    return services.media.stage(staging_key, data, file_id, unique_id, suffix, kind)


def image_suffix(data: bytes) -> str | None:
    """The file suffix of a real image, or None for anything Pillow cannot read as one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
