"""The plain reference of issue 17: jieba + BM25 (bm25s) over the corpus's sentences, no rules, no refusals.

Test and bench code only: the figure the engine is compared with on every question set.
"""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import jieba
import numpy as np

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
_WORD = re.compile(r"\w")


def _tokens(text: str) -> list[str]:
    # Punctuation and spaces are not words; everything else jieba cuts is kept as it is.
    return [t for t in jieba.lcut(text) if _WORD.search(t)]


class PlainRanker:
    """Ranks every sentence of the speeches by BM25 against the question's jieba words."""

    def __init__(self, corpus_dir: Path) -> None:
        """Split each speech into sentences and index them."""
        self.sentences = [
            s.strip()
            for path in sorted(corpus_dir.glob("*.txt"))
            for s in _SENTENCE_END.split(path.read_text(encoding="utf-8"))
            if _WORD.search(s)
        ]
        self._bm25 = bm25s.BM25()
        self._bm25.index([_tokens(s) or [""] for s in self.sentences], show_progress=False)

    def top(self, question: str, k: int = 3) -> list[str]:
        """The k best sentences, best first; never refuses (an all-zero question still gets sentences)."""
        tokens = _tokens(question)
        if not tokens:
            return self.sentences[:k]
        scores = np.asarray(self._bm25.get_scores(tokens))
        return [self.sentences[int(i)] for i in np.argsort(-scores, kind="stable")[:k]]
