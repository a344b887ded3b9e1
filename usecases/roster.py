"""Taking roles away, for every messenger alike: /members, /remove (confirmed with a button), /invites (each revoked
with a button). Who may do it is the adapter's check (an admin); who may not be removed (oneself, a configured admin)
is here. Ending what a removed person was in the middle of is the adapter's, which keeps their sessions."""

from __future__ import annotations

import logging
from collections.abc import Set

from domain.members import Member
from kernel.services import Services
from storage.members import OpenInvite
from texts import Html, t
from texts.dates import datetime_cn
from usecases.talk import Talk
from views.callbacks import RemoveMember, RevokeInvite
from views.cards import role_label, target_label
from views.keyboards import Button, Keyboard, rows_of

log = logging.getLogger(__name__)

MAX_INVITES_SHOWN = 20
MAX_ID_DIGITS = 15


def _where(services: Services, member: Member) -> str:
    return target_label(services.org, member.unit_id, member.enterprise_id)


async def members(services: Services, talk: Talk, target: str) -> None:
    """Who belongs to a unit or an enterprise, each with the id /remove takes."""
    org = services.org
    if target in org.units:
        joined = await services.members.list_members(unit_id=target)
        where = org.units[target].name
    elif target in org.enterprises:
        joined = await services.members.list_members(enterprise_id=target)
        where = org.enterprises[target].name
    else:
        await talk.say(t("roster.members_usage") if not target else t("roster.unknown_target", target=target))
        return
    if not joined:
        await talk.say(t("roster.members_empty", where=where))
        return
    lines = [t("roster.member_line", name=j.member.display_name, role=role_label(j.member.role),
               id=j.member.telegram_id, joined=datetime_cn(j.joined_at, services.zone)) for j in joined]  # fmt: skip
    await talk.say(t("roster.members", where=where, count=len(joined), lines=Html("\n".join(lines))))


async def still_removed(services: Services, user_id: int) -> bool:
    """Whether the person was removed and has not joined again since (then they are taken off the list: one read,
    and only for someone on it)."""
    if user_id not in services.removed_ids:
        return False
    if await services.members.get_member(user_id) is not None:  # joined again meanwhile
        services.removed_ids.discard(user_id)
        return False
    return True


def _removable(admin: Member, target_id: int, configured: Set[int]) -> str | None:
    """Why `target_id` cannot be removed by `admin` (a catalog key), or None."""
    if target_id == admin.telegram_id:
        return "roster.not_yourself"
    if target_id in configured:
        return "roster.configured_admin"
    return None


async def ask_remove(services: Services, talk: Talk, admin: Member, args: list[str], configured: Set[int]) -> None:
    """/remove <id>: the person's name, unit and role, with 确认移除 and 取消."""
    text = args[0] if len(args) == 1 else ""
    if not (text.isdecimal() and len(text) <= MAX_ID_DIGITS):
        await talk.say(t("roster.remove_usage"))
        return
    target_id = int(text)
    member = await services.members.get_member(target_id)
    if member is None:
        await talk.say(t("roster.not_a_member", id=target_id))
        return
    refusal = _removable(admin, target_id, configured)
    if refusal is not None:
        await talk.say(t(refusal, name=member.display_name))
        return
    keyboard: Keyboard = ((Button(t("roster.confirm_button"), RemoveMember(target_id, True).encode()),
                           Button(t("roster.keep_button"), RemoveMember(target_id, False).encode())),)  # fmt: skip
    await talk.say(t("roster.confirm", name=member.display_name, where=_where(services, member),
                     role=role_label(member.role)), keyboard)  # fmt: skip


async def remove(services: Services, talk: Talk, admin: Member, button: RemoveMember,
                 configured: Set[int]) -> int | None:  # fmt: skip
    """确认移除 or 取消 under a /remove: the id of the person removed now (the adapter ends their sessions), or None."""
    target_id = button.member_id
    if not button.confirmed:
        await talk.acknowledge()
        await talk.in_place(t("roster.kept"))
        return None
    refusal = _removable(admin, target_id, configured)
    if refusal is not None:
        await talk.refuse(refusal)
        return None
    removed = await services.members.remove_member(target_id, admin.telegram_id, services.now())
    await talk.acknowledge()
    if removed is None:
        await talk.in_place(t("roster.already_gone"))
        return None
    services.removed_ids.add(target_id)
    log.info("user %s removed by admin %s", target_id, admin.telegram_id)
    await talk.in_place(t("roster.removed", name=removed.display_name, where=_where(services, removed),
                          role=role_label(removed.role)))  # fmt: skip
    return target_id


def _invites_page(services: Services, invites: list[OpenInvite], done: Html | None = None
                  ) -> tuple[Html, Keyboard | None]:  # fmt: skip
    shown = invites[:MAX_INVITES_SHOWN]
    lines = [t("roster.invite_line", n=n, where=target_label(services.org, i.spec.unit_id, i.spec.enterprise_id),
               role=role_label(i.spec.role), by=i.created_by_name or str(i.created_by),
               created=datetime_cn(i.created_at, services.zone), expires=datetime_cn(i.expires_at, services.zone))
             for n, i in enumerate(shown, 1)]  # fmt: skip
    parts = [done] if done else []
    if not invites:
        parts.append(t("roster.invites_empty"))
        return Html("\n\n".join(parts)), None
    more = t("roster.invites_more", count=len(invites) - len(shown)) if len(invites) > len(shown) else Html("")
    parts.append(t("roster.invites", count=len(invites), lines=Html("\n".join(lines)), more=more))
    buttons = [Button(t("roster.revoke_button", n=n), RevokeInvite(i.number).encode()) for n, i in enumerate(shown, 1)]
    return Html("\n\n".join(parts)), rows_of(buttons, 4)


async def invites(services: Services, talk: Talk) -> None:
    """/invites: the invites that can still be used, each with a button that revokes it."""
    await talk.say(*_invites_page(services, await services.members.list_open_invites(services.now())))


async def revoke(services: Services, talk: Talk, admin: Member, button: RevokeInvite) -> None:
    """撤销 n under /invites: the invite stops working at once; the list is shown again in place."""
    revoked = await services.members.revoke_invite(button.number, admin.telegram_id, services.now())
    if revoked is None:
        await talk.refuse("roster.invite_gone")
        return
    await talk.acknowledge()
    log.info("invite for %s (%s) revoked by admin %s", revoked.spec.unit_id or revoked.spec.enterprise_id,
             revoked.spec.role, admin.telegram_id)  # fmt: skip
    done = t("roster.revoked", where=target_label(services.org, revoked.spec.unit_id, revoked.spec.enterprise_id),
             role=role_label(revoked.spec.role))  # fmt: skip
    await talk.in_place(*_invites_page(services, await services.members.list_open_invites(services.now()), done))
