"""Telegram's length limits, and cutting HTML text to fit them without breaking its markup."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from texts import Html

MESSAGE_LIMIT = 4096  # characters after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
TOPIC_NAME_LIMIT = 128
ELLIPSIS = "…"


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` (UTF-16 units), with an ellipsis when cut."""
    if tg_len(text) <= limit:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        size = tg_len(char)
        if used + size > limit - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


class _Clipper(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.used = 0
        self.out: list[str] = []
        self.open: list[str] = []
        self.full = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.full:
            return
        rendered = "".join(f' {k}="{html.escape(v or "", quote=True)}"' for k, v in attrs)
        self.out.append(f"<{tag}{rendered}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.full or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.full:
            return
        room = self.limit - self.used
        if tg_len(data) <= room:
            self.out.append(html.escape(data, quote=False))
            self.used += tg_len(data)
            return
        piece = clip(data, room)
        self.out.append(html.escape(piece, quote=False))
        self.used += tg_len(piece)
        self.full = True


def clip_html(text: str, limit: int = MESSAGE_LIMIT) -> Html:
    """Telegram HTML whose visible text fits `limit`, cut at a text boundary with every tag closed."""
    if tg_len(text) <= limit:  # the markup alone is within it, so its visible text is too (most messages)
        return Html(text)
    parser = _Clipper(limit)
    parser.feed(text)
    parser.close()
    if not parser.full:
        return Html(text)
    return Html("".join(parser.out) + "".join(f"</{tag}>" for tag in reversed(parser.open)))
