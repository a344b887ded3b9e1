"""Answers: glossary first for term questions, honest statuses, sources; documents added and removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.knowledge import (
    AnswerStatus,
    DefinitionKind,
    KnowledgeBase,
    KnowledgeBaseError,
    KnowledgeBaseErrorReason,
    document_id_from_file_name,
)
from storage.documents import load_knowledge
from texts.knowledge import location_label

from .conftest import BUNDLED

EXTRA_TEXT = """关于做好冬季供暖安全工作的通知
各乡镇、各部门：
一、开展燃煤锅炉专项检查。对供热企业的锅炉房逐一检查，落实“锅炉三查”（查压力表、查安全阀、查水位计）要求。
二、加强一氧化碳中毒防范。入户宣传煤烟中毒防范知识。
"""


@pytest.mark.parametrize(
    "question",
    [
        "四个一律",
        "什么是四个一律",
        "四个一律是什么",
        "四个一律指什么",
        "四个一律的内容",
        "四个一律是指什么",
        "“四个一律”是什么意思？",
        "请问四个一律具体指的是什么",
    ],
)
def test_term_question_forms_answer_from_the_glossary(bundled_kb: KnowledgeBase, question: str):
    answer = bundled_kb.answer(question)
    assert answer.status is AnswerStatus.FOUND
    assert answer.term == "四个一律"
    assert answer.definitions[0].kind is DefinitionKind.PARENTHESIS
    assert "一律关闭取缔" in answer.passages[0].text
    assert location_label(answer.passages[0].location) == "第三部分 · 三要坚持严执法"
    assert answer.mentions  # the other places, for the button


def test_enumerated_term_quotes_its_items(bundled_kb: KnowledgeBase):
    answer = bundled_kb.answer("三个坚持的内容")
    assert answer.status is AnswerStatus.FOUND
    assert [location_label(h.location) for h in answer.passages] == [
        "第三部分 · 一要坚持细排查",
        "第三部分 · 二要坚持真整改",
        "第三部分 · 三要坚持严执法",
    ]


@pytest.mark.parametrize(
    "question",
    ["五个一批是什么", "13710督办制度", "四不放过是什么意思", "两个至上", "三违指什么", "十五项硬措施是什么"],
)
def test_shorthand_never_defined_is_mentioned_only(bundled_kb: KnowledgeBase, question: str):
    answer = bundled_kb.answer(question)
    assert answer.status is AnswerStatus.MENTIONED_ONLY
    assert answer.passages == ()
    assert answer.definitions == ()
    assert answer.mentions
    assert all(m.location.steps and m.doc_title for m in answer.mentions)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("回头看是什么意思", "是否整改到位"),
        ("对屡次整改不到位的企业怎么办", "黑名单"),
        ("汛期要注意什么", "汛期"),
        ("汛期哪些行业领域容易出事", "尾矿库"),
        ("企业整改不力怎么办", "约谈"),
        ("安全生产大检查怎么考核", "一周一统计、一月一排名"),
        ("煤矿瓦斯治理", "瓦斯"),
        ("节日期间值班有什么要求", "24小时值班"),
        ("11月18日是什么日子", "安全警示教育日"),
        ("一律关闭取缔适用于什么情况", "一律关闭取缔"),
        ("企业自查自改要查哪些方面", "自查自改"),
        ("约谈的对象是谁", "约谈"),  # 约/谈 left apart by jieba are put back together
        ("隐患排查要做到什么程度", "排查"),
    ],
)
def test_paraphrased_questions_find_the_passage(bundled_kb: KnowledgeBase, question: str, expected: str):
    answer = bundled_kb.answer(question)
    assert answer.status is AnswerStatus.FOUND
    assert expected in answer.passages[0].text
    assert answer.passages[0].doc_title
    assert answer.passages[0].location.steps


@pytest.mark.parametrize(
    "question",
    [
        "今天天气怎么样",
        "食堂几点开饭",
        "公司年会什么时候开",
        "明天会下雨吗",
        "安全帽怎么戴",
        "会议几点开始",
        "安全生产许可证怎么办理",
        "加班费怎么算",
        "领导是谁",
        "？？",
        "",
    ],
)
def test_nothing_relevant_is_not_found_without_passages(bundled_kb: KnowledgeBase, question: str):
    answer = bundled_kb.answer(question)
    assert answer.status is AnswerStatus.NOT_FOUND
    assert answer.passages == ()
    assert len(answer.suggestions) == 5
    known = {t.term for t in bundled_kb.terms()}
    assert set(answer.suggestions) <= known


def test_what_to_do_about_a_shorthand_goes_to_the_passages(bundled_kb: KnowledgeBase):
    assert bundled_kb.answer("十一是什么").status is AnswerStatus.MENTIONED_ONLY
    answer = bundled_kb.answer("十一期间要做什么")
    assert answer.status is AnswerStatus.FOUND
    assert "国庆期间" in answer.passages[0].text


def test_a_term_inside_a_longer_number_is_not_that_term(bundled_kb: KnowledgeBase):
    answer = bundled_kb.answer("第二十一条是什么")
    assert answer.term is None and answer.status is AnswerStatus.NOT_FOUND


def test_passage_announcing_a_term_brings_its_definition(bundled_kb: KnowledgeBase):
    answer = bundled_kb.answer("问题整改要做到什么")
    assert answer.status is AnswerStatus.FOUND
    assert answer.term == "三个紧盯"
    assert answer.definitions[0].items[0] == "一要紧盯省委巡查反馈问题"


def test_suggestions_are_the_nearest_terms(bundled_kb: KnowledgeBase):
    answer = bundled_kb.answer("四不两直是什么")
    assert answer.status is AnswerStatus.NOT_FOUND
    assert "四不放过" in answer.suggestions[:2]


def test_match_spans_point_at_the_question_words(bundled_kb: KnowledgeBase):
    answer = bundled_kb.answer("对屡次整改不到位的企业怎么办")
    hit = answer.passages[0]
    matched = {hit.text[start:end] for start, end in hit.match_spans}
    assert "屡次" in matched or any("屡次" in m for m in matched)
    assert list(hit.match_spans) == sorted(hit.match_spans)


def test_full_passage_by_id(bundled_kb: KnowledgeBase):
    hit = bundled_kb.answer("回头看是什么意思").passages[0]
    full = bundled_kb.passage(hit.passage_id)
    assert full is not None and full.text == hit.text
    assert bundled_kb.passage("nope#1") is None


def test_terms_defined_first(bundled_kb: KnowledgeBase):
    terms = bundled_kb.terms()
    flags = [t.has_definition for t in terms]
    assert flags == sorted(flags, reverse=True)
    assert {"四个一律", "三个坚持", "五个一批", "13710"} <= {t.term for t in terms}


def test_term_button_answers_like_the_question(bundled_kb: KnowledgeBase):
    assert bundled_kb.term("三个坚持").definitions == bundled_kb.answer("三个坚持是什么").definitions


def test_documents_list(bundled_kb: KnowledgeBase):
    docs = bundled_kb.documents()
    assert [d.id[:3] for d in docs] == ["000", "001", "002", "003", "004"]
    assert all(d.bundled and d.passages > 5 and d.chars > 1000 and d.title for d in docs)


def test_add_then_remove_reindexes_without_restart(tmp_path: Path):
    extra = tmp_path / "kb"
    kb = load_knowledge(BUNDLED, extra)
    assert kb.answer("燃煤锅炉检查").status is AnswerStatus.NOT_FOUND

    info = kb.add_document("winter", None, EXTRA_TEXT)
    assert info.title == "关于做好冬季供暖安全工作的通知" and not info.bundled
    answer = kb.answer("燃煤锅炉检查")
    assert answer.status is AnswerStatus.FOUND
    assert answer.passages[0].doc_id == "winter"
    assert location_label(answer.passages[0].location) == "第一部分"
    term = kb.answer("锅炉三查是什么")
    assert term.status is AnswerStatus.FOUND and term.definitions[0].text == "查压力表、查安全阀、查水位计"
    assert (extra / "winter.txt").read_text(encoding="utf-8") == EXTRA_TEXT

    # A second load sees the saved document.
    again = load_knowledge(BUNDLED, extra)
    assert "winter" in {d.id for d in again.documents()}

    kb.remove_document("winter")
    assert kb.answer("燃煤锅炉检查").status is AnswerStatus.NOT_FOUND
    assert kb.answer("锅炉三查是什么").status is AnswerStatus.NOT_FOUND
    assert not (extra / "winter.txt").exists()
    assert "winter" not in {d.id for d in load_knowledge(BUNDLED, extra).documents()}


def test_given_title_is_kept_across_loads(tmp_path: Path):
    kb = load_knowledge(BUNDLED, tmp_path)
    kb.add_document("w", "冬季供暖通知", EXTRA_TEXT)
    assert json.loads((tmp_path / "_titles.json").read_text(encoding="utf-8")) == {"w": "冬季供暖通知"}
    reloaded = load_knowledge(BUNDLED, tmp_path)
    assert {d.id: d.title for d in reloaded.documents()}["w"] == "冬季供暖通知"


def test_in_memory_without_extra_folder():
    kb = load_knowledge(BUNDLED)
    kb.add_document("w", None, EXTRA_TEXT)
    assert kb.answer("燃煤锅炉检查").status is AnswerStatus.FOUND


@pytest.mark.parametrize(
    ("doc_id", "text", "reason"),
    [
        ("../evil", EXTRA_TEXT, KnowledgeBaseErrorReason.INVALID_ID),
        ("", EXTRA_TEXT, KnowledgeBaseErrorReason.INVALID_ID),
        (".hidden", EXTRA_TEXT, KnowledgeBaseErrorReason.INVALID_ID),
        ("003_6bc51092b02f1105", EXTRA_TEXT, KnowledgeBaseErrorReason.BUNDLED_DOCUMENT),
        ("blank", "\n  \n", KnowledgeBaseErrorReason.EMPTY_DOCUMENT),
    ],
)
def test_add_refused(tmp_path: Path, doc_id: str, text: str, reason: KnowledgeBaseErrorReason):
    kb = load_knowledge(BUNDLED, tmp_path)
    with pytest.raises(KnowledgeBaseError) as caught:
        kb.add_document(doc_id, None, text)
    assert caught.value.reason is reason
    assert list(tmp_path.glob("*.txt")) == []


def test_duplicate_needs_replace(tmp_path: Path):
    kb = load_knowledge(BUNDLED, tmp_path)
    kb.add_document("w", None, EXTRA_TEXT)
    with pytest.raises(KnowledgeBaseError) as caught:
        kb.add_document("w", None, EXTRA_TEXT)
    assert caught.value.reason is KnowledgeBaseErrorReason.DUPLICATE_ID
    kb.add_document("w", None, "一、新的内容。地下管网巡检。", replace=True)
    assert kb.answer("地下管网巡检").status is AnswerStatus.FOUND
    assert kb.answer("燃煤锅炉检查").status is AnswerStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("doc_id", "reason"),
    [
        ("003_6bc51092b02f1105", KnowledgeBaseErrorReason.BUNDLED_DOCUMENT),
        ("ghost", KnowledgeBaseErrorReason.UNKNOWN_DOCUMENT),
    ],
)
def test_remove_refused(doc_id: str, reason: KnowledgeBaseErrorReason):
    kb = load_knowledge(BUNDLED)
    with pytest.raises(KnowledgeBaseError) as caught:
        kb.remove_document(doc_id)
    assert caught.value.reason is reason


def test_bad_files_in_the_extra_folder_are_reported_not_fatal(tmp_path: Path):
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    (tmp_path / "003_6bc51092b02f1105.txt").write_text("一、重复的编号。", encoding="utf-8")
    kb = load_knowledge(BUNDLED, tmp_path)
    assert {issue.path.name for issue in kb.issues} == {"broken.docx", "003_6bc51092b02f1105.txt"}
    assert len(kb.documents()) == 5


def test_supplement_definition_is_shown_as_such(tmp_path: Path):
    (tmp_path / "glossary_supplement.toml").write_text(
        '[[term]]\nterm = "四不放过"\ndefinition = "事故原因未查清不放过、……"\nsource = "补充释义出处"\n',
        encoding="utf-8",
    )
    kb = load_knowledge(BUNDLED, tmp_path)
    answer = kb.answer("四不放过是什么")
    assert answer.status is AnswerStatus.FOUND
    (definition,) = answer.definitions
    assert definition.kind is DefinitionKind.SUPPLEMENT and definition.note == "补充释义出处"
    assert answer.mentions  # still shows where the speeches mention it


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("关于汛期的通知.docx", "关于汛期的通知"),
        ("my file (1).txt", "my_file_1"),
        ("...", "document"),
        ("a/b/c.txt", "c"),
    ],
)
def test_document_id_from_file_name(file_name: str, expected: str):
    assert document_id_from_file_name(file_name) == expected
