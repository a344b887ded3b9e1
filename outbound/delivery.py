"""Deliver filed hazards into their responsible units' groups: a topic (or an anchor message) per unit."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, InputMediaPhoto
from telegram.error import TelegramError
from telegram.ext import Application

from bot.services import Services
from handlers.buttons import action_keyboard, unit_viewer
from handlers.render import hazard_card, topic_name
from storage.hazards import PendingThread
from texts import Html, t
from texts.limits import clip_html

log = logging.getLogger(__name__)


async def deliver_pending(app: Application[Any, Any, Any, Any, Any, Any], unit_id: str | None = None, *,
                          tell_admins_of_unbound: bool = False) -> None:
    """Deliver every hazard not yet in its units' groups (of one unit, or all); failures stay pending."""
    services: Services = app.bot_data.services
    async with services.delivery_lock:
        unbound: list[PendingThread] = []
        for pending in await services.hazards.get_undelivered_threads(unit_id):
            binding = await services.groups.get_binding_of_unit(pending.thread.unit_id)
            if binding is None:
                unbound.append(pending)
                continue
            try:
                await _deliver(app.bot, services, pending, binding.chat_id, binding.is_forum)
            except TelegramError as exc:
                log.warning("delivery of %s to %s failed: %s", pending.hazard.code, pending.thread.unit_id, exc)
                await services.hazards.record_delivery_error(pending.hazard.id, pending.thread.unit_id, str(exc))
    if tell_admins_of_unbound:
        for pending in unbound:
            unit = services.org.units[pending.thread.unit_id]
            await tell_admins(app.bot, services, t("delivery.unit_unbound", code=pending.hazard.code, unit=unit.name,
                                                   unit_id=unit.id))


async def _deliver(bot: Bot, services: Services, pending: PendingThread, chat_id: int, is_forum: bool) -> None:
    hazard, thread, org = pending.hazard, pending.thread, services.org
    topic_id = thread.topic_id if thread.chat_id == chat_id else None
    if is_forum and topic_id is None:
        topic = await bot.create_forum_topic(chat_id, topic_name(org, hazard))
        topic_id = topic.message_thread_id
        await services.hazards.record_thread_opened(hazard.id, thread.unit_id, chat_id, topic_id, None)
    photos = await services.hazards.get_photos(hazard.id)
    facts = await services.lifecycle.get_facts(hazard.id)
    markup = action_keyboard(facts, unit_viewer(org, thread.unit_id)) if facts else None
    card = await bot.send_message(
        chat_id, clip_html(hazard_card(org, hazard, services.zone, len(photos))), message_thread_id=topic_id,
        reply_markup=markup,
    )
    await services.hazards.record_thread_opened(hazard.id, thread.unit_id, chat_id, topic_id, card.message_id)
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0].file_id, message_thread_id=topic_id,
                             reply_to_message_id=card.message_id)
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(p.file_id) for p in photos],
                                   message_thread_id=topic_id, reply_to_message_id=card.message_id)
    await services.hazards.mark_delivered(hazard.id, thread.unit_id, services.now())


async def tell_admins(bot: Bot, services: Services, text: Html) -> None:
    """A notice to every admin in private chat; an admin who never started the bot is skipped."""
    admin_ids = set(services.settings.admin_ids) | set(await services.members.get_admin_ids())
    for admin_id in sorted(admin_ids):
        try:
            await bot.send_message(admin_id, clip_html(text))
        except TelegramError as exc:
            log.info("could not tell admin %s: %s", admin_id, exc)
