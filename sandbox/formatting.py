"""Telegram's text formatting as the Bot API server applies it: parse modes and entity detection.

The double must count a message's length *after entities parsing* and refuse markup Telegram
refuses, so it parses HTML (and MarkdownV2 / legacy Markdown) the way tdlib does: the same
supported tags, the same strictness about ``<`` that is not a tag, the same error texts. Entity
offsets and lengths are in UTF-16 code units, as the Bot API reports them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class EntityParseError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Plain text as a user sees it, with the entities parsed out of the markup."""

    text: str
    entities: tuple[dict[str, Any], ...] = field(default=())

    @property
    def length(self) -> int:
        """Length the way Telegram's limits count it: Unicode code points after parsing."""
        return len(self.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    # tdlib reports error positions as UTF-8 byte offsets.
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Accumulates plain text while tracking the UTF-16 offset for entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, piece: str) -> None:
        if piece:
            self.parts.append(piece)
            self.offset += utf16_len(piece)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> FormattedText:
        # Telegram lists entities by offset, outer (longer) ones first.
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), tuple(ordered))


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_PLAIN_RUN = re.compile(r"[^<&]+")
_SPACE = " \t\r\n\f\v"


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``i``; None means Telegram keeps the ``&`` as a literal character."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None
    body = text[i + 1 : end]
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:], 10)
        except ValueError:
            return None
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end + 1 - i
        return None
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1 - i
    return None


@dataclass
class _OpenTag:
    name: str
    start: int
    attrs: dict[str, str]


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes up to the closing ``>``; returns them and the index after ``>``."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and text[i] not in _SPACE and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            value: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_html_entity(text, i)
                    if decoded is not None:
                        value.append(decoded[0])
                        i += decoded[1]
                        continue
                value.append(text[i])
                i += 1
            i += 1  # past the closing quote (or the end, caught above on the next loop)
            attrs[name] = "".join(value)
        else:
            token_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            if i < n and text[i] not in _SPACE and text[i] != ">":
                raise EntityParseError(f"Unexpected end of name token at byte offset {_byte_offset(text, token_start)}")
            attrs[name] = text[token_start:i].lower()


def parse_html(text: str) -> FormattedText:
    """Parse Telegram HTML; raise EntityParseError where Telegram answers "can't parse entities"."""
    out = _Builder()
    stack: list[_OpenTag] = []
    i, n = 0, len(text)
    while i < n:
        run = _HTML_PLAIN_RUN.match(text, i)
        if run:
            out.add(run.group())
            i = run.end()
            continue
        if text[i] == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is None:
                out.add("&")
                i += 1
            else:
                out.add(decoded[0])
                i += decoded[1]
            continue
        begin = i
        if text.startswith("</", i):
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            j = i + 2
            while j < n and text[j] not in _SPACE and text[j] != ">":
                j += 1
            end_name = text[i + 2 : j].lower()
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            opened = stack.pop()
            if end_name and end_name != opened.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{opened.name}>", found "</{end_name}>"'
                )
            _close_html_entity(out, opened, stack)
            i = j + 1
            continue
        j = i + 1
        while j < n and text[j] not in _SPACE and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
        attrs, i = _parse_attributes(text, j, name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityParseError("Custom emoji identifier must be non-empty")
        stack.append(_OpenTag(name, out.offset, attrs))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _close_html_entity(out: _Builder, tag: _OpenTag, stack: Sequence[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if kind == "text_link":
        href = tag.attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            out.entity("text_mention", tag.start, user={"id": int(user.group(1)), "is_bot": False, "first_name": ""})
        elif href:
            out.entity("text_link", tag.start, url=href)
    elif kind == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
        else:
            out.entity("code", tag.start)
    elif kind == "pre":
        pre_language = tag.attrs.get("language")
        out.entity("pre", tag.start, **({"language": pre_language} if pre_language else {}))
    elif kind == "blockquote":
        out.entity("expandable_blockquote" if "expandable" in tag.attrs else "blockquote", tag.start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", tag.start, custom_emoji_id=tag.attrs["emoji-id"])
    elif kind == "date_time":
        unix = tag.attrs.get("unix", "0")
        out.entity("date_time", tag.start, unix_time=int(unix) if unix.isdigit() else 0)
    else:
        out.entity(kind, tag.start)


# ---------------------------------------------------------------------------------------------
# MarkdownV2 and legacy Markdown

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> FormattedText:
    """Parse MarkdownV2, refusing unescaped reserved characters as Telegram does."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # kind, utf16 start, index in text
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            at_line_start = False
            continue
        if in_code:
            kind = stack[-1][0]
            closer = "```" if kind == "pre" else "`"
            if text.startswith(closer, i):
                start = stack.pop()[1]
                out.entity(kind, start)
                i += len(closer)
            else:
                out.add(c)
                i += 1
            continue
        if c == ">" and at_line_start:
            i += 1  # a blockquote line: the marker is not text
            continue
        at_line_start = c == "\n"
        if c not in _MDV2_RESERVED:
            out.add(c)
            i += 1
            continue
        if c == "`":
            if text.startswith("```", i):
                newline = text.find("\n", i + 3)
                i = newline + 1 if newline != -1 and text[i + 3 : newline].strip().isidentifier() else i + 3
                stack.append(("pre", out.offset, i))
            else:
                stack.append(("code", out.offset, i))
                i += 1
            continue
        if c == "[":
            stack.append(("text_link", out.offset, i))
            i += 1
            continue
        if c == "]":
            if not stack or stack[-1][0] != "text_link":
                raise _reserved(c)
            start = stack.pop()[1]
            i += 1
            url = ""
            if i < n and text[i] == "(":
                j = i + 1
                chars: list[str] = []
                while j < n and text[j] != ")":
                    if text[j] == "\\" and j + 1 < n:
                        j += 1
                    chars.append(text[j])
                    j += 1
                if j >= n:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
                url = "".join(chars)
                i = j + 1
            if url:
                out.entity("text_link", start, url=url)
            continue
        marker, style = _mdv2_marker(text, i, stack)
        if style is None:
            raise _reserved(c)
        if stack and stack[-1][0] == style:
            out.entity(style, stack.pop()[1])
        else:
            stack.append((style, out.offset, i))
        i += len(marker)
    if stack:
        kind, _, index = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {_byte_offset(text, index)}"
        )
    return out.result()


def _mdv2_marker(text: str, i: int, stack: Sequence[tuple[str, int, int]]) -> tuple[str, str | None]:
    top = stack[-1][0] if stack else None
    if text.startswith("__", i) and top != "italic":
        return "__", "underline"
    if text.startswith("||", i):
        return "||", "spoiler"
    return text[i], {"*": "bold", "_": "italic", "~": "strikethrough"}.get(text[i])


def _reserved(c: str) -> EntityParseError:
    return EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown(text: str) -> FormattedText:
    """Parse legacy Markdown: ``*bold*``, ``_italic_``, ``code``, ``pre`` and ``[text](url)``."""
    out = _Builder()
    i, n = 0, len(text)
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        if c == "[":
            close = text.find("]", i + 1)
            if close == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
                )
            start = out.offset
            out.add(text[i + 1 : close])
            i = close + 1
            if i < n and text[i] == "(":
                end = text.find(")", i)
                if end == -1:
                    raise EntityParseError(
                        f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
                    )
                out.entity("text_link", start, url=text[i + 1 : end])
                i = end + 1
            continue
        closer, kind = c, kinds[c]
        i += 1
        if text.startswith("```", begin):
            closer, kind = "```", "pre"
            i = begin + 3
        end = text.find(closer, i)
        if end == -1:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        start = out.offset
        out.add(text[i:end])
        out.entity(kind, start)
        i = end + len(closer)
    return out.result()


def parse(text: str, parse_mode: str | None, entities: Sequence[dict[str, Any]] | None = None) -> FormattedText:
    """Apply a Bot API ``parse_mode`` (case-insensitive, as Telegram accepts it) to ``text``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')
    return FormattedText(text, tuple(entities or ()))


# ---------------------------------------------------------------------------------------------
# Entities Telegram finds by itself in what users type

_AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|(?P<url>https?://[^\s<>\"]+)"
)


def detect_entities(text: str) -> tuple[dict[str, Any], ...]:
    """The bot_command, hashtag, mention and url entities Telegram adds to a user's message."""
    found: list[dict[str, Any]] = []
    for match in _AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        found.append({"type": kind, "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())})
    return tuple(found)
