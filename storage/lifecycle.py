"""The closed loop in the database: hazard facts, transitions with their audit events, and the outbox.

A transition is one transaction: re-read the facts, let the domain decide, write the hazard (compare-
and-set on its state), the event, the transition notice and the new reminder plan. Telegram is never
awaited inside it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from domain.hazards import Grade, Photo, State, ThreadRole
from domain.lifecycle import Action, Audience, ExtensionRequest, HazardFacts, PlanPart, Refusal, Transition
from domain.records import AuditEntry
from domain.reminders import PlannedNotification
from storage.db import Database, Tx
from storage.payloads import (
    CARD,
    DELIVERY,
    TRANSITION,
    CardPayload,
    OutboxPayload,
    ReminderPayload,
    RowStatus,
    TransitionPayload,
    decode,
    encode,
)
from storage.timefmt import from_db, from_db_required, to_db

# the card edit that brings each thread's anchor card up to date after a transition (issue 12 §4, kind CARD) is
# outbound work, so a failed edit is retried by the sweep and survives a restart, and never holds up the transition
# Rows an event wrote (a transition, a delivery's outcome, a card's edit), not the reminder plan: a replan never
# removes them.
UNPLANNED_KINDS = (TRANSITION, DELIVERY, CARD)
_UNPLANNED_MARKS = ",".join("?" * len(UNPLANNED_KINDS))

# The sweep's page of work: due rows that are new, have a recipient whose retry time has come, or are
# finished but not yet closed (a crash between the last send and closing the row).
DUE_QUERY = (
    "SELECT * FROM outbox WHERE status = 'pending' AND due_at <= ?"
    " AND (NOT EXISTS (SELECT 1 FROM outbox_sends s WHERE s.key = outbox.key)"
    "      OR EXISTS (SELECT 1 FROM outbox_sends s WHERE s.key = outbox.key AND s.status = 'pending'"
    "                 AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= ?))"
    "      OR NOT EXISTS (SELECT 1 FROM outbox_sends s WHERE s.key = outbox.key AND s.status = 'pending'))"
    " ORDER BY due_at, key LIMIT ?"
)

Decider = Callable[[HazardFacts], Transition | Refusal]
Planner = Callable[[HazardFacts], list[PlannedNotification]]


def _facts(row: sqlite3.Row, parts: frozenset[PlanPart]) -> HazardFacts:
    extension = None
    if row["ext_requested_by"] is not None:
        extension = ExtensionRequest(
            row["ext_requested_by"], from_db_required(row["ext_requested_at"]), from_db_required(row["ext_until"]),
            row["ext_reason"] or "",
        )  # fmt: skip
    return HazardFacts(
        hazard_id=row["id"], state=State(row["state"]), grade=Grade(row["grade"]), enterprise_id=row["enterprise_id"],
        department_id=row["department_id"], township_id=row["township_id"], reporter_id=row["reporter_id"],
        deadline=from_db(row["deadline"]), original_deadline=from_db(row["original_deadline"]),
        deadline_set_at=from_db(row["deadline_set_at"]), responsible_person=row["responsible_person"],
        rectification_submitter_id=row["rectification_submitter_id"], plan_parts=parts,
        pending_extension=extension, rebounds=row["rebounds"], closed_at=from_db(row["closed_at"]),
        recheck_started_at=from_db(row["recheck_started_at"]),
        accept_clock_from=from_db(row["accept_clock_from"]),
    )  # fmt: skip


def _opt(instant: datetime | None) -> str | None:
    return None if instant is None else to_db(instant)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A notification due to go out."""

    key: str
    hazard_id: int
    kind: str
    audiences: tuple[Audience, ...]
    payload: OutboxPayload
    due_at: datetime
    expires_at: datetime | None
    late: bool


@dataclass(frozen=True, slots=True)
class PendingSend:
    """One recipient of an outbox row, not yet confirmed sent."""

    key: str
    chat_id: int
    topic_id: int | None
    reply_to: int | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A send the messenger confirmed, to be recorded (`LifecycleRepository.finish_row`): the message it made and when,
    and the hazard and the actions whose buttons the message carries (None: no buttons)."""

    send: PendingSend
    message_id: int
    at: datetime
    buttons: tuple[int, Sequence[str]] | None = None


def audit_entry(row: sqlite3.Row) -> AuditEntry:
    """An events row as the domain's audit entry."""
    return AuditEntry(from_db_required(row["at"]), row["actor_id"], row["action"],
                      State(row["from_state"]) if row["from_state"] else None, State(row["to_state"]), row["reason"],
                      json.loads(row["data"] or "{}"))  # fmt: skip


def _outbox_row(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        row["key"], row["hazard_id"], row["kind"], tuple(Audience(a) for a in row["audiences"].split(",") if a),
        decode(row["kind"], row["payload"]), from_db_required(row["due_at"]), from_db(row["expires_at"]),
        bool(row["late"]),
    )  # fmt: skip


class LifecycleRepository:
    """Transitions of hazards and the notifications they cause."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def _read_facts(cls, tx: Tx, hazard_id: int) -> HazardFacts | None:
        row = await tx.one("SELECT * FROM hazards WHERE id = ?", (hazard_id,))
        return None if row is None else await cls.facts_of_row(tx, row)

    @staticmethod
    async def facts_of_row(tx: Tx, row: sqlite3.Row) -> HazardFacts:
        """The facts of a hazard whose row was just read in `tx` (its plan's parts and last 催办 read with it)."""
        hazard_id = row["id"]
        parts = await tx.all("SELECT part FROM hazard_plan_parts WHERE hazard_id = ?", (hazard_id,))
        urged = await tx.scalar("SELECT MAX(at) FROM events WHERE hazard_id = ? AND action = 'urge'", (hazard_id,))
        return replace(_facts(row, frozenset(PlanPart(p[0]) for p in parts)), last_urged_at=from_db(urged))

    async def get_facts(self, hazard_id: int) -> HazardFacts | None:
        """What the lifecycle knows of a hazard now."""
        async with self.db.reading() as tx:
            return await self._read_facts(tx, hazard_id)

    async def get_plan(self, hazard_id: int) -> dict[PlanPart, str]:
        """The filled parts of a 重大 hazard's treatment plan."""
        rows = await self.db.all("SELECT part, text FROM hazard_plan_parts WHERE hazard_id = ?", (hazard_id,))
        return {PlanPart(r[0]): r[1] for r in rows}

    async def act(self, hazard_id: int, decide: Decider, plan: Planner, now: datetime, *,
                  update_id: int | None = None, photos: Sequence[Photo] = (), phashes: Sequence[str] = (),
                  reuse: Sequence[dict[str, object]] = (), reuse_note: str | None = None,
                  ) -> Transition | Refusal | None:
        """Decide and write one transition atomically; None if there is no such hazard.

        `phashes` go with `photos` (perceptual hashes, same order); `reuse`: the new photos found to repeat earlier
        ones (疑似重复使用照片), kept in the transition's event data and as an audit event of their own (`reuse_note`
        its reason)."""
        async with self.db.transaction() as tx:
            facts = await self._read_facts(tx, hazard_id)
            if facts is None:
                return None
            result = decide(facts)
            if isinstance(result, Refusal):
                return result
            event_id = await self._write(tx, result, now, update_id, photos, phashes, reuse)
            if reuse:
                await tx.execute(
                    "INSERT INTO events (hazard_id, at, actor_id, action, from_state, to_state, reason, update_id,"
                    " data) VALUES (?, ?, ?, 'photo_reuse', ?, ?, ?, ?, ?)",
                    (hazard_id, to_db(result.at), result.actor_id, result.to_state, result.to_state, reuse_note,
                     update_id, json.dumps({"event_id": event_id, "reuse": list(reuse)}, ensure_ascii=False)),
                )  # fmt: skip
            await self._replan(tx, hazard_id, plan(result.after), now)
        return result

    async def _write(self, tx: Tx, tr: Transition, now: datetime, update_id: int | None, photos: Sequence[Photo],
                     phashes: Sequence[str], reuse: Sequence[dict[str, object]]) -> int:
        after = tr.after
        ext = after.pending_extension
        changed = await tx.changes(
            "UPDATE hazards SET state = ?, grade = ?, department_id = ?, township_id = ?, deadline = ?,"
            " original_deadline = ?, deadline_set_at = ?, responsible_person = ?, rectification_submitter_id = ?,"
            " rebounds = ?, closed_at = ?, recheck_started_at = ?, ext_requested_by = ?, ext_requested_at = ?,"
            " ext_until = ?, ext_reason = ?, measures = COALESCE(?, measures), accept_clock_from = ?, updated_at = ?"
            " WHERE id = ? AND state = ?",
            (after.state, after.grade, after.department_id, after.township_id, _opt(after.deadline),
             _opt(after.original_deadline), _opt(after.deadline_set_at), after.responsible_person,
             after.rectification_submitter_id, after.rebounds, _opt(after.closed_at), _opt(after.recheck_started_at),
             ext.requested_by if ext else None, _opt(ext.requested_at) if ext else None,
             _opt(ext.until) if ext else None, ext.reason if ext else None,
             tr.data.get("measures") if tr.action is Action.SUBMIT_RECTIFICATION else None,
             _opt(after.accept_clock_from), to_db(now),
             tr.hazard_id, tr.from_state),
        )  # fmt: skip
        if changed != 1:
            raise RuntimeError(f"hazard {tr.hazard_id} changed under a transition")  # the lock makes this a bug
        event_id = await tx.execute(
            "INSERT INTO events (hazard_id, at, actor_id, action, from_state, to_state, reason, update_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (tr.hazard_id, to_db(tr.at), tr.actor_id, tr.action, tr.from_state, tr.to_state, tr.reason, update_id,
             json.dumps(dict(tr.data) | ({"reuse": list(reuse)} if reuse else {}), ensure_ascii=False)),
        )  # fmt: skip
        if tr.action is Action.FILL_PLAN:
            await tx.execute(
                "INSERT INTO hazard_plan_parts (hazard_id, part, text, filled_by, filled_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (hazard_id, part) DO UPDATE SET text = excluded.text, filled_by = excluded.filled_by,"
                " filled_at = excluded.filled_at",
                (tr.hazard_id, tr.data["part"], tr.data["text"], tr.actor_id, to_db(now)),
            )
        if tr.action is Action.TRANSFER:
            await tx.execute(
                "INSERT OR IGNORE INTO hazard_threads (hazard_id, unit_id, role) VALUES (?, ?, ?)",
                (tr.hazard_id, tr.data["to_unit"], ThreadRole(str(tr.data["role"]))),
            )
        stage = f"{tr.action}:{event_id}"
        for position, photo in enumerate(photos):
            await tx.execute(
                "INSERT INTO hazard_photos (hazard_id, stage, position, file_id, file_unique_id, sha256, size,"
                " media_path, kind, phash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (tr.hazard_id, stage, position, photo.file_id, photo.file_unique_id, photo.sha256, photo.size,
                 photo.media_path, photo.kind, phashes[position] if position < len(phashes) else None),
            )  # fmt: skip
        payload = TransitionPayload(event_id, tr.action.value, tr.actor_id, stage)
        await tx.execute(
            "INSERT INTO outbox (key, hazard_id, kind, audiences, payload, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"{tr.hazard_id}:event:{event_id}", tr.hazard_id, TRANSITION, ",".join(tr.notify),
             encode(payload), to_db(now), to_db(now)),
        )  # fmt: skip
        await tx.execute(
            "INSERT INTO outbox (key, hazard_id, kind, audiences, payload, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"{tr.hazard_id}:card:{event_id}", tr.hazard_id, CARD, Audience.UNIT_THREADS,
             encode(CardPayload(event_id)), to_db(now), to_db(now)),
        )  # fmt: skip
        return event_id

    @staticmethod
    async def _replan(tx: Tx, hazard_id: int, planned: list[PlannedNotification], now: datetime) -> None:
        """Make the hazard's pending reminders exactly `planned` (rows already being sent are left alone)."""
        keys = [n.key for n in planned]
        marks = ",".join("?" * len(keys)) or "''"
        await tx.execute(
            f"DELETE FROM outbox WHERE hazard_id = ? AND status = 'pending' AND kind NOT IN ({_UNPLANNED_MARKS})"
            f" AND key NOT IN ({marks}) AND NOT EXISTS (SELECT 1 FROM outbox_sends s WHERE s.key = outbox.key)",
            (hazard_id, *UNPLANNED_KINDS, *keys),
        )
        have = {r[0] for r in await tx.all(f"SELECT key FROM outbox WHERE hazard_id = ? AND key IN ({marks})",
                                           (hazard_id, *keys))} if keys else set()  # fmt: skip
        for n in planned:
            if n.key in have:
                continue  # planned already (INSERT OR IGNORE would keep it as it is, too)
            payload = ReminderPayload(n.about, n.days_before or 0, n.overdue_on, n.working_days_overdue,
                                      tuple(n.already_told), n.office_minutes_before or 0)  # fmt: skip
            await tx.execute(
                "INSERT OR IGNORE INTO outbox (key, hazard_id, kind, audiences, payload, due_at, expires_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (n.key, hazard_id, n.kind, ",".join(n.audiences), encode(payload), to_db(n.due_at),
                 _opt(n.expires_at), to_db(now)),
            )  # fmt: skip

    @classmethod
    async def plan_new(cls, tx: Tx, hazard_id: int, plan: Planner, now: datetime) -> None:
        """Plan a hazard just filed in ``tx`` (its 受理 clock), in the filing's own transaction."""
        facts = await cls._read_facts(tx, hazard_id)
        assert facts is not None
        await cls._replan(tx, hazard_id, plan(facts), now)

    async def get_unplanned_reported(self) -> list[int]:
        """Hazards waiting for 受理 without a pending reminder (filed before the 受理 clock existed)."""
        rows = await self.db.all(
            "SELECT id FROM hazards h WHERE state = 'reported' AND accept_clock_from IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o"
            f" WHERE o.hazard_id = h.id AND o.status = 'pending' AND o.kind NOT IN ({_UNPLANNED_MARKS}))"
            " ORDER BY id",
            UNPLANNED_KINDS,
        )
        return [r[0] for r in rows]

    async def replan(self, hazard_id: int, plan: Planner, now: datetime) -> None:
        """Redo a hazard's reminder plan (after a row went out or expired: the daily nudges roll on)."""
        async with self.db.transaction() as tx:
            facts = await self._read_facts(tx, hazard_id)
            if facts is not None:
                await self._replan(tx, hazard_id, plan(facts), now)

    # --- the outbox, as the sweep sees it -------------------------------------------------------------

    async def get_due(self, now: datetime, limit: int = 200) -> list[OutboxRow]:
        """Pending rows due by `now` that have something to do now, oldest first (through the due index).

        A row whose every remaining recipient waits out a retry (a long 429) is skipped, so a page of such
        rows never holds back the rows behind it.
        """
        rows = await self.db.all(DUE_QUERY, (to_db(now), to_db(now), limit))
        return [_outbox_row(r) for r in rows]

    async def close_row(self, key: str, status: RowStatus, now: datetime, *, late: bool = False) -> None:
        """A row is done: sent (all its recipients), expired, or failed; recipients still waiting are dropped."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = ?, done_at = ?, late = late OR ? WHERE key = ? AND status = 'pending'",
                (status, to_db(now), int(late), key),
            )
            await tx.execute(
                "UPDATE outbox_sends SET status = 'failed', error = COALESCE(error, ?)"
                " WHERE key = ? AND status = 'pending'",
                (f"row {status} before this recipient was reached", key),
            )

    async def claim_sends(self, key: str, recipients: Sequence[tuple[int, int | None, int | None]], late: bool,
                          now: datetime) -> tuple[Literal["fixed", "kept", "gone"], list[PendingSend]]:  # fmt: skip
        """Fix a row's recipients (chat, topic, reply-to) the first time it is sent ("fixed"; later calls add nothing:
        "kept"), and read the ones still to be sent to now, in one transaction. "gone": the row is no longer pending (an
        action replanned it away since it was read), nothing to send."""
        async with self.db.transaction() as tx:
            status = await self._add_recipients(tx, key, recipients, late)
            return status, [] if status == "gone" else await self._pending_sends(tx, key, now)

    @staticmethod
    async def _add_recipients(tx: Tx, key: str, recipients: Sequence[tuple[int, int | None, int | None]],
                              late: bool) -> Literal["fixed", "kept", "gone"]:  # fmt: skip
        if await tx.scalar("SELECT status FROM outbox WHERE key = ?", (key,)) != "pending":
            return "gone"
        if await tx.scalar("SELECT 1 FROM outbox_sends WHERE key = ? LIMIT 1", (key,)):
            return "kept"
        for chat_id, topic_id, reply_to in recipients:
            await tx.execute(
                "INSERT OR IGNORE INTO outbox_sends (key, chat_id, topic_id, reply_to) VALUES (?, ?, ?, ?)",
                (key, chat_id, topic_id or 0, reply_to),
            )
        await tx.execute("UPDATE outbox SET late = late OR ? WHERE key = ?", (int(late), key))
        return "fixed"

    @staticmethod
    async def _pending_sends(tx: Tx, key: str, now: datetime) -> list[PendingSend]:
        """The row's recipients still to be sent to (whose retry time has come)."""
        rows = await tx.all(
            "SELECT * FROM outbox_sends WHERE key = ? AND status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            (key, to_db(now)),
        )
        return [PendingSend(r["key"], r["chat_id"], r["topic_id"] or None, r["reply_to"], r["attempts"]) for r in rows]

    async def count_unfinished_sends(self, key: str) -> int:
        """How many recipients of the row are still pending (retrying included)."""
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM outbox_sends WHERE key = ? AND status = 'pending'", (key,)))  # fmt: skip

    async def mark_sent(self, send: PendingSend, message_id: int, now: datetime,
                        buttons: tuple[int, Sequence[str]] | None = None) -> None:  # fmt: skip
        """The messenger confirmed this send: it is never repeated. `buttons`: the hazard and the actions the message
        offers, remembered in the same transaction (each comes off once it no longer applies)."""
        async with self.db.transaction() as tx:
            await self._mark_sent(tx, Confirmed(send, message_id, now, buttons))

    async def _mark_sent(self, tx: Tx, confirmed: Confirmed) -> None:
        send = confirmed.send
        await tx.execute(
            "UPDATE outbox_sends SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1"
            " WHERE key = ? AND chat_id = ? AND topic_id = ?",
            (confirmed.message_id, to_db(confirmed.at), send.key, send.chat_id, send.topic_id or 0),
        )
        if confirmed.buttons is not None:
            hazard_id, actions = confirmed.buttons
            await self._remember_buttons(tx, hazard_id, send.chat_id, confirmed.message_id, actions)

    async def finish_row(self, key: str, hazard_id: int, plan: Planner, now: datetime, *, late: bool,
                         sent: Sequence[Confirmed] = ()) -> bool:  # fmt: skip
        """The row's confirmed sends (`sent`) recorded, never to be repeated; then, once none of its recipients is
        left to send to, the row is sent and the hazard's reminders are planned on: one transaction. Whether it was
        finished (False: recipients still wait out a retry)."""
        async with self.db.transaction() as tx:
            for confirmed in sent:
                await self._mark_sent(tx, confirmed)
            if await tx.scalar("SELECT 1 FROM outbox_sends WHERE key = ? AND status = 'pending' LIMIT 1", (key,)):
                return False
            await tx.execute(
                "UPDATE outbox SET status = ?, done_at = ?, late = late OR ? WHERE key = ? AND status = 'pending'",
                (RowStatus.SENT, to_db(now), int(late), key),
            )
            facts = await self._read_facts(tx, hazard_id)
            if facts is not None:
                await self._replan(tx, hazard_id, plan(facts), now)
        return True

    async def move_send(self, send: PendingSend, topic_id: int | None, reply_to: int | None) -> None:
        """The recipient's topic was reopened: send there instead, at once."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE OR IGNORE outbox_sends SET topic_id = ?, reply_to = ?, next_attempt_at = NULL"
                " WHERE key = ? AND chat_id = ? AND topic_id = ?",
                (topic_id or 0, reply_to, send.key, send.chat_id, send.topic_id or 0),
            )

    async def mark_retry(self, send: PendingSend, error: str, retry_at: datetime | None, *,
                         counted: bool = True) -> None:
        """A send failed: try again at `retry_at`, or give up on it (None); `counted`: a failed attempt (a 429
        that only asked to wait is not)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox_sends SET attempts = attempts + ?, error = ?, next_attempt_at = ?,"
                " status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END"
                " WHERE key = ? AND chat_id = ? AND topic_id = ?",
                (int(counted), error[:500], _opt(retry_at), _opt(retry_at), send.key, send.chat_id,
                 send.topic_id or 0),
            )  # fmt: skip

    async def get_event(self, event_id: int) -> AuditEntry | None:
        """An audit event and its data."""
        row = await self.db.one("SELECT * FROM events WHERE id = ?", (event_id,))
        return None if row is None else audit_entry(row)

    async def get_outbox_status(self, now: datetime) -> dict[str, int]:
        """Counts for /status: rows waiting, overdue in the outbox, recipients retrying and given up on."""
        async with self.db.reading() as tx:
            pending = await tx.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            due = await tx.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND due_at <= ?", (to_db(now),))
            retrying = await tx.scalar("SELECT COUNT(*) FROM outbox_sends WHERE status = 'pending'"
                                       " AND (attempts > 0 OR next_attempt_at IS NOT NULL)")  # a 429 waiting too
            failed = await tx.scalar("SELECT COUNT(*) FROM outbox_sends WHERE status = 'failed'")
            undelivered = await tx.scalar("SELECT COUNT(*) FROM hazard_threads WHERE delivered_at IS NULL")
        return {"pending": int(pending), "due": int(due), "retrying": int(retrying), "failed": int(failed),
                "undelivered": int(undelivered)}  # fmt: skip

    @staticmethod
    async def _remember_buttons(tx: Tx, hazard_id: int, chat_id: int, message_id: int, actions: Sequence[str]) -> None:
        """A message about the hazard went out with these action buttons: each comes off once it no longer applies."""
        await tx.execute(
            "INSERT OR REPLACE INTO hazard_button_messages (hazard_id, chat_id, message_id, actions)"
            " VALUES (?, ?, ?, ?)",
            (hazard_id, chat_id, message_id, ",".join(actions)),
        )

    async def get_button_messages(self, hazard_id: int) -> list[tuple[int, int, tuple[str, ...]]]:
        """The hazard's messages that still carry buttons (chat, message, their actions), oldest first."""
        rows = await self.db.all(
            "SELECT chat_id, message_id, actions FROM hazard_button_messages WHERE hazard_id = ? ORDER BY rowid",
            (hazard_id,),
        )
        return [(r[0], r[1], tuple(a for a in r[2].split(",") if a)) for r in rows]

    async def keep_buttons(self, chat_id: int, message_id: int, actions: Sequence[str]) -> None:
        """The message now carries only these of its buttons."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE hazard_button_messages SET actions = ? WHERE chat_id = ? AND message_id = ?",
                             (",".join(actions), chat_id, message_id))  # fmt: skip

    async def forget_buttons(self, chat_id: int, message_id: int) -> None:
        """The message's buttons are gone for good (or the message is): not touched again."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM hazard_button_messages WHERE chat_id = ? AND message_id = ?",
                             (chat_id, message_id))  # fmt: skip

    async def get_leads(self, unit_id: str) -> list[int]:
        """Telegram ids of a unit's leads (removed members are none)."""
        rows = await self.db.all("SELECT telegram_id FROM members WHERE unit_id = ? AND role = 'lead'"
                                 " AND removed_at IS NULL", (unit_id,))  # fmt: skip
        return [r[0] for r in rows]
