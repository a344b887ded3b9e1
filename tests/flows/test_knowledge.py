"""Policy questions in chat: answers quote the speeches with their source; honest when nothing is found."""

from __future__ import annotations

import asyncio

import pytest

from tests.flows.conftest import World
from tests.flows.steps import buttons


@pytest.fixture
def world_kb() -> None:
    """These tests add and remove documents: the bot loads a knowledge base of its own."""
    return None


@pytest.fixture
async def world(world: World) -> World:
    """The bot once it has loaded that knowledge base (in the background, after it began polling)."""
    await asyncio.wait_for(world.app.bot_data.services.kb_loaded.wait(), 30)
    return world


async def _officer(world: World) -> None:
    await world.join(world.officer, "e01", "安全员")


async def test_plain_question_in_private_chat_quotes_the_speech(world: World) -> None:
    await _officer(world)
    answer = await world.command(world.officer, "什么是四个一律")
    assert "一律关闭取缔" in answer["plain_text"] and "《" in answer["plain_text"]
    assert "<blockquote>" in answer["text"]


async def test_nothing_found_quotes_nothing_and_offers_terms(world: World) -> None:
    await _officer(world)
    answer = await world.command(world.officer, "明天会下雨吗")
    assert "没有找到" in answer["plain_text"] and "<blockquote>" not in answer["text"]
    suggestions = buttons(answer)
    assert suggestions and all(data.startswith("kb1:q:") for data in suggestions.values())
    label = next(iter(suggestions))
    await world.api.press(world.officer, answer, suggestions[label])
    assert label in (await world.api.expect(world.officer.id))["plain_text"]


async def test_mentioned_but_undefined_says_so(world: World) -> None:
    await _officer(world)
    answer = await world.command(world.officer, "/ask 五个一批是什么")
    assert "没有给出它的具体内容" in answer["plain_text"] and "五个一批" in answer["plain_text"]


async def test_full_passage_button_and_terms_pages(world: World) -> None:
    await _officer(world)
    answer = await world.command(world.officer, "屡次整改不到位的企业怎么处理")
    assert "黑名单" in answer["plain_text"]
    full = [data for label, data in buttons(answer).items() if label.startswith("全文")]
    assert full  # the passage is long: the answer shows an excerpt and offers the whole
    await world.api.press(world.officer, answer, full[0])
    passage = await world.api.expect(world.officer.id)
    assert "黑名单" in passage["plain_text"] and len(passage["plain_text"]) > len(answer["plain_text"]) // 2
    page = await world.command(world.officer, "/terms")
    assert "词条表" in page["plain_text"] and "四个一律" in page["plain_text"]
    await world.api.press(world.officer, page, buttons(page)["下一页 ▶"])
    edited = (await world.api.expect_edit(world.officer.id)).message
    assert "第 31–" in edited["plain_text"]


async def test_ask_in_a_group_answers_there(world: World) -> None:
    await _officer(world)
    answer = await world.command(world.officer, "/ask 三个坚持是指什么", chat=world.dept_group)
    assert "细排查" in answer["plain_text"]


async def test_admin_adds_and_removes_a_document(world: World) -> None:
    text = "关于冬季防火的通知\n一、各单位要落实“冬防五查”（查电路、查燃气、查通道、查消防设施、查值班）。\n"
    await world.api.send_document(world.admin, text.encode("gb18030"), file_name="winter_fire.txt",
                                  mime_type="text/plain", caption="/kb add 冬季防火通知")
    added = await world.api.expect(world.admin.id)
    assert "已加入知识库" in added["plain_text"] and "冬季防火通知" in added["plain_text"]
    assert "查电路" in (await world.command(world.admin, "什么是冬防五查"))["plain_text"]
    assert "winter_fire" in (await world.command(world.admin, "/kb"))["plain_text"]
    assert "已从知识库删除" in (await world.command(world.admin, "/kb remove winter_fire"))["plain_text"]
    assert "没有找到" in (await world.command(world.admin, "什么是冬防五查"))["plain_text"]
    bundled = (await world.command(world.admin, "/kb"))["text"].split("<code>")[1].split("</code>")[0]
    assert "不能删除" in (await world.command(world.admin, f"/kb remove {bundled}"))["plain_text"]


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [(b"", "empty.txt", "空的"), (b"\x00\x01\x02\xff" * 50, "blob.txt", "不是文本"), (b"PK", "x.pdf", "只支持")],
)
async def test_bad_documents_are_refused(world: World, data: bytes, name: str, words: str) -> None:
    await world.api.send_document(world.admin, data, file_name=name, mime_type="application/octet-stream",
                                  caption="/kb add")
    assert words in (await world.api.expect(world.admin.id))["plain_text"]


async def test_only_admins_manage_documents_and_strangers_are_told_to_join(world: World) -> None:
    await _officer(world)
    assert "仅限管理员" in (await world.command(world.officer, "/kb"))["plain_text"]
    assert "邀请链接" in (await world.command(world.stranger, "什么是四个一律"))["plain_text"]



async def test_question_as_officials_ask_quotes_the_answering_clause_first(world: World) -> None:
    """…怎么处理: the clause that answers is quoted, not the passage's opening; the passage is a button away."""
    await _officer(world)
    answer = await world.command(world.officer, "对屡次整改不到位的企业怎么处理")
    text = answer["plain_text"]
    assert "黑名单" in text and "停水停电强制关停" in text
    # The passage opens with 各部门要落实“紧上加紧、严上加严”的工作要求: not what was asked, not quoted.
    assert "紧上加紧" not in text
    full = [data for label, data in buttons(answer).items() if label.startswith("全文")]
    assert full
    await world.api.press(world.officer, answer, full[0])
    whole = (await world.api.expect(world.officer.id))["plain_text"]
    assert "黑名单" in whole and "紧上加紧" in whole
