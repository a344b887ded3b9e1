"""The sweep: send what the outbox says is due, once per recipient, retrying what the messenger refuses for now.

Run by the JobQueue every minute (and at start-up, so what fell due while the bot was down goes out
once, marked late); tests run it directly after moving the fake clock. The database is the record of
what is due: the scheduler's memory holds nothing that a restart could lose.

Timeouts: a send that timed out may have reached the messenger. It is retried, so a recipient may in
rare cases get a message twice, but is never left without it (at-least-once). A row costs two transactions: its
recipients fixed, then its confirmed sends recorded with its close, after which they are never repeated; a kill
between the two repeats that row's sends at the next start (each recipient's at most once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from domain.clock import arrival
from domain.hazards import Hazard
from domain.lifecycle import Action, Actor, Audience, HazardFacts, Payload, Transition, decide
from domain.members import Member
from domain.reminders import Dispatch, Kind, dispatch
from kernel.services import Services
from messenger.port import Captioned, ChatMoved, Messenger, MessengerError, Place, ThreadGone
from outbound import cards, evidence, periodic
from outbound.delivery import deliver_pending, open_thread
from outbound.failures import recipient_name, send_admin_notices, send_failed
from outbound.retry import Verdict, log_late
from storage.lifecycle import UNPLANNED_KINDS, Confirmed, OutboxRow, PendingSend
from storage.payloads import CARD, TRANSITION, RowStatus, TransitionPayload
from texts import Html, t
from views.keyboards import Keyboard, action_keyboard, actions_of, follow_up_keyboard, member_viewer, unit_viewer
from views.notices import body, head

log = logging.getLogger(__name__)

PAGE = 200  # outbox rows read per query


@dataclass
class SweepReport:
    """What one sweep did (for /status and tests)."""

    sent: int = 0
    expired: int = 0
    retrying: int = 0
    failed: int = 0
    keys: list[str] = field(default_factory=list)


def never() -> bool:
    """Not told to stop (a sweep run by a test or a tool, not by the running bot)."""
    return False


async def sweep(messenger: Messenger, services: Services, stopping: Callable[[], bool] = never) -> SweepReport:
    """Send every due notification; expire the pointless; replan hazards whose reminders moved on.

    A sweep the running bot started ends after the reminder in hand once the bot is told to stop (SIGTERM, seen by
    `stopping`): a backlog of thousands would otherwise hold the stop for minutes. What it did not reach stays due for
    the next.
    """
    report = SweepReport()
    planner = services.planner()
    async with services.sweep_lock:
        # threads first: a hazard delivered now gets this sweep's notices in its new threads, and the reporters'
        # notices the delivery queued go out in this sweep (`now` read after them)
        await deliver_pending(messenger, services, sweeping=True, stopping=stopping)
        now = services.now()
        # hazards waiting for 受理 with nothing planned (filed before the 受理 clock existed) get their clock now
        for hazard_id in await services.lifecycle.get_unplanned_reported():
            if stopping():
                break  # the rest are planned by the next sweep
            await services.lifecycle.replan(hazard_id, planner, now)
        follow_ups = 3  # passes for notices the sweep itself made due (a started 回头看's task), not the next sweep's
        while not stopping():  # page after page while pages come back full and something moved: a backlog drains
            rows = await services.lifecycle.get_due(now, PAGE)
            before = (report.sent, report.expired, report.failed, len(report.keys))
            for row in rows:
                if stopping():
                    break
                if row.kind == CARD:  # the anchor cards brought up to date after a transition
                    if await cards.refresh(messenger, services, row, partial(_still_valid, services)):
                        report.keys.append(row.key)
                    continue
                verdict = dispatch(arrival(services.clock, row.due_at), row.expires_at, now,
                                   late_after=services.policy.late_after)
                if verdict is Dispatch.EXPIRED and row.kind not in UNPLANNED_KINDS:
                    if dropped := await services.lifecycle.count_unfinished_sends(row.key):
                        # recipients still waiting out a retry: theirs are failed sends too, and said once, here
                        log.warning("dropping %d unsent recipient(s) of %s: it expired at %s before they were reached",
                                    dropped, row.key, row.expires_at)
                    await services.lifecycle.close_row(row.key, RowStatus.EXPIRED, now)
                    await services.lifecycle.replan(row.hazard_id, planner, now)
                    report.expired += 1
                    continue
                late = verdict is Dispatch.SEND_LATE and row.kind != TRANSITION  # a follow-up after downtime says 补发
                await _send_row(messenger, services, row, late, report)
            if any(row.kind == Kind.RECHECK_DUE for row in rows) and follow_ups > 0:
                # the 回头看 began: its task (the transition's notice) is due now, so it goes out in this sweep rather
                # than a sweep interval later (the sandbox's time jump showed nothing for a minute)
                follow_ups -= 1
                continue
            if len(rows) < PAGE or before == (report.sent, report.expired, report.failed, len(report.keys)):
                break
        if not stopping():  # digests, rankings and self-checks: planned into their own table and sent the same way
            await periodic.run(messenger, services, now, report)
        if not stopping():  # the admins' notices that failed for now (a 429, the network, a restart in between)
            await send_admin_notices(messenger, services)
    services.last_sweep = now
    return report


async def _send_row(messenger: Messenger, services: Services, row: OutboxRow, late: bool, report: SweepReport) -> None:
    now = services.now()
    if row.kind == Kind.RECHECK_DUE:
        # the 回头看 falls due: the hazard moves to 回头看 (its own transition notice carries the task)
        result = await services.lifecycle.act(
            row.hazard_id, lambda facts: decide(facts, Actor.system(), Action.START_RECHECK, Payload(), now),
            services.planner(), now)  # fmt: skip
        if late and isinstance(result, Transition):  # the row is closed just below: said once
            log_late(log, row.key, row.due_at, now, services.last_sweep)
        started = isinstance(result, Transition)
        await services.lifecycle.close_row(row.key, RowStatus.SENT if started else RowStatus.EXPIRED, now)
        return
    readers: dict[int, Actor] = {}  # who reads each recipient chat, as _recipients found out (no second read)
    # one transaction: what the notice needs read, and its recipients fixed (or the row closed: the hazard is gone)
    async with services.db.transaction():
        read = await services.hazards.get_with_facts(row.hazard_id)
        if read is None:
            await services.lifecycle.close_row(row.key, RowStatus.EXPIRED, now)
            return
        hazard, facts = read
        chats = await _recipients(services, row, facts, readers)
        text = Html(f"{head(services, hazard, facts, late or row.late)}\n{await body(services, row, facts)}")
        photos = await evidence.album_for(services, row, hazard)  # 整改前/整改后, for the verifiers in the groups
        recipients, sends = await services.lifecycle.claim_sends(row.key, chats, late, now)
    if recipients == "gone":
        return  # replanned away by an action since this sweep read it
    if recipients == "fixed" and late:  # at its first attempt only: retries in later sweeps say nothing more
        log_late(log, row.key, row.due_at, now, services.last_sweep)
    # the confirmed sends are recorded together, with the row's close (a second transaction, whatever the number of
    # recipients): a kill between the two repeats this row's sends at the next start, each recipient's at most once
    sent: list[Confirmed] = []
    try:
        for send in sends:
            keyboard = await _keyboard(services, send.chat_id, facts, row.kind, readers.get(send.chat_id))
            await _send_one(messenger, services, hazard, send, text, keyboard, report, sent,
                            photos if send.chat_id < 0 else [])  # fmt: skip
    finally:
        finished = await services.lifecycle.finish_row(row.key, row.hazard_id, services.planner(), services.now(),
                                                       late=late, sent=sent)  # fmt: skip
    if finished:
        report.keys.append(row.key)


async def _send_one(messenger: Messenger, services: Services, hazard: Hazard, send: PendingSend, text: Html,
                    keyboard: Keyboard | None, report: SweepReport, sent: list[Confirmed],
                    photos: Sequence[Captioned] = ()) -> None:  # fmt: skip
    """Send to one recipient; a confirmed send goes into `sent` (recorded by the caller), a failure is handled here."""
    place = Place(send.chat_id, send.topic_id, send.reply_to)
    try:
        if photos:  # the album first, the notice with its buttons under it (a retry may repeat the album)
            await messenger.send_album(place, photos)
        message_id = await messenger.send_text(place, text, keyboard)
    except ChatMoved as exc:
        # the group became a supergroup: its stored id (bindings, threads, pending sends) moves; next sweep sends
        await services.groups.migrate_chat(send.chat_id, exc.new_chat_id)
        report.retrying += 1
    except MessengerError as exc:
        if isinstance(exc, ThreadGone) and send.topic_id and await _reopen(messenger, services, hazard, send):
            report.retrying += 1
            return
        await _failed(messenger, services, hazard, send, exc, report)
    else:
        # its buttons are remembered with it: each comes off once it no longer applies (outbound.cards)
        buttons = (hazard.id, actions_of(keyboard)) if keyboard is not None else None
        sent.append(Confirmed(send, message_id, services.now(), buttons))
        report.sent += 1


async def _reopen(messenger: Messenger, services: Services, hazard: Hazard, send: PendingSend) -> bool:
    """The hazard's topic was deleted: open a new one (card first) and point the send at it."""
    thread = await services.hazards.get_thread_in_chat(send.chat_id, send.topic_id, hazard.id)
    if thread is None:
        return False
    await services.hazards.record_thread_opened(hazard.id, thread.unit_id, send.chat_id, None, None)
    opened = await open_thread(messenger, services, hazard, thread.unit_id)
    if opened is None:
        return False
    await services.lifecycle.move_send(send, opened.topic_id, None if opened.topic_id else opened.anchor_message_id)
    return True


async def _failed(messenger: Messenger, services: Services, hazard: Hazard, send: PendingSend, exc: MessengerError,
                  report: SweepReport) -> None:
    """The one retry policy, as for every send of the sweep (a 429 waits for this recipient only: others go on)."""

    async def record(verdict: Verdict, error: str) -> None:
        await services.lifecycle.mark_retry(send, error, verdict.again, counted=verdict.counted)

    async def notice(reason: str) -> Html:
        return t("notice.send_failed", code=hazard.code, recipient=await recipient_name(services, send.chat_id),
                 reason=reason)

    verdict = await send_failed(messenger, services, exc, send.attempts, record=record, logger=log,
                                what=f"a send of {send.key} to {send.chat_id}", notice=notice)
    if verdict.again is None:
        report.failed += 1
    else:
        report.retrying += 1


# escalations and nudges: who reads them is asked to follow up, so they carry 查看详情 and (for leads) 催办
FOLLOW_UP_KINDS = frozenset({Kind.OVERDUE, Kind.ESCALATION, Kind.RECHECK_OVERDUE, Kind.RECHECK_ESCALATION,
                             Kind.ACCEPT_OVERDUE, Kind.ACCEPT_ESCALATION})


async def _keyboard(services: Services, chat_id: int, facts: HazardFacts, kind: str | None = None,
                    reader: Actor | None = None) -> Keyboard | None:
    """Buttons for whoever reads it: a unit's group gets its unit's actions, a person their own; an escalation or
    nudge (`kind`) adds 查看详情 and, for leads, 催办. `reader`: who reads the chat, when already known."""
    actor = reader if reader is not None else await _reader(services, chat_id)
    if actor is None:
        return None
    return follow_up_keyboard(facts, actor) if kind in FOLLOW_UP_KINDS else action_keyboard(facts, actor)


async def _reader(services: Services, chat_id: int) -> Actor | None:
    """Who reads a chat: the unit a group is bound to, or the member whose private chat it is (None: nobody here)."""
    if chat_id < 0:
        binding = await services.groups.get_binding_of_chat(chat_id)
        return unit_viewer(services.org, binding.unit_id) if binding else None
    member = await services.members.get_member(chat_id)
    return member_viewer(services.org, member) if member else None


async def _still_valid(services: Services, chat_id: int, facts: HazardFacts) -> Keyboard | None:
    """Every button an earlier message about the hazard may keep for its reader: the actions valid now, 查看详情 and
    (for leads) 催办; the card refresh strips the rest and never adds one a message did not offer."""
    return await _keyboard(services, chat_id, facts, Kind.ESCALATION)


Recipient = tuple[int, int | None, int | None]  # chat, forum topic, message to reply to


async def _recipients(services: Services, row: OutboxRow, facts: HazardFacts,
                      readers: dict[int, Actor]) -> list[Recipient]:  # fmt: skip
    """The chats (with topic and reply-to) each audience means now; the actor is not told of their own act. Who reads
    a chat, where the reads here tell it (a thread's unit, a member), goes into `readers`."""
    found: dict[tuple[int, int | None], int | None] = {}
    org = services.org

    def private(*ids: int) -> None:
        for telegram_id in ids:
            found.setdefault((telegram_id, None), None)

    def member(*members: Member) -> None:
        for one in members:
            readers.setdefault(one.telegram_id, member_viewer(org, one))
        private(*(one.telegram_id for one in members))

    threads = {th.unit_id: th for th in await services.hazards.get_threads(row.hazard_id) if th.delivered_at}
    for audience in row.audiences:
        match audience:
            case Audience.REPORTER:
                if (reporter := await services.members.get_member(facts.reporter_id)) is not None:  # not once removed
                    member(reporter)
            case Audience.ENTERPRISE_OFFICERS:
                member(*await services.members.get_officers_of(facts.enterprise_id))
            case Audience.UNIT_THREADS | Audience.PREVIOUS_UNIT_THREAD | Audience.DEPARTMENT_THREAD:
                units = [facts.department_id, facts.township_id]
                if audience is Audience.DEPARTMENT_THREAD:
                    units = [facts.department_id]
                if audience is Audience.PREVIOUS_UNIT_THREAD:
                    payload = row.payload
                    event = await services.lifecycle.get_event(payload.event_id) \
                        if isinstance(payload, TransitionPayload) else None
                    units = [str(event.data["from_unit"])] if event else []
                for unit_id in units:
                    thread = threads.get(unit_id)
                    if thread is not None and thread.chat_id is not None:
                        reply_to = None if thread.topic_id else thread.anchor_message_id
                        found.setdefault((thread.chat_id, thread.topic_id), reply_to)
                        readers.setdefault(thread.chat_id, unit_viewer(org, thread.unit_id))
            case Audience.TOWNSHIP_LEADS:
                private(*await services.lifecycle.get_leads(facts.township_id))
            case Audience.DEPARTMENT_LEADS:
                private(*await services.lifecycle.get_leads(facts.department_id))
            case Audience.OFFICE_GROUP:
                office = org.office
                binding = await services.groups.get_binding_of_unit(office.id) if office else None
                if binding is not None:
                    found.setdefault((binding.chat_id, None), None)
    actor = row.payload.actor_id if isinstance(row.payload, TransitionPayload) else None
    return [(chat, topic, reply) for (chat, topic), reply in found.items() if chat != actor]
