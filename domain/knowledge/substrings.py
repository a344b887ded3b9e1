"""Which texts contain a word, verbatim, without reading the corpus: an index of each character pair (and single
character) to the texts it occurs in.

A word's candidates are the texts holding all of its rarest pairs — a few sorted arrays intersected — and only those
are read to confirm it and find where. So a question's lookups cost what its words' rarest pairs cost, not the size
of the corpus: admins adding documents makes the first questions no slower than the texts the words are really in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

_PAIRS_INTERSECTED = 3  # the rarest pairs of a word narrow enough; the texts read confirm the rest
_NONE = np.zeros(0, dtype=np.int32)
_SEPARATOR = "\x00"
_PAIR_SHIFT = 21  # a code point fits 21 bits: a pair's code is above every single character's


def _pair_code(first: Any, second: Any) -> Any:
    """The code of a character pair (arrays or numpy integers of code points)."""
    return ((first + 1) << _PAIR_SHIFT) | second


class SubstringIndex:
    """Many texts, searched for verbatim words by their character pairs.

    The index is three arrays, built with numpy in one pass over the corpus: the sorted codes of every single
    character and character pair that occurs, where each one's texts start, and the texts (ascending for each code).
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = list(texts)
        count = len(self._texts)
        lengths = np.fromiter((len(text) for text in self._texts), dtype=np.int64, count=count)
        # one string, a separator after each text (a separator in a text becomes a space: offsets stay right)
        joined = _SEPARATOR.join(text.replace(_SEPARATOR, " ") for text in self._texts)
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        owner = np.repeat(np.arange(count, dtype=np.int64), lengths + 1)[: len(points)]
        kept = points != ord(_SEPARATOR)
        pairs = kept[:-1] & kept[1:]
        codes = np.concatenate([points[kept], _pair_code(points[:-1][pairs], points[1:][pairs])])
        owners = np.concatenate([owner[kept], owner[:-1][pairs]])
        keys = np.sort(codes * max(count, 1) + owners)  # by code, then by text
        keys = keys[np.diff(keys, prepend=-1) != 0]  # each (code, text) once
        codes, owners = np.divmod(keys, max(count, 1))
        starts = np.flatnonzero(np.diff(codes, prepend=-1)) if len(codes) else np.zeros(0, dtype=np.int64)
        self._codes = codes[starts]
        self._starts = np.append(starts, len(codes))
        self._owners = owners.astype(np.int32)

    def _posting(self, gram: str) -> np.ndarray | None:
        """The texts a character or a character pair occurs in (None: none)."""
        code = ord(gram) if len(gram) == 1 else int(_pair_code(np.int64(ord(gram[0])), np.int64(ord(gram[1]))))
        at = int(np.searchsorted(self._codes, code))
        if at == len(self._codes) or int(self._codes[at]) != code:
            return None
        return self._owners[self._starts[at] : self._starts[at + 1]]

    def __len__(self) -> int:
        return len(self._texts)

    def _candidates(self, word: str) -> np.ndarray:
        """Texts that hold every character pair of the word it was narrowed by (all texts holding it among them)."""
        if len(word) == 1:
            single = self._posting(word)
            return _NONE if single is None else single
        lists = []
        for gram in {word[i : i + 2] for i in range(len(word) - 1)}:
            found = self._posting(gram)
            if found is None:
                return _NONE
            lists.append(found)
        lists.sort(key=len)
        candidates = lists[0]
        for other in lists[1:_PAIRS_INTERSECTED]:
            candidates = np.intersect1d(candidates, other, assume_unique=True)
        return candidates

    def contains(self, word: str) -> bool:
        """Whether any text contains the word."""
        return bool(word) and any(word in self._texts[number] for number in self._candidates(word).tolist())

    def containing(self, word: str) -> np.ndarray:
        """Indices of the texts containing the word, ascending, as an array (a word of one or two characters is its
        own posting list: nothing to confirm)."""
        if not word:
            return _NONE
        candidates = self._candidates(word)
        if len(word) <= 2:
            return candidates
        return np.asarray([n for n in candidates.tolist() if word in self._texts[n]], dtype=np.int32)

    def texts_containing(self, word: str) -> Iterator[int]:
        """Indices of the texts containing the word, each once, in order."""
        yield from self.containing(word).tolist()

    def occurrences(self, word: str) -> Iterator[tuple[int, int]]:
        """Every (text index, offset in that text) where the word occurs, in order."""
        if not word:
            return
        for number in self._candidates(word).tolist():
            text = self._texts[number]
            position = text.find(word)
            while position != -1:
                yield number, position
                position = text.find(word, position + 1)
