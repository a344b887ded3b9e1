"""The message catalog: every word a user sees, in Simplified Chinese, looked up by key.

Placeholders are named (`{code}`) and filled after lookup. `t()` escapes every value for
Telegram's HTML parse mode unless it is wrapped in `Html` (already-rendered, trusted markup);
`plain()` fills without escaping, for console output.
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_CATALOG_FILE = Path(__file__).with_name("zh_CN.toml")


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


@cache
def _catalog() -> dict[str, str]:
    with _CATALOG_FILE.open("rb") as handle:
        tree = tomllib.load(handle)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", tree)
    return flat


def has(key: str) -> bool:
    """Whether the catalog has this key."""
    return key in _catalog()


def raw(key: str) -> str:
    """The catalog entry itself, placeholders unfilled; KeyError for an unknown key."""
    return _catalog()[key]


def table(prefix: str) -> dict[str, str]:
    """The entries under `prefix` (e.g. "sandbox.page"), keyed by the rest of their key, unfilled."""
    start = prefix + "."
    return {key.removeprefix(start): text for key, text in _catalog().items() if key.startswith(start)}


def t(key: str, **values: object) -> Html:
    """The entry for `key` as Telegram HTML, every value escaped unless it is `Html`."""
    safe = {name: v if isinstance(v, Html) else html.escape(str(v), quote=False) for name, v in values.items()}
    return Html(raw(key).format_map(safe))


def plain(key: str, **values: object) -> str:
    """The entry for `key` with values filled as they are (console and log output, not HTML)."""
    return raw(key).format_map(values)


def escape(text: str) -> Html:
    """User text made safe for HTML parse mode."""
    return Html(html.escape(text, quote=False))
