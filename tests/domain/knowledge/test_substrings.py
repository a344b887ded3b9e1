"""The substring index answers exactly what reading every text would: which texts hold a word, and where."""

from __future__ import annotations

import random

import pytest

from domain.knowledge.substrings import SubstringIndex

TEXTS = ["安全生产责任制落实到位", "隐患排查治理“回头看”", "", "啊啊啊啊", "四个一律：一律停产整顿", "abcabc", "安全"]


def _read_all(texts: list[str], word: str) -> list[tuple[int, int]]:
    return [(n, i) for n, text in enumerate(texts) for i in range(len(text)) if word and text.startswith(word, i)]


@pytest.mark.parametrize("word", ["安全", "安全生产", "啊啊", "啊", "一律", "“回头看”", "abc", "bca", "c", "全安",
                                  "产责任", "整顿。", "", "缺", "安全生产责任制落实到位", "落实到位，"])
def test_the_same_answers_as_reading_every_text(word: str) -> None:
    index = SubstringIndex(TEXTS)
    expected = _read_all(TEXTS, word)
    assert list(index.occurrences(word)) == expected  # overlapping ones too (啊啊 in 啊啊啊啊)
    assert list(index.texts_containing(word)) == sorted({n for n, _ in expected}) == index.containing(word).tolist()
    assert index.contains(word) is bool(expected)
    assert len(index) == len(TEXTS)


def test_random_texts_and_words() -> None:
    chance = random.Random(16)
    alphabet = "安全隐患排查治理一二三"
    texts = ["".join(chance.choices(alphabet, k=chance.randint(0, 40))) for _ in range(300)]
    index = SubstringIndex(texts)
    for _ in range(300):
        word = "".join(chance.choices(alphabet, k=chance.randint(1, 6)))
        expected = _read_all(texts, word)
        assert list(index.occurrences(word)) == expected, word
        assert list(index.texts_containing(word)) == sorted({n for n, _ in expected}), word
        assert index.contains(word) is bool(expected), word
