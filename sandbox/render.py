"""Message text as the sandbox page shows it: plain text plus entities, turned into safe HTML.

The page never shows the markup the bot sent. Like a Telegram client it shows the plain text
with the entities the Bot API parsed out of it, so only what Telegram supports can appear and
everything else in the text is escaped. Offsets are UTF-16 code units, as the Bot API counts.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

# entity type → (tag, css class); a None tag means the entity is shown as a link (see _open).
_TAGS: dict[str, tuple[str, str | None]] = {
    "bold": ("b", None),
    "italic": ("i", None),
    "underline": ("u", None),
    "strikethrough": ("s", None),
    "spoiler": ("span", "tg-spoiler"),
    "code": ("code", None),
    "pre": ("pre", None),
    "blockquote": ("blockquote", None),
    "expandable_blockquote": ("blockquote", "tg-expandable"),
    "mention": ("span", "tg-mention"),
    "text_mention": ("span", "tg-mention"),
    "hashtag": ("span", "tg-hashtag"),
    "cashtag": ("span", "tg-hashtag"),
    "bot_command": ("span", "tg-command"),
    "email": ("span", "tg-email"),
    "phone_number": ("span", "tg-phone"),
    "custom_emoji": ("span", "tg-emoji"),
    "date_time": ("span", "tg-time"),
}
_LINKS = frozenset({"url", "text_link"})
_SAFE_SCHEME = re.compile(r"^(https?|tg)://", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[\w+#.-]{1,32}$")

_Span = tuple[int, int, int, Mapping[str, Any]]  # start, end (UTF-16), position in the list, the entity


def entities_to_html(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> str:
    """Safe HTML for ``text`` with its entities; unknown entity types are shown as plain text."""
    units = text.encode("utf-16-le")
    size = len(units) // 2
    spans = [
        (int(e["offset"]), int(e["offset"]) + int(e["length"]), index, e)
        for index, e in enumerate(entities)
        if (e.get("type") in _TAGS or e.get("type") in _LINKS) and int(e.get("length", 0)) > 0
    ]
    spans = [(max(0, s), min(size, end), i, e) for s, end, i, e in spans if s < size]
    cuts = sorted({0, size, *(s for s, _, _, _ in spans), *(end for _, end, _, _ in spans)})
    out: list[str] = []
    stack: list[tuple[_Span, str]] = []  # open entities with their closing tags, outermost first
    for start, stop in itertools.pairwise(cuts):
        active = [span for span in spans if span[0] <= start and span[1] >= stop]
        # Close down to the deepest open entity that still covers this piece; reopen the rest.
        keep = 0
        while keep < len(stack) and stack[keep][0] in active:
            keep += 1
        out.extend(close for _, close in reversed(stack[keep:]))
        stack = stack[:keep]
        opened = [span for span, _ in stack]
        # Open what is missing, the longest (outermost) first.
        for span in sorted((s for s in active if s not in opened), key=lambda s: (-s[1], s[2])):
            opening, closing = _tags(span[3], _slice(units, span[0], span[1]))
            out.append(opening)
            stack.append((span, closing))
        out.append(html.escape(_slice(units, start, stop), quote=False))
    out.extend(close for _, close in reversed(stack))
    return "".join(out)


def _slice(units: bytes, start: int, stop: int) -> str:
    return units[start * 2 : stop * 2].decode("utf-16-le", errors="replace")


def _tags(entity: Mapping[str, Any], covered: str) -> tuple[str, str]:
    """The opening and closing tag for one entity covering ``covered``."""
    kind = entity["type"]
    if kind in _LINKS:
        href = str(entity.get("url") or "") if kind == "text_link" else covered
        if kind == "url" and "://" not in href:
            href = f"https://{href}"  # Telegram links bare domains too
        if not _SAFE_SCHEME.match(href):
            return '<span class="tg-link">', "</span>"  # javascript:, data: ... are never links
        return f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer">', "</a>"
    tag, css = _TAGS[kind]
    attrs = f' class="{css}"' if css else ""
    if kind == "bot_command":
        attrs += f' data-command="{html.escape(covered, quote=True)}"'
    if kind == "pre":
        language = str(entity.get("language") or "")
        if _LANGUAGE.match(language):
            attrs += f' data-language="{html.escape(language, quote=True)}"'
    return f"<{tag}{attrs}>", f"</{tag}>"
