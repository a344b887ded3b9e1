"""What the crash test checks, from both sides: what reached users (the double) and what the bot kept (its files).

Every message the bot sends is tagged with the run (process) that sent it. After each kill the confirmed
sends in `outbox_sends` are read back: once a send is confirmed its message id never changes, and a
notification the double holds that the database does not know of was sent by a killed run between Telegram's
answer and the commit that records it: the sweep records an outbox row's sends together with the row's close, so a
killed run leaves at most one row's notifications unrecorded (one hazard's, each chat's at most once).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import Settings
from domain.hazards import State
from domain.lifecycle import Action
from sandbox.double import BotApiDouble, Message
from sandbox.model import WorldEvent
from storage.timefmt import from_db_required
from tests.process.people import Officer, query, sha256, shown
from texts import plain

CODE = re.compile(r"YH-\d{4}-\d{6}")
FILED = re.compile(r"已立案，编号 (YH-\d{4}-\d{6})")
DONE = re.compile(r"已完成：(.+?)（(YH-\d{4}-\d{6})），当前状态：(.+?)。")
ACTIONS = {plain(f"act.{a}"): a.value for a in Action if a is not Action.START_RECHECK}
STATES = {plain(f"state.{s}"): s.value for s in State}

LATE_AFTER = Settings(_env_file=None).reminder_policy().late_after  # type: ignore[call-arg]
SendKey = tuple[str, int, int]  # outbox key, chat, topic (0: none)


@dataclass
class Sent:
    """A message the bot sent and the run that sent it."""

    run: int
    message: Message


@dataclass
class Ledger:
    """The bot's messages by (chat, message id) with their run, and the confirmed sends seen after each kill."""

    api: BotApiDouble
    database: Path
    enterprises: tuple[str, ...]
    run: int = 0
    killed: set[int] = field(default_factory=set)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    confirmed: dict[SendKey, int] = field(default_factory=dict)
    resent: list[str] = field(default_factory=list)
    anchors: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)  # (code, chat): card, run

    def __post_init__(self) -> None:
        self.api.world.subscribe(self._on_event)
        late, badge = re.escape(plain("notice.late")), re.escape(plain("notice.major_badge"))
        names = "|".join(re.escape(n) for n in self.enterprises)
        self._notice = re.compile(rf"^(?:{late})?(?:{badge})?(YH-\d{{4}}-\d{{6}}) (?:{names})：")

    def _on_event(self, event: WorldEvent) -> None:
        message = event.message
        if event.kind == "message" and message is not None and message.sender is self.api.bot and not message.service:
            self.messages[(message.chat.id, message.message_id)] = Sent(self.run, message)

    def is_notice(self, message: Message) -> bool:
        """A notification from the outbox (its head: late mark, badge, code, enterprise)."""
        return bool(self._notice.match(shown(message)))

    def snapshot(self) -> None:
        """Read the confirmed sends back; one whose message id changed was sent again after its confirmation."""
        for key, chat, topic, message_id in query(
            self.database, "SELECT key, chat_id, topic_id, message_id FROM outbox_sends WHERE status = 'sent'"
        ):
            before = self.confirmed.setdefault((key, chat, topic), message_id)
            if before != message_id:
                self.resent.append(f"{key} to {chat}/{topic}: confirmed as message {before}, later as {message_id}")
        for code, chat, anchor in query(self.database, "SELECT h.code, t.chat_id, t.anchor_message_id FROM"
                                        " hazard_threads t JOIN hazards h ON h.id = t.hazard_id"
                                        " WHERE t.anchor_message_id IS NOT NULL"):  # fmt: skip
            self.anchors.setdefault((code, chat), (anchor, self.run))


def check_reports(ledger: Ledger, officers: list[Officer], media: Path) -> tuple[list[str], int]:
    """Every report an officer was told was filed is in the database with its photos, on disk, intact."""
    problems: list[str] = []
    told = 0
    for officer in officers:
        for position, message in enumerate(ledger.api.sent(officer.user.id)):
            filed = FILED.search(shown(message))
            if filed is None:
                continue
            told += 1
            code = filed.group(1)
            draft = officer.draft_of(position)
            rows = query(ledger.database, "SELECT id, reporter_id FROM hazards WHERE code = ?", (code,))
            if not rows:
                problems.append(f"{code}: told filed to {officer.user.id}, not in the database")
                continue
            hazard_id, reporter = rows[0]
            if reporter != officer.user.id:
                problems.append(f"{code}: reporter {reporter}, told to {officer.user.id}")
            photos = query(ledger.database, "SELECT sha256, media_path, size FROM hazard_photos"
                           " WHERE hazard_id = ? AND stage = 'report' ORDER BY position", (hazard_id,))  # fmt: skip
            expected = draft.photos if draft else []
            if [p[0] for p in photos] != expected:
                problems.append(f"{code}: photos {[p[0][:8] for p in photos]}, sent {[s[:8] for s in expected]}")
            problems.extend(_file_problems(code, media, photos))
            if not query(ledger.database, "SELECT 1 FROM events WHERE hazard_id = ? AND action = 'report'",
                         (hazard_id,)):  # fmt: skip
                problems.append(f"{code}: no report event")
    return problems, told


def check_media(ledger: Ledger, media: Path) -> list[str]:
    """Every photo the database names (reports and rectifications) is on disk with its SHA-256 and size."""
    rows = query(ledger.database, "SELECT h.code, p.sha256, p.media_path, p.size FROM hazard_photos p"
                 " JOIN hazards h ON h.id = p.hazard_id")  # fmt: skip
    problems: list[str] = []
    for code, digest, path, size in rows:
        problems.extend(_file_problems(code, media, [(digest, path, size)]))
    return problems


def _file_problems(code: str, media: Path, photos: list[tuple[Any, ...]]) -> list[str]:
    problems = []
    for digest, path, size in photos:
        stored = media / path
        if not stored.is_file():
            problems.append(f"{code}: photo {path} missing")
            continue
        data = stored.read_bytes()
        if sha256(data) != digest or len(data) != size:
            problems.append(f"{code}: photo {path} has SHA-256 {sha256(data)[:8]}/{len(data)} bytes")
    return problems


def check_transitions(ledger: Ledger) -> tuple[list[str], int]:
    """Every transition confirmed to its actor (已完成：…) is in the audit log, as often as it was confirmed."""
    confirmed: Counter[tuple[str, str, str]] = Counter()
    for sent in ledger.messages.values():
        for label, code, state in DONE.findall(shown(sent.message)):
            confirmed[(code, ACTIONS.get(label, label), STATES.get(state, state))] += 1
    logged = Counter(
        (code, action, to_state)
        for code, action, to_state in query(
            ledger.database, "SELECT h.code, e.action, e.to_state FROM events e JOIN hazards h ON h.id = e.hazard_id"
        )
    )
    problems = [
        f"{code} {action} → {state}: confirmed {n}×, in the audit log {logged[(code, action, state)]}×"
        for (code, action, state), n in confirmed.items()
        if logged[(code, action, state)] < n
    ]
    return problems, sum(confirmed.values())


@dataclass
class NoticeCounts:
    """What the outbox did, for the test's summary."""

    rows: Counter[str] = field(default_factory=Counter)
    confirmed: int = 0
    unconfirmed: int = 0
    dropped: int = 0  # recipients of a reminder that expired half sent


def check_notifications(ledger: Ledger, now_db: str) -> tuple[list[str], NoticeCounts]:
    """Every due notification went out (each confirmed send is a message the double holds); none confirmed
    went out twice; a notification the database does not know of came from a killed run, at most one row's each."""
    problems = list(ledger.resent)
    counts = NoticeCounts()
    db = ledger.database
    for key, kind, status in query(db, "SELECT key, kind, status FROM outbox WHERE due_at <= ?", (now_db,)):
        counts.rows[f"{kind}:{status}"] += 1
        if status == "pending" or status == "failed" or (kind == "transition" and status != "sent"):
            problems.append(f"outbox {key} ({kind}) is {status}")
    # a row's recipients are all sent before it is; a reminder that expired half sent (the bot killed between
    # recipients, then down past its expiry) has the rest dropped with it, by design: closing the row marks them
    # failed with the reason (older rows may still show them pending)
    for key, chat, topic, status, row, error in query(db, "SELECT s.key, s.chat_id, s.topic_id, s.status, o.status,"
                                                          " s.error FROM outbox_sends s JOIN outbox o ON o.key = s.key"
                                                          " WHERE s.status != 'sent'"):  # fmt: skip
        dropped = row == "expired" and (status == "pending" or (error or "").startswith("row expired"))
        if dropped:
            counts.dropped += 1
        else:
            problems.append(f"send of {key} ({row}) to {chat}/{topic} is {status}: {error}")
    # a reminder is dropped only once the next one has taken its place (its expiry), never merely for being late
    for key, expires, done in query(db, "SELECT key, expires_at, done_at FROM outbox WHERE status = 'expired'"
                                        " AND (expires_at IS NULL OR done_at < expires_at)"):  # fmt: skip
        problems.append(f"outbox {key} expired at {done} before its expiry {expires}")
    # what went out more than 10 minutes after it was due says so (补发)
    late_rows = {k for (k,) in query(db, "SELECT key FROM outbox WHERE late = 1")}
    # (a transition's notice is never late; a card row edits the anchor card, which says nothing of lateness)
    for key, due, first in query(db, "SELECT o.key, o.due_at, MIN(s.sent_at) FROM outbox o JOIN outbox_sends s"
                                     " ON s.key = o.key WHERE o.kind NOT IN ('transition', 'card')"
                                     " AND s.status = 'sent' GROUP BY o.key"):  # fmt: skip
        if from_db_required(first) - from_db_required(due) > LATE_AFTER and key not in late_rows:
            problems.append(f"outbox {key} due {due}, first sent {first}, not marked late")
    late_mark = plain("notice.late")
    codes = dict(query(db, "SELECT o.key, h.code FROM outbox o JOIN hazards h ON h.id = o.hazard_id"))
    final: set[tuple[int, int]] = set()
    for (key, chat, topic), message_id in ledger.confirmed.items():
        final.add((chat, message_id))
        counts.confirmed += 1
        sent = ledger.messages.get((chat, message_id))
        if sent is None:
            problems.append(f"{key} to {chat}: confirmed as message {message_id}, which never reached the chat")
            continue
        message = sent.message
        if ":card:" in key:  # an anchor card brought up to date: an edit of the card (or the card posted anew)
            if codes.get(key, "?") not in shown(message) or ledger.is_notice(message):
                problems.append(f"{key} to {chat}: message {message_id} is not its card: {shown(message)[:60]!r}")
            continue
        if codes.get(key, "?") not in shown(message) or not ledger.is_notice(message):
            problems.append(f"{key} to {chat}: message {message_id} is not its notice: {shown(message)[:60]!r}")
        if (key in late_rows) != shown(message).startswith(late_mark):
            problems.append(f"{key} to {chat}: late {key in late_rows}, message {shown(message)[:30]!r}")
        if topic and message.thread_id != topic:
            problems.append(f"{key} to {chat}: message {message_id} in topic {message.thread_id}, not {topic}")
    unknown: dict[int, list[str]] = defaultdict(list)
    rows: dict[int, set[str]] = defaultdict(set)  # the hazards a run's unrecorded notifications are about
    chats: dict[int, list[int]] = defaultdict(list)
    for (chat, message_id), sent in ledger.messages.items():
        if ledger.is_notice(sent.message) and (chat, message_id) not in final:
            unknown[sent.run].append(f"{chat}/{message_id} {shown(sent.message)[:50]!r}")
            rows[sent.run].update(CODE.findall(shown(sent.message))[:1])
            chats[sent.run].append(chat)
    for run, notices in unknown.items():
        counts.unconfirmed += len(notices)
        one_row = len(rows[run]) <= 1 and len(chats[run]) == len(set(chats[run]))
        if run not in ledger.killed or not one_row:
            how = "killed" if run in ledger.killed else "stopped cleanly"
            problems.append(f"run {run} ({how}) sent {len(notices)} notification(s) it did not record: {notices}")
    return problems, counts


def check_threads(ledger: Ledger) -> list[str]:
    """Every hazard reached both its units' groups, and the card the database names is there."""
    problems = []
    for code, unit, chat, anchor, delivered in query(
        ledger.database, "SELECT h.code, t.unit_id, t.chat_id, t.anchor_message_id, t.delivered_at"
        " FROM hazard_threads t JOIN hazards h ON h.id = t.hazard_id"
    ):  # fmt: skip
        if delivered is None:
            problems.append(f"{code}: not delivered to {unit}")
        elif (chat, anchor) not in ledger.messages or code not in shown(ledger.messages[(chat, anchor)].message):
            problems.append(f"{code}: the card in {unit}'s group (message {anchor}) is not there")
    return problems


def repeated_cards(ledger: Ledger) -> tuple[int, list[str]]:
    """Hazard cards that reached a group more than once: how many extra copies, and those sent by a later
    run although the first card was already recorded as the thread's anchor (a confirmed send repeated)."""
    extra = 0
    after_recorded: list[str] = []
    seen: set[tuple[int, str]] = set()
    for (chat, message_id), sent in sorted(ledger.messages.items(), key=lambda item: item[0][1]):
        text = shown(sent.message)
        code = CODE.match(text)
        if not (code and "\n状态：" in text and "\n责任单位：" in text):
            continue
        key = (chat, code.group(0))
        extra += key in seen
        seen.add(key)
        anchor = ledger.anchors.get((code.group(0), chat))
        if anchor is not None and sent.run > anchor[1] and message_id != anchor[0]:
            after_recorded.append(f"{code.group(0)} in {chat}: card {anchor[0]} recorded by run {anchor[1]},"
                                  f" sent again by run {sent.run}")
    return extra, after_recorded
