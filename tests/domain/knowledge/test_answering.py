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


def test_how_things_are_now_is_not_answered_from_old_speeches(bundled_kb: KnowledgeBase) -> None:
    """今天/最近 + how things are: the world now, which the speeches cannot tell; what to do they can."""
    for question in ("今天的天气怎么样", "最近安全生产形势怎么样", "现在天气如何"):
        assert bundled_kb.answer(question).status is AnswerStatus.NOT_FOUND, question
    assert "降雨频次" in bundled_kb.answer("今年天气形势怎么样").first_quotes()[0]
    # what to do now, the speeches' own "today", and 现在 inside 表现在 are still answered
    assert "汛期" in bundled_kb.answer("现在汛期要做什么").first_quotes()[0]
    assert "主要任务" in bundled_kb.answer("今天会议的主要任务是什么").first_quotes()[0]
    assert bundled_kb.answer("工作执行不强表现在哪些方面").status is AnswerStatus.FOUND


def test_a_descriptive_term_is_answered_by_the_clause_too(bundled_kb: KnowledgeBase) -> None:
    """哪两条主线: the passage using 主线 announces them at its end; the first 一方面 is quoted first."""
    answer = bundled_kb.answer("当前安全生产要抓好哪两条主线")
    quotes = answer.first_quotes()
    assert answer.term == "主线" and quotes[0].startswith("一方面，抓好“安全生产大检查”这条主线")
    assert quotes[1].startswith("另一方面，抓好“汛期安全防范”这条主线")


def test_a_frame_noun_the_speech_writes_after_the_word_is_kept(bundled_kb: KnowledgeBase) -> None:
    """执法工作要求是什么: 要求 frames most questions, but 工作要求 is the speech's phrase (…严上加严”的工作要求)."""
    assert "紧上加紧、严上加严" in bundled_kb.answer("执法工作要求是什么").first_quotes()[0]


def test_a_phrase_written_with_de_is_the_same_phrase() -> None:
    """反馈问题 asked as 反馈的问题: the clause echoing it (对照反馈的问题) beats one with a heavier word alone."""
    text = "省煤监局进行调研检查，应急局要严格执行特别规定。要派专家组，对照反馈的问题，全力揭病因。"
    weights = {"煤监局": 3.9, "反馈": 2.2, "问题": 1.1, "整改": 1.3}
    span = answer_span(text, list(weights), weights.__getitem__, QuestionKind.ACTION)
    assert span is not None and "揭病因" in text[span.start : span.end]


def test_the_actor_before_a_modal_is_the_one_told_what_to_do() -> None:
    """应急救援队伍要做到什么: the clause where 队伍 is followed by 要 prescribes to it; elsewhere it is an object."""
    text = "加强应急救援队伍值班备勤。各类应急救援队伍要保持备战状态，打通最后一公里。"
    words = ["应急", "救援", "队伍"]
    without = answer_span(text, words, _weight, QuestionKind.OTHER)
    span = answer_span(text, words, _weight, QuestionKind.OTHER, actors=words)
    assert without is not None and text[without.start : without.end].startswith("加强")
    assert span is not None and span.prescribed and "最后一公里" in text[span.start : span.end]


def test_a_question_about_what_someone_must_do_quotes_what_they_are_told(bundled_kb: KnowledgeBase) -> None:
    """主要领导在大检查中要做什么: 主要领导要亲自过问, not the sentence criticising 主要领导未参会."""
    assert "亲自过问" in bundled_kb.answer("主要领导在大检查中要做什么").first_quotes()[0]


def test_what_to_do_under_a_heading_is_the_body_clause_that_prescribes() -> None:
    """迎接巡查要做哪些准备: under the heading, the sentence saying what to do, not the one saying when it comes."""
    text = (
        "三要全力做好迎接巡查各项准备工作。巡查组将于X月份开始对自治区人民政府开展巡查。"
        "这就要求我们务必高度重视，要切实开展好自查自纠。"
    )
    words = ["迎接", "巡查", "准备"]
    stated = answer_span(text, words, _weight, QuestionKind.ENUMERATION)
    asked = answer_span(text, words, _weight, QuestionKind.ENUMERATION, asks_how=True)
    assert stated is not None and text[stated.start : stated.end] == "巡查组将于X月份开始对自治区人民政府开展巡查。"
    assert asked is not None and "自查自纠" in text[asked.start : asked.end]


def test_one_and_a_classifier_is_an_article_not_a_numbered_shorthand(bundled_kb: KnowledgeBase) -> None:
    """一项系统工程 is "a systems project", not a count like 十五项硬措施 (which stays mentioned_only)."""
    answer = bundled_kb.answer("为什么说安全生产是一项系统工程")
    assert answer.status is AnswerStatus.FOUND and "涉及全县各行各业" in answer.first_quotes()[0]
    assert bundled_kb.answer("十五项硬措施是什么").status is AnswerStatus.MENTIONED_ONLY


def test_how_fast_asks_a_degree_and_is_no_content_word(bundled_kb: KnowledgeBase) -> None:
    """多快 (like 多久, 多少) asks how much; as a word the speeches never use it would outweigh the rest."""
    assert "第一时间整治到位" in bundled_kb.answer("查出的问题要多快整治到位").first_quotes()[0]


def test_coordinated_words_are_found_written_in_parallel() -> None:
    """决策和措施要怎样落实: the speech lists them in parallel (决策定…，措施列…), not far apart in one long clause."""
    text = "贯彻落实全省会议决策部署，总结分析上半年工作，落实十五条硬措施。做到决策定一项是一项，措施列一条做一条。"
    weights = {"决策": 2.8, "措施": 1.4, "落实": 0.6}
    alone = answer_span(text, list(weights), weights.__getitem__, QuestionKind.ACTION)
    joined = answer_span(text, list(weights), weights.__getitem__, QuestionKind.ACTION, coordinated=[("决策", "措施")])
    assert alone is not None and text[alone.start : alone.end].startswith("贯彻落实")
    assert joined is not None and text[joined.start : joined.end].startswith("做到决策定一项是一项")


def test_a_question_joining_words_by_a_conjunction(bundled_kb: KnowledgeBase) -> None:
    """和 between two content words coordinates them: the parallel sentence answers."""
    assert "决策定一项是一项" in bundled_kb.answer("决策和措施要怎样落实").first_quotes()[0]


def test_a_clause_forbidding_outranks_a_heading_naming_the_topic(bundled_kb: KnowledgeBase) -> None:
    """部门监管有哪些错误做法: 决不能“只管合法不管非法” answers; 二要突出部门监管责任 only names the topic."""
    assert "只管合法不管非法" in bundled_kb.answer("部门监管有哪些错误做法").first_quotes()[0]


def test_the_question_verb_of_handling_breaks_a_tie() -> None:
    """以什么态度对待隐患: both clauses carry 态度 and 隐患; the one that says 来对待 echoes the question."""
    text = "以高度负责的工作态度，做好隐患排查。以“把隐患当作事故来对待”的态度，严格执法。"
    weights = {"态度": 3.0, "隐患": 0.9}
    plain = answer_span(text, list(weights), weights.__getitem__, QuestionKind.OTHER)
    echoed = answer_span(text, list(weights), weights.__getitem__, QuestionKind.OTHER, echoes=["对待"])
    assert plain is not None and text[plain.start : plain.end].startswith("以高度负责")
    assert echoed is not None and "当作事故来对待" in text[echoed.start : echoed.end]
    # the echo alone is no answer
    assert answer_span("对待。", list(weights), weights.__getitem__, QuestionKind.OTHER, echoes=["对待"]) is None


def test_how_it_was_said_quotes_the_quotation_a_clause_refers_back_to() -> None:
    """重要指示是怎么说的: 总书记的重要指示，深刻揭示了… names the words; they are the quotation just before it."""
    assert question_kind("安全生产问题的重要指示是怎么说的") is QuestionKind.PRINCIPLE
    text = "总书记强调，“安全生产问题，一定要举一反三、亡羊补牢。”总书记的重要指示，深刻揭示了安全生产最大的问题。"
    words = ["重要", "指示", "问题"]
    span = answer_span(text, words, _weight, QuestionKind.PRINCIPLE)
    assert span is not None and text[span.start : span.end] == text
    other = answer_span(text, words, _weight, QuestionKind.OTHER)
    assert other is not None and text[other.start : other.end].startswith("总书记的重要指示")


def test_the_frame_verb_is_not_glued_to_a_content_word(bundled_kb: KnowledgeBase) -> None:
    """工作还要做什么: 做 belongs to 做什么, so 工作做 (把工作做在平时) is no word of the question."""
    from domain.knowledge.query import parse_question

    snap = bundled_kb._snapshot
    parsed = parse_question("主要领导对大检查工作还要做什么", snap.glossary, snap.segmenter, snap.index)
    assert "工作做" not in parsed.words and "工作" in parsed.words


def test_between_is_a_frame_word(bundled_kb: KnowledgeBase) -> None:
    """各部门之间怎样协作配合: 之间 says how the question is put, not what it is about (the speeches never write it)."""
    answer = bundled_kb.answer("各乡镇各部门之间怎样协作配合")
    assert answer.status is AnswerStatus.FOUND and "加强联系" in answer.first_quotes()[0]
