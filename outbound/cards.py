"""The card is the truth (issue 12 §4): after every transition each thread's anchor card is edited in place to show the
hazard as it stands, with exactly the buttons valid now, and older messages lose the buttons that no longer apply.

Each transition writes a `card` outbox row in its own transaction; the sweep sends it like any notice, one recipient per
thread, so an edit that fails for now (a flood wait, the network) is retried and survives a restart, and the transition
never waits for Telegram. An anchor that can no longer be edited (deleted, too old, a photo whose caption cannot hold
the card) is replaced: a new card is posted in the thread and becomes its anchor. "Message is not modified" is success.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, TelegramError
from telegram.warnings import PTBUserWarning

from domain.hazards import Hazard, Thread
from domain.lifecycle import HazardFacts
from kernel.services import Services
from outbound.delivery import card_for
from outbound.failures import recipient_name, send_failed
from outbound.lateness import Verdict
from storage.lifecycle import OutboxRow, PendingSend
from texts import Html, t
from texts.limits import CAPTION_LIMIT, clip_html, tg_len

log = logging.getLogger(__name__)

Keyboard = Callable[[int, HazardFacts], Awaitable[InlineKeyboardMarkup | None]]  # chat id → the buttons valid there


async def set_buttons(bot: Bot, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None) -> None:
    """editMessageReplyMarkup. Called raw: PTB's Bot.edit_message_reply_markup also sends the default parse_mode,
    which that method does not take (Telegram ignores it; the Bot API double counts it a violation)."""
    kwargs: dict[str, object] = {"chat_id": chat_id, "message_id": message_id}
    if markup is not None:
        kwargs["reply_markup"] = markup
    with warnings.catch_warnings():  # PTB suggests its own method, which is the one that sends parse_mode
        warnings.filterwarnings("ignore", message=".*editMessageReplyMarkup.*", category=PTBUserWarning)
        await bot.do_api_request("editMessageReplyMarkup", api_kwargs=kwargs)


def _not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


async def _edit(bot: Bot, chat_id: int, message_id: int, text: Html, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the card's text, or its caption when the card is a photo's; not modified counts as done."""
    try:
        await bot.edit_message_text(clip_html(text), chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        if _not_modified(exc):
            return
        if "no text in the message" not in exc.message.lower():
            raise
        if tg_len(text) > CAPTION_LIMIT:
            raise  # the card no longer fits a caption: it is replaced by a card of its own
        try:
            await bot.edit_message_caption(chat_id, message_id, caption=text, reply_markup=markup)
        except BadRequest as again:
            if not _not_modified(again):
                raise


async def _replace(bot: Bot, services: Services, hazard: Hazard, thread: Thread, send: PendingSend, text: Html,
                   markup: InlineKeyboardMarkup | None) -> Message:
    """Post the card anew in the thread and make it the anchor; the old one loses its buttons if it still can."""
    message = await bot.send_message(send.chat_id, clip_html(text), message_thread_id=send.topic_id,
                                     reply_markup=markup, reply_to_message_id=None if send.topic_id else send.reply_to,
                                     allow_sending_without_reply=True)  # fmt: skip
    await services.hazards.record_thread_opened(hazard.id, thread.unit_id, send.chat_id, send.topic_id,
                                                message.message_id)
    if send.reply_to is not None:
        try:
            await set_buttons(bot, send.chat_id, send.reply_to, None)
        except TelegramError as exc:
            log.info("old card %s in %s keeps its buttons: %s", send.reply_to, send.chat_id, exc)
    return message


async def refresh(bot: Bot, services: Services, row: OutboxRow, keyboard: Keyboard) -> bool:
    """Bring the hazard's anchor cards up to date (one recipient per delivered thread); True once the row is done."""
    now = services.now()
    hazard = await services.hazards.get_hazard(row.hazard_id)
    facts = await services.lifecycle.get_facts(row.hazard_id)
    if hazard is None or facts is None:
        await services.lifecycle.close_row(row.key, "expired", now)
        return True
    threads = {(th.chat_id, th.topic_id or 0): th for th in await services.hazards.get_threads(hazard.id)
               if th.delivered_at and th.chat_id is not None and th.anchor_message_id is not None}  # fmt: skip
    targets = [(chat, topic or None, th.anchor_message_id) for (chat, topic), th in threads.items()]
    if await services.lifecycle.add_recipients(row.key, targets, False) == "gone":
        return True
    photos = len(await services.hazards.get_photos(hazard.id))
    for send in await services.lifecycle.get_pending_sends(row.key, now):
        thread = threads.get((send.chat_id, send.topic_id or 0))
        if thread is None or send.reply_to is None:  # the thread moved since (reopened, another group): nothing here
            await services.lifecycle.mark_retry(send, "thread no longer here", None)
            continue
        text, markup = await card_for(services, hazard, thread.unit_id, photos)
        await _refresh_one(bot, services, hazard, thread, send, text, markup)
    if await services.lifecycle.count_unfinished_sends(row.key):
        return False
    await strip_stale_buttons(bot, services, facts, keyboard)
    await services.lifecycle.close_row(row.key, "sent", services.now())
    return True


async def _refresh_one(bot: Bot, services: Services, hazard: Hazard, thread: Thread, send: PendingSend, text: Html,
                       markup: InlineKeyboardMarkup | None) -> None:
    assert send.reply_to is not None
    try:
        try:
            await _edit(bot, send.chat_id, send.reply_to, text, markup)
            message_id = send.reply_to
        except BadRequest as exc:
            log.info("card of %s in %s cannot be edited (%s): posting it anew", hazard.code, send.chat_id, exc)
            message_id = (await _replace(bot, services, hazard, thread, send, text, markup)).message_id
    except ChatMigrated as exc:
        await services.groups.migrate_chat(send.chat_id, exc.new_chat_id)
        await services.lifecycle.mark_retry(send, "chat migrated", None)  # the next transition edits it there
    except TelegramError as exc:  # the one retry policy: a 429 waits, a refusal is given up, the rest back off
        await _failed(bot, services, hazard, send, exc)
    else:
        await services.lifecycle.mark_sent(send, message_id, services.now())


async def _failed(bot: Bot, services: Services, hazard: Hazard, send: PendingSend, exc: TelegramError) -> None:
    """An edit that failed follows the one policy of every send of the sweep; a give-up is told to the admins once
    (the card in that group shows an old state until the next transition)."""

    async def record(verdict: Verdict, error: str) -> None:
        await services.lifecycle.mark_retry(send, error, verdict.again, counted=verdict.counted)

    async def notice(reason: str) -> Html:
        return t("notice.card_failed", code=hazard.code, recipient=await recipient_name(services, send.chat_id),
                 reason=reason)

    await send_failed(bot, services, exc, send.attempts, record=record, logger=log,
                      what=f"the card of {hazard.code} in {send.chat_id}", notice=notice)


def actions_of(markup: InlineKeyboardMarkup) -> list[str]:
    """The actions a hazard's action keyboard offers (callback data h1:<hazard>:<action>), in the order shown."""
    return [str(b.callback_data).split(":")[2] for row in markup.inline_keyboard for b in row
            if str(b.callback_data).count(":") == 2]  # fmt: skip


def _only(markup: InlineKeyboardMarkup | None, actions: Sequence[str]) -> InlineKeyboardMarkup | None:
    """The buttons of `markup` (what is valid now) for these actions, laid out three to a row as they were."""
    if markup is None or not actions:
        return None
    kept = [b for row in markup.inline_keyboard for b in row if str(b.callback_data).split(":")[-1] in actions]
    return InlineKeyboardMarkup([kept[i : i + 3] for i in range(0, len(kept), 3)]) if kept else None


async def strip_stale_buttons(bot: Bot, services: Services, facts: HazardFacts, keyboard: Keyboard) -> None:
    """Earlier messages about the hazard lose the buttons that no longer apply for their readers (a notice keeps what
    it offered and still may be pressed, and gains nothing). A message is edited only when it loses a button, and is
    not looked at again once it has none. Best effort: an edit that fails for now is tried again at the next
    transition."""
    valid: dict[int, InlineKeyboardMarkup | None] = {}
    for chat_id, message_id, offered in await services.lifecycle.get_button_messages(facts.hazard_id):
        if chat_id not in valid:
            valid[chat_id] = await keyboard(chat_id, facts)
        markup = valid[chat_id]
        now_valid = set(actions_of(markup)) if markup is not None else set()
        kept = [a for a in offered if a in now_valid]
        if len(kept) == len(offered):
            continue
        try:
            await set_buttons(bot, chat_id, message_id, _only(markup, kept))
        except BadRequest as exc:
            if not _not_modified(exc):
                log.info("buttons of message %s in %s left as they are: %s", message_id, chat_id, exc)
                await services.lifecycle.forget_buttons(chat_id, message_id)  # deleted or no longer editable
                continue
        except TelegramError as exc:
            log.info("buttons of message %s in %s not updated now: %s", message_id, chat_id, exc)
            continue
        if kept:
            await services.lifecycle.keep_buttons(chat_id, message_id, kept)
        else:
            await services.lifecycle.forget_buttons(chat_id, message_id)
