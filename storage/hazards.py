"""Hazards, their photos, their threads in the units' groups, and the audit log."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.evidence import StoredPhoto
from domain.hazards import Draft, Event, Grade, Hazard, MediaKind, Photo, State, Thread, ThreadRole, hazard_code
from domain.lifecycle import Action, Audience, HazardFacts, PlanPart
from domain.listing import DONE_STATES, MyFilter, Relation
from domain.members import Scope
from domain.records import AuditEntry, SentEscalation
from storage.db import Database, Tx
from storage.lifecycle import LifecycleRepository, Planner, audit_entry
from storage.payloads import DELIVERED, DELIVERY, FAILED, UNBOUND, DeliveryPayload, decode, encode
from storage.timefmt import from_db, from_db_required, to_db


def _hazard(row: sqlite3.Row) -> Hazard:
    return Hazard(
        id=row["id"], code=row["code"], reporter_id=row["reporter_id"], enterprise_id=row["enterprise_id"],
        township_id=row["township_id"], category_id=row["category_id"], department_id=row["department_id"],
        grade=Grade(row["grade"]), state=State(row["state"]), description=row["description"],
        place=row["place"], latitude=row["latitude"], longitude=row["longitude"],
        reported_at=from_db_required(row["reported_at"]), deadline=from_db(row["deadline"]),
        responsible_person=row["responsible_person"], rebounds=row["rebounds"],
    )  # fmt: skip


def _thread(row: sqlite3.Row) -> Thread:
    return Thread(
        row["unit_id"], ThreadRole(row["role"]), row["chat_id"], row["topic_id"], row["anchor_message_id"],
        from_db(row["delivered_at"]), from_db(row["failed_at"]),
    )


def _photo(row: sqlite3.Row) -> Photo:
    return Photo(row["file_id"], row["file_unique_id"], row["sha256"], row["size"], row["media_path"],
                 MediaKind(row["kind"]))


_EVERY = "1 = 1"  # /my's 全部: no condition beyond the scope, so the total is the scope's kept count


def _scope_filter(scope: Scope) -> tuple[str, tuple[object, ...]]:
    if scope.everything:
        return "1 = 1", ()
    if scope.enterprise_id is not None:
        return "enterprise_id = ?", (scope.enterprise_id,)
    return "(department_id = ? OR township_id = ?)", (scope.unit_id, scope.unit_id)


# What makes each action's button show (domain.lifecycle.precheck, state by state) as SQL over a hazards row; a flow
# test (tests/flows/test_views.py) checks the 待我处理 list against the buttons the lifecycle gives. "?" is the caller.
_PLAN_STATES = ", ".join(f"'{s}'" for s in (State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION))
_ACTION_SQL: dict[Action, str] = {
    Action.ACCEPT: "state = 'reported'",
    Action.SUBMIT_RECTIFICATION: "state = 'rectifying'",
    Action.REQUEST_EXTENSION: "state = 'rectifying' AND ext_requested_by IS NULL",
    Action.APPROVE_EXTENSION: "state = 'rectifying' AND ext_requested_by IS NOT NULL",
    Action.REFUSE_EXTENSION: "state = 'rectifying' AND ext_requested_by IS NOT NULL",
    # whoever submitted the rectification may not verify it
    Action.VERIFY_PASS: "state = 'awaiting_verification' AND COALESCE(rectification_submitter_id, 0) != ?",
    Action.VERIFY_REFUSE: "state = 'awaiting_verification' AND COALESCE(rectification_submitter_id, 0) != ?",
    Action.RECHECK_PASS: "state = 'recheck'",
    Action.RECHECK_REBOUND: "state = 'recheck'",
    Action.FILL_PLAN: f"grade = 'major' AND state IN ({_PLAN_STATES}) AND"
                      f" (SELECT COUNT(*) FROM hazard_plan_parts p WHERE p.hazard_id = hazards.id) < {len(PlanPart)}",
}
_DONE = ", ".join(f"'{s}'" for s in DONE_STATES)


def filter_sql(view: MyFilter, duties: Mapping[Relation, frozenset[Action]], me: MyIds,
               now: datetime) -> tuple[str, list[object]]:
    """The WHERE condition of a /my filter, and its parameters."""
    match view:
        case MyFilter.ALL:
            return _EVERY, []
        case MyFilter.OVERDUE:
            return "state = 'rectifying' AND deadline IS NOT NULL AND deadline < ?", [to_db(now)]
        case MyFilter.MAJOR:
            return f"grade = 'major' AND state NOT IN ({_DONE})", []
        case MyFilter.DONE:
            return f"state IN ({_DONE})", []
    relation_sql: dict[Relation, tuple[str, list[object]]] = {
        Relation.ANY: ("1 = 1", []), Relation.ENTERPRISE: ("enterprise_id = ?", [me.enterprise_id]),
        Relation.DEPARTMENT: ("department_id = ?", [me.unit_id]), Relation.TOWNSHIP: ("township_id = ?", [me.unit_id]),
    }  # fmt: skip
    parts, params = [], []
    for relation, actions in duties.items():
        for action in sorted(actions):
            where, values = relation_sql[relation]
            parts.append(f"({where} AND ({_ACTION_SQL[action]}))")
            params += values + [me.telegram_id] * _ACTION_SQL[action].count("?")
    return " OR ".join(parts) or "0 = 1", params


@dataclass(frozen=True, slots=True)
class MyIds:
    """Who asks for a /my view: their Telegram id, unit and enterprise."""

    telegram_id: int
    unit_id: str | None
    enterprise_id: str | None


@dataclass(frozen=True, slots=True)
class NewReport:
    """Everything the filing of a drafted report needs beyond the draft itself."""

    draft: Draft
    reporter_id: int
    township_id: str
    department_id: str
    year: int  # local year of `now`: numbering restarts every year
    now: datetime
    update_id: int | None
    plan: Planner | None = None  # the reminder planner: the 受理 clock's reminders are written with the filing


# What the reporter is told of a unit: the report arrived, was given up on (the admins were told), or waits
# for the unit's group to be bound. A thread being tried (or retried) has no outcome yet.


@dataclass(frozen=True, slots=True)
class PendingThread:
    """A responsible unit the hazard has not yet been delivered to."""

    hazard: Hazard
    thread: Thread
    attempts: int = 0  # failed deliveries so far (outbound.retry.retry_at)


class HazardRepository:
    """Filing and reading hazards."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def file_report(self, report: NewReport) -> tuple[Hazard, bool]:
        """File a drafted report once; a second call with the same draft returns the first (False)."""
        draft = report.draft
        async with self.db.transaction() as tx:
            existing = await tx.one("SELECT * FROM hazards WHERE draft_key = ?", (draft.key,))
            if existing is not None:
                return _hazard(existing), False
            number = await self._next_number(tx, report.year)
            code = hazard_code(report.year, number)
            assert draft.category_id is not None and draft.place is not None and draft.grade is not None
            hazard_id = await tx.execute(
                "INSERT INTO hazards (code, reporter_id, enterprise_id, township_id, category_id, department_id,"
                " grade, state, description, place, latitude, longitude, reported_at, updated_at, draft_key,"
                " accept_clock_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code, report.reporter_id, draft.enterprise_id, report.township_id, draft.category_id,
                 report.department_id, draft.grade, State.REPORTED, draft.description, draft.place,
                 draft.latitude, draft.longitude, to_db(report.now), to_db(report.now), draft.key, to_db(report.now)),
            )  # fmt: skip
            for position, photo in enumerate(draft.photos):
                await tx.execute(
                    "INSERT INTO hazard_photos (hazard_id, stage, position, file_id, file_unique_id, sha256,"
                    " size, media_path, kind) VALUES (?, 'report', ?, ?, ?, ?, ?, ?, ?)",
                    (hazard_id, position, photo.file_id, photo.file_unique_id, photo.sha256, photo.size,
                     photo.media_path, photo.kind),
                )  # fmt: skip
            for unit_id, role in ((report.department_id, ThreadRole.DEPARTMENT),
                                  (report.township_id, ThreadRole.TOWNSHIP)):  # fmt: skip
                await tx.execute(
                    "INSERT INTO hazard_threads (hazard_id, unit_id, role) VALUES (?, ?, ?)",
                    (hazard_id, unit_id, role),
                )
            await tx.execute(
                "INSERT INTO events (hazard_id, at, actor_id, action, from_state, to_state, update_id)"
                " VALUES (?, ?, ?, 'report', NULL, ?, ?)",
                (hazard_id, to_db(report.now), report.reporter_id, State.REPORTED, report.update_id),
            )
            if report.plan is not None:
                await LifecycleRepository.plan_new(tx, hazard_id, report.plan, report.now)
            row = await tx.one("SELECT * FROM hazards WHERE id = ?", (hazard_id,))
        assert row is not None
        return _hazard(row), True

    @staticmethod
    async def _next_number(tx: Tx, year: int) -> int:
        await tx.execute(
            "INSERT INTO hazard_numbers (year, last) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last = last + 1",
            (year,),
        )
        return int(await tx.scalar("SELECT last FROM hazard_numbers WHERE year = ?", (year,)))

    async def get_hazard_by_code(self, code: str) -> Hazard | None:
        """The hazard with this readable id, or None."""
        row = await self.db.one("SELECT * FROM hazards WHERE code = ?", (code.upper(),))
        return None if row is None else _hazard(row)

    async def get_hazard(self, hazard_id: int) -> Hazard | None:
        """The hazard with this row id, or None."""
        row = await self.db.one("SELECT * FROM hazards WHERE id = ?", (hazard_id,))
        return None if row is None else _hazard(row)

    async def get_with_facts(self, hazard_id: int) -> tuple[Hazard, HazardFacts] | None:
        """The hazard and what the lifecycle knows of it, in one read (the sweep's per-reminder read)."""
        async with self.db.reading() as tx:
            row = await tx.one("SELECT * FROM hazards WHERE id = ?", (hazard_id,))
            if row is None:
                return None
            facts = await LifecycleRepository.facts_of_row(tx, row)
        return _hazard(row), facts

    async def get_photos(self, hazard_id: int, stage: str = "report") -> list[Photo]:
        """The hazard's photos of one stage, in the order they were sent."""
        rows = await self.db.all(
            "SELECT * FROM hazard_photos WHERE hazard_id = ? AND stage = ? ORDER BY position", (hazard_id, stage)
        )
        return [_photo(r) for r in rows]

    async def get_after_photos(self, hazard_id: int) -> list[Photo]:
        """The photos of the hazard's latest 提交整改 (整改后照片), in the order they were sent."""
        rows = await self.db.all(
            "SELECT * FROM hazard_photos WHERE hazard_id = ? AND stage = (SELECT stage FROM hazard_photos"
            " WHERE hazard_id = ? AND stage LIKE 'submit:%' ORDER BY id DESC LIMIT 1) ORDER BY position",
            (hazard_id, hazard_id),
        )
        return [_photo(r) for r in rows]

    async def get_unhashed_photos(self, limit: int = 500) -> list[tuple[int, str]]:
        """Photos whose perceptual hash is not computed yet (row id, media path), oldest first."""
        rows = await self.db.all("SELECT id, media_path FROM hazard_photos WHERE phash IS NULL ORDER BY id LIMIT ?",
                                 (limit,))  # fmt: skip
        return [(r[0], r[1]) for r in rows]

    async def set_phashes(self, hashes: Sequence[tuple[int, str]]) -> None:
        """Store computed perceptual hashes by photo row id ('' for a photo that has none)."""
        async with self.db.transaction() as tx:
            for row_id, phash in hashes:
                await tx.execute("UPDATE hazard_photos SET phash = ? WHERE id = ?", (phash, row_id))

    async def get_photo_fingerprints(self) -> list[StoredPhoto]:
        """Every stored photo's hazard, stage and hashes: what a new rectification photo is compared with."""
        rows = await self.db.all(
            "SELECT p.hazard_id, h.code, p.stage, p.sha256, p.phash FROM hazard_photos p"
            " JOIN hazards h ON h.id = p.hazard_id ORDER BY p.hazard_id, p.id"
        )
        return [StoredPhoto(r[0], r[1], r[2], r[3], int(r[4], 16) if r[4] else None) for r in rows]

    async def list_open_major(self, limit: int) -> tuple[list[tuple[Hazard, int]], int]:
        """Open 重大 hazards (挂牌督办, not yet 销号) with how many plan parts are filled, soonest deadline first;
        and how many there are in all."""
        open_states = (State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION)
        async with self.db.reading() as tx:
            total = int(await tx.scalar(
                "SELECT COUNT(*) FROM hazards WHERE grade = 'major' AND state IN (?, ?, ?)", open_states))
            rows = await tx.all(
                "SELECT h.*, (SELECT COUNT(*) FROM hazard_plan_parts p WHERE p.hazard_id = h.id) AS plan_done"
                " FROM hazards h WHERE h.grade = 'major' AND h.state IN (?, ?, ?)"
                " ORDER BY h.deadline IS NULL, h.deadline, h.id LIMIT ?",
                (*open_states, limit),
            )  # fmt: skip
        return [(_hazard(r), int(r["plan_done"])) for r in rows], total

    async def get_threads(self, hazard_id: int) -> list[Thread]:
        """Where the hazard is discussed: department first, then township."""
        rows = await self.db.all(
            "SELECT * FROM hazard_threads WHERE hazard_id = ? ORDER BY role = 'township'", (hazard_id,)
        )
        return [_thread(r) for r in rows]

    async def get_events(self, hazard_id: int) -> list[Event]:
        """The hazard's audit log, oldest first."""
        rows = await self.db.all("SELECT * FROM events WHERE hazard_id = ? ORDER BY id", (hazard_id,))
        return [
            Event(from_db_required(r["at"]), r["actor_id"], r["action"],
                  State(r["from_state"]) if r["from_state"] else None, State(r["to_state"]), r["reason"])
            for r in rows
        ]  # fmt: skip

    async def get_audit(self, hazard_id: int) -> list[AuditEntry]:
        """The hazard's audit log with each event's data, oldest first (for the 处理记录)."""
        rows = await self.db.all("SELECT * FROM events WHERE hazard_id = ? ORDER BY id", (hazard_id,))
        return [audit_entry(r) for r in rows]

    async def get_sent_escalations(self, hazard_id: int, kinds: tuple[str, ...]) -> list[SentEscalation]:
        """The escalations of these kinds the bot has sent about the hazard (when, to whom), oldest first."""
        marks = ", ".join("?" for _ in kinds)
        rows = await self.db.all(
            f"SELECT kind, audiences, payload, done_at FROM outbox WHERE hazard_id = ? AND status = 'sent'"
            f" AND kind IN ({marks}) ORDER BY done_at, key",
            (hazard_id, *kinds),
        )
        return [
            SentEscalation(from_db_required(r["done_at"]), r["kind"], tuple(a for a in r["audiences"].split(",") if a),
                           getattr(decode(r["kind"], r["payload"]), "working_days_overdue", None))
            for r in rows
        ]  # fmt: skip

    async def list_hazards(self, scope: Scope, limit: int, offset: int) -> tuple[list[Hazard], int]:
        """A page of the hazards in scope, newest first, and how many there are in all."""
        return await self._page(scope, _EVERY, (), limit, offset)

    async def list_view(self, scope: Scope, view: MyFilter, duties: Mapping[Relation, frozenset[Action]], me: MyIds,
                        now: datetime, limit: int, offset: int) -> tuple[list[Hazard], int]:
        """A page of a /my filter over the hazards in scope, newest first, and how many match in all."""
        chosen, chosen_params = filter_sql(view, duties, me, now)
        return await self._page(scope, chosen, tuple(chosen_params), limit, offset)

    async def _page(self, scope: Scope, chosen: str, chosen_params: tuple[object, ...], limit: int,
                    offset: int) -> tuple[list[Hazard], int]:  # fmt: skip
        """The hazards in scope meeting ``chosen`` (a condition on hazards' columns): a page, newest first, and all."""
        if scope.everything or scope.enterprise_id is not None:
            where, scope_params = _scope_filter(scope)
            condition, params = f"({where}) AND ({chosen})", (*scope_params, *chosen_params)
            async with self.db.reading() as tx:
                total = await self._counted(tx, scope) if chosen == _EVERY else int(
                    await tx.scalar(f"SELECT COUNT(*) FROM hazards WHERE {condition}", params))
                rows = await tx.all(
                    f"SELECT * FROM hazards WHERE {condition} ORDER BY reported_at DESC, id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                )
            return [_hazard(r) for r in rows], total
        # a unit's hazards are those of its department index plus those of its township index (a unit id is one
        # unit of one kind, so no hazard is in both): each scan walks its index newest first and stops after
        # offset + limit rows, instead of an OR that sorts the unit's whole ledger
        unit, first = scope.unit_id, offset + limit
        async with self.db.reading() as tx:
            total = await self._counted(tx, scope) if chosen == _EVERY else int(await tx.scalar(
                f"SELECT (SELECT COUNT(*) FROM hazards WHERE department_id = ? AND ({chosen}))"
                f" + (SELECT COUNT(*) FROM hazards WHERE township_id = ? AND ({chosen}))",
                (unit, *chosen_params, unit, *chosen_params)))  # fmt: skip
            rows = await tx.all(
                "SELECT * FROM (SELECT * FROM hazards INDEXED BY hazards_by_department"
                f"   WHERE department_id = ? AND ({chosen}) ORDER BY reported_at DESC, id DESC LIMIT ?)"
                " UNION ALL"
                " SELECT * FROM (SELECT * FROM hazards INDEXED BY hazards_by_township"
                f"   WHERE township_id = ? AND ({chosen}) ORDER BY reported_at DESC, id DESC LIMIT ?)"
                " ORDER BY reported_at DESC, id DESC LIMIT ? OFFSET ?",
                (unit, *chosen_params, first, unit, *chosen_params, first, limit, offset),
            )
        return [_hazard(r) for r in rows], total

    @staticmethod
    async def _counted(tx: Tx, scope: Scope) -> int:
        """How many hazards the scope holds, as the triggers of migration 013 keep it: one or two rows read."""
        keys = [""] if scope.everything else [f"e:{scope.enterprise_id}"] if scope.enterprise_id is not None \
            else [f"d:{scope.unit_id}", f"t:{scope.unit_id}"]
        found = await tx.scalar(f"SELECT SUM(n) FROM hazard_counts WHERE scope IN ({','.join('?' * len(keys))})",
                                keys)  # fmt: skip
        return int(found or 0)

    async def get_undelivered_threads(self, unit_id: str | None = None, *, due_by: datetime | None = None,
                                      bound_only: bool = False) -> list[PendingThread]:
        """Threads not yet delivered nor given up on (of one unit, or all), oldest hazard first.

        `due_by`: only those whose retry time has come; `bound_only`: only units with a group (the sweep's
        every-minute look skips the units it could not deliver to anyway).
        """
        condition, params = "t.delivered_at IS NULL AND t.failed_at IS NULL", []
        if unit_id:
            condition, params = condition + " AND t.unit_id = ?", [unit_id]
        if due_by is not None:
            condition += " AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)"
            params.append(to_db(due_by))
        if bound_only:
            condition += " AND EXISTS (SELECT 1 FROM group_bindings b WHERE b.unit_id = t.unit_id)"
        rows = await self.db.all(
            "SELECT h.*, t.unit_id, t.role, t.chat_id, t.topic_id, t.anchor_message_id, t.delivered_at,"
            f" t.failed_at, t.attempts FROM hazard_threads t JOIN hazards h ON h.id = t.hazard_id WHERE {condition}"
            " ORDER BY h.id",
            tuple(params),
        )
        return [PendingThread(_hazard(r), _thread(r), r["attempts"]) for r in rows]

    async def get_unbound_untold(self) -> list[tuple[int, str, str]]:
        """(hazard id, code, unit) of each undelivered thread whose unit has no group and of which the admins have
        not been told yet, oldest hazard first."""
        rows = await self.db.all(
            "SELECT h.id, h.code, t.unit_id FROM hazard_threads t JOIN hazards h ON h.id = t.hazard_id"
            " WHERE t.delivered_at IS NULL AND t.failed_at IS NULL AND t.unbound_told_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM group_bindings b WHERE b.unit_id = t.unit_id) ORDER BY h.id, t.unit_id",
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def mark_unbound_told(self, told: list[tuple[int, str]], now: datetime) -> None:
        """The admins were told that these (hazard id, unit) wait for the unit's group: never again."""
        async with self.db.transaction() as tx:
            for hazard_id, unit_id in told:
                await tx.execute("UPDATE hazard_threads SET unbound_told_at = ? WHERE hazard_id = ? AND unit_id = ?",
                                 (to_db(now), hazard_id, unit_id))  # fmt: skip

    async def record_thread_opened(self, hazard_id: int, unit_id: str, chat_id: int, topic_id: int | None,
                                   anchor_message_id: int | None) -> None:
        """Remember where the thread is as soon as it exists, so a retry reuses it."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE hazard_threads SET chat_id = ?, topic_id = ?, anchor_message_id = ?"
                " WHERE hazard_id = ? AND unit_id = ?",
                (chat_id, topic_id, anchor_message_id, hazard_id, unit_id),
            )

    async def mark_delivered(self, hazard_id: int, unit_id: str, now: datetime) -> None:
        """The thread has its card and photos."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE hazard_threads SET delivered_at = ?, last_error = NULL WHERE hazard_id = ? AND unit_id = ?",
                (to_db(now), hazard_id, unit_id),
            )

    async def get_thread_in_chat(self, chat_id: int, topic_id: int | None, hazard_id: int) -> Thread | None:
        """The hazard's thread in that chat (and topic), if it has one there."""
        row = await self.db.one(
            "SELECT * FROM hazard_threads WHERE hazard_id = ? AND chat_id = ? AND COALESCE(topic_id, 0) = ?",
            (hazard_id, chat_id, topic_id or 0),
        )
        return None if row is None else _thread(row)

    async def record_delivery_failure(self, hazard_id: int, unit_id: str, error: str, retry_at: datetime | None,
                                      now: datetime, *, counted: bool = True) -> None:
        """A delivery failed: tried again at `retry_at` (the sweep), or None: given up on for good; `counted`: a
        failed attempt (a 429 that only asked to wait is not)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE hazard_threads SET last_error = ?, attempts = attempts + ?, next_attempt_at = ?,"
                " failed_at = ? WHERE hazard_id = ? AND unit_id = ?",
                (error[:500], int(counted), None if retry_at is None else to_db(retry_at),
                 None if retry_at else to_db(now), hazard_id, unit_id),
            )  # fmt: skip

    async def queue_reporter_followup(self, hazard_id: int, now: datetime) -> bool:
        """Once no unit of the hazard is still being tried, queue one notice to the reporter of the outcomes not yet
        told (delivered, given up, waiting for a group); False when there is nothing to tell yet.

        The notice is an outbox row, written with the marks of what it tells in one transaction: the sweep sends
        it like every other notice, once, also after a restart.
        """
        async with self.db.transaction() as tx:
            rows = await tx.all(
                "SELECT t.unit_id, t.delivered_at, t.failed_at, t.reporter_told,"
                " EXISTS (SELECT 1 FROM group_bindings b WHERE b.unit_id = t.unit_id) AS bound"
                " FROM hazard_threads t WHERE t.hazard_id = ? ORDER BY t.role = 'township', t.unit_id",
                (hazard_id,),
            )
            outcomes: dict[str, list[str]] = {DELIVERED: [], FAILED: [], UNBOUND: []}
            untold: list[tuple[str, str]] = []
            for row in rows:
                if row["delivered_at"] is not None:
                    outcome = DELIVERED
                elif row["failed_at"] is not None:
                    outcome = FAILED
                elif not row["bound"]:
                    outcome = UNBOUND
                else:
                    return False  # still being tried: one notice when every unit has an outcome
                if row["reporter_told"] != outcome:
                    outcomes[outcome].append(row["unit_id"])
                    untold.append((outcome, row["unit_id"]))
            if not untold:
                return False
            number = int(await tx.scalar("SELECT COUNT(*) FROM outbox WHERE hazard_id = ? AND kind = ?",
                                         (hazard_id, DELIVERY))) + 1  # fmt: skip
            await tx.execute(
                "INSERT INTO outbox (key, hazard_id, kind, audiences, payload, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (f"{hazard_id}:delivery:{number}", hazard_id, DELIVERY, Audience.REPORTER.value,
                 encode(DeliveryPayload(*(tuple(outcomes[o]) for o in (DELIVERED, FAILED, UNBOUND)))), to_db(now),
                 to_db(now)),
            )  # fmt: skip
            for outcome, unit_id in untold:
                await tx.execute("UPDATE hazard_threads SET reporter_told = ? WHERE hazard_id = ? AND unit_id = ?",
                                 (outcome, hazard_id, unit_id))  # fmt: skip
        return True

    async def forget_threads_in_chat(self, unit_id: str) -> None:
        """A unit's group changed: undelivered threads there must be opened anew in the new group, with a fresh
        count of attempts (a delivery given up on is tried again: the admin who binds has fixed the group)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE hazard_threads SET chat_id = NULL, topic_id = NULL, anchor_message_id = NULL, attempts = 0,"
                " next_attempt_at = NULL, failed_at = NULL WHERE unit_id = ? AND delivered_at IS NULL",
                (unit_id,),
            )
