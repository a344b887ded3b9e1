"""The glossary: every phrase the documents put in “…”, where it is mentioned and how it is defined.

Definitions are attached by code where the text gives one:
- a parenthesis right after the term: “四个一律”（对非法…一律关闭取缔；…）
- a colon, 即 or 是指 after the term (or after a run of terms: “三个围绕”、核查“三个方面”：…)
- a colon that ends a paragraph, followed by the enumerated parts: “三个坚持”： then 一要坚持细排查,
  二要坚持真整改, 三要坚持严执法
- a counted term right after as many parts joined by 及/和/与/、 in the same clause:
  实现查出的问题隐患及造成问题隐患的制度管理漏洞“双归零”
- a counted term (三个必须, 三管三必须) with no definition of its own is matched with a quoted list
  elsewhere of exactly that many phrases each containing its head word (“管行业必须管安全、管业务
  必须管安全、管生产经营必须管安全”); the answer says the definition was found this way.
An optional hand-edited supplement file (glossary_supplement.toml) adds definitions that carry
their own source, see `load_supplement`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from domain.knowledge.model import Definition, DefinitionKind, Document, Mention, Passage, Source
from domain.knowledge.substrings import SubstringIndex
from domain.knowledge.text import (
    CHINESE_DIGITS,
    CJK_RE,
    SENTENCE_END,
    chinese_number,
    first_clause,
    fold,
)

SUPPLEMENT_FILE_NAME = "glossary_supplement.toml"

_QUOTE = re.compile(r"[“「『](?P<term>[^“”「」『』\n]{1,30})[”」』]")
_MAX_TERM = 30
_SNIPPET_RADIUS = 24
# Between a term and its colon there may be further quoted terms: “三个围绕”、核查“三个方面”：
_COLON_AFTER = re.compile(r"^(?:[、和及与]?[^“”，。；：:,\n]{0,3}[“「][^“”「」\n]{1,30}[”」])*\s*[：:]")
_EXPLANATION_AFTER = re.compile(r"^[，,]?\s*(?:即|是指|指的是|就是|意思是|也就是说?)[，,：:]?")
_COUNTED = re.compile(rf"^(?P<count>[{CHINESE_DIGITS}]+)个?(?P<rest>[^、，,]+)$")
_CODE = re.compile(r"^\d{3,}$")
_KEY_DROP = re.compile(r"[、，,；;\s“”\"'「」『』]")
_SHORTHAND_MAX = 6
# A short term also occurs inside longer words (大安全 in 重特大安全事故); only its quoted uses count.
_QUOTED_ONLY_MAX = 3


def term_key(text: str) -> str:
    """The form terms are compared in: folded, without list commas, spaces or quotes."""
    return _KEY_DROP.sub("", fold(text))


def counted_parts(term: str) -> tuple[int, tuple[str, ...]] | None:
    """For a counted term, its count and head words: 三个必须 → (3, (必须,)), 三管三必须 → (3, (管, 必须))."""
    match = _COUNTED.match(term)
    if match is None:
        return None
    count = chinese_number(match.group("count").replace("两", "二").replace("双", "二"))
    heads = tuple(part for part in re.split(f"[{CHINESE_DIGITS}]+", match.group("rest")) if part)
    if count is None or not 2 <= count <= 10 or not heads:
        return None
    return count, heads


def is_shorthand(term: str) -> bool:
    """Whether a term is a numbered shorthand (四不放过, 13710, 五个一批) that means nothing without its list.

    A descriptive term such as 回头看 or 黑名单 explains itself in the passages that use it; a
    shorthand does not, so without a definition the honest answer is that it is only mentioned.
    """
    if _CODE.match(term):
        return True
    return len(term) <= _SHORTHAND_MAX and term[0] in CHINESE_DIGITS and "、" not in term


@dataclass(frozen=True, slots=True)
class SupplementEntry:
    """A hand-written definition with its own source."""

    term: str
    definition: str
    source: str


@dataclass(frozen=True, slots=True)
class SupplementProblem:
    """An entry of the supplement file that was skipped, and why."""

    path: Path
    index: int | None  # 1-based [[term]] entry, None when the whole file is unreadable
    reason: str


def load_supplement(path: Path) -> tuple[list[SupplementEntry], list[SupplementProblem]]:
    """Read a supplement file; entries without a term, definition or source are skipped and reported.

    The file is TOML, one table per term:

        [[term]]
        term = "四不放过"
        definition = "事故原因未查清不放过、……"
        source = "《生产安全事故报告和调查处理条例》（补充释义）"
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return [], [SupplementProblem(path, None, f"unreadable: {error}")]
    raw_entries = data.get("term", [])
    if not isinstance(raw_entries, list):
        return [], [SupplementProblem(path, None, "'term' must be an array of tables ([[term]])")]
    entries: list[SupplementEntry] = []
    problems: list[SupplementProblem] = []
    for index, raw in enumerate(raw_entries, start=1):
        fields = {name: raw.get(name) if isinstance(raw, dict) else None for name in ("term", "definition", "source")}
        missing = [name for name, value in fields.items() if not isinstance(value, str) or not value.strip()]
        if missing:
            problems.append(SupplementProblem(path, index, "missing " + ", ".join(missing)))
            continue
        entries.append(
            SupplementEntry(
                str(fields["term"]).strip().strip('“”"'),
                str(fields["definition"]).strip(),
                str(fields["source"]).strip(),
            )
        )
    return entries, problems


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A term, the ways it is written, its definitions and every place it is mentioned."""

    term: str
    key: str
    variants: tuple[str, ...]
    definitions: tuple[Definition, ...]
    mentions: tuple[Mention, ...]
    order: int  # order of first appearance in the corpus

    @property
    def has_definition(self) -> bool:
        """Whether any definition is known, from the documents or the supplement."""
        return bool(self.definitions)

    @property
    def shorthand(self) -> bool:
        """Whether the term is a numbered shorthand, see `is_shorthand`."""
        return is_shorthand(self.term)


@dataclass(slots=True)
class _Draft:
    key: str
    order: int
    counts: dict[str, int] = field(default_factory=dict)  # surface form → quoted occurrences
    definitions: list[Definition] = field(default_factory=list)


class Glossary:
    """All terms of a corpus, looked up by their key."""

    def __init__(self, entries: Iterable[GlossaryEntry], mentions: MentionFinder) -> None:
        self._entries = {entry.key: entry for entry in entries}
        self._mention_finder = mentions
        # Keys without the measure word 个 too, so 三必须 finds 三个必须.
        self._aliases: dict[str, str] = {}
        for entry in self._entries.values():
            short = re.sub(f"(?<=[{CHINESE_DIGITS}])个", "", entry.key)
            if short != entry.key and short not in self._entries:
                self._aliases.setdefault(short, entry.key)
        self._longest = max((len(k) for k in [*self._entries, *self._aliases]), default=0)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[GlossaryEntry]:
        """All entries in order of first appearance."""
        return sorted(self._entries.values(), key=lambda entry: entry.order)

    def get(self, term: str) -> GlossaryEntry | None:
        """The entry for a term as written in a question (quotes, list commas and 个 optional)."""
        key = term_key(term)
        key = key if key in self._entries else self._aliases.get(key, key)
        return self._entries.get(key)

    def find_in(self, folded_key_text: str) -> list[tuple[int, int, GlossaryEntry]]:
        """Terms occurring in a question given in key form; longest first, no overlaps, by position."""
        found: list[tuple[int, int, GlossaryEntry]] = []
        i = 0
        text = folded_key_text
        while i < len(text):
            for length in range(min(self._longest, len(text) - i), 1, -1):
                piece = text[i : i + length]
                key = piece if piece in self._entries else self._aliases.get(piece)
                if key is not None and not _inside_a_number(text, i, i + length):
                    found.append((i, i + length, self._entries[key]))
                    i += length
                    break
            else:
                i += 1
        return found

    def mentions_of(self, text: str) -> list[Mention]:
        """Every place a phrase that is not a glossary term (十五项硬措施) is mentioned."""
        return self._mention_finder.find((text,))

    def words(self) -> set[str]:
        """Surface forms and their list parts, for the segmenter's user dictionary."""
        words: set[str] = set()
        for entry in self._entries.values():
            for variant in entry.variants:
                words.add(fold(variant))
                words.update(fold(part) for part in re.split("[、，,]", variant) if len(part) >= 2)
        return words


def _inside_a_number(text: str, start: int, end: int) -> bool:
    """Whether a match that starts or ends with a numeral is part of a longer number (十一 in 二十一)."""
    numerals = CHINESE_DIGITS + "0123456789零百千"
    before = start > 0 and text[start] in numerals and text[start - 1] in numerals
    after = end < len(text) and text[end - 1] in numerals and text[end] in numerals
    return before or after


def build_glossary(documents: Iterable[Document], supplement: Iterable[SupplementEntry] = ()) -> Glossary:
    """Extract the glossary of a corpus: quoted terms, their definitions and all their mentions."""
    docs = list(documents)
    titles = {doc.id: doc.title for doc in docs}
    drafts: dict[str, _Draft] = {}
    for doc in docs:
        for position, passage in enumerate(doc.passages):
            for match in _QUOTE.finditer(passage.text):
                term = match.group("term").strip()
                if not _acceptable_term(term):
                    continue
                key = term_key(term)
                draft = drafts.setdefault(key, _Draft(key, len(drafts)))
                draft.counts[term] = draft.counts.get(term, 0) + 1
                definition = _definition_at(doc, position, match.start(), match.end(), term, titles[doc.id])
                if definition is not None and all(d.text != definition.text for d in draft.definitions):
                    draft.definitions.append(definition)
    _add_matching_lists(drafts, docs, titles)
    for item in supplement:
        key = term_key(item.term)
        draft = drafts.setdefault(key, _Draft(key, len(drafts)))
        draft.counts.setdefault(item.term, 0)
        draft.definitions.append(Definition(item.definition, DefinitionKind.SUPPLEMENT, (), None, note=item.source))
    finder = MentionFinder([passage for doc in docs for passage in doc.passages], titles)
    entries = []
    for draft in drafts.values():
        variants = tuple(sorted(draft.counts, key=lambda form: -draft.counts[form]))
        entries.append(
            GlossaryEntry(
                term=variants[0],
                key=draft.key,
                variants=variants,
                definitions=tuple(draft.definitions),
                mentions=tuple(finder.find(variants)),
                order=draft.order,
            )
        )
    return Glossary(entries, finder)


def _acceptable_term(term: str) -> bool:
    # A whole quoted sentence (a saying of a leader) is a quotation, not a term; a redacted
    # placeholder (“*”) is nothing at all.
    if len(term) > _MAX_TERM or any(ch in SENTENCE_END for ch in term):
        return False
    return bool(CJK_RE.search(term)) or sum(ch.isdigit() for ch in term) >= 2


def _source(doc_title: str, passage: Passage) -> Source:
    return Source(passage.doc_id, doc_title, passage.location, passage.id)


def _definition_at(doc: Document, position: int, start: int, end: int, term: str, title: str) -> Definition | None:
    """The definition the text gives at one quoted use of a term ([start, end) spans the quotes), if any."""
    passage = doc.passages[position]
    after = passage.text[end:]
    source = _source(title, passage)
    if after[:1] in ("（", "("):
        inner = _parenthesised(after)
        if inner is not None and len(inner) >= 4:
            return Definition(inner, DefinitionKind.PARENTHESIS, _split_items(inner), source)
    colon = _COLON_AFTER.match(after)
    if colon is not None:
        rest = after[colon.end() :].strip()
        if rest:
            text = _to_sentence_end(rest)
            counted = counted_parts(term)
            items = _split_items(text)
            if counted is not None and len(items) != counted[0]:
                items = ()
            return Definition(text, DefinitionKind.COLON, items, source)
        return _enumeration(doc, position, term, title)
    explained = _EXPLANATION_AFTER.match(after)
    if explained is not None:
        text = _to_sentence_end(after[explained.end() :])
        if len(text) >= 4:
            return Definition(text, DefinitionKind.EXPLANATION, (), source)
    return _preceding(passage.text[:start], term, source)


def _preceding(before: str, term: str, source: Source) -> Definition | None:
    """问题隐患及制度管理漏洞“双归零”: the clause before a counted term, when it has that many parts."""
    counted = counted_parts(term)
    if counted is None:
        return None
    start = max((before.rfind(mark) for mark in "，,。；;：:！？（("), default=-1) + 1
    # The verb that leads to the parts is not one of them: 实现A及B“双归零”.
    clause = re.sub(r"^(?:实现|做到|达到|确保|坚持)", "", before[start:].strip())
    parts = tuple(part for part in re.split("[及和与、]", clause) if part)
    if len(parts) != counted[0] or any(len(part) < 2 for part in parts) or "“" in clause or "”" in clause:
        return None
    return Definition(clause, DefinitionKind.PRECEDING, parts, source)


def _parenthesised(text: str) -> str | None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                return text[1:i].strip()
    return None


def _to_sentence_end(text: str) -> str:
    end = next((i for i, ch in enumerate(text) if ch in SENTENCE_END), len(text))
    return text[:end].strip()


def _split_items(text: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in re.split("[；;]", text) if item.strip())
    return items if len(items) >= 2 else ()


def _enumeration(doc: Document, position: int, term: str, title: str) -> Definition | None:
    """The parts that follow a paragraph ending in “X”：, one level below it, numbered from 1."""
    intro = doc.passages[position]
    depth = len(intro.location.steps)
    counted = counted_parts(term)
    wanted = counted[0] if counted else None
    items: list[str] = []
    sources: list[Source] = []
    for passage in doc.passages[position + 1 :]:
        steps = passage.location.steps
        if len(steps) > depth + 1:
            continue  # a part inside one of the items
        if (
            len(steps) != depth + 1
            or steps[:depth] != intro.location.steps[:depth]
            or steps[-1].ordinal != len(items) + 1
        ):
            break
        items.append(first_clause(passage.text, limit=60))
        sources.append(_source(title, passage))
        if wanted is not None and len(items) == wanted:
            break
    if not items or (wanted is not None and len(items) != wanted):
        return None
    return Definition(
        "；".join(items), DefinitionKind.ENUMERATION, tuple(items), _source(title, intro), item_sources=tuple(sources)
    )


def _add_matching_lists(drafts: dict[str, _Draft], docs: list[Document], titles: dict[str, str]) -> None:
    """Give an undefined counted term the quoted list that has its count and its head words."""
    lists: list[tuple[str, tuple[str, ...]]] = []
    for draft in drafts.values():
        for form in draft.counts:
            parts = tuple(part.strip() for part in re.split("[、，,]", form) if part.strip())
            if len(parts) >= 2:
                lists.append((form, parts))
    for draft in drafts.values():
        if draft.definitions:
            continue
        counted = counted_parts(next(iter(draft.counts)))
        if counted is None:
            continue
        count, heads = counted
        for form, parts in lists:
            if len(parts) == count and all(head in part for part in parts for head in heads):
                source = _first_source(form, docs, titles)
                draft.definitions.append(Definition(form, DefinitionKind.MATCHING_LIST, parts, source))
                break


def _first_source(text: str, docs: list[Document], titles: dict[str, str]) -> Source | None:
    for doc in docs:
        for passage in doc.passages:
            if text in passage.text:
                return _source(titles[doc.id], passage)
    return None


class MentionFinder:
    """Finds every place a term is mentioned, with a snippet around it."""

    def __init__(self, passages: list[Passage], titles: dict[str, str]) -> None:
        self._passages = passages
        self._titles = titles
        self._texts = SubstringIndex([passage.text for passage in passages])

    def find(self, variants: tuple[str, ...]) -> list[Mention]:
        """Mentions of any of a term's written forms, in corpus order, overlapping ones once."""
        found: list[tuple[int, int, int]] = []  # passage index, start, -length: longest first at one place
        for variant in variants:
            for index, start in self._texts.occurrences(variant):
                text = self._passages[index].text
                end = start + len(variant)
                quoted = start > 0 and text[start - 1] in "“「『" and text[end : end + 1] in ("”", "」", "』")
                if quoted or len(variant) > _QUOTED_ONLY_MAX:
                    found.append((index, start, -len(variant)))
        mentions: list[Mention] = []
        last: tuple[int, int] = (-1, 0)  # passage index and end of the last mention kept
        for index, start, negative_length in sorted(found):
            if index == last[0] and start < last[1]:
                continue  # overlaps a mention already kept
            end = start - negative_length
            last = (index, end)
            passage = self._passages[index]
            lo = max(0, start - _SNIPPET_RADIUS)
            hi = min(len(passage.text), end + _SNIPPET_RADIUS)
            mentions.append(
                Mention(
                    passage.doc_id,
                    self._titles[passage.doc_id],
                    passage.location,
                    passage.id,
                    passage.text[lo:hi],
                    (start - lo, end - lo),
                )
            )
        return mentions
