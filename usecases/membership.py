"""Joining and binding, for every messenger alike: who is asking (configured admins registered on first contact), an
invite redeemed, an invite made, a unit's group bound or unbound. Each returns what to answer; the adapters say it
(and Telegram's adapter checks first the rights a forum needs, which only Telegram has)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from domain.members import InviteProblem, InviteSpec, Member, Role, invite_expiry, invite_spec, new_invite_code
from kernel.services import Services
from storage.members import GroupBinding
from texts import Html, t
from texts.dates import datetime_cn
from views.cards import role_label, target_label


async def caller(services: Services, user_id: int, name: str, *, configured_admin: bool) -> Member | None:
    """The caller as a member, a configured admin registered (or restored) on first contact; None for strangers."""
    member = await services.members.get_member(user_id)
    if configured_admin and (member is None or member.role is not Role.ADMIN):
        member = await services.members.ensure_admin(user_id, name, services.now())
    return member


async def on_start(services: Services, configured_admins: Set[int]) -> list[Member]:
    """At start: an admin the configuration no longer lists loses the role (the configuration is the truth); the
    gate learns who was removed. The admins demoted."""
    demoted = await services.members.drop_unconfigured_admins(configured_admins, services.now())
    services.removed_ids = await services.members.get_removed_ids() - set(configured_admins)
    return demoted


async def join(services: Services, code: str, user_id: int, name: str) -> Html:
    """Redeem an invite code: what the person is now, or why not."""
    result = await services.members.redeem_invite(code[:64], user_id, name, services.now())
    if isinstance(result, InviteProblem):
        return t(f"invite.problem.{result}")
    return t("invite.joined", role=role_label(result.role),
             where=target_label(services.org, result.unit_id, result.enterprise_id))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Invited:
    """An invite made: its code, whom it is for, and until when it works."""

    code: str
    spec: InviteSpec
    expires: str  # as officials write it


async def invite(services: Services, admin: Member, target: str, role_text: str) -> Invited | Html:
    """A one-time invite for someone to join as `role_text` of `target`, or why it cannot be made."""
    spec = invite_spec(services.org, target, role_text)
    if isinstance(spec, InviteProblem):
        return t(f"invite.problem.{spec}", target=target, role=role_text)
    code, now = new_invite_code(), services.now()
    expires = invite_expiry(now, services.settings.invite_ttl_days)
    await services.members.create_invite(code, spec, admin.telegram_id, now, expires)
    return Invited(code, spec, datetime_cn(expires, services.zone))


def invited_where(services: Services, invited: Invited) -> str:
    """The unit or enterprise an invite is for, by name."""
    return target_label(services.org, invited.spec.unit_id, invited.spec.enterprise_id)


async def bind(services: Services, admin: Member, unit_arg: str | None, chat_id: int, title: str,
               topics: bool) -> tuple[Html, str | None]:  # fmt: skip
    """Bind the group to the unit named by `unit_arg`: the answer, and the unit whose hazards are to be delivered now
    (None when nothing was bound)."""
    unit = services.org.unit(unit_arg) if unit_arg else None
    if unit is None:
        return t("bind.usage", units=", ".join(f"{u.id}={u.name}" for u in services.org.units.values())), None
    await services.hazards.forget_threads_in_chat(unit.id)
    await services.groups.bind(GroupBinding(unit.id, chat_id, title, topics), admin.telegram_id, services.now())
    return t("bind.done", unit=unit.name, mode=t("bind.mode_topics" if topics else "bind.mode_replies")), unit.id


async def unbind(services: Services, chat_id: int) -> Html:
    """Stop threading hazards into the group."""
    unit_id = await services.groups.unbind_chat(chat_id)
    unit = services.org.unit(unit_id) if unit_id else None
    return t("unbind.done", unit=unit.name) if unit else t("unbind.not_bound")
