"""Passage retrieval: BM25 (bm25s) over jieba tokens, checked by exact matching of the question's words.

BM25 alone ranks whatever shares a token with the question, so a question about the weather
would come back with a passage that says 天气. Relevance is therefore decided separately, on
the question's content words matched verbatim in the passage: each word weighs its inverse
document frequency (a word the corpus never uses weighs most), and a passage is relevant only
when the words it contains carry most of the question's weight and at least one of them is
not one of the corpus's everyday words (安全, 生产, 工作, …).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from domain.knowledge.model import Passage
from domain.knowledge.segmenter import Segmenter
from domain.knowledge.text import CJK_RE, fold

# A passage must hold words carrying this share of the question's weight …
MIN_COVERAGE = 0.6
# … and at least one word found in at most this share of passages (安全 is in nearly all) …
GENERIC_SHARE = 0.5
# … and words worth at least as much as one found in this share of passages: a single common
# word (会议, 领导) is not evidence that a passage answers anything.
EVIDENCE_SHARE = 0.1
_CANDIDATES = 50
_SEPARATOR = "\x00"


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A passage judged relevant, with its score and the question words it contains."""

    index: int
    score: float
    coverage: float
    matched: tuple[str, ...]


def indexable(token: str) -> bool:
    """Whether a token is worth indexing: two characters or more, with a letter, digit or hanzi."""
    return len(token) >= 2 and (bool(CJK_RE.search(token)) or token.isalnum())


class PassageIndex:
    """BM25 over passages plus exact substring lookup of words; immutable once built."""

    def __init__(self, passages: Sequence[Passage], segmenter: Segmenter) -> None:
        self.passages = list(passages)
        self._segmenter = segmenter
        self._texts = [fold(passage.text) for passage in self.passages]
        # One joined text makes exact lookup one str.find per occurrence instead of a scan per passage.
        self._joined = _SEPARATOR.join(self._texts)
        self._starts: list[int] = []
        offset = 0
        for text in self._texts:
            self._starts.append(offset)
            offset += len(text) + 1
        self._occurrences: dict[str, frozenset[int]] = {}
        corpus_tokens = [[t for t in segmenter.search_tokens(text) if indexable(t)] or [""] for text in self._texts]
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index(corpus_tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.passages)

    def occurrences(self, word: str) -> frozenset[int]:
        """Indices of the passages containing a (folded) word verbatim."""
        cached = self._occurrences.get(word)
        if cached is not None:
            return cached
        found: set[int] = set()
        position = self._joined.find(word)
        while position != -1:
            index = bisect_right(self._starts, position) - 1
            found.add(index)
            # Jump to the next passage: one hit per passage is all the lookup needs.
            position = self._joined.find(word, self._starts[index] + len(self._texts[index]) + 1)
        result = frozenset(found)
        if len(self._occurrences) < 50_000:
            self._occurrences[word] = result
        return result

    def contains(self, word: str) -> bool:
        """Whether any passage contains the word verbatim."""
        return self._joined.find(word) != -1

    def weight(self, word: str) -> float:
        """Inverse document frequency of a word by exact lookup; a word never used weighs most."""
        return self._idf(len(self.occurrences(word)))

    def _idf(self, df: float) -> float:
        n = len(self.passages)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def generic(self, word: str) -> bool:
        """Whether a word is one of the corpus's everyday words, too common to make a match alone."""
        return len(self.occurrences(word)) > GENERIC_SHARE * max(len(self.passages), 1)

    def bm25_scores(self, words: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the question's words (split into search tokens)."""
        tokens = [token for word in words for token in self._segmenter.search_tokens(word) if indexable(token)]
        if not tokens or not self.passages:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens))

    def search(self, words: Sequence[str], *, min_coverage: float = MIN_COVERAGE) -> list[ScoredPassage]:
        """Relevant passages for a question's content words, best first."""
        if not words or not self.passages:
            return []
        weights = {word: self.weight(word) for word in words}
        total = sum(weights.values())
        specific = [word for word in words if not self.generic(word)]
        candidates: set[int] = set()
        for word in specific:
            candidates |= self.occurrences(word)
        if not candidates:
            return []
        scores = self.bm25_scores(words)
        evidence = self._idf(EVIDENCE_SHARE * len(self.passages))
        results: list[ScoredPassage] = []
        for index in candidates:
            matched = tuple(word for word in words if index in self.occurrences(word))
            matched_weight = sum(weights[word] for word in matched)
            coverage = matched_weight / total
            if coverage < min_coverage or matched_weight < evidence:
                continue
            score = coverage * (float(scores[index]) + sum(weights[word] for word in matched))
            results.append(ScoredPassage(index, score, coverage, matched))
        results.sort(key=lambda result: (-result.score, result.index))
        return results[:_CANDIDATES]

    def rank(self, words: Sequence[str], among: Collection[int]) -> list[ScoredPassage]:
        """Rank given passages (those mentioning a term) by the question's words, best first."""
        scores = self.bm25_scores(words)
        results = []
        for index in among:
            matched = tuple(word for word in words if index in self.occurrences(word))
            bonus = sum(self.weight(word) for word in matched)
            results.append(ScoredPassage(index, float(scores[index]) + bonus, 1.0, matched))
        results.sort(key=lambda result: (-result.score, result.index))
        return results
