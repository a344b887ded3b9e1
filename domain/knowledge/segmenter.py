"""Chinese word segmentation: jieba with the glossary as its user dictionary."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import jieba

# jieba announces building its prefix dictionary on stderr at every start; that is noise in the bot's log
jieba.setLogLevel(logging.WARNING)

# jieba's own pattern for runs it segments; a user word with other characters would never match.
_SEGMENTABLE = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")

_base_lock = threading.Lock()
_base: jieba.Tokenizer | None = None


def _base_tokenizer() -> jieba.Tokenizer:
    """jieba's default dictionary, loaded once per process (about a second)."""
    global _base
    with _base_lock:
        if _base is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _base = tokenizer
        return _base


class Segmenter:
    """A jieba tokenizer of its own, so one corpus's user words never leak into another's."""

    def __init__(self, user_words: Iterable[str]) -> None:
        base = _base_tokenizer()
        tokenizer = jieba.Tokenizer()
        # Copying the loaded prefix dictionary (~20 ms) instead of loading it again (~1 s); these
        # are the attributes initialize() sets, stable across jieba 0.4x.
        tokenizer.FREQ = dict(base.FREQ)
        tokenizer.total = base.total
        tokenizer.initialized = True
        for word in sorted(set(user_words)):
            if len(word) >= 2 and _SEGMENTABLE.match(word):
                tokenizer.add_word(word)
        self._tokenizer = tokenizer
        # jieba's first cut builds internal state; doing it here keeps it out of the first question.
        self.words("预热分词器")

    def known(self, word: str) -> bool:
        """Whether a word is in the dictionary (jieba's or the glossary's), not guessed by its HMM."""
        return self._tokenizer.FREQ.get(word, 0) > 0

    def words(self, text: str) -> list[str]:
        """Precise-mode words of a (folded) text, punctuation and spaces included."""
        return list(self._tokenizer.cut(text, HMM=True))

    def search_tokens(self, text: str) -> list[str]:
        """Search-mode words: long words plus the shorter dictionary words inside them."""
        return list(self._tokenizer.cut_for_search(text, HMM=True))
