"""Chinese word segmentation: jieba with the glossary as its user dictionary.

jieba keeps its dictionary as a dict of some 500,000 words and prefixes: about 70 MB in a Python process, kept for
the life of the bot although questions are a few dozen characters. Here it is kept as `CompactDictionary` instead:
the same words and frequencies found by their hash in two sorted arrays (about 8 MB, one per process), with each
segmenter's glossary words beside them — the same answer to every lookup, a text cut in about two and a half times
jieba's time (12,000 characters: 30 → 80 ms). Much text at once (a large corpus being indexed) is cut with a plain
dict loaded for the while (jieba's cache file, half a second) and let go after.
"""

from __future__ import annotations

import logging
import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import jieba

# jieba announces building its prefix dictionary on stderr at every start; that is noise in the bot's log
jieba.setLogLevel(logging.WARNING)

# jieba's own pattern for runs it segments; a user word with other characters would never match.
_SEGMENTABLE = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")

class CompactDictionary:
    """jieba's dictionary (word or prefix → frequency, 0 for a prefix only) in two arrays: each key's hash, sorted,
    and its frequency; words `added` (jieba's add_word writes them) are kept in a dict looked up first.

    What jieba asks of its FREQ: `in`, `[]`, `get` and, to add a word, `[]=`. Keys are told apart by a 64-bit hash
    of the word with its length (Python hashes a string's bytes whatever their width: "BP" and "偂" share a hash, not
    a length): another word taken for one in the dictionary is about as likely as one lookup in 10^13, and the hash
    is the process's own (never stored)."""

    def __init__(self, keys: array[int], values: array[int], total: int, added: dict[str, int] | None = None) -> None:
        self._keys = keys
        self._values = values
        self.total = total  # the frequencies' sum, as jieba's Tokenizer.total
        self.added = {} if added is None else added

    @classmethod
    def of(cls, words: Mapping[str, int], total: int) -> CompactDictionary:
        """The arrays of a plain dictionary (sorted once, with numpy)."""
        import numpy as np

        hashes = np.fromiter((_key(word) for word in words), dtype=np.int64, count=len(words))
        frequencies = np.fromiter(words.values(), dtype=np.int64, count=len(words))
        order = np.argsort(hashes, kind="stable")
        keys, values = array("q"), array("q")
        keys.frombytes(hashes[order].tobytes())
        values.frombytes(frequencies[order].tobytes())
        return cls(keys, values, total)

    def copy(self) -> CompactDictionary:
        """The same arrays (shared, never written) with a copy of the added words."""
        return CompactDictionary(self._keys, self._values, self.total, dict(self.added))

    def get(self, word: str, default: int | None = None) -> int | None:
        value = self.added.get(word)
        if value is not None:
            return value
        key = _key(word)
        at = bisect_left(self._keys, key)
        if at < len(self._keys) and self._keys[at] == key:
            return self._values[at]
        return default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def __setitem__(self, word: str, frequency: int) -> None:
        self.added[word] = frequency


def _key(word: str) -> int:
    """The word's hash in the arrays."""
    return hash((len(word), word))


_base_lock = threading.Lock()
_base: CompactDictionary | None = None


def _plain_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default dictionary as a dict of its own, and its total frequency (loaded from jieba's cache file)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def _compact_base() -> CompactDictionary:
    """The process's compact jieba dictionary, made once from a plain one loaded for it (about a second)."""
    global _base
    with _base_lock:
        if _base is None:
            words, total = _plain_dictionary()
            _base = CompactDictionary.of(words, total)
        return _base


BULK_CHARS = 200_000  # from this many characters at once, loading the plain dict (half a second) is the quicker way


class Segmenter:
    """A jieba tokenizer of its own, so one corpus's user words never leak into another's."""

    def __init__(self, user_words: Iterable[str]) -> None:
        words = _compact_base().copy()
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = words
        tokenizer.total = words.total
        tokenizer.initialized = True
        for word in sorted(set(user_words)):
            if len(word) >= 2 and _SEGMENTABLE.match(word):
                tokenizer.add_word(word)  # into words.added: the word, and its prefixes not already there
        self._words = words
        self._tokenizer = tokenizer
        # jieba's first cut builds internal state; doing it here keeps it out of the first question.
        self.words("预热分词器")

    @contextmanager
    def cutting(self, characters: int) -> Iterator[None]:
        """Around cutting `characters` of text at once: from BULK_CHARS on, with jieba's dictionary as a plain dict
        (the glossary's words written into it as they were into the compact one), let go after."""
        if characters < BULK_CHARS:
            yield
            return
        plain, _ = _plain_dictionary()
        plain.update(self._words.added)
        self._tokenizer.FREQ = plain
        try:
            yield
        finally:
            self._tokenizer.FREQ = self._words

    def known(self, word: str) -> bool:
        """Whether a word is in the dictionary (jieba's or the glossary's), not guessed by its HMM."""
        return (self._tokenizer.FREQ.get(word, 0) or 0) > 0

    def words(self, text: str) -> list[str]:
        """Precise-mode words of a (folded) text, punctuation and spaces included."""
        return list(self._tokenizer.cut(text, HMM=True))

    def search_tokens(self, text: str) -> list[str]:
        """Search-mode words: long words plus the shorter dictionary words inside them."""
        return list(self._tokenizer.cut_for_search(text, HMM=True))
