"""Words the corpus itself treats as alternatives (检查/排查/督查, 违法/违规, 追责/问责), for a second search.

Officials ask in their own words (督查 where the speech says 检查, 问责 where it says 追责). The
table is built from the corpus, never by hand: two two-character words are alternatives when the
speeches write them side by side as a coordinate pair (检查排查, 违法违规, 暗查暗访, 预报预警 …)
and they share a character in the same place, the way Chinese builds a family of words around
one morpheme (…查, 违…, 预…). They are used only when a question finds nothing as written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

__all__ = ["related_words"]

_HANZI2 = re.compile(r"^[\u4e00-\u9fff]{2}$")


def related_words(token_streams: Iterable[list[str]]) -> dict[str, tuple[str, ...]]:
    """word → its corpus alternatives, from adjacent two-character tokens sharing a character in place."""
    seen: set[tuple[str, str]] = set()
    for tokens in token_streams:
        for a, b in pairwise(tokens):
            if a == b or not (_HANZI2.match(a) and _HANZI2.match(b)):
                continue
            if a[0] == b[0] or a[1] == b[1]:
                seen.add((min(a, b), max(a, b)))
    table: dict[str, set[str]] = defaultdict(set)
    for a, b in seen:
        table[a].add(b)
        table[b].add(a)
    return {word: tuple(sorted(others)) for word, others in table.items()}
