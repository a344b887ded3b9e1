"""The knowledge base: documents, glossary and index, answering questions honestly.

Load it once when the bot starts (in a thread): `storage.documents.load_knowledge` parses the documents, builds
the glossary, initialises jieba with the glossary as its user dictionary and indexes the passages,
so the first question is as fast as any other. Adding or removing a document builds a new
snapshot and swaps it in; questions asked meanwhile use the old one, so nothing needs a restart
or a lock on the read path. Writers are serialised by a lock; building takes tens of
milliseconds for the bundled corpus, so a handler may run it in a thread (asyncio.to_thread).

How a question is answered:
1. A question about a glossary term (四个一律, 什么是三个坚持, 13710督办制度, 回头看是什么意思)
   answers from the glossary: its definitions with their source passages (found); for a numbered
   shorthand the documents never explain (五个一批, 13710), the places it is mentioned
   (mentioned_only); for a descriptive term (回头看, 黑名单), the passages that use it (found).
   A question is about a term when nothing else in it but question words and words written
   right beside the term remains; asking what to do about an undefined shorthand (十一期间要做
   什么) goes on to step 2. An unquoted numbered shorthand (十五项硬措施是什么) is mentioned_only.
2. Any other question goes to the passage index (see `search`): only passages that contain the
   question's content words, by weight, are quoted; if none do, a term in the question still
   gets its glossary answer. A passage announcing a defined term brings the definition along.
3. Otherwise not_found, with the nearest glossary terms as suggestions; never a passage.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from domain.knowledge.answering import AnswerSpan, QuestionKind, answer_span
from domain.knowledge.corpus import parse_document
from domain.knowledge.glossary import (
    Glossary,
    GlossaryEntry,
    SupplementEntry,
    build_glossary,
    term_key,
)
from domain.knowledge.model import (
    Answer,
    AnswerStatus,
    Document,
    DocumentInfo,
    Hit,
    Passage,
    StepKind,
    TermInfo,
)
from domain.knowledge.query import ParsedQuestion, implicit_shorthand, is_about_term, parse_question
from domain.knowledge.synonyms import related_words
from domain.knowledge.text import CJK_RE, fold

if TYPE_CHECKING:
    from domain.knowledge.search import PassageIndex, ScoredPassage
    from domain.knowledge.segmenter import Segmenter

logger = logging.getLogger(__name__)

MAX_PASSAGES = 3
# Further passages are quoted only if they score at least this share of the best one.
_RELATIVE_SCORE = 0.5
_SUGGESTIONS = 5
_RERANKED = 10  # candidates whose clauses are read to find the answering one
_CLAUSE_FLOOR = 0.5  # a passage's score counts half on its own, half by its best clause's coverage
_HEADING_BONUS = 0.25
# A clause of the specific kind asked (决不能… for 错误做法, a principle for 出自) outranks a heading naming the
# topic: a passage about 部门监管责任 that forbids nothing does not say what is wrong in it.
_MARKED_BONUS = 2 * _HEADING_BONUS
_ANCHOR_CONTEXT = 2  # characters after 今天/现在 that a speech must write with it for the question to be about it
_DEICTIC = re.compile(r"今天|明天|后天|今晚|明晚|今日|明日|现在|此刻|这几天|最近")
_ITEM_KINDS = frozenset({StepKind.ITEM, StepKind.ASPECT, StepKind.NUMBERED, StepKind.SUBSECTION})
_VERBATIM_MIN = 3  # a shorter stretch (安全, 隐患) says nothing on its own
_VERBATIM_SCAN = 60  # characters of a question tried for a verbatim phrase
TITLES_FILE_NAME = "_titles.json"  # titles given to added documents, in the extra folder
DOC_ID = re.compile(r"^[\w][\w\-.]{0,63}$")


class KnowledgeBaseErrorReason(StrEnum):
    """Why adding or removing a document failed."""

    INVALID_ID = "invalid_id"  # not 1–64 letters, digits, _ - . (Chinese letters allowed)
    DUPLICATE_ID = "duplicate_id"  # an added document has this id; pass replace=True to replace it
    BUNDLED_DOCUMENT = "bundled_document"  # bundled documents are part of the release and stay
    UNKNOWN_DOCUMENT = "unknown_document"
    EMPTY_DOCUMENT = "empty_document"  # the text has no passages
    STORAGE_FAILED = "storage_failed"  # the extra folder could not be written


class KnowledgeBaseError(Exception):
    """A document operation the knowledge base refused, with a reason for the reply."""

    def __init__(self, reason: KnowledgeBaseErrorReason, doc_id: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {doc_id} {detail}".strip())
        self.reason = reason
        self.doc_id = doc_id
        self.detail = detail


class DocumentStore(Protocol):
    """Where added documents are kept (storage.documents: a folder); the knowledge base itself touches no file."""

    def save(self, doc_id: str, title: str | None, text: str) -> None:
        """Keep the document (replacing one of the same id) and its title; OSError when it cannot."""
        ...

    def delete(self, doc_id: str) -> None:
        """Forget the document and its title; OSError when it cannot."""
        ...


@dataclass(frozen=True, slots=True)
class LoadIssue:
    """A file skipped while loading, and why (logged; the bot still starts)."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Everything a question needs, built together and replaced together."""

    user_words: frozenset[str]  # the segmenter's user dictionary
    documents: tuple[Document, ...]
    glossary: Glossary
    segmenter: Segmenter
    index: PassageIndex
    positions: dict[str, int]  # passage id → index position
    titles: dict[str, str]  # doc id → title
    defined_at: dict[str, GlossaryEntry]  # passage id → the first term defined there
    related: dict[str, tuple[str, ...]]  # word → the words the corpus writes as its alternatives


def document_id_from_file_name(file_name: str) -> str:
    """A valid document id from an uploaded file's name (its stem, with odd characters replaced)."""
    stem = Path(file_name).stem if file_name else ""
    cleaned = re.sub(r"[^\w\-.]+", "_", stem).strip("._-")[:64]
    return cleaned or "document"


class KnowledgeBase:
    """Documents, glossary and passage index, answering questions with quotes and their sources."""

    def __init__(
        self,
        bundled: Iterable[Document],
        added: Iterable[Document] = (),
        *,
        supplement: Iterable[SupplementEntry] = (),
        store: DocumentStore | None = None,
        issues: Iterable[LoadIssue] = (),
    ) -> None:
        self._bundled = {doc.id: doc for doc in bundled}
        self._added = {doc.id: doc for doc in added if doc.id not in self._bundled}
        self._supplement = tuple(supplement)
        self._store = store
        self.issues: tuple[LoadIssue, ...] = tuple(issues)
        self._write_lock = threading.Lock()
        self._snapshot = self._build()

    # -- questions ---------------------------------------------------------------------------

    def answer(self, question: str, *, max_passages: int = MAX_PASSAGES) -> Answer:
        """Answer a question from the documents: found, mentioned_only or not_found, with sources."""
        snap = self._snapshot
        parsed = parse_question(question, snap.glossary, snap.segmenter, snap.index)
        if parsed.empty or not parsed.words:
            return self._not_found(snap, parsed)
        if _about_the_present(parsed, snap.index, snap.segmenter):
            # 今天的天气怎么样, 最近形势如何: the world as it is now, which speeches (of their own day) cannot tell.
            return self._not_found(snap, parsed)
        entry = _main_term(parsed)
        if entry is not None and is_about_term(parsed, entry):
            # What an undefined shorthand is, the documents cannot say; what to do about it
            # (十一期间要做什么) a passage may well say, so that question goes on to the passages.
            if entry.definitions or not entry.shorthand or not parsed.asks_how:
                return self._about_term(snap, parsed, entry, max_passages)
        if entry is None and not parsed.asks_how:
            # A numbered shorthand the documents use without quoting it (十五项硬措施是什么).
            shorthand = implicit_shorthand(parsed, snap.index)
            mentions = snap.glossary.mentions_of(shorthand) if shorthand else []
            if shorthand and all(any(w in fold(m.snippet) for m in mentions) for w in parsed.other_words):
                return Answer(
                    question=question,
                    status=AnswerStatus.MENTIONED_ONLY,
                    term=shorthand,
                    definitions=(),
                    passages=(),
                    mentions=tuple(mentions),
                    suggestions=(),
                )
        words = parsed.words
        results = snap.index.search(words)
        if not results and entry is None:
            # Asked in words the speeches do not use around a phrase they do use verbatim
            # (风险无处不在的下一句是什么): search for that phrase rather than answer 没有找到.
            phrase = verbatim_phrase(parsed.compact, snap.segmenter, snap.index)
            if phrase is not None:
                words = (phrase,)
                results = snap.index.search(words, need_evidence=False)
            else:
                # Asked in a word the speeches write differently: 督查 for 检查, 问责制 for 问责.
                alternatives = _alternatives(snap, parsed.words)
                if alternatives:
                    words = parsed.words
                    results = snap.index.search(words, alternatives=alternatives)
        if results:
            announced_only = False
            spans = _answer_spans(snap, results, words, parsed)
            results = _rerank(results, spans)
            if entry is None:
                # A passage that announces a defined term (在问题整改上，要做到“三个紧盯”：) is
                # answered with the term's definition too, so the items are not left out, but
                # only when the announcing clause is the one that answers: otherwise the
                # definition of a neighbouring term would be quoted first.
                top = results[0].index
                announced = snap.defined_at.get(snap.index.passages[top].id)
                span = spans.get(top)
                if announced is not None and span is not None:
                    clause = fold(snap.index.passages[top].text[span.start : span.end])
                    if any(fold(variant) in clause for variant in announced.variants):
                        # 要体现“三个突出”： announces the items, which are the answer; a term defined
                        # in passing (…漏洞“双归零”。) comes after the clause that answers.
                        entry, announced_only = announced, not clause.rstrip().endswith(("：", ":"))
            chosen = _best(results, max_passages)
            if parsed.kind is QuestionKind.ENUMERATION:
                # 还存在不少问题。 closing a passage, the items following as passages of their own
                # (一是…/二是…, 一方面/另一方面): the items are the answer.
                items = _items_announced(snap, chosen[0], spans.get(chosen[0].index))
                if items:
                    chosen = items[:max_passages]
            return Answer(
                question=question,
                status=AnswerStatus.FOUND,
                term=entry.term if entry else None,
                definitions=entry.definitions if entry else (),
                passages=self._spanned_hits(snap, chosen, spans, parsed, entry),
                mentions=entry.mentions if entry else (),
                suggestions=(),
                definitions_first=not announced_only,
            )
        if entry is not None:
            return self._about_term(snap, parsed, entry, max_passages)
        return self._not_found(snap, parsed)

    def terms(self) -> list[TermInfo]:
        """The glossary: defined terms first, then by how often they are mentioned, then by first use."""
        entries = sorted(
            self._snapshot.glossary.entries(),
            key=lambda entry: (not entry.has_definition, -len(entry.mentions), entry.order),
        )
        return [TermInfo(e.term, e.has_definition, len(e.mentions), e.variants[1:]) for e in entries]

    def term(self, term: str) -> Answer:
        """The glossary answer for a term as listed by `terms` (what a /terms button shows)."""
        snap = self._snapshot
        entry = snap.glossary.get(term)
        if entry is None:
            return self.answer(term)
        parsed = parse_question(entry.term, snap.glossary, snap.segmenter, snap.index)
        return self._about_term(snap, parsed, entry, MAX_PASSAGES)

    def passage(self, passage_id: str) -> Hit | None:
        """A whole passage by id (the "full passage" button), or None if it is gone."""
        snap = self._snapshot
        position = snap.positions.get(passage_id)
        if position is None:
            return None
        return self._hit(snap, snap.index.passages[position], 0.0, ())

    def documents(self) -> list[DocumentInfo]:
        """All documents, bundled first, each in id order."""
        docs = sorted(self._snapshot.documents, key=lambda doc: (not doc.bundled, doc.id))
        return [_info(doc) for doc in docs]

    # -- documents ---------------------------------------------------------------------------

    def add_document(self, doc_id: str, title: str | None, text: str, *, replace: bool = False) -> DocumentInfo:
        """Add (or with replace=True, replace) a document and re-index; saved to the extra folder if any.

        Without a title, the document's first line is used when it is a title, otherwise one is
        made from its opening. Raises KnowledgeBaseError with the reason when refused.
        """
        if not DOC_ID.match(doc_id) or ".." in doc_id:
            raise KnowledgeBaseError(KnowledgeBaseErrorReason.INVALID_ID, doc_id)
        title = title.strip() if title and title.strip() else None
        with self._write_lock:
            if doc_id in self._bundled:
                raise KnowledgeBaseError(KnowledgeBaseErrorReason.BUNDLED_DOCUMENT, doc_id)
            if doc_id in self._added and not replace:
                raise KnowledgeBaseError(KnowledgeBaseErrorReason.DUPLICATE_ID, doc_id)
            doc = parse_document(doc_id, text, bundled=False, title=title)
            if not doc.passages:
                raise KnowledgeBaseError(KnowledgeBaseErrorReason.EMPTY_DOCUMENT, doc_id)
            if self._store is not None:
                try:
                    self._store.save(doc_id, title, text)
                except OSError as error:
                    raise KnowledgeBaseError(KnowledgeBaseErrorReason.STORAGE_FAILED, doc_id, str(error)) from error
            self._added[doc_id] = doc
            self._snapshot = self._build(self._snapshot)
        return _info(doc)

    def remove_document(self, doc_id: str) -> DocumentInfo:
        """Remove an added document and re-index; bundled documents cannot be removed."""
        with self._write_lock:
            if doc_id in self._bundled:
                raise KnowledgeBaseError(KnowledgeBaseErrorReason.BUNDLED_DOCUMENT, doc_id)
            doc = self._added.get(doc_id)
            if doc is None:
                raise KnowledgeBaseError(KnowledgeBaseErrorReason.UNKNOWN_DOCUMENT, doc_id)
            if self._store is not None:
                try:
                    self._store.delete(doc_id)
                except OSError as error:
                    raise KnowledgeBaseError(KnowledgeBaseErrorReason.STORAGE_FAILED, doc_id, str(error)) from error
            del self._added[doc_id]
            self._snapshot = self._build(self._snapshot)
        return _info(doc)

    # -- building ----------------------------------------------------------------------------

    def _build(self, previous: _Snapshot | None = None) -> _Snapshot:
        # Imported here: jieba, bm25s and numpy take a few tenths of a second to import, which the first build
        # pays (in the background at start-up) rather than every module that names the knowledge base's types.
        from domain.knowledge.search import PassageIndex, TokenReuse
        from domain.knowledge.segmenter import Segmenter

        documents = (*self._bundled.values(), *self._added.values())
        glossary = build_glossary(documents, self._supplement)
        user_words = frozenset(glossary.words())
        segmenter = Segmenter(user_words)
        passages: list[Passage] = [passage for doc in documents for passage in doc.passages]
        reuse = None
        if previous is not None:
            reuse = TokenReuse(previous.index.tokens, user_words ^ previous.user_words)
        index = PassageIndex(passages, segmenter, reuse=reuse)
        return _Snapshot(
            user_words=user_words,
            documents=documents,
            glossary=glossary,
            segmenter=segmenter,
            index=index,
            positions={passage.id: i for i, passage in enumerate(passages)},
            titles={doc.id: doc.title for doc in documents},
            related=related_words(index.tokens.values()),
            defined_at={
                d.source.passage_id: entry
                for entry in reversed(glossary.entries())
                for d in entry.definitions
                if d.source is not None
            },
        )

    # -- answers -----------------------------------------------------------------------------

    def _about_term(self, snap: _Snapshot, parsed: ParsedQuestion, entry: GlossaryEntry, limit: int) -> Answer:
        from domain.knowledge.search import ScoredPassage  # loaded by _build already

        if entry.definitions:
            # The passages the definitions come from, as the quoted context (for an enumeration,
            # its items rather than the line announcing them); the other places are in mentions.
            sources = [
                source
                for d in entry.definitions
                for source in (d.item_sources or ((d.source,) if d.source is not None else ()))
            ]
            positions = list(
                dict.fromkeys(snap.positions[s.passage_id] for s in sources if s.passage_id in snap.positions)
            )
            scored = [ScoredPassage(p, 1.0, 1.0, (fold(entry.term),)) for p in positions[:limit]]
            status = AnswerStatus.FOUND
        elif entry.shorthand:
            scored, status = [], AnswerStatus.MENTIONED_ONLY
        else:
            among = {snap.positions[m.passage_id] for m in entry.mentions if m.passage_id in snap.positions}
            scored = snap.index.rank(parsed.words, among)[:limit]
            status = AnswerStatus.FOUND if scored else AnswerStatus.MENTIONED_ONLY
            if scored:
                # A descriptive term (主线, 回头看) is answered by the passages using it: quote the clause
                # that answers, or the items a clause announces, as for any other question.
                spans = _answer_spans(snap, scored, parsed.words, parsed)
                if parsed.kind is QuestionKind.ENUMERATION:
                    scored = _items_announced(snap, scored[0], spans.get(scored[0].index)) or scored
                return Answer(
                    question=parsed.text,
                    status=status,
                    term=entry.term,
                    definitions=entry.definitions,
                    passages=self._spanned_hits(snap, scored, spans, parsed, entry),
                    mentions=entry.mentions,
                    suggestions=(),
                )
        return Answer(
            question=parsed.text,
            status=status,
            term=entry.term,
            definitions=entry.definitions,
            passages=self._hits(snap, scored, parsed, entry),
            mentions=entry.mentions,
            suggestions=(),
        )

    def _spanned_hits(
        self,
        snap: _Snapshot,
        chosen: list[ScoredPassage],
        spans: dict[int, AnswerSpan],
        parsed: ParsedQuestion,
        entry: GlossaryEntry | None,
    ) -> tuple[Hit, ...]:
        """Hits for the chosen passages, each with its answering clause(s) when one was found."""
        return tuple(
            replace(hit, answer_span=(spans[s.index].start, spans[s.index].end) if s.index in spans else None)
            for s, hit in zip(chosen, self._hits(snap, chosen, parsed, entry), strict=True)
        )

    def _not_found(self, snap: _Snapshot, parsed: ParsedQuestion) -> Answer:
        return Answer(
            question=parsed.text,
            status=AnswerStatus.NOT_FOUND,
            term=None,
            definitions=(),
            passages=(),
            mentions=(),
            suggestions=tuple(_suggestions(snap.glossary, parsed.compact)),
        )

    def _hits(
        self, snap: _Snapshot, scored: list[ScoredPassage], parsed: ParsedQuestion, entry: GlossaryEntry | None
    ) -> tuple[Hit, ...]:
        words = [*parsed.words, *(fold(v) for v in entry.variants)] if entry else list(parsed.words)
        return tuple(self._hit(snap, snap.index.passages[s.index], s.score, words) for s in scored)

    def _hit(self, snap: _Snapshot, passage: Passage, score: float, words: Iterable[str]) -> Hit:
        return Hit(
            doc_id=passage.doc_id,
            doc_title=snap.titles[passage.doc_id],
            location=passage.location,
            text=passage.text,
            score=round(score, 4),
            match_spans=_spans(fold(passage.text), words),
            passage_id=passage.id,
        )


def _info(doc: Document) -> DocumentInfo:
    return DocumentInfo(doc.id, doc.title, len(doc.passages), sum(len(p.text) for p in doc.passages), doc.bundled)


def _about_the_present(parsed: ParsedQuestion, index: PassageIndex, segmenter: Segmenter) -> bool:
    """Whether a question asks how things are now (今天/现在/最近 …) rather than what to do.

    What to do (现在汛期要做什么) the policy says whenever it is asked; how things are today it cannot. A
    speech's own "today" (今天的会议, 今天召开) is still asked about in its words: that stretch is in the corpus.
    """
    compact = parsed.compact
    # 现在 read across a word (表现在哪些方面) is no anchor in time.
    anchors = [m for m in _DEICTIC.finditer(compact) if not _inside_word(compact, m.start(), segmenter)]
    if not anchors or parsed.asks_how or parsed.terms:
        return False
    anchor = anchors[0]
    said = parsed.compact[anchor.start() : anchor.end() + _ANCHOR_CONTEXT]
    return len(said) <= len(anchor.group()) or not index.contains(said)


def _inside_word(compact: str, at: int, segmenter: Segmenter) -> bool:
    """Whether the character at ``at`` ends a word begun just before it (表现 of 表现在)."""
    return at > 0 and segmenter.known(compact[at - 1 : at + 1])


def _main_term(parsed: ParsedQuestion) -> GlossaryEntry | None:
    """The term a question is about: a defined one if it names several, the longest among equals."""
    if not parsed.terms:
        return None
    return max(parsed.terms, key=lambda entry: (entry.has_definition, len(entry.term)))


def _items_announced(snap: _Snapshot, top: ScoredPassage, span: AnswerSpan | None) -> list[ScoredPassage]:
    """The item passages right after a passage whose answering clause is its last one, or none."""
    from domain.knowledge.search import ScoredPassage  # loaded by _build already

    passages = snap.index.passages
    announcing = passages[top.index]
    if span is None or announcing.text[span.end :].strip():
        return []
    items: list[ScoredPassage] = []
    position = top.index + 1
    depth = len(announcing.location.steps)
    while position < len(passages):
        item = passages[position]
        steps = item.location.steps
        if item.doc_id != announcing.doc_id or steps[:depth] != announcing.location.steps or len(steps) <= depth:
            break  # the next part of the speech: its items are not this passage's
        if len(steps) == depth + 1:
            if steps[-1].kind not in _ITEM_KINDS:
                break
            items.append(ScoredPassage(position, top.score, top.coverage, top.matched))
        # deeper passages are an item's own sub-items (一方面 … 一是/二是 … 另一方面): skipped
        position += 1
    return items


def _answer_spans(
    snap: _Snapshot, results: list[ScoredPassage], words: Iterable[str], parsed: ParsedQuestion
) -> dict[int, AnswerSpan]:
    """The answering clause(s) of each of the leading candidates, by passage position."""
    words = tuple(words)
    spans: dict[int, AnswerSpan] = {}
    for result in results[:_RERANKED]:
        text = fold(snap.index.passages[result.index].text)
        span = answer_span(
            text, words, snap.index.weight, parsed.kind, parsed.actors,
            asks_how=parsed.asks_how, coordinated=parsed.coordinated, echoes=parsed.echoes,
        )
        if span is not None:
            spans[result.index] = span
    return spans


def _rerank(results: list[ScoredPassage], spans: dict[int, AnswerSpan]) -> list[ScoredPassage]:
    """The leading candidates ordered by how much of the question one clause answers, then by score.

    A passage that spreads the question's words over several sentences ranks below one that has
    them in one sentence: that sentence is the answer, and the one quoted first.
    """
    head, tail = results[:_RERANKED], results[_RERANKED:]
    rescored = [replace(r, score=r.score * _clause_factor(spans.get(r.index))) for r in head]
    rescored.sort(key=lambda r: (-r.score, r.index))
    return rescored + tail


def _alternatives(snap: _Snapshot, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each word, the words the corpus writes as its alternatives.

    Not a word's parts: 今天天气 is not about 今天, nor 第二十一条 about 二十 (tried, and it answered both).
    """
    return {word: snap.related[word] for word in words if word in snap.related}


def _clause_factor(span: AnswerSpan | None) -> float:
    if span is None:
        return _CLAUSE_FLOOR
    # A passage whose heading (一要突出领导责任。) names what was asked is the passage about it.
    # … and a clause of the kind asked (决不能… for 错误做法) a little.
    return (
        _CLAUSE_FLOOR
        + span.coverage
        + (_HEADING_BONUS if span.in_heading else 0.0)
        + (_MARKED_BONUS if span.marked else 0.0)
        + (_MARKED_BONUS if span.prescribed else 0.0)
    )


def verbatim_phrase(compact: str, segmenter: Segmenter, index: PassageIndex) -> str | None:
    """The longest run of the question's words (3+ characters) the corpus has verbatim and not everywhere.

    Runs grow word by word from each start and stop at the first that the corpus lacks (a longer
    one cannot be there either), so a question costs about one lookup per word, not one per substring.
    """
    tokens = [token for token in segmenter.words(compact[:_VERBATIM_SCAN]) if token.strip()]
    best: str | None = None
    for start in range(len(tokens)):
        run = ""
        for token in tokens[start:]:
            longer = run + token
            if not index.contains(longer):
                # The speech may go on with part of the next word (安委会全体（扩大）会议 for 安委会全体会议).
                for end in range(1, len(token)):
                    if not index.contains(run + token[:end]):
                        break
                    longer = run + token[:end]
                run = longer if run and index.contains(longer) else run
                break
            run = longer
        if len(run) >= _VERBATIM_MIN and CJK_RE.match(run) and (best is None or len(run) > len(best)):
            if not index.generic(run):
                best = run
    return best


def _best(results: list[ScoredPassage], limit: int) -> list[ScoredPassage]:
    top = results[0].score
    return [result for result in results[:limit] if result.score >= _RELATIVE_SCORE * top]


def _spans(folded_text: str, words: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Where the words occur in a passage, overlapping spans merged."""
    spans: list[tuple[int, int]] = []
    for word in set(words):
        if not word:
            continue
        start = folded_text.find(word)
        while start != -1:
            spans.append((start, start + len(word)))
            start = folded_text.find(word, start + len(word))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _suggestions(glossary: Glossary, compact: str) -> list[str]:
    """The glossary terms nearest to a question by shared characters and character pairs;
    when nothing is near, the defined terms, which are the most useful to ask about."""
    question_key = term_key(compact)
    chars = set(question_key)
    pairs = {question_key[i : i + 2] for i in range(len(question_key) - 1)}
    scored: list[tuple[float, int, str]] = []
    for entry in glossary.entries():
        key = entry.key
        key_pairs = {key[i : i + 2] for i in range(len(key) - 1)}
        shared_pairs = len(pairs & key_pairs)
        shared_chars = len(chars & set(key))
        if shared_pairs == 0 and shared_chars < 2:
            continue
        similarity = 2 * shared_pairs / (len(pairs) + len(key_pairs) or 1) + shared_chars / (len(chars | set(key)) or 1)
        scored.append((similarity, entry.order, entry.term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    names = [term for _, _, term in scored[:_SUGGESTIONS]]
    for entry in glossary.entries():
        if len(names) >= _SUGGESTIONS:
            break
        if entry.has_definition and entry.term not in names:
            names.append(entry.term)
    return names
