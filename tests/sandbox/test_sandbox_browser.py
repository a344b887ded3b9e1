"""The sandbox page in a real browser: Debian's headless Chromium driven by Playwright, screenshots in artifacts/.

Skipped, saying why, where Chromium or Playwright is missing (scripts/install-browser.sh installs
Chromium; Playwright comes with the dev extras). Playwright never downloads a browser here: it is
pointed at the system's binary.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from config.settings import PROJECT_ROOT
from domain.knowledge import KnowledgeBase
from sandbox.feishu.runner import FeishuSandbox
from sandbox.images import sample_jpeg
from sandbox.runner import Sandbox
from storage.documents import load_knowledge

if TYPE_CHECKING:
    from playwright.async_api import FilePayload, Page

CHROMIUM = Path(os.environ.get("HAZARD_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT_ROOT / "artifacts" / "sandbox"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server",
]  # fmt: skip
WAIT_MS = 15_000
# The walk starts on a Monday morning in Shanghai, so 3天内 and five days later fall on known working days.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests skipped: Chromium is not installed at {CHROMIUM} (run scripts/install-browser.sh)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests skipped: the playwright package is not installed (pip install -e '.[dev]')"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
def module_kb() -> KnowledgeBase:
    """The bundled speeches, indexed once for this module."""
    return load_knowledge(PROJECT_ROOT / "config" / "corpus")


@pytest_asyncio.fixture
async def sandbox(tmp_path: Path, module_kb: KnowledgeBase) -> AsyncIterator[Sandbox]:
    """A fresh sandbox on a free port."""
    box = Sandbox(port=0, data_dir=tmp_path / "sandbox", kb=module_kb, env_file=None, start_at=START)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest_asyncio.fixture
async def page(tmp_path: Path, sandbox: Sandbox) -> AsyncIterator[Page]:
    """The sandbox page open in headless Chromium, with a new empty profile."""
    async with _browser(tmp_path, sandbox.url) as opened:
        yield opened


@pytest_asyncio.fixture
async def feishu_page(tmp_path: Path, module_kb: KnowledgeBase) -> AsyncIterator[Page]:
    """The sandbox on the Feishu double, its page open in headless Chromium."""
    box = FeishuSandbox(port=0, data_dir=tmp_path / "sandbox", kb=module_kb, env_file=None, start_at=START)
    await box.start()
    try:
        async with _browser(tmp_path, box.url) as opened:
            yield opened
    finally:
        await box.stop()
    assert not box.feishu.violations, box.feishu.violations


@contextlib.asynccontextmanager
async def _browser(tmp_path: Path, url: str) -> AsyncIterator[Page]:
    from playwright.async_api import async_playwright

    errors: list[str] = []
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860}, locale="zh-CN", timezone_id="Asia/Shanghai",
        )  # fmt: skip
        opened = await context.new_page()
        opened.set_default_timeout(WAIT_MS)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        await opened.goto(url)
        try:
            yield opened
        finally:
            await context.close()
    assert not errors, errors


class Walk:
    """A person at the page: choose who you are, type, press, upload; screenshots numbered in order."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.step = 0
        self.mark = 0  # the newest message id in the open chat before our last action
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def shot(self, what: str) -> None:
        """Save a screenshot of the whole page as artifacts/sandbox/<test>-<nn>-<what>.png."""
        self.step += 1
        await self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.step:02d}-{what}.png"))

    async def become(self, label: str) -> None:
        """Choose who you are by the label the page shows ("县消防救援大队 · 负责人")."""
        value = await self.page.eval_on_selector(
            "#who", "(select, label) => [...select.options].find(o => o.text.includes(label)).value", label)
        await self.page.select_option("#who", value)
        await expect(self.page.locator("#who-label")).to_have_text(label)
        self.mark = 0

    async def _remember(self) -> None:
        self.mark = int(await self.page.evaluate(
            "() => Math.max(0, ...[...document.querySelectorAll('#messages [data-id]')].map(m => +m.dataset.id))"))

    async def say(self, text: str) -> None:
        """Type a message and press Enter."""
        await self._remember()
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")

    async def bot_says(self, text: str) -> None:
        """Wait until the bot sends, into the open chat after our last action, a message containing ``text``.

        Not just the latest message: the bot may send a notice right after its answer.
        """
        try:
            await self.page.wait_for_function(
                "([mark, text]) => [...document.querySelectorAll('#messages .msg.bot')]"
                ".some(m => +m.dataset.id > mark && m.textContent.includes(text))", arg=[self.mark, text])
        except Exception as error:  # Playwright's TimeoutError: say what the chat shows instead
            shown = await self.page.locator("#messages").inner_text()
            raise AssertionError(f"the bot did not say {text!r}; the chat shows:\n{shown[-1500:]}") from error

    async def press(self, label: str) -> None:
        """Press the newest inline button whose label contains ``label``.

        The answer may be the pressed message itself, edited in place, so it counts as after our action.
        """
        button = self.page.locator("#messages .keyboard button", has_text=label).last
        self.mark = int(await button.evaluate("b => +b.closest('[data-id]').dataset.id")) - 1
        await button.click()

    async def open_topic(self, group: str, topic_starts: str) -> None:
        """Open a group's topic from the chat list."""
        await expect(self.page.locator(".chat.group .name", has_text=group)).to_be_visible()
        topic = self.page.locator(".topic .name", has_text=topic_starts).first
        await topic.click()
        await expect(self.page.locator("#chat-title")).to_contain_text(topic_starts)
        self.mark = 0

    async def open_private_chat(self) -> None:
        await self.page.locator(".chat.private").click()
        await expect(self.page.locator("#chat-sub")).to_have_text("私聊")
        self.mark = 0


def expect(target: Any) -> Any:
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(target)


async def report_a_hazard_with_a_photo(walk: Walk) -> None:
    """The officer of 示范化工 reports a fire hazard with one photo uploaded from the computer."""
    await walk.become("示范化工有限公司 · 安全员")
    await walk.shot("officer")
    await walk.say("/report")
    await walk.bot_says("请描述")
    await walk.say("二号仓库灭火器过期，安全出口被杂物堵塞")
    await walk.bot_says("行业领域")
    await walk.press("消防安全")
    await walk.bot_says("具体位置")
    await walk.say("二号仓库东门")
    await walk.bot_says("现场照片")
    photo = sample_jpeg(800, 600, color=(180, 60, 30), label="fire exit blocked")
    upload: FilePayload = {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo}
    await walk.page.set_input_files("#photo-input", files=[upload])
    await walk.bot_says("第 1 张")
    await expect(walk.page.locator("#messages .msg.mine .photos img").last).to_be_visible()
    await walk.shot("photo-uploaded")
    await walk.press("完成")
    await walk.bot_says("隐患等级")
    await walk.press("一般隐患")
    await walk.bot_says("请确认隐患报告")
    await walk.shot("confirm-card")
    await walk.press("提交")
    await walk.bot_says("已立案")
    await walk.bot_says("YH-2026-")
    await walk.shot("filed")


async def photo_shown(page: Page) -> None:
    """Wait until a photo in the open chat has really loaded from the double's file store."""
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#messages .photos img')].some(i => i.complete && i.naturalWidth > 0)")


async def test_report_reaches_the_department_topic_and_the_officer_asks_a_question(page: Page) -> None:
    walk = Walk(page, "walkthrough")
    await report_a_hazard_with_a_photo(walk)

    await walk.become("县消防救援大队 · 负责人")
    await walk.open_topic("县消防救援大队", "YH-2026-")
    card = page.locator("#messages .msg.bot", has_text="二号仓库灭火器过期").first
    await expect(card).to_contain_text("示范化工有限公司")
    await expect(card.locator(".body b").first).to_be_visible()  # the card's HTML formatting is rendered
    await photo_shown(page)
    await walk.shot("department-topic")

    await walk.become("示范化工有限公司 · 安全员")
    await walk.open_private_chat()
    await walk.say("什么是四个一律")
    await walk.bot_says("一律关闭取缔")
    answer = page.locator("#messages .msg.bot", has_text="一律关闭取缔").last
    await expect(answer.locator("blockquote").first).to_be_visible()
    await walk.shot("policy-answer")


async def test_accept_with_a_deadline_then_time_jumps_and_the_township_lead_is_nudged(page: Page) -> None:
    walk = Walk(page, "overdue")
    await report_a_hazard_with_a_photo(walk)

    await walk.become("县消防救援大队 · 成员")
    await walk.open_topic("县消防救援大队", "YH-2026-")
    await walk.press("受理定级")
    await walk.bot_says("请确定隐患等级")
    await walk.press("一般隐患")
    await walk.bot_says("整改期限")
    await walk.say("3天内")
    await walk.bot_says("确认")
    await walk.press("确认")
    await walk.bot_says("责任人")
    await walk.say("王五 仓库主管")
    await walk.bot_says("已完成：受理定级")
    await walk.shot("accepted")

    for _ in range(5):
        await page.get_by_role("button", name="+1 天").click()
        await expect(page.locator("#toast")).to_be_visible()
        await expect(page.locator("#toast")).to_be_hidden(timeout=WAIT_MS)
    await expect(page.locator("#clock-moved")).to_contain_text("已快进 5 天")
    await walk.shot("five-days-later")

    await walk.become("城关镇 · 负责人")
    await walk.open_private_chat()
    await walk.bot_says("逾期")
    await expect(page.locator("#messages .msg.bot", has_text="逾期").last).to_contain_text("YH-2026-000001")
    # it fell due during a time jump, with the bot running all along: not 补发 (that is for the bot's downtime)
    await expect(page.locator("#messages .msg.bot", has_text="补发")).to_have_count(0)
    await walk.shot("township-lead-nudged")


async def test_a_message_over_the_limit_stays_in_the_box(page: Page) -> None:
    walk = Walk(page, "too-long")
    await walk.become("示范化工有限公司 · 安全员")
    await walk.open_private_chat()
    text = "二号仓库" * 1025  # 4100 characters: over Telegram's 4096
    await walk.say(text)
    await expect(page.locator("#error")).to_contain_text("消息过长")
    await expect(page.locator("#text")).to_have_value(text)  # nothing lost: shorten it and send again
    await walk.shot("refused-kept")
    await walk.say("/help")
    await walk.bot_says("/report")
    await expect(page.locator("#text")).to_have_value("")
async def show_card(page: Page) -> None:
    """Scroll the topic's card into view for the screenshot (in one go in the page: it redraws as messages come)."""
    await page.evaluate("() => [...document.querySelectorAll('#messages .msg.bot')]"
                        ".find(m => m.textContent.includes('状态：'))?.scrollIntoView()")


async def test_the_verifier_decides_with_both_photos_in_view_and_the_card_follows_each_step(page: Page) -> None:
    walk = Walk(page, "evidence")
    await report_a_hazard_with_a_photo(walk)

    await walk.become("县消防救援大队 · 成员")
    await walk.open_topic("县消防救援大队", "YH-2026-")
    card = page.locator("#messages .msg.bot", has_text="二号仓库灭火器过期").first
    await expect(card).to_contain_text("状态：已上报")
    await walk.press("受理定级")
    await walk.bot_says("请确定隐患等级")
    await walk.press("一般隐患")
    await walk.bot_says("整改期限")
    await walk.say("3天内")
    await walk.press("确认")
    await walk.bot_says("责任人")
    await walk.say("王五 仓库主管")
    await walk.bot_says("已完成：受理定级")
    await expect(card).to_contain_text("状态：整改中")  # the card, edited in place
    await expect(card).to_contain_text("下一步：等待示范化工有限公司整改并提交整改")
    await show_card(page)
    await walk.shot("card-accepted")

    await walk.become("示范化工有限公司 · 安全员")
    await walk.open_private_chat()
    await walk.bot_says("已受理")
    await walk.press("提交整改")
    await walk.bot_says("整改措施")
    await walk.say("已更换灭火器，清理安全出口")
    await walk.bot_says("整改后照片")
    after = sample_jpeg(800, 600, color=(40, 140, 60), label="exit cleared")
    upload: FilePayload = {"name": "整改后.jpg", "mimeType": "image/jpeg", "buffer": after}
    await walk.page.set_input_files("#photo-input", files=[upload])
    await walk.bot_says("第 1 张")
    await walk.press("完成")
    await walk.bot_says("已完成：提交整改")

    await walk.become("县消防救援大队 · 负责人")
    await walk.open_topic("县消防救援大队", "YH-2026-")
    evidence = page.locator("#messages .msg.bot", has_text="验收凭据").last
    await expect(evidence).to_contain_text("整改前照片 1 张在前，整改后照片 1 张在后")
    await expect(evidence.locator(".photos img")).to_have_count(2)
    await expect(card).to_contain_text("状态：待验收")
    await photo_shown(page)
    await walk.shot("verifier-sees-before-and-after")
    await walk.press("验收通过")
    await walk.bot_says("验收意见")
    await walk.press("无意见")
    await walk.bot_says("请确认验收通过")
    await walk.press("确认")
    await walk.bot_says("已完成：验收通过")
    await expect(card).to_contain_text("状态：已销号")
    await walk.shot("closed")
    await show_card(page)
    await walk.shot("card-closed")


async def test_on_feishu_the_report_reaches_the_topic_and_is_accepted_in_its_thread(feishu_page: Page) -> None:
    """The same page over the Feishu double: cards with buttons, the 话题群's topics, a deadline typed in the thread."""
    page = feishu_page
    walk = Walk(page, "feishu")
    await report_a_hazard_with_a_photo(walk)

    await walk.become("县消防救援大队 · 成员")
    await walk.open_topic("县消防救援大队", "YH-2026-")
    await photo_shown(page)
    await walk.shot("department-topic")
    await walk.press("受理定级")
    await walk.bot_says("请确定隐患等级")
    await walk.press("一般隐患")
    await walk.bot_says("请输入整改期限")
    await walk.say("3天内")
    await walk.bot_says("2026年11月26日")
    await walk.shot("deadline-in-the-thread")
    await walk.press("确认")
    await walk.bot_says("责任人")
    await walk.say("王五 仓库主管")
    await walk.bot_says("已完成：受理定级")
    await walk.shot("accepted")
