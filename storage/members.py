"""Members, invites and group bindings."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from domain.members import InviteProblem, InviteSpec, Member, Role
from storage.db import Database, Tx
from storage.timefmt import from_db_required, to_db


def _member(row: sqlite3.Row) -> Member:
    return Member(row["telegram_id"], row["display_name"], Role(row["role"]), row["unit_id"], row["enterprise_id"])


def _binding(row: sqlite3.Row) -> GroupBinding:
    return GroupBinding(row["unit_id"], row["chat_id"], row["title"], bool(row["is_forum"]))


@dataclass(frozen=True, slots=True)
class Joined:
    """A member and when they joined."""

    member: Member
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class OpenInvite:
    """An invite that can still be used: not used, revoked or expired."""

    number: int  # its row id: what the revoke button carries (the code itself stays out of buttons)
    code: str
    spec: InviteSpec
    created_by: int
    created_by_name: str | None  # None: the admin is no member any more
    created_at: datetime
    expires_at: datetime


def _open_invite(row: sqlite3.Row) -> OpenInvite:
    return OpenInvite(row["rowid"], row["code"], InviteSpec(Role(row["role"]), row["unit_id"], row["enterprise_id"]),
                      row["created_by"], row["creator"], from_db_required(row["created_at"]),
                      from_db_required(row["expires_at"]))  # fmt: skip


_OPEN_INVITES = (
    "SELECT i.rowid, i.*, m.display_name AS creator FROM invites i"
    " LEFT JOIN members m ON m.telegram_id = i.created_by AND m.removed_at IS NULL"
    " WHERE i.used_by IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?"
)


async def _log(tx: Tx, now: datetime, actor_id: int | None, action: str, role: str, unit_id: str | None,
               enterprise_id: str | None, *, telegram_id: int | None = None, invite_code: str | None = None) -> None:
    await tx.execute(
        "INSERT INTO membership_log (at, actor_id, action, telegram_id, invite_code, role, unit_id, enterprise_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (to_db(now), actor_id, action, telegram_id, invite_code, role, unit_id, enterprise_id),
    )


async def _end_membership(tx: Tx, member: Member, actor_id: int | None, action: str, now: datetime) -> None:
    """Mark the member removed and revoke the invites they made that are still open: their links end with them."""
    await tx.execute("UPDATE members SET removed_at = ? WHERE telegram_id = ?", (to_db(now), member.telegram_id))
    await _log(tx, now, actor_id, action, member.role, member.unit_id, member.enterprise_id,
               telegram_id=member.telegram_id)  # fmt: skip
    for row in await tx.all(_OPEN_INVITES + " AND i.created_by = ?", (to_db(now), member.telegram_id)):
        await _revoke(tx, _open_invite(row), actor_id, now)


async def _revoke(tx: Tx, invite: OpenInvite, actor_id: int | None, now: datetime) -> None:
    await tx.execute("UPDATE invites SET revoked_at = ?, revoked_by = ? WHERE code = ?",
                     (to_db(now), actor_id, invite.code))  # fmt: skip
    await _log(tx, now, actor_id, "revoke_invite", invite.spec.role, invite.spec.unit_id, invite.spec.enterprise_id,
               invite_code=invite.code)  # fmt: skip


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
        row = await self.db.one("SELECT * FROM members WHERE telegram_id = ? AND removed_at IS NULL", (telegram_id,))
        return None if row is None else _member(row)

    async def get_officers_of(self, enterprise_id: str) -> list[Member]:
        """The safety officers of an enterprise."""
        rows = await self.db.all("SELECT * FROM members WHERE enterprise_id = ? AND removed_at IS NULL"
                                 " ORDER BY joined_at", (enterprise_id,))  # fmt: skip
        return [_member(r) for r in rows]

    async def get_admin_ids(self) -> list[int]:
        """Telegram ids of members with the admin role."""
        rows = await self.db.all("SELECT telegram_id FROM members WHERE role = 'admin' AND removed_at IS NULL")
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
            if row["revoked_at"] is not None:
                return InviteProblem.REVOKED
            if from_db_required(row["expires_at"]) <= now:
                return InviteProblem.EXPIRED
            member = Member(telegram_id, display_name, Role(row["role"]), row["unit_id"], row["enterprise_id"])
            await tx.execute(
                "INSERT INTO members (telegram_id, display_name, role, unit_id, enterprise_id, joined_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET display_name = excluded.display_name,"
                " role = excluded.role, unit_id = excluded.unit_id, enterprise_id = excluded.enterprise_id,"
                " joined_at = excluded.joined_at, removed_at = NULL",
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
                " ON CONFLICT (telegram_id) DO UPDATE SET role = 'admin', unit_id = NULL, enterprise_id = NULL,"
                " removed_at = NULL",
                (telegram_id, display_name, to_db(now)),
            )
        return Member(telegram_id, display_name, Role.ADMIN)

    async def list_members(self, *, unit_id: str | None = None, enterprise_id: str | None = None) -> list[Joined]:
        """The members of a unit or of an enterprise, in the order they joined."""
        column, value = ("unit_id", unit_id) if unit_id is not None else ("enterprise_id", enterprise_id)
        rows = await self.db.all(f"SELECT * FROM members WHERE {column} = ? AND removed_at IS NULL"
                                 " ORDER BY joined_at, telegram_id", (value,))  # fmt: skip
        return [Joined(_member(r), from_db_required(r["joined_at"])) for r in rows]

    async def remove_member(self, telegram_id: int, removed_by: int, now: datetime) -> Member | None:
        """End a membership (logged, with the invites they made still open revoked); None if not a member."""
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM members WHERE telegram_id = ? AND removed_at IS NULL", (telegram_id,))
            if row is None:
                return None
            member = _member(row)
            await _end_membership(tx, member, removed_by, "remove", now)
        return member

    async def drop_unconfigured_admins(self, admin_ids: Collection[int], now: datetime) -> list[Member]:
        """End the membership of every admin the configuration made (no unit) whose id it no longer lists."""
        async with self.db.transaction() as tx:
            rows = await tx.all("SELECT * FROM members WHERE role = 'admin' AND unit_id IS NULL AND removed_at IS NULL")
            dropped = [_member(r) for r in rows if r["telegram_id"] not in admin_ids]
            for member in dropped:
                await _end_membership(tx, member, None, "admin_unconfigured", now)
        return dropped

    async def get_removed_ids(self) -> set[int]:
        """Telegram ids of everyone whose membership was ended (and who has not joined again)."""
        rows = await self.db.all("SELECT telegram_id FROM members WHERE removed_at IS NOT NULL")
        return {r[0] for r in rows}

    async def list_open_invites(self, now: datetime) -> list[OpenInvite]:
        """Invites that can still be used, oldest first."""
        rows = await self.db.all(_OPEN_INVITES + " ORDER BY i.created_at, i.rowid", (to_db(now),))
        return [_open_invite(r) for r in rows]

    async def revoke_invite(self, number: int, revoked_by: int, now: datetime) -> OpenInvite | None:
        """Revoke an open invite (logged); None if it is no longer open (used, revoked, expired) or unknown."""
        async with self.db.transaction() as tx:
            row = await tx.one(_OPEN_INVITES + " AND i.rowid = ?", (to_db(now), number))
            if row is None:
                return None
            invite = _open_invite(row)
            await _revoke(tx, invite, revoked_by, now)
        return invite


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

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int, *, is_forum: bool | None = None) -> None:
        """A group became a supergroup (ChatMigrated): everything stored under the old id moves to the new;
        ``is_forum``: whether the supergroup has topics, when known (the migration message's chat says so)."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE group_bindings SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
            if is_forum is not None:
                await tx.execute(
                    "UPDATE group_bindings SET is_forum = ? WHERE chat_id = ?", (int(is_forum), new_chat_id)
                )
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
        row = await self.db.one("SELECT * FROM group_bindings WHERE unit_id = ?", (unit_id,))
        return None if row is None else _binding(row)

    async def get_binding_of_chat(self, chat_id: int) -> GroupBinding | None:
        """The unit this group is bound to, or None."""
        row = await self.db.one("SELECT * FROM group_bindings WHERE chat_id = ?", (chat_id,))
        return None if row is None else _binding(row)
