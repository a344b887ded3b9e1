"""The card is the truth (issue 12 §4): after every transition each thread's anchor card is edited in place to show the
hazard as it stands, with exactly the buttons valid now, and older messages lose the buttons that no longer apply.

Each transition writes a `card` outbox row in its own transaction; the sweep sends it like any notice, one recipient per
thread, so an edit that fails for now (a flood wait, the network) is retried and survives a restart, and the
transition never waits for the messenger. An anchor that can no longer be edited (deleted, too old, a photo whose
caption cannot hold the card) is replaced: a new card is posted in the thread and becomes its anchor. An edit that
changes nothing is done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from domain.hazards import Hazard, Thread
from domain.lifecycle import HazardFacts
from kernel.services import Services
from messenger.port import ChatMoved, Messenger, MessengerError, NotEditable, Place
from outbound.delivery import card_for
from outbound.failures import recipient_name, send_failed
from outbound.retry import Verdict
from storage.lifecycle import OutboxRow, PendingSend
from storage.payloads import RowStatus
from texts import Html, t
from views.keyboards import Keyboard, actions_of, only

log = logging.getLogger(__name__)

ValidNow = Callable[[int, HazardFacts], Awaitable[Keyboard | None]]  # chat id → the buttons valid there


async def _replace(messenger: Messenger, services: Services, hazard: Hazard, thread: Thread, send: PendingSend,
                   text: Html, keyboard: Keyboard | None) -> int:
    """Post the card anew in the thread and make it the anchor; the old one loses its buttons if it still can."""
    place = Place(send.chat_id, send.topic_id, None if send.topic_id else send.reply_to)
    message_id = await messenger.send_text(place, text, keyboard)
    await services.hazards.record_thread_opened(hazard.id, thread.unit_id, send.chat_id, send.topic_id, message_id)
    if send.reply_to is not None:
        try:
            await messenger.set_buttons(send.chat_id, send.reply_to, None)
        except MessengerError as exc:
            log.info("old card %s in %s keeps its buttons: %s", send.reply_to, send.chat_id, exc)
    return message_id


async def refresh(messenger: Messenger, services: Services, row: OutboxRow, valid_now: ValidNow) -> bool:
    """Bring the hazard's anchor cards up to date (one recipient per delivered thread); True once the row is done."""
    now = services.now()
    read = await services.hazards.get_with_facts(row.hazard_id)
    if read is None:
        await services.lifecycle.close_row(row.key, RowStatus.EXPIRED, now)
        return True
    hazard, facts = read
    threads = {(th.chat_id, th.topic_id or 0): th for th in await services.hazards.get_threads(hazard.id)
               if th.delivered_at and th.chat_id is not None and th.anchor_message_id is not None}  # fmt: skip
    targets = [(chat, topic or None, th.anchor_message_id) for (chat, topic), th in threads.items()]
    status, sends = await services.lifecycle.claim_sends(row.key, targets, False, now)
    if status == "gone":
        return True
    photos = len(await services.hazards.get_photos(hazard.id))
    for send in sends:
        thread = threads.get((send.chat_id, send.topic_id or 0))
        if thread is None or send.reply_to is None:  # the thread moved since (reopened, another group): nothing here
            await services.lifecycle.mark_retry(send, "thread no longer here", None)
            continue
        text, keyboard = await card_for(services, hazard, thread.unit_id, photos)
        await _refresh_one(messenger, services, hazard, thread, send, text, keyboard)
    if await services.lifecycle.count_unfinished_sends(row.key):
        return False
    await strip_stale_buttons(messenger, services, facts, valid_now)
    await services.lifecycle.close_row(row.key, RowStatus.SENT, services.now())
    return True


async def _refresh_one(messenger: Messenger, services: Services, hazard: Hazard, thread: Thread, send: PendingSend,
                       text: Html, keyboard: Keyboard | None) -> None:
    assert send.reply_to is not None
    try:
        try:
            await messenger.edit_card(send.chat_id, send.reply_to, text, keyboard)
            message_id = send.reply_to
        except NotEditable as exc:
            log.info("card of %s in %s cannot be edited (%s): posting it anew", hazard.code, send.chat_id, exc)
            message_id = await _replace(messenger, services, hazard, thread, send, text, keyboard)
    except ChatMoved as exc:
        await services.groups.migrate_chat(send.chat_id, exc.new_chat_id)
        await services.lifecycle.mark_retry(send, "chat migrated", None)  # the next transition edits it there
    except MessengerError as exc:  # the one retry policy: a 429 waits, a refusal is given up, the rest back off
        await _failed(messenger, services, hazard, send, exc)
    else:
        await services.lifecycle.mark_sent(send, message_id, services.now())


async def _failed(messenger: Messenger, services: Services, hazard: Hazard, send: PendingSend,
                  exc: MessengerError) -> None:
    """An edit that failed follows the one policy of every send of the sweep; a give-up is told to the admins once
    (the card in that group shows an old state until the next transition)."""

    async def record(verdict: Verdict, error: str) -> None:
        await services.lifecycle.mark_retry(send, error, verdict.again, counted=verdict.counted)

    async def notice(reason: str) -> Html:
        return t("notice.card_failed", code=hazard.code, recipient=await recipient_name(services, send.chat_id),
                 reason=reason)

    await send_failed(messenger, services, exc, send.attempts, record=record, logger=log,
                      what=f"the card of {hazard.code} in {send.chat_id}", notice=notice)


async def strip_stale_buttons(messenger: Messenger, services: Services, facts: HazardFacts,
                              valid_now: ValidNow) -> None:
    """Earlier messages about the hazard lose the buttons that no longer apply for their readers (a notice keeps what
    it offered and still may be pressed, and gains nothing). A message is edited only when it loses a button, and is
    not looked at again once it has none. Best effort: an edit that fails for now is tried again at the next
    transition."""
    valid: dict[int, Keyboard | None] = {}
    for chat_id, message_id, offered in await services.lifecycle.get_button_messages(facts.hazard_id):
        if chat_id not in valid:
            valid[chat_id] = await valid_now(chat_id, facts)
        keyboard = valid[chat_id]
        now_valid = set(actions_of(keyboard)) if keyboard is not None else set()
        kept = [a for a in offered if a in now_valid]
        if len(kept) == len(offered):
            continue
        try:
            await messenger.set_buttons(chat_id, message_id, only(keyboard, kept))
        except NotEditable as exc:
            log.info("buttons of message %s in %s left as they are: %s", message_id, chat_id, exc)
            await services.lifecycle.forget_buttons(chat_id, message_id)  # deleted or no longer editable
            continue
        except MessengerError as exc:
            log.info("buttons of message %s in %s not updated now: %s", message_id, chat_id, exc)
            continue
        if kept:
            await services.lifecycle.keep_buttons(chat_id, message_id, kept)
        else:
            await services.lifecycle.forget_buttons(chat_id, message_id)
