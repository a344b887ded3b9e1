"""Policy answers and the weekly self-check on Feishu, through the same use cases as on Telegram."""

from __future__ import annotations

from tests.feishu.conftest import FeishuWorld


async def test_a_question_in_the_private_chat_is_answered_from_the_speeches(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    assert "还未加入" in (await fworld.command(officer, "什么是四个一律？")).text  # strangers are not answered
    await fworld.join(officer, "e01", "安全员")
    answer = await fworld.command(officer, "什么是四个一律？")
    assert "一律" in answer.text and "没有找到" not in answer.text
    usage = await fworld.command(officer, "/ask")
    assert "用法：/ask 问题" in usage.text
    terms = await fworld.command(officer, "/terms")
    assert "词条表（第 1–" in terms.text
    next_page = next(label for label, _ in terms.buttons if "下一页" in label)
    edits = len(terms.edits)
    await feishu.press(officer, terms, next_page)
    await feishu.wait_for(lambda: len(terms.edits) > edits, what="the next page in place")
    assert "词条表（第 31–" in feishu.messages[terms.message_id].text
    assert feishu.violations == []


async def test_the_weekly_self_check_by_card(fworld: FeishuWorld) -> None:
    feishu, officer = fworld.feishu, fworld.officer
    await fworld.join(officer, "e01", "安全员")
    prompt = await fworld.command(officer, "/selfcheck")
    labels = [label for label, _ in prompt.buttons]
    assert any("零报告" in label for label in labels), prompt.text
    zero = next(label for label in labels if "零报告" in label)
    edits = len(prompt.edits)
    await feishu.press(officer, prompt, zero)
    await feishu.wait_for(lambda: len(prompt.edits) > edits, what="the self-check recorded in place")
    assert "零报告" in feishu.messages[prompt.message_id].text
    again = await fworld.command(officer, "/selfcheck")
    assert "已" in again.text  # made already this week
