"""Deliver filed hazards into their responsible units' groups: a topic (or an anchor message) per unit.

Part of the sweep's one send pipeline (outbound.sweep): a delivery that fails is tried again by the sweep with
the same backoff as every notice (outbound.retry.retry_at), a 429 waits its retry_after, and one that still
fails after its attempts (or that the messenger refuses outright) is given up on and reported to the admins once,
with the unit and the reason. The reporter hears where the report arrived, or that it could not (the
admins told), once every unit has an outcome: a notice queued in the outbox and sent by the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.hazards import Hazard, Thread, ThreadRole
from kernel.services import Services
from messenger.port import Blocked, ChatMoved, Messenger, MessengerError, Place, ThreadGone, Unreachable
from outbound.failures import send_failed, tell_admins
from outbound.retry import Verdict
from storage.hazards import PendingThread
from texts import Html, t
from texts.limits import CAPTION_LIMIT, tg_len
from views.cards import hazard_card, topic_name
from views.keyboards import Keyboard, action_keyboard, unit_viewer
from views.notices import actor_name

log = logging.getLogger(__name__)


async def deliver_pending(messenger: Messenger, services: Services, unit_id: str | None = None, *,
                          sweeping: bool = False, stopping: Callable[[], bool] = lambda: False) -> bool:
    """Deliver every hazard not yet in its units' groups (of one unit, or all) whose time to try has come, and tell
    the admins once per hazard and unit of those waiting for a unit without a group.

    `sweeping`: the sweep's every-minute pass, which skips units without a group; `stopping`: whether the bot was
    told to stop (SIGTERM; the rest stay due for the next start). Returns whether a notice to a reporter was queued
    (the caller's sweep sends it).
    """
    queued = False
    async with services.delivery_lock:
        now = services.now()
        touched: dict[int, None] = {}
        found = await services.hazards.get_undelivered_threads(unit_id, due_by=now, bound_only=sweeping)
        for pending in found:
            if stopping():
                break
            hazard, thread = pending.hazard, pending.thread
            touched[hazard.id] = None
            try:
                opened = await open_thread(messenger, services, hazard, thread.unit_id, reuse=thread)
            except MessengerError as exc:
                await _failed(messenger, services, pending, exc)
                continue
            if opened:
                await services.hazards.mark_delivered(hazard.id, thread.unit_id, services.now())
        for hazard_id in touched:
            queued |= await services.hazards.queue_reporter_followup(hazard_id, services.now())
        await _tell_unbound(messenger, services)
    return queued


async def _tell_unbound(messenger: Messenger, services: Services) -> None:
    """Tell the admins of the hazards newly waiting for a unit without a group: one notice per unit, each hazard
    named once ever (marked after the notice went out: a kill in between tells it again, never not at all)."""
    waiting: dict[str, list[tuple[int, str]]] = {}
    for hazard_id, code, unit_id in await services.hazards.get_unbound_untold():
        waiting.setdefault(unit_id, []).append((hazard_id, code))
    for unit_id, hazards in waiting.items():
        unit = services.org.units[unit_id]
        codes = [code for _, code in hazards]
        if len(codes) == 1:
            text = t("delivery.unit_unbound", code=codes[0], unit=unit.name, unit_id=unit.id)
        else:
            text = t("delivery.unit_unbound_many", count=len(codes), codes="、".join(codes), unit=unit.name,
                     unit_id=unit.id)  # fmt: skip
        await tell_admins(messenger, services, text)
        await services.hazards.mark_unbound_told([(hazard_id, unit_id) for hazard_id, _ in hazards], services.now())


async def _failed(messenger: Messenger, services: Services, pending: PendingThread, exc: MessengerError) -> None:
    """One failed delivery: the one retry policy (a 429 waits and is no attempt), a give-up told to the admins once."""
    hazard, unit = pending.hazard, services.org.units[pending.thread.unit_id]

    async def record(verdict: Verdict, error: str) -> None:
        await services.hazards.record_delivery_failure(hazard.id, unit.id, error, verdict.again, services.now(),
                                                       counted=verdict.counted)  # fmt: skip

    async def notice(reason: str) -> Html:
        key = "delivery.bot_removed" if isinstance(exc, Blocked) else "delivery.failed"
        return t(key, code=hazard.code, unit=unit.name, unit_id=unit.id, reason=reason)

    await send_failed(messenger, services, exc, pending.attempts, record=record, logger=log,
                      what=f"the delivery of {hazard.code} to {unit.id}", notice=notice)


async def open_thread(messenger: Messenger, services: Services, hazard: Hazard, unit_id: str, *,
                      reuse: Thread | None = None) -> Thread | None:
    """Open (or finish opening) the hazard's thread in the unit's group: topic, card, photos.

    Repairs what the messenger reports on the way, once each: a group that became a supergroup
    (ChatMoved: the stored chat id is updated) and a topic that was deleted (a new one is opened).
    None when the unit has no group.
    """
    for _attempt in range(3):
        binding = await services.groups.get_binding_of_unit(unit_id)
        if binding is None:
            return None
        try:
            return await _open(messenger, services, hazard, unit_id, binding.chat_id, binding.is_forum, reuse)
        except ChatMoved as exc:
            await services.groups.migrate_chat(binding.chat_id, exc.new_chat_id)
        except ThreadGone:
            reuse = None  # the stored topic is gone: open a new one
            await services.hazards.record_thread_opened(hazard.id, unit_id, binding.chat_id, None, None)
    raise Unreachable(f"could not open the thread of {hazard.code} in {unit_id}")


async def _open(messenger: Messenger, services: Services, hazard: Hazard, unit_id: str, chat_id: int,
                is_forum: bool, reuse: Thread | None) -> Thread:
    org = services.org
    topic_id = reuse.topic_id if reuse is not None and reuse.chat_id == chat_id else None
    if is_forum and topic_id is None:
        topic_id = await messenger.open_thread(chat_id, topic_name(org, hazard))
        await services.hazards.record_thread_opened(hazard.id, unit_id, chat_id, topic_id, None)
    photos = await services.hazards.get_photos(hazard.id)
    # A card once recorded as the thread's anchor is not sent again: finishing a delivery cut short (a failed
    # album, a bot killed after the card) goes on with the photos, which may then arrive twice, never not at all.
    same_thread = reuse is not None and (reuse.chat_id, reuse.topic_id) == (chat_id, topic_id)
    card_id = reuse.anchor_message_id if reuse is not None and same_thread else None
    role = reuse.role if reuse is not None else ThreadRole.DEPARTMENT
    if card_id is None:
        text, keyboard = await card_for(services, hazard, unit_id, len(photos))
        if len(photos) == 1 and tg_len(text) <= CAPTION_LIMIT:  # one message, the photo captioned by the card
            # (tg_len counts the HTML tags too: a card near the limit goes the long way, never over it)
            card_id = await messenger.send_image(Place(chat_id, topic_id), photos[0], text, keyboard)
            photos = []
        else:
            card_id = await messenger.send_text(Place(chat_id, topic_id), text, keyboard)
        await services.hazards.record_thread_opened(hazard.id, unit_id, chat_id, topic_id, card_id)
    await messenger.send_album(Place(chat_id, topic_id, card_id), [(photo, None) for photo in photos])
    return Thread(unit_id, role, chat_id, topic_id, card_id, None)


async def card_for(services: Services, hazard: Hazard, unit_id: str,
                   photos: int) -> tuple[Html, Keyboard | None]:
    """A thread's anchor card as the hazard stands now, with exactly the buttons the unit's members may press now."""
    facts = await services.lifecycle.get_facts(hazard.id)
    keyboard = action_keyboard(facts, unit_viewer(services.org, unit_id)) if facts else None
    text = hazard_card(services.org, hazard, services.zone, photos, facts=facts, now=services.now(),
                       recheck_after_days=services.policy.recheck_after_days,
                       reporter=await actor_name(services, hazard.reporter_id))
    return text, keyboard

