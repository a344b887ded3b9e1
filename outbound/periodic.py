"""Scheduled items (digest, ranking, self-check prompt and nudges): planned into the database, sent by the sweep.

Each sweep first plans: every item due between the stored planning mark and a little ahead of now
(domain.schedule) is inserted once by its key, and the mark moves on. Then it sends the pending
items that are due, as the hazard outbox does: ``domain.reminders.dispatch`` says send, send late
(after downtime: marked 补发) or expired (superseded by a newer one of its kind); recipients and
parts (text, chart) are fixed at the first attempt and each is confirmed separately, so a restart
repeats no confirmed send. Whether an item still has something to say is decided when it is sent
(a self-check already made needs no prompt or nudge): such items are closed as skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.clock import arrival
from domain.org import UnitKind
from domain.reminders import Dispatch, dispatch
from domain.schedule import ItemKind, scheduled_between, selfcheck_times
from kernel.services import Services
from messenger.port import ChatMoved, Messenger, MessengerError, Place
from outbound.failures import recipient_name, send_failed
from outbound.retry import Verdict, log_late
from reports.service import digest_message, ranking_message, selfchecks_of, statistics_of
from reports.text import period_label
from storage.payloads import RowStatus
from storage.schedule import DueItem, ItemSend, ScheduleRepository
from texts import Html, t
from texts.dates import deadline_cn
from views.keyboards import Keyboard
from views.selfcheck import selfcheck_prompt

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class Composed:
    """What an item says and to whom."""

    text: Html
    chart: bytes | None
    keyboard: Keyboard | None
    chats: list[int]


async def plan(services: Services, now: datetime) -> int:
    """Plan every item due from the planning mark (first time: now) to now + lookahead; returns how many were new."""
    schedule = services.repos.schedule
    start = await schedule.get_planned_until() or now
    until = now + services.schedule.lookahead
    if until <= start:
        return 0
    items = scheduled_between(start, until, services.org, services.schedule, services.calendar, services.zone)
    return await schedule.plan(items, until, now)


async def run(messenger: Messenger, services: Services, now: datetime, report: Any) -> None:
    """Plan, then send every due item (called by outbound.sweep inside its lock); counts go into the sweep's report."""
    if not services.settings.schedule_enabled:
        return
    await plan(services, now)
    schedule = services.repos.schedule
    for item in await schedule.get_due(now):
        verdict = dispatch(arrival(services.clock, item.due_at), item.expires_at, now,
                           late_after=services.policy.late_after)
        if verdict is Dispatch.EXPIRED:
            await schedule.close(item.key, RowStatus.EXPIRED, now)
            report.expired += 1
            continue
        late = verdict is Dispatch.SEND_LATE or item.late
        await _send_item(messenger, services, schedule, item, late, report)


async def _send_item(messenger: Messenger, services: Services, schedule: ScheduleRepository, item: DueItem, late: bool,
                     report: Any) -> None:
    now = services.now()
    composed: Composed | None = None
    if not await schedule.has_sends(item.key):
        composed = await compose(services, item, late)
        if composed is None or not composed.chats:
            await schedule.close(item.key, RowStatus.SKIPPED, now)
            return
        parts = ["text", "chart"] if composed.chart is not None else ["text"]
        await schedule.add_sends(item.key, [(chat, part) for chat in composed.chats for part in parts], late)
        if late:  # at its first attempt only: retries in later sweeps say nothing more
            log_late(log, item.key, item.due_at, now, services.last_sweep)
    sends = await schedule.get_pending_sends(item.key, now)
    if sends and composed is None:
        composed = await compose(services, item, late)
    held: set[int] = set()  # chats whose text did not go out in this pass: their chart waits for it
    for send in sends:
        if composed is None:  # nothing to say any more (the self-check was made meanwhile)
            await schedule.mark_retry(send, "nothing to say", None)
            continue
        if send.chat_id in held:
            continue
        if not await _send_one(messenger, services, schedule, item, send, composed, report):
            held.add(send.chat_id)
    if await schedule.count_unfinished(item.key) == 0:
        await schedule.close(item.key, RowStatus.SENT, services.now(), late=late)
        report.keys.append(item.key)


async def _send_one(messenger: Messenger, services: Services, schedule: ScheduleRepository, item: DueItem,
                    send: ItemSend, composed: Composed, report: Any) -> bool:
    """Send one part of the item to one chat; whether it went out."""
    now = services.now()
    try:
        if send.part == "chart" and composed.chart is not None:
            message_id = await messenger.send_chart(send.chat_id, composed.chart, t("digest.chart_caption"))
        else:
            message_id = await messenger.send_text(Place(send.chat_id), composed.text, composed.keyboard)
    except ChatMoved as exc:
        await schedule.move_chat(send, exc.new_chat_id)
        report.retrying += 1
    except MessengerError as exc:
        await _failed(messenger, services, schedule, item, send, exc, report)
    else:
        await schedule.mark_sent(send, message_id, now)
        report.sent += 1
        return True
    return False


async def _failed(messenger: Messenger, services: Services, schedule: ScheduleRepository, item: DueItem,
                  send: ItemSend, exc: MessengerError, report: Any) -> None:
    """The one retry policy, as for hazards' notices and thread delivery."""

    async def record(verdict: Verdict, error: str) -> None:
        if verdict.again is None:
            await schedule.give_up_chat(send, error)
        else:
            await schedule.mark_retry(send, error, verdict.again, counted=verdict.counted)

    async def notice(reason: str) -> Html:
        return t("notice.scheduled_send_failed", item=t(f"schedule_kind.{item.kind}"), period=period_label(item.period),
                 recipient=await recipient_name(services, send.chat_id), reason=reason)

    verdict = await send_failed(messenger, services, exc, send.attempts, record=record, logger=log,
                                what=f"scheduled {send.key} ({send.part}) to {send.chat_id}", notice=notice)
    if verdict.again is None:
        report.failed += 1
    else:
        report.retrying += 1


async def _group_of(services: Services, unit_id: str) -> list[int]:
    binding = await services.groups.get_binding_of_unit(unit_id)
    return [binding.chat_id] if binding is not None else []


async def compose(services: Services, item: DueItem, late: bool) -> Composed | None:
    """The item's text, chart, buttons and chats now; None when it has nothing to say."""
    org = services.org
    late_mark = t("notice.late") if late else Html("")
    match item.kind:
        case ItemKind.DIGEST:
            if item.target not in org.units:
                return None
            text, chart = await digest_message(services, item.target, item.period, late)
            return Composed(text, chart, None, await _group_of(services, item.target))
        case ItemKind.RANKING:
            text, chart = await ranking_message(services, item.period, late)
            office = org.office
            chats = await _group_of(services, office.id) if office else []
            units = [u.id for u in org.units.values()]
            chats += [c for c in await statistics_of(services).get_lead_ids(units) if c not in chats]
            return Composed(text, chart, None, chats)
        case ItemKind.SELFCHECK_PROMPT | ItemKind.SELFCHECK_NUDGE:
            if item.target not in org.enterprises:
                return None
            if await selfchecks_of(services).get(item.target, item.period.start) is not None:
                return None
            if item.kind is ItemKind.SELFCHECK_NUDGE and not await _prompted(services, item, item.target):
                return None
            text, keyboard = await selfcheck_prompt(services, item.target, item.period,
                                                    nudge=item.kind is ItemKind.SELFCHECK_NUDGE, late=late)
            officers = [m.telegram_id for m in await services.members.get_officers_of(item.target)]
            return Composed(text, None, keyboard, officers)
        case ItemKind.SELFCHECK_MISSING:
            return await _missing(services, item, late_mark)
    return None


async def _missing(services: Services, item: DueItem, late_mark: Html) -> Composed | None:
    org = services.org
    if item.target not in org.units or org.units[item.target].kind is not UnitKind.TOWNSHIP:
        return None
    if not await _prompted(services, item, ""):
        return None
    checks = selfchecks_of(services)
    missing = [e for e in org.enterprises.values()
               if e.township_id == item.target and await checks.get(e.id, item.period.start) is None]  # fmt: skip
    if not missing:
        return None
    _, deadline = _times(services, item)
    text = t("selfcheck.missing", late=late_mark, township=org.units[item.target].name,
             period=period_label(item.period), deadline=deadline_cn(deadline, services.zone),
             lines=Html("\n".join(t("selfcheck.missing_line", enterprise=e.name) for e in missing)))  # fmt: skip
    return Composed(text, None, None, await _group_of(services, item.target))


async def _prompted(services: Services, item: DueItem, enterprise_id: str) -> bool:
    """A week whose prompt came before the bot was running has no deadline to nudge about."""
    prefix = f"{ItemKind.SELFCHECK_PROMPT}:{item.period.key}:{enterprise_id}"
    return await services.repos.schedule.was_planned(prefix)


def _times(services: Services, item: DueItem) -> tuple[datetime, datetime]:
    return selfcheck_times(item.period, services.schedule, services.calendar, services.zone)
