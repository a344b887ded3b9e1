"""The segmenter keeps jieba's dictionary compactly (domain/knowledge/segmenter.py): every lookup and every cut must be
what jieba's own dict gives."""

from __future__ import annotations

import random

from config.settings import PROJECT_ROOT
from domain.knowledge import segmenter as segmenting
from domain.knowledge.segmenter import BULK_CHARS, CompactDictionary, Segmenter

CORPUS = "".join(p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "config" / "corpus").glob("*.txt")))


def test_the_compact_dictionary_answers_every_word_and_prefix_as_jiebas_dict_does() -> None:
    words, total = segmenting._plain_dictionary()
    compact = CompactDictionary.of(words, total)
    assert compact.total == total
    assert all(compact.get(word) == frequency for word, frequency in words.items())
    assert all(word in compact and compact[word] == words[word] for word in random.Random(7).sample(list(words), 2000))
    assert compact.get("BP") == words["BP"] and compact.get("偂") == words["偂"]  # one Python hash, two words
    strangers = {CORPUS[i : i + n] for i in range(0, len(CORPUS) - 8, 7) for n in (2, 3, 5, 8)} - set(words)
    assert strangers and not any(word in compact for word in strangers)
    assert all(compact.get(word, 0) == 0 for word in strangers)


def test_added_words_stay_in_their_own_segmenter() -> None:
    mine, other = Segmenter(["四个一律", "隐患排查治理"]), Segmenter([])
    assert mine.known("四个一律") and mine.known("隐患排查治理")
    assert not other.known("四个一律")
    assert "四个一律" in mine.words("落实四个一律要求") and "四个一律" not in other.words("落实四个一律要求")


def test_cutting_much_text_with_the_plain_dict_gives_the_same_tokens() -> None:
    """A large corpus is cut with jieba's plain dict loaded for it; a small one with the compact dictionary."""
    segmenter = Segmenter(["四个一律", "三个必须", "管行业必须管安全"])
    texts = [CORPUS[i : i + 300] for i in range(0, len(CORPUS), 300)]
    compact = [segmenter.search_tokens(text) for text in texts]
    with segmenter.cutting(BULK_CHARS):
        assert isinstance(segmenter._tokenizer.FREQ, dict)
        plain = [segmenter.search_tokens(text) for text in texts]
        plain_words = [segmenter.words(text) for text in texts]
    assert isinstance(segmenter._tokenizer.FREQ, CompactDictionary)
    assert plain == compact
    assert plain_words == [segmenter.words(text) for text in texts]
    assert any("四个一律" in tokens for tokens in compact)
