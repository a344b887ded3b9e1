"""The sandbox page's words all come from the catalog: none are written in sandbox/static/."""

from __future__ import annotations

import json
import re

from sandbox.web import PAGE_TEXTS, SLOT, STATIC, render_index
from texts import table

# CJK punctuation, ideographs (with extension A) and full-width forms such as （）：，
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
COMMENTS = re.compile(r"<!--.*?-->|/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", re.DOTALL | re.MULTILINE)
JS_KEY = re.compile(r"\bt\(\"([a-z_]+)\"")


def test_no_chinese_is_written_in_the_static_files() -> None:
    found = []
    for path in sorted(STATIC.iterdir()):
        code = COMMENTS.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.name}:{n}: {line.strip()}" for n, line in enumerate(code.splitlines(), 1) if CJK.search(line)]
    assert not found, "put these words in texts/zh_CN.toml [sandbox.page]:\n" + "\n".join(found)


def test_the_page_uses_every_entry_of_its_table_and_only_those() -> None:
    used = set(SLOT.findall(_read("index.html"))) - {"texts"} | set(JS_KEY.findall(_read("app.js")))
    entries = set(table(PAGE_TEXTS))
    assert not used - entries, f"missing from [{PAGE_TEXTS}]: {sorted(used - entries)}"
    assert not entries - used, f"unused in [{PAGE_TEXTS}]: {sorted(entries - used)}"


def test_the_served_page_has_its_words_filled_in() -> None:
    page = render_index()
    assert not SLOT.search(page)
    words = table(PAGE_TEXTS)
    assert f"<title>{words['title']}</title>" in page and f'placeholder="{words["message_hint"]}"' in page
    inlined = re.search(r'<script id="texts" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert inlined and json.loads(inlined[1]) == {k: v.replace("{messenger}", "Telegram") for k, v in words.items()}
    assert "如何接入真实 飞书" in render_index("飞书") and "{messenger}" not in render_index("飞书")


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def test_comments_are_all_the_cjk_check_skips() -> None:
    code = 'a("中"); // 综合\n/* 注释 */ <!-- 说明 --> x = "https://t.me"; y = "文"'
    assert CJK.findall(COMMENTS.sub("", code)) == ["中", "文"]
