"""The knowledge base's data: documents, passages and where they stand, and the answers it gives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StepKind(StrEnum):
    """The kind of numbered part a passage sits in, as the document numbers it."""

    PREAMBLE = "preamble"  # before the first numbered part
    CHAPTER = "chapter"  # 第一章 / 第一部分
    SECTION = "section"  # 一、
    SUBSECTION = "subsection"  # （一）
    ITEM = "item"  # 一要 / 一是 (a speech's enumerated demands)
    ASPECT = "aspect"  # 一方面 / 另一方面
    NUMBERED = "numbered"  # 1. / 1、
    ARTICLE = "article"  # 第一条
    PARAGRAPH = "paragraph"  # a document with no numbering at all: its N-th paragraph
    CLOSING = "closing"  # after the last numbered part (同志们，… 谢谢大家)


@dataclass(frozen=True, slots=True)
class LocationStep:
    """One level of a location: the kind of part, its number, the marker as written and the part's opening words.

    The domain says where a passage stands, not how to say it: texts.knowledge renders a step
    ("第三部分", "开头", "第2段", or the document's own marker or heading) from the catalog.
    """

    kind: StepKind
    ordinal: int | None  # 1-based: the part's number (a SECTION's 三、 is 3), a PARAGRAPH's place
    marker: str  # as written: "三、", "三要", "另一方面", "（二）", "第五条"
    heading: str  # the part's opening in the document's own words, shortened


@dataclass(frozen=True, slots=True)
class Location:
    """Where a passage stands in its document, outermost part first."""

    steps: tuple[LocationStep, ...]


@dataclass(frozen=True, slots=True)
class Passage:
    """The smallest numbered part of a document, quoted as written."""

    id: str  # "<doc_id>#<number>", stable while the document is unchanged
    doc_id: str
    number: int  # 1-based order in the document
    location: Location
    text: str


class TitleSource(StrEnum):
    """Where a document's title came from."""

    GIVEN = "given"  # set by whoever added the document
    FIRST_LINE = "first_line"  # the document's first line is a title
    OPENING = "opening"  # made from the meeting named in the opening and the kind of speech
    FALLBACK = "fallback"  # the first sentence, shortened


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: its title and its passages."""

    id: str
    title: str
    title_source: TitleSource
    text: str
    passages: tuple[Passage, ...]
    bundled: bool


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What /kb lists about a document."""

    id: str
    title: str
    passages: int
    chars: int
    bundled: bool


@dataclass(frozen=True, slots=True)
class Source:
    """A place in the corpus: document and location."""

    doc_id: str
    doc_title: str
    location: Location
    passage_id: str


class DefinitionKind(StrEnum):
    """How a definition was found, so an answer can say how sure it is."""

    PARENTHESIS = "parenthesis"  # “四个一律”（对非法…）
    COLON = "colon"  # “X”：… up to the full stop
    EXPLANATION = "explanation"  # “X”即… / “X”是指…
    ENUMERATION = "enumeration"  # “三个坚持”： followed by 一要…/二要…/三要…
    PRECEDING = "preceding"  # a counted term right after its parts: 问题隐患及制度管理漏洞“双归零”
    MATCHING_LIST = "matching_list"  # 三个必须 ↔ a quoted list of three phrases each with 必须
    SUPPLEMENT = "supplement"  # from the hand-edited supplement file, with its own source


@dataclass(frozen=True, slots=True)
class Definition:
    """A definition of a glossary term, with where it comes from."""

    text: str
    kind: DefinitionKind
    items: tuple[str, ...]  # the enumerated items, when the definition is a list
    source: Source | None  # the corpus passage; None for a supplement entry
    note: str | None = None  # a supplement entry's own source, as its editor wrote it
    item_sources: tuple[Source, ...] = ()  # for an enumeration, the passage of each item


@dataclass(frozen=True, slots=True)
class Mention:
    """A place where a term is mentioned, with a short snippet around it."""

    doc_id: str
    doc_title: str
    location: Location
    passage_id: str
    snippet: str
    span: tuple[int, int]  # the term inside the snippet


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage quoted in an answer."""

    doc_id: str
    doc_title: str
    location: Location
    text: str  # the whole passage as written; handlers trim around match_spans
    score: float  # relevance; comparable within one answer only
    match_spans: tuple[tuple[int, int], ...]  # [start, end) of matched words in text, sorted
    passage_id: str
    # [start, end) of the clause(s) that answer the question, quoted first; None: the passage as a whole
    answer_span: tuple[int, int] | None = None

    @property
    def answer_text(self) -> str:
        """The answering clause(s), or the whole passage when none was picked."""
        if self.answer_span is None:
            return self.text
        start, end = self.answer_span
        return self.text[start:end].strip()


class AnswerStatus(StrEnum):
    """How far the documents answer a question."""

    FOUND = "found"  # a definition or relevant passages
    MENTIONED_ONLY = "mentioned_only"  # the term is named but never explained
    NOT_FOUND = "not_found"  # nothing relevant; suggestions only


@dataclass(frozen=True, slots=True)
class Answer:
    """The structured answer to a question; handlers render it from the message catalog."""

    question: str
    status: AnswerStatus
    term: str | None  # the glossary term the question is about, if any
    definitions: tuple[Definition, ...]
    passages: tuple[Hit, ...]
    mentions: tuple[Mention, ...]  # every place the term is mentioned (the "other places" button)
    suggestions: tuple[str, ...]  # nearest glossary terms, for not_found
    # False when the term was not asked about but is announced in the answering passage (要做到“三个紧盯”：):
    # the passage's answer is quoted first, the term's definition after it.
    definitions_first: bool = True

    def quoted_texts(self) -> list[str]:
        """Everything the answer quotes from the documents, definitions first."""
        return [d.text for d in self.definitions] + [h.text for h in self.passages]

    def first_quotes(self) -> list[str]:
        """What the reply quotes first, in order: the definitions, then each passage's answering clause(s)."""
        definitions = [d.text for d in self.definitions]
        passages = [h.answer_text for h in self.passages]
        return definitions + passages if self.definitions_first else passages + definitions


@dataclass(frozen=True, slots=True)
class TermInfo:
    """A glossary term as /terms lists it."""

    term: str
    has_definition: bool
    mentions: int
    variants: tuple[str, ...]  # other ways the documents write it (谁主管谁负责 / 谁主管、谁负责)
