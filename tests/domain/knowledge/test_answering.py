"""Reading a question's frame and picking the clause that answers it (domain.knowledge.answering)."""

from __future__ import annotations

import pytest

from domain.knowledge import AnswerStatus, KnowledgeBase
from domain.knowledge.answering import QuestionKind, answer_span, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("汛期哪些行业领域容易出事", QuestionKind.ENUMERATION),
        ("责任落实要突出哪几点", QuestionKind.ENUMERATION),
        ("企业层面自查自改包括哪些方面", QuestionKind.ENUMERATION),
        ("四个一律是什么", QuestionKind.DEFINITION),
        ("上热下冷什么意思", QuestionKind.DEFINITION),
        ("对屡次整改不到位的企业怎么办", QuestionKind.ACTION),
        ("如何改进考核方式", QuestionKind.ACTION),
        ("隐患就是事故出自哪个原则", QuestionKind.PRINCIPLE),
        ("部门监管有哪些错误做法", QuestionKind.PROHIBITION),
        ("黑名单", QuestionKind.OTHER),
    ],
)
def test_question_kind(question: str, kind: QuestionKind) -> None:
    assert question_kind(question) is kind


def _weight(word: str) -> float:
    return 1.0


def test_the_clause_with_the_words_is_the_answer() -> None:
    text = "二要强化执法抓落实。各部门要落实工作要求。对屡次整改不到位的企业，纳入黑名单管理；必须关停。"
    span = answer_span(text, ["屡次", "整改"], _weight, QuestionKind.ACTION)
    assert span is not None and text[span.start : span.end] == "对屡次整改不到位的企业，纳入黑名单管理；"


def test_a_heading_match_quotes_the_body() -> None:
    """三要全力做好…准备工作。 names the topic; the answer is the body clause about it."""
    text = "三要全力做好迎接巡查准备工作。巡查组将于X月开始。这就要求我们高度重视巡查工作，要切实开展好自查自纠。"
    span = answer_span(text, ["迎接", "巡查", "准备"], _weight, QuestionKind.ENUMERATION)
    assert span is not None and span.in_heading
    assert "自查自纠" in text[span.start : span.end] or "巡查组" in text[span.start : span.end]
    assert not text[span.start : span.end].startswith("三要")


def test_an_announced_enumeration_brings_its_items() -> None:
    text = "大检查还存在不少问题。一是责任落实不到位；二是工作进展不平衡；三是工作落实不认真。"
    span = answer_span(text, ["大检查", "问题"], _weight, QuestionKind.ENUMERATION)
    assert span is not None
    quoted = text[span.start : span.end]
    assert quoted.startswith("大检查") and "一是" in quoted and "三是工作落实不认真" in quoted


def test_adjacent_words_prefer_the_clause_with_the_phrase() -> None:
    text = "坚持经济要稳住，安全形势稳定。从经济形势上看，中小微企业面临运营困境。"
    span = answer_span(text, ["经济", "形势"], _weight, QuestionKind.OTHER)
    assert span is not None and "运营困境" in text[span.start : span.end]


def test_no_clause_with_a_question_word_gives_none() -> None:
    assert answer_span("安全生产无小事。", ["天气"], _weight, QuestionKind.OTHER) is None


def test_a_term_defined_in_passing_is_quoted_after_the_answer(bundled_kb: KnowledgeBase) -> None:
    """查出的隐患要走哪些程序: the procedure first, not the definition of 双归零 said in the same sentence."""
    answer = bundled_kb.answer("查出的隐患要走哪些程序")
    assert answer.status is AnswerStatus.FOUND
    assert "建档、评估、整改、销号" in answer.first_quotes()[0]


def test_an_announced_term_is_answered_by_its_items(bundled_kb: KnowledgeBase) -> None:
    """责任落实要突出哪几点: the clause announces “三个突出”; its items answer."""
    answer = bundled_kb.answer("责任落实要突出哪几点")
    assert answer.term == "三个突出" and answer.definitions_first
    assert "领导责任" in answer.first_quotes()[0]


def test_an_ordinal_is_not_a_numbered_shorthand(bundled_kb: KnowledgeBase) -> None:
    """第一项议程 is the first item of the agenda, not a shorthand like 十五项硬措施."""
    answer = bundled_kb.answer("第一项议程是什么")
    assert answer.status is AnswerStatus.FOUND
    assert "书面传达学习" in answer.first_quotes()[0]


def test_a_key_phrase_in_the_corpus_is_never_not_found(bundled_kb: KnowledgeBase) -> None:
    """风险无处不在的下一句: the frame (下一句) is unknown to the speeches, the phrase is theirs verbatim."""
    answer = bundled_kb.answer("风险无处不在的下一句是什么")
    assert answer.status is AnswerStatus.FOUND and "成绩每天归零" in answer.first_quotes()[0]
    assert bundled_kb.answer("大检查要查哪些内容").status is AnswerStatus.FOUND


def test_alternatives_come_from_coordinate_pairs_in_the_corpus() -> None:
    from domain.knowledge.synonyms import related_words

    table = related_words([["严格", "检查", "排查", "工作"], ["违法", "违规", "行为"], ["安全", "生产"]])
    assert table["检查"] == ("排查",) and table["违规"] == ("违法",)
    assert "安全" not in table  # 安全生产: no shared character in place, not alternatives


@pytest.mark.parametrize(
    ("question", "phrase"),
    [("监控预警怎么做", "监测预警"), ("企业自纠自改要做什么", "自查自改")],
)
def test_a_word_the_speeches_write_differently_is_found(bundled_kb: KnowledgeBase, question: str, phrase: str) -> None:
    """监控 where the speech says 监测 (it writes 监测监控 side by side): found, not 没有找到."""
    answer = bundled_kb.answer(question)
    assert answer.status is AnswerStatus.FOUND and phrase in answer.first_quotes()[0]


def test_a_term_is_not_read_across_a_word(bundled_kb: KnowledgeBase) -> None:
    """重大安全隐患 holds “大安全” only by cutting 重大 in two: it is about 重大安全隐患, answered by 挂牌督办."""
    answer = bundled_kb.answer("重大安全隐患怎么管理")
    assert answer.term != "大安全"
    assert "挂牌督办" in answer.first_quotes()[0]


def test_why_quotes_the_fact_and_the_reason_after_it() -> None:
    text = (
        "今年以来，各单位全力巩固专项整治成效。我市安全生产形势依然不容乐观。"
        "从政治形势上看，今年是特殊年份。从时间上看，正值盛夏。"
    )
    span = answer_span(text, ["不容乐观"], _weight, QuestionKind.REASON)
    assert span is not None
    assert text[span.start : span.end] == "我市安全生产形势依然不容乐观。从政治形势上看，今年是特殊年份。"


def test_items_in_passages_of_their_own_answer_the_announcing_clause(bundled_kb: KnowledgeBase) -> None:
    """…还存在不少问题。 ends its passage; 一是/二是/三是 follow as passages: those items are quoted."""
    answer = bundled_kb.answer("督导组反馈大检查有哪些问题")
    quotes = answer.first_quotes()
    assert quotes[0].startswith("一是责任落实不到位") and quotes[1].startswith("二是工作进展不平衡")
    # Items of the next part of the speech are not taken for this passage's.
    assert not bundled_kb.answer("汛期要做好哪些工作").first_quotes()[0].startswith("一是要压实")


def test_a_quotation_mark_stays_with_the_clause_it_closes() -> None:
    from domain.knowledge.answering import clauses

    text = "总书记强调，“一定要举一反三。”总书记的重要指示，揭示了问题。"
    assert [text[a:b] for a, b in clauses(text)] == ["总书记强调，“一定要举一反三。”", "总书记的重要指示，揭示了问题。"]


def test_a_question_about_today_with_one_word_is_not_answered_from_old_speeches(bundled_kb: KnowledgeBase) -> None:
    """今天的天气: the speeches' 极端天气 is their summer's, not today's; 今年天气形势 is what they say."""
    assert bundled_kb.answer("今天的天气怎么样").status is AnswerStatus.NOT_FOUND
    assert "降雨频次" in bundled_kb.answer("今年天气形势怎么样").first_quotes()[0]


def test_a_descriptive_term_is_answered_by_the_clause_too(bundled_kb: KnowledgeBase) -> None:
    """哪两条主线: the passage using 主线 announces them at its end; the first 一方面 is quoted first."""
    answer = bundled_kb.answer("当前安全生产要抓好哪两条主线")
    quotes = answer.first_quotes()
    assert answer.term == "主线" and quotes[0].startswith("一方面，抓好“安全生产大检查”这条主线")
    assert quotes[1].startswith("另一方面，抓好“汛期安全防范”这条主线")


def test_a_frame_noun_the_speech_writes_after_the_word_is_kept(bundled_kb: KnowledgeBase) -> None:
    """执法工作要求是什么: 要求 frames most questions, but 工作要求 is the speech's phrase (…严上加严”的工作要求)."""
    assert "紧上加紧、严上加严" in bundled_kb.answer("执法工作要求是什么").first_quotes()[0]
