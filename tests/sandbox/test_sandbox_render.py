"""The page shows what a Telegram client shows: plain text with the entities Telegram allows, all else escaped."""

from __future__ import annotations

import pytest

from sandbox.formatting import detect_entities, parse_html
from sandbox.render import entities_to_html


def shown(markup: str) -> str:
    """What the page renders for a message the bot sent with parse_mode HTML."""
    parsed = parse_html(markup)
    return entities_to_html(parsed.text, parsed.entities)


@pytest.mark.parametrize(
    ("sent", "rendered"),
    [
        ("<b>编号</b> YH-1", "<b>编号</b> YH-1"),
        ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del>", "<b>a</b><i>b</i><u>c</u><s>d</s>"),
        ("<b>粗<i>斜</i></b>", "<b>粗<i>斜</i></b>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a &amp; b", "a &amp; b"),
        ("<tg-spoiler>秘</tg-spoiler>", '<span class="tg-spoiler">秘</span>'),
        ("<code>x&lt;1</code>", "<code>x&lt;1</code>"),
        ('<pre><code class="language-py">p</code></pre>', '<pre data-language="py">p</pre>'),
        ("<blockquote>引文</blockquote>", "<blockquote>引文</blockquote>"),
        ("<blockquote expandable>长</blockquote>", '<blockquote class="tg-expandable">长</blockquote>'),
        ('<a href="https://example.org/?a=1&amp;b=2">链接</a>',
         '<a href="https://example.org/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">链接</a>'),
        ("😀<b>粗</b>", "😀<b>粗</b>"),  # an emoji is two UTF-16 units: offsets must not drift
        ("第一行\n<i>第二行</i>", "第一行\n<i>第二行</i>"),
    ],
)
def test_supported_formatting_is_rendered(sent: str, rendered: str) -> None:
    assert shown(sent) == rendered


def test_overlapping_entities_are_split_not_broken() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 2, "length": 4}]
    assert entities_to_html("abcdef", entities) == "<b>ab<i>cd</i></b><i>ef</i>"


def test_unsafe_links_are_not_links() -> None:
    entities = [{"type": "text_link", "offset": 0, "length": 2, "url": "javascript:alert(1)"}]
    assert entities_to_html("点我", entities) == '<span class="tg-link">点我</span>'


def test_quotes_in_attributes_are_escaped() -> None:
    entities = [{"type": "text_link", "offset": 0, "length": 1, "url": 'https://x.org/"onmouseover="x'}]
    assert '"onmouseover' not in entities_to_html("x", entities)


def test_users_text_keeps_commands_clickable_and_tags_escaped() -> None:
    text = "/report <b>不是粗体 #隐患"
    html = entities_to_html(text, detect_entities(text))
    assert html.startswith('<span class="tg-command" data-command="/report">/report</span>')
    assert "&lt;b&gt;不是粗体 " in html and '<span class="tg-hashtag">#隐患</span>' in html


def test_unknown_entities_and_bad_offsets_are_ignored() -> None:
    entities = [{"type": "marquee", "offset": 0, "length": 3}, {"type": "bold", "offset": 10, "length": 5}]
    assert entities_to_html("<x>", entities) == "&lt;x&gt;"
