"""Who is who: roles, members, invites and what each role may see."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.org import Organisation, UnitKind


class Role(StrEnum):
    """A member's role; the Chinese names are what admins type in /invite."""

    OFFICER = "officer"  # 安全员: an enterprise's safety officer
    MEMBER = "member"  # 成员: a unit's member
    LEAD = "lead"  # 负责人: a unit's lead
    ADMIN = "admin"  # 管理员

    @classmethod
    def parse(cls, text: str) -> Role | None:
        """The role named by `text` in Chinese or English, or None."""
        return _ROLE_NAMES.get(text.strip().lower())


_ROLE_NAMES = {
    "安全员": Role.OFFICER, "officer": Role.OFFICER,
    "成员": Role.MEMBER, "member": Role.MEMBER,
    "负责人": Role.LEAD, "lead": Role.LEAD,
    "管理员": Role.ADMIN, "admin": Role.ADMIN,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Member:
    """A bound user: their role and the unit or enterprise they belong to."""

    telegram_id: int
    display_name: str
    role: Role
    unit_id: str | None = None
    enterprise_id: str | None = None

    def sees_everything(self, org: Organisation) -> bool:
        """Admins and the 安委办 see every hazard in the county."""
        if self.role is Role.ADMIN:
            return True
        unit = org.unit(self.unit_id) if self.unit_id else None
        return unit is not None and unit.kind is UnitKind.OFFICE


@dataclass(frozen=True, slots=True)
class Scope:
    """Which hazards someone may see: all, or those of an enterprise, or those of some units."""

    everything: bool = False
    enterprise_id: str | None = None
    unit_id: str | None = None


def scope_of(member: Member, org: Organisation) -> Scope:
    """The hazards a member may see."""
    if member.sees_everything(org):
        return Scope(everything=True)
    if member.role is Role.OFFICER:
        return Scope(enterprise_id=member.enterprise_id)
    return Scope(unit_id=member.unit_id)


def unit_scope(org: Organisation, unit_id: str) -> Scope:
    """The hazards a unit's group may see: the 安委办's the county's, any other unit's its own."""
    unit = org.unit(unit_id)
    return Scope(everything=True) if unit is not None and unit.kind is UnitKind.OFFICE else Scope(unit_id=unit_id)


def common_scope(first: Scope, second: Scope) -> Scope | None:
    """The scope that both may see, when one contains the other; None when neither does (a department's and a
    township's hazards overlap only in part, which no single scope describes)."""
    if first.everything:
        return second
    if second.everything or first == second:
        return first
    return None


def may_view(scope: Scope, enterprise_id: str, responsible_unit_ids: set[str]) -> bool:
    """Whether someone with `scope` may see a hazard of that enterprise and those units."""
    if scope.everything:
        return True
    if scope.enterprise_id is not None:
        return scope.enterprise_id == enterprise_id
    return scope.unit_id in responsible_unit_ids


class InviteProblem(StrEnum):
    """Why an invite cannot be created or used."""

    UNKNOWN_TARGET = "unknown_target"
    UNKNOWN_ROLE = "unknown_role"
    ROLE_MISMATCH = "role_mismatch"  # e.g. 安全员 for a unit, or 负责人 for an enterprise
    NOT_FOUND = "not_found"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"  # an admin took it back (/invites)


@dataclass(frozen=True, slots=True)
class InviteSpec:
    """What an invite grants."""

    role: Role
    unit_id: str | None
    enterprise_id: str | None


def invite_spec(org: Organisation, target_id: str, role_text: str) -> InviteSpec | InviteProblem:
    """Check `/invite <target> <role>` against the org file."""
    role = Role.parse(role_text)
    if role is None:
        return InviteProblem.UNKNOWN_ROLE
    if target_id in org.enterprises:
        return InviteSpec(role, None, target_id) if role is Role.OFFICER else InviteProblem.ROLE_MISMATCH
    if target_id in org.units:
        return InviteSpec(role, target_id, None) if role is not Role.OFFICER else InviteProblem.ROLE_MISMATCH
    return InviteProblem.UNKNOWN_TARGET


def new_invite_code() -> str:
    """An unguessable code that fits Telegram's deep-link limit (64 chars of [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(18)


def invite_expiry(now: datetime, ttl_days: int) -> datetime:
    """When an invite made now expires."""
    return now + timedelta(days=ttl_days)
