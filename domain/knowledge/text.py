"""Small text helpers shared by the knowledge base: folding, Chinese numerals, clauses."""

from __future__ import annotations

import re

# Full-width ASCII (！ to ～) sits at a fixed offset from ASCII; folding it one character for
# one character keeps every offset valid, so spans found in folded text point into the original.
_FULLWIDTH_OFFSET = 0xFEE0
_FOLD_TABLE = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
_FOLD_TABLE[0x3000] = ord(" ")  # ideographic space

CHINESE_DIGITS = "一二三四五六七八九十两双"
_DIGIT_VALUES = {"一": 1, "二": 2, "两": 2, "双": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

SENTENCE_END = "。！？!?"
CLAUSE_END = SENTENCE_END + "；;：:"
CJK_RE = re.compile(r"[\u3400-\u9fff]")


def fold(text: str) -> str:
    """Fold full-width ASCII to half-width and lowercase it; the length never changes."""
    return text.translate(_FOLD_TABLE).lower()


def chinese_number(numeral: str) -> int | None:
    """Value of a Chinese or Arabic numeral from 1 to 99 (一, 十一, 二十三, 两, 12), else None."""
    if numeral.isdigit():
        return int(numeral)
    if not numeral or any(ch not in _DIGIT_VALUES and ch != "十" for ch in numeral):
        return None
    if "十" not in numeral:
        return _DIGIT_VALUES[numeral] if len(numeral) == 1 else None
    tens, _, units = numeral.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    tens_value = _DIGIT_VALUES[tens] if tens else 1
    units_value = _DIGIT_VALUES[units] if units else 0
    return tens_value * 10 + units_value


def chinese_numeral(value: int) -> str:
    """Write 1 to 99 the way a speech numbers its parts (三, 十二, 二十)."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, units = divmod(value, 10)
    head = "" if tens == 1 else digits[tens]
    return head + "十" + (digits[units] if units else "")


def first_clause(text: str, limit: int = 16) -> str:
    """The opening of a passage as a short heading: up to the first full stop, cut at a comma if long."""
    end = next((i for i, ch in enumerate(text) if ch in CLAUSE_END), len(text))
    heading = text[:end].strip()
    if len(heading) > limit:
        # Skip a comma right after a short marker such as 一方面， so the heading says something.
        comma = next((i for i, ch in enumerate(heading) if ch in "，," and i > 3), None)
        if comma is not None:
            heading = heading[:comma]
    if len(heading) > limit:
        heading = heading[: limit - 2] + "…"
    return heading


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a passage, each ending after its full stop."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_END:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans
