"""The messenger port: what the outbound sweep asks of a messenger, in neutral terms.

Text is the catalog's Html (its small markup subset: <b>, <i>, <code>, <blockquote>, <a href>), buttons are
views.keyboards models, images are stored Photos; each implementation renders them its own way (messenger.telegram:
HTML parse mode and inline keyboards). Every failure comes back as one of the errors below, which the one retry
policy (outbound.retry) reads — never as a messenger library's own exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from domain.hazards import Photo
from texts import Html
from views.keyboards import Keyboard


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message goes: a chat, a thread in it (a forum topic), and the message it answers (a thread's card in a
    group without topics)."""

    chat_id: int
    thread_id: int | None = None
    reply_to: int | None = None


Captioned = tuple[Photo, Html | None]  # an image of an album and its caption


class MessengerError(Exception):
    """A request the messenger did not carry out; str() is the messenger's own words (kept as the send's error)."""


class RetryLater(MessengerError):
    """Flood control: try again after `wait` (that recipient only); not a failed attempt."""

    def __init__(self, wait: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.wait = wait


class ChatMoved(MessengerError):
    """The group has a new id now (a group upgraded to a supergroup): send there."""

    def __init__(self, new_chat_id: int, reason: str) -> None:
        super().__init__(reason)
        self.new_chat_id = new_chat_id


class Refused(MessengerError):
    """A request the messenger refuses: it would be refused the same next time."""


class ThreadGone(Refused):
    """The thread (forum topic) no longer exists."""


class Blocked(Refused):
    """The bot may not write there: blocked by the person, or removed from the group."""


class NotEditable(Refused):
    """The message cannot be edited any more (deleted, too old, or a photo whose caption cannot hold the text)."""


class Unreachable(MessengerError):
    """The network, a time-out or the messenger's server: worth trying again later."""


class Messenger(Protocol):
    """The operations of the outbound pipeline; message ids are the messenger's, per chat."""

    file_limit: int  # the largest file (bytes) send_file may send

    async def send_text(self, place: Place, text: Html, keyboard: Keyboard | None = None) -> int:
        """Send a text with buttons; its message id."""
        ...

    async def send_image(self, place: Place, image: Photo, caption: Html | None = None,
                         keyboard: Keyboard | None = None) -> int:
        """Send one stored image (by the method of its kind), captioned or not; its message id."""
        ...

    async def send_album(self, place: Place, images: Sequence[Captioned]) -> None:
        """Send images in their order, grouped as the messenger allows (a run of one kind, at most ten)."""
        ...

    async def send_chart(self, chat_id: int, png: bytes, caption: Html) -> int:
        """Send a picture made by the bot (a digest's chart); its message id."""
        ...

    async def send_file(self, place: Place, path: Path, filename: str, caption: Html | None = None) -> int:
        """Send a file the bot made (a ledger export) under `filename`, with a caption; its message id."""
        ...

    async def edit_card(self, chat_id: int, message_id: int, text: Html, keyboard: Keyboard | None) -> None:
        """Show `text` and exactly these buttons on a message the bot sent (unchanged is done); NotEditable when it
        cannot be edited any more."""
        ...

    async def set_buttons(self, chat_id: int, message_id: int, keyboard: Keyboard | None) -> None:
        """Replace a message's buttons (None: remove them); unchanged is done; NotEditable when it cannot be."""
        ...

    async def open_thread(self, chat_id: int, title: str) -> int:
        """Open a thread (a forum topic) in a group; its id."""
        ...
