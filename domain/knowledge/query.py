"""Reading a question: the glossary terms it names and the content words it asks with.

People ask 什么是四个一律 / 四个一律是什么意思 / 三个坚持的内容 / 对屡次整改不到位的企业怎么办.
The scaffolding of a question (什么, 怎么办, 是指, 的内容, 请问 …) carries no content and is
dropped; what remains is the terms and the content words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from domain.knowledge.answering import QuestionKind, question_kind
from domain.knowledge.glossary import Glossary, GlossaryEntry, term_key
from domain.knowledge.text import CHINESE_DIGITS, CJK_RE, fold

if TYPE_CHECKING:  # annotations only: the index's module imports bm25s and numpy, jieba's takes a while too
    from domain.knowledge.search import PassageIndex
    from domain.knowledge.segmenter import Segmenter

# Words that frame a question rather than say what it is about. Single characters are dropped anyway.
QUESTION_WORDS = frozenset(
    """
    什么 是什么 什么是 什么样 为什么 干什么 干啥 怎么 怎么样 怎样 怎么办 咋办 咋整 咋样 如何 为何 哪些 哪个 哪里
    哪儿 哪天 几个 多少 多久 是否 能否 能不能 可否 可不可以 可以 应该 应当 需要 是不是 有没有 要不要 请问 请教
    问一下 一下 我们 你们 他们 大家 这个 那个 这些 那些 这里 那里 这样 那样 意思 含义 涵义 是指 指的是 所指 指什么
    内容 具体 具体内容 包括 包含 有哪些 要求 规定 定义 解释 理解 介绍 说明 说说 讲讲 讲解 告诉 知道 了解 想知道
    注意 注意事项 事项 时候 什么时候 何时 时间 日期 几月 几号 几日 几点 今天 明天 昨天 现在 最近 处理 处置 对待
    一个 一些 有关 关于 对于 相关 讲话 文件 文档 资料 提到 说到 讲到 提及 里面 其中 一般 通常 主要 简单 详细
    说的是 讲的是 指出 问题是 怎么回事 啥意思 什么意思 是啥 咋回事 回事 你好 谢谢 您好 麻烦 帮忙 帮我 查一下 查询
    区别 关系 作用 目的 意义 好处 后果 影响 做法 具体做法 办法 方法 步骤 流程 适用 适用于 特点 原因 理由 依据
    开始 结束 截止 方面 程度 对象 之间
    多快 多长 多长时间 多大 多远 多高 多重 多深 多早 多晚 多频繁 多严
    表现 表现在 体现 体现在 错误 错误做法 不当做法 做法有 下一句 上一句 前一句 后一句 哪句话 出自 出处 来自 原话
    这次 本次 此次 这一次 有何 何种 还要 还需要 还应 还得 起来 几点 哪几点 几方面 怎么说 说法 提法 内容是 是谁
    """.split()
)
# Frame words that are nouns the speeches also write after a word of their own (工作要求, 制度规定):
# right after a content word and together in the corpus, they are that phrase, not the frame.
_FRAME_NOUNS = frozenset("要求 规定 内容 措施 做法 办法 方法 意义 作用 目的 对象".split())
# A token that starts by asking (哪些方面, 什么样, 怎么搞, 几时) frames the question too.
_INTERROGATIVE_START = ("哪", "什么", "怎", "几", "多少", "啥", "咋", "为何", "是否", "何")

# Function characters jieba's guesswork glues to a neighbour (要查, 上要); 会 is not one (年会).
_GLUE = set("要还就都也又再才很更最该能吗呢吧啊了的着得地在")
# Single characters that never join a neighbour into a longer word (see `_content_words`).
_PARTICLES = set("的了是吗呢吧啊呀嘛么哦和与及或在对把被给要有会能就都也还又再才很更最这那哪谁啥咋请问我你您他她它")
_PUNCTUATION = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】,，.。!！?？;；:：、/\\|~～…·\-—_*#@]+")
# 怎么样/怎样/如何 ending a question ask how something is (天气怎么样), not how to do it (怎样压实).
_STATE_FRAME = re.compile(r"(?:怎么样|怎样|如何)(?:了|呢|啊|呀)?$")
_HOW = re.compile(r"怎么|怎样|如何|咋|做什么|干什么|要求|注意|应该|应当|需要|要做|该做")
# A modal verb (要做, 应该, 必须): not 要 of 主要/重要/只要/首要 nor of 要求/要点.
_MODAL = re.compile(r"(?<![主重只首紧])要(?![求点])|应该|应当|必须|需要|务必")
# Frame verbs of handling (怎么处理, 如何对待) that a speech's answer also uses (依法依规严肃处理, 来对待).
_HANDLING_VERBS = ("对待", "处理", "处置")
_CONJUNCTION = re.compile(r"以及|和|与|及|、|或")
_SHORTHAND = re.compile(rf"(?<!第)[{CHINESE_DIGITS}]+(?:个|项|条|不|管)[\u4e00-\u9fff]{{1,4}}")


@dataclass(frozen=True, slots=True)
class ParsedQuestion:
    """A question reduced to its terms and content words."""

    text: str
    compact: str  # folded, without punctuation or spaces
    terms: tuple[GlossaryEntry, ...]
    words: tuple[str, ...]  # content words, the terms' own text included
    other_words: tuple[str, ...]  # content words outside the terms
    asks_how: bool  # asks what to do (怎么办, 要做什么, 有什么要求) rather than what something is
    kind: QuestionKind = QuestionKind.OTHER  # what kind of sentence answers it (an enumeration, a definition …)
    # the content words before the question's modal (主要领导 in 主要领导在大检查中要做什么): who is to act
    actors: tuple[str, ...] = ()
    # neighbouring content words the question joins by 和/与/及/、 (决策和措施)
    coordinated: tuple[tuple[str, str], ...] = ()
    # the question's verb of handling (对待, 处理, 处置): a frame word, yet echoed by the answering clause
    echoes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing of substance was asked."""
        return not self.compact


def parse_question(question: str, glossary: Glossary, segmenter: Segmenter, index: PassageIndex) -> ParsedQuestion:
    """Find the glossary terms of a question and its content words."""
    compact = _PUNCTUATION.sub("", fold(question))
    # A term read across a word of the question is not that term: 重大安全隐患 holds 大安全 only
    # by cutting 重大 in two.
    found = [
        (start, end, entry)
        for start, end, entry in glossary.find_in(term_key(compact))
        if not (start > 0 and segmenter.known(compact[start - 1 : start + 1]))
    ]
    # term_key only drops characters _PUNCTUATION already removed, so positions line up.
    pieces: list[str] = []
    cursor = 0
    for start, end, _ in found:
        pieces.append(compact[cursor:start])
        cursor = end
    pieces.append(compact[cursor:])
    other_words: list[str] = []
    for piece in pieces:
        other_words.extend(_content_words(piece, segmenter, index))
    term_words = [fold(entry.term) for _, _, entry in found]
    words = list(dict.fromkeys([*term_words, *other_words]))
    return ParsedQuestion(
        text=question,
        compact=compact,
        terms=tuple(entry for _, _, entry in found),
        words=tuple(words),
        other_words=tuple(dict.fromkeys(other_words)),
        asks_how=bool(_HOW.search(_STATE_FRAME.sub("", "".join(pieces))) or _MODAL.search("".join(pieces))),
        kind=question_kind(compact),
        actors=_actors(compact, words),
        coordinated=_coordinated(compact, words),
        echoes=tuple(verb for verb in _HANDLING_VERBS if verb in compact),
    )


def _coordinated(compact: str, words: list[str]) -> tuple[tuple[str, str], ...]:
    """Neighbouring content words the question joins with a conjunction (决策和措施, 领导与部门)."""
    pairs = []
    for a, b in pairwise(words):
        at = compact.find(a)
        joined = _CONJUNCTION.match(compact, at + len(a)) if at >= 0 else None
        if joined is not None and compact.startswith(b, joined.end()):
            pairs.append((a, b))
    return tuple(pairs)


def _actors(compact: str, words: list[str]) -> tuple[str, ...]:
    """The content words a question puts before its modal (X要做什么, X应该怎么办): the one who is to act."""
    placed = [(word, start, start + len(word)) for word in words if (start := compact.find(word)) >= 0]
    for match in _MODAL.finditer(compact):
        at = match.start()
        if any(start <= at < end for _, start, end in placed):
            continue  # 要 inside a content word (重要指示) is no modal
        return tuple(word for word, _, end in placed if end <= at)
    return ()


def _content_words(text: str, segmenter: Segmenter, index: PassageIndex) -> list[str]:
    """Content words of a stretch of question.

    jieba leaves words it does not know as single characters (约/谈 for 约谈); a run of such
    characters is put back together, and a lone one is joined to its neighbour when the corpus
    knows the pair (大+检查 → 大检查, 不+到位 → 不到位), so the match is as specific as asked.
    """
    tokens: list[str] = []
    run = ""
    for token in [*segmenter.words(text), ""]:
        if len(token) == 1 and token not in _PARTICLES and CJK_RE.match(token):
            run += token
            continue
        if run:
            tokens.append(run)
            run = ""
        if token.strip():
            tokens.append(token)
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if len(token) == 1 and token not in _PARTICLES and CJK_RE.match(token):
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            if len(following) >= 2 and index.contains(token + following):
                tokens[i + 1] = token + following
                i += 1
                continue
            # … but not the verb of the frame (工作 做 什么: 做 asks, 工作做 is no phrase of the question)
            if words and index.contains(words[-1] + token) and not _frames(following):
                words[-1] += token
                i += 1
                continue
        if _is_content(token) and not _glued_particle(token, segmenter, index):
            words.append(token)
        elif token in _FRAME_NOUNS and words and tokens[i - 1] == words[-1]:
            # 执法工作要求: 要求 frames a question, but 工作要求 is the speech's own phrase; keep it.
            phrase = words[-1] + token
            if index.contains(phrase) and not index.generic(phrase):
                words[-1] = phrase
        i += 1
    return words


def _frames(token: str) -> bool:
    """Whether a token is a question word (什么, 哪些): a lone verb right before it is the frame's (做什么)."""
    return token in QUESTION_WORDS or token.startswith(_INTERROGATIVE_START)


def _glued_particle(token: str, segmenter: Segmenter, index: PassageIndex) -> bool:
    """A particle glued to a character by jieba's guesswork (要查, 上要): no word of any dictionary."""
    return (
        len(token) == 2
        and any(ch in _GLUE for ch in token)
        and not segmenter.known(token)
        and not index.contains(token)
    )


def _is_content(word: str) -> bool:
    if word in QUESTION_WORDS or word.startswith(_INTERROGATIVE_START):
        return False
    if word.isdigit():
        return len(word) >= 2
    return len(word) >= 2 and bool(CJK_RE.search(word) or word.isalnum())


def is_about_term(parsed: ParsedQuestion, entry: GlossaryEntry) -> bool:
    """Whether a question asks what a term is: nothing else in it but words said right beside the term.

    "13710督办制度" is still about 13710, because the text says “13710”督办制度; "安全警示教育日是
    几月几号" is about the term since 几月/几号 are question words.
    """
    return all(any(word in fold(m.snippet) for m in entry.mentions) for word in parsed.other_words)


def implicit_shorthand(parsed: ParsedQuestion, index: PassageIndex) -> str | None:
    """A numbered shorthand in the question (十五项硬措施) that the corpus uses without quoting it."""
    for match in _SHORTHAND.finditer(parsed.compact):
        text = match.group(0)
        if text[0] == "一" and text[1] in "个项条":
            continue  # 一项系统工程, 一个问题: 一 + classifier is the indefinite article, not a count
        for end in range(len(text), 2, -1):
            if index.contains(text[:end]):
                return text[:end]
    return None
