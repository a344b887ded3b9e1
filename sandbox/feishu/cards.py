"""What the Feishu double checks in a message card (msg_type "interactive") and how it shows one to a test.

The card is the JSON Feishu documents for message cards: `config` (`update_multi: true` makes a card shared, so that an
update shows to everyone in the group), an optional `header`, and `elements`: `markdown` and `div` text, `img` by an
uploaded image key, `hr`, and `action` rows of `button`s whose `value` comes back in the card callback. The request body
of a card is limited to 30 KB.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

CARD_LIMIT = 30 * 1024  # bytes of the card JSON
TEXT_LIMIT = 150 * 1024  # bytes of a text or post message's content
BUTTONS_PER_ROW = 5  # the double's limit of buttons in one action row (Feishu wraps more; the bot never needs more)
BUTTON_TYPES = {"default", "primary", "danger", "text", "primary_text", "danger_text", "primary_filled",
                "danger_filled", "laser"}  # fmt: skip


class CardProblem(ValueError):
    """A card Feishu would refuse to create (code 230099, with this text as the reason)."""


def _text(node: Any, where: str) -> str:
    if not isinstance(node, dict) or node.get("tag") not in {"plain_text", "lark_md"}:
        raise CardProblem(f"{where}: a text object needs tag plain_text or lark_md")
    content = node.get("content")
    if not isinstance(content, str):
        raise CardProblem(f"{where}: content must be a string")
    return content


def check_card(card: Any, images: set[str]) -> None:
    """Raise CardProblem for a card Feishu would not render; `images` are the keys uploaded so far."""
    if not isinstance(card, dict):
        raise CardProblem("card must be a JSON object")
    config = card.get("config", {})
    if not isinstance(config, dict):
        raise CardProblem("config must be an object")
    if "header" in card:
        header = card["header"]
        if not isinstance(header, dict) or "title" not in header:
            raise CardProblem("header needs a title")
        _text(header["title"], "header.title")
    elements = card.get("elements")
    if not isinstance(elements, list) or not elements:
        raise CardProblem("elements must be a non-empty list")
    for index, element in enumerate(elements):
        where = f"elements[{index}]"
        if not isinstance(element, dict):
            raise CardProblem(f"{where} must be an object")
        tag = element.get("tag")
        if tag == "markdown":
            if not isinstance(element.get("content"), str):
                raise CardProblem(f"{where}: markdown needs content")
        elif tag == "div":
            _text(element.get("text"), f"{where}.text")
        elif tag == "hr":
            pass
        elif tag == "img":
            key = element.get("img_key")
            if not isinstance(key, str) or key not in images:
                raise CardProblem(f"{where}: unknown img_key {key!r}")
            _text(element.get("alt"), f"{where}.alt")
        elif tag == "action":
            actions = element.get("actions")
            if not isinstance(actions, list) or not actions or len(actions) > BUTTONS_PER_ROW:
                raise CardProblem(f"{where}: actions must hold 1–{BUTTONS_PER_ROW} buttons")
            for number, button in enumerate(actions):
                _check_button(button, f"{where}.actions[{number}]")
        else:
            raise CardProblem(f"{where}: unknown tag {tag!r}")


def _check_button(button: Any, where: str) -> None:
    if not isinstance(button, dict) or button.get("tag") != "button":
        raise CardProblem(f"{where}: only buttons are supported")
    if not _text(button.get("text"), f"{where}.text").strip():
        raise CardProblem(f"{where}: a button needs a label")
    if button.get("type", "default") not in BUTTON_TYPES:
        raise CardProblem(f"{where}: unknown button type {button.get('type')!r}")
    value = button.get("value")
    if value is not None and not isinstance(value, dict):
        raise CardProblem(f"{where}: value must be an object")


_MARKS = re.compile(r"\*\*|(?<!\\)[*`]|^> ?", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def plain(markdown: str) -> str:
    """Card markdown as a reader sees it: no marks, links as their text, entities decoded."""
    text = _LINK.sub(r"\1", markdown)
    return html.unescape(_MARKS.sub("", text))


def card_text(card: dict[str, Any]) -> str:
    """Everything a card shows, as plain text, element by element."""
    parts: list[str] = []
    header = card.get("header")
    if isinstance(header, dict):
        parts.append(plain(header["title"]["content"]))
    for element in card.get("elements", []):
        if element.get("tag") == "markdown":
            parts.append(plain(element["content"]))
        elif element.get("tag") == "div":
            parts.append(plain(element["text"]["content"]))
    return "\n".join(parts)


def card_buttons(card: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The card's buttons, (label, value), row by row."""
    return [(button["text"]["content"], button.get("value") or {})
            for element in card.get("elements", []) if element.get("tag") == "action"
            for button in element["actions"]]  # fmt: skip


def card_images(card: dict[str, Any]) -> list[str]:
    """The image keys a card shows, in order."""
    return [e["img_key"] for e in card.get("elements", []) if e.get("tag") == "img"]


def parse_content(msg_type: str, content: Any, images: set[str], files: set[str]) -> dict[str, Any]:
    """A message's `content` string checked for its type; CardProblem/ValueError say what is wrong."""
    if not isinstance(content, str):
        raise ValueError("content must be a JSON string")
    limit = CARD_LIMIT if msg_type == "interactive" else TEXT_LIMIT
    if len(content.encode()) > limit:
        raise OverflowError(f"content is {len(content.encode())} bytes, the limit is {limit}")
    try:
        body = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ValueError(f"content is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValueError("content must be a JSON object")
    if msg_type == "text":
        if not isinstance(body.get("text"), str) or not body["text"].strip():
            raise ValueError("text content needs a non-empty text")
    elif msg_type == "image":
        if body.get("image_key") not in images:
            raise ValueError(f"unknown image_key {body.get('image_key')!r}")
    elif msg_type == "file":
        if body.get("file_key") not in files:
            raise ValueError(f"unknown file_key {body.get('file_key')!r}")
    elif msg_type == "interactive":
        check_card(body, images)
    else:
        raise ValueError(f"msg_type {msg_type!r} is not one the double serves")
    return body
