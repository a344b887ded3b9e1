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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from domain.knowledge.model import Passage
from domain.knowledge.segmenter import Segmenter
from domain.knowledge.substrings import SubstringIndex
from domain.knowledge.text import CJK_RE, fold

# A passage must hold words carrying this share of the question's weight …
MIN_COVERAGE = 0.6
# … and at least one word found in at most this share of passages (安全 is in nearly all) …
GENERIC_SHARE = 0.5
# … and words worth at least as much as one found in this share of passages: a single common
# word (会议, 领导) is not evidence that a passage answers anything.
EVIDENCE_SHARE = 0.1
_CANDIDATES = 50
# Cached word masks are one byte per passage each; past this many bytes the cache starts over.
_MASK_CACHE_CELLS = 64_000_000


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


@dataclass(frozen=True, slots=True)
class TokenReuse:
    """Tokens of a previous index, reusable for passages the user dictionary change cannot affect.

    Segmenting is most of the cost of building an index (about 10 s per million characters);
    when a document is added or removed, only passages containing a word that entered or left
    the user dictionary can segment differently, so the others keep their tokens.
    """

    tokens: dict[str, list[str]]  # folded passage text → its tokens
    changed_words: frozenset[str]

    def tokens_for(self, text: str) -> list[str] | None:
        """The previous tokens of a passage, or None when they must be made again."""
        tokens = self.tokens.get(text)
        if tokens is None or any(word in text for word in self.changed_words):
            return None
        return tokens


class PassageIndex:
    """BM25 over passages plus exact substring lookup of words; immutable once built."""

    def __init__(self, passages: Sequence[Passage], segmenter: Segmenter, *, reuse: TokenReuse | None = None) -> None:
        self.passages = list(passages)
        self._segmenter = segmenter
        self._texts = [fold(passage.text) for passage in self.passages]
        self._substrings = SubstringIndex(self._texts)
        self._masks: dict[str, np.ndarray] = {}
        kept = {text: reuse.tokens_for(text) if reuse is not None else None for text in self._texts}
        to_cut = [text for text, tokens in kept.items() if not tokens]
        with segmenter.cutting(sum(map(len, to_cut))):
            cut = {text: [t for t in segmenter.search_tokens(text) if indexable(t)] or [""] for text in to_cut}
        self.tokens: dict[str, list[str]] = {text: tokens or cut[text] for text, tokens in kept.items()}
        corpus_tokens = [self.tokens[text] for text in self._texts]
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index(corpus_tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.passages)

    def mask(self, word: str) -> np.ndarray:
        """Which passages contain a (folded) word verbatim, as a boolean array (cached)."""
        cached = self._masks.get(word)
        if cached is not None:
            return cached
        found = np.zeros(len(self.passages), dtype=bool)
        found[self._substrings.containing(word)] = True
        if len(self._masks) * len(self.passages) > _MASK_CACHE_CELLS:
            self._masks.clear()
        self._masks[word] = found
        return found

    def occurrences(self, word: str) -> list[int]:
        """Indices of the passages containing a (folded) word verbatim, in order."""
        return [int(i) for i in np.flatnonzero(self.mask(word))]

    def contains(self, word: str) -> bool:
        """Whether any passage contains the word verbatim."""
        return self._substrings.contains(word)

    def weight(self, word: str) -> float:
        """Inverse document frequency of a word by exact lookup; a word never used weighs most."""
        return self._idf(int(self.mask(word).sum()))

    def _idf(self, df: float) -> float:
        n = len(self.passages)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def generic(self, word: str) -> bool:
        """Whether a word is one of the corpus's everyday words, too common to make a match alone."""
        return int(self.mask(word).sum()) > GENERIC_SHARE * max(len(self.passages), 1)

    def bm25_scores(self, words: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the question's words (split into search tokens)."""
        tokens = [token for word in words for token in self._segmenter.search_tokens(word) if indexable(token)]
        if not tokens or not self.passages:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens))

    def search(
        self,
        words: Sequence[str],
        *,
        min_coverage: float = MIN_COVERAGE,
        need_evidence: bool = True,
        alternatives: Mapping[str, Sequence[str]] | None = None,
    ) -> list[ScoredPassage]:
        """Relevant passages for a question's content words, best first.

        ``need_evidence=False`` drops the rarity floor: for a phrase the question and the corpus
        share verbatim (大检查), which is evidence enough of what is asked. ``alternatives`` lets a
        word count as found where one of its alternatives is (督查 where a passage says 检查).
        """
        if not words or not self.passages:
            return []
        masks = [self._mask_with(word, alternatives) for word in words]
        weights = [self.weight(word) for word in words]
        total = sum(weights)
        specific = np.zeros(len(self.passages), dtype=bool)
        matched_weight = np.zeros(len(self.passages), dtype=np.float64)
        for word, mask, weight in zip(words, masks, weights, strict=True):
            matched_weight += weight * mask
            if not self.generic(word):
                specific |= mask
        coverage = matched_weight / total
        evidence = self._idf(EVIDENCE_SHARE * len(self.passages)) if need_evidence else 0.0
        relevant = np.flatnonzero(specific & (coverage >= min_coverage) & (matched_weight >= evidence))
        if relevant.size == 0:
            return []
        scores = coverage[relevant] * (self.bm25_scores(words)[relevant] + matched_weight[relevant])
        order = np.lexsort((relevant, -scores))[:_CANDIDATES]
        return [
            ScoredPassage(
                int(relevant[i]),
                float(scores[i]),
                float(coverage[relevant[i]]),
                tuple(word for word, mask in zip(words, masks, strict=True) if mask[relevant[i]]),
            )
            for i in order
        ]

    def _mask_with(self, word: str, alternatives: Mapping[str, Sequence[str]] | None) -> np.ndarray:
        mask = self.mask(word)
        for other in (alternatives or {}).get(word, ()):
            mask = mask | self.mask(other)
        return mask

    def rank(self, words: Sequence[str], among: Collection[int]) -> list[ScoredPassage]:
        """Rank given passages (those mentioning a term) by the question's words, best first."""
        if not among:
            return []
        indices = np.fromiter(among, dtype=np.int64)
        masks = [self.mask(word) for word in words]
        bonus = np.zeros(indices.size, dtype=np.float64)
        for word, mask in zip(words, masks, strict=True):
            bonus += self.weight(word) * mask[indices]
        scores = self.bm25_scores(words)[indices] + bonus
        order = np.lexsort((indices, -scores))
        return [
            ScoredPassage(
                int(indices[i]),
                float(scores[i]),
                1.0,
                tuple(word for word, mask in zip(words, masks, strict=True) if mask[indices[i]]),
            )
            for i in order
        ]
