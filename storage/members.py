"""Members, invites and group bindings."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from domain.members import InviteProblem, InviteSpec, Member, Role
from storage.db import Database
from storage.timefmt import from_db_required, to_db


def _member(row: sqlite3.Row) -> Member:
    return Member(row["telegram_id"], row["display_name"], Role(row["role"]), row["unit_id"], row["enterprise_id"])


def _binding(row: sqlite3.Row) -> GroupBinding:
    return GroupBinding(row["unit_id"], row["chat_id"], row["title"], bool(row["is_forum"]))


@dataclass(frozen=True, slots=True)
class GroupBinding:
    """A unit's Telegram group."""

    unit_id: str
    chat_id: int
    title: str
    is_forum: bool


class MemberRepository:
    """Who has joined, with which role, and the invites that let them join."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_member(self, telegram_id: int) -> Member | None:
        """The member with this Telegram id, or None for a stranger."""
        async with self.db.reading() as tx:
            row = await tx.one("SELECT * FROM members WHERE telegram_id = ?", (telegram_id,))
        return None if row is None else _member(row)

    async def get_officers_of(self, enterprise_id: str) -> list[Member]:
        """The safety officers of an enterprise."""
        async with self.db.reading() as tx:
            rows = await tx.all("SELECT * FROM members WHERE enterprise_id = ? ORDER BY joined_at", (enterprise_id,))
        return [_member(r) for r in rows]

    async def get_admin_ids(self) -> list[int]:
        """Telegram ids of members with the admin role."""
        async with self.db.reading() as tx:
            rows = await tx.all("SELECT telegram_id FROM members WHERE role = 'admin'")
        return [r[0] for r in rows]

    async def create_invite(self, code: str, spec: InviteSpec, created_by: int, now: datetime,
                            expires_at: datetime) -> None:
        """Store a new one-time invite."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO invites (code, role, unit_id, enterprise_id, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, spec.role, spec.unit_id, spec.enterprise_id, created_by, to_db(now), to_db(expires_at)),
            )

    async def redeem_invite(self, code: str, telegram_id: int, display_name: str, now: datetime
                            ) -> Member | InviteProblem:
        """Use an invite once: bind the user and mark the invite used, in one transaction."""
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM invites WHERE code = ?", (code,))
            if row is None:
                return InviteProblem.NOT_FOUND
            if row["used_by"] is not None:
                return InviteProblem.USED
            if from_db_required(row["expires_at"]) <= now:
                return InviteProblem.EXPIRED
            member = Member(telegram_id, display_name, Role(row["role"]), row["unit_id"], row["enterprise_id"])
            await tx.execute(
                "INSERT INTO members (telegram_id, display_name, role, unit_id, enterprise_id, joined_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET display_name = excluded.display_name,"
                " role = excluded.role, unit_id = excluded.unit_id, enterprise_id = excluded.enterprise_id",
                (telegram_id, display_name, member.role, member.unit_id, member.enterprise_id, to_db(now)),
            )
            await tx.execute(
                "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ?", (telegram_id, to_db(now), code)
            )
        return member

    async def ensure_admin(self, telegram_id: int, display_name: str, now: datetime) -> Member:
        """Register a configured admin the first time they talk to the bot."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (telegram_id, display_name, role, joined_at) VALUES (?, ?, 'admin', ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET role = 'admin', unit_id = NULL, enterprise_id = NULL",
                (telegram_id, display_name, to_db(now)),
            )
        return Member(telegram_id, display_name, Role.ADMIN)


class GroupRepository:
    """Which Telegram group belongs to which unit."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def bind(self, binding: GroupBinding, bound_by: int, now: datetime) -> None:
        """Bind a group to a unit, replacing any earlier group of that unit or unit of that group."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM group_bindings WHERE unit_id = ? OR chat_id = ?",
                             (binding.unit_id, binding.chat_id))
            await tx.execute(
                "INSERT INTO group_bindings (unit_id, chat_id, title, is_forum, bound_by, bound_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (binding.unit_id, binding.chat_id, binding.title, int(binding.is_forum), bound_by, to_db(now)),
            )

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup (ChatMigrated): everything stored under the old id moves to the new."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE group_bindings SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
            await tx.execute("UPDATE hazard_threads SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
            await tx.execute(
                "UPDATE outbox_sends SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
                (new_chat_id, old_chat_id),
            )

    async def unbind_chat(self, chat_id: int) -> str | None:
        """Unbind the group; returns the unit it was bound to, or None."""
        async with self.db.transaction() as tx:
            unit_id = await tx.scalar("SELECT unit_id FROM group_bindings WHERE chat_id = ?", (chat_id,))
            await tx.execute("DELETE FROM group_bindings WHERE chat_id = ?", (chat_id,))
        return unit_id

    async def get_binding_of_unit(self, unit_id: str) -> GroupBinding | None:
        """The unit's group, or None."""
        async with self.db.reading() as tx:
            row = await tx.one("SELECT * FROM group_bindings WHERE unit_id = ?", (unit_id,))
        return None if row is None else _binding(row)

    async def get_binding_of_chat(self, chat_id: int) -> GroupBinding | None:
        """The unit this group is bound to, or None."""
        async with self.db.reading() as tx:
            row = await tx.one("SELECT * FROM group_bindings WHERE chat_id = ?", (chat_id,))
        return None if row is None else _binding(row)
