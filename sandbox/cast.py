"""The sandbox's example cast: people and unit groups from the org file, joined and bound through the bot.

Nothing is written to the bot's database directly. The admin (a configured admin id) invites
each person with /invite and they follow the link with /start <code>; the admin sends /bind in
each unit's group. So the sandbox starts the way a real deployment would be set up by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.org import Organisation, UnitKind
from sandbox.double import BotApiDouble, Chat, User
from texts import plain, raw

ADMIN_ID = 900001  # the admin's Telegram user id, also put in the bot's admin_ids
# Enterprises that get a safety officer (when the org file has them): different departments and townships.
PREFERRED_ENTERPRISES = ("e01", "e10", "e04", "e09")
OFFICERS = 4


def role_word(role: str) -> str:
    """The word /invite takes for a role (安全员, 成员, 负责人, 管理员)."""
    return plain(f"role.{role}")


@dataclass(frozen=True, slots=True)
class Part:
    """Who a cast member is: the role word /invite takes and where (a unit or an enterprise)."""

    role: str  # officer, member, lead, admin
    target: str | None  # a unit or enterprise id; None for the admin
    place: str  # the unit's or enterprise's name, as the page shows it
    group: str  # where the page lists them: 管理员, 企业安全员, 安委办, 行业部门, 乡镇/街道

    @property
    def label(self) -> str:
        """"县应急管理局 · 负责人"."""
        return f"{self.place} · {role_word(self.role)}" if self.target else role_word(self.role)


@dataclass
class Cast:
    """The people and unit groups of the sandbox."""

    admin: User
    people: list[tuple[User, Part]] = field(default_factory=list)
    groups: dict[str, Chat] = field(default_factory=dict)  # unit id → its group

    def part_of(self, user_id: int) -> Part | None:
        """The part a user plays (None for someone added later from the page)."""
        return next((role for user, role in self.people if user.id == user_id), None)


def plan_roles(org: Organisation) -> list[Part]:
    """The admin, a few enterprises' safety officers, and a lead and a member for every unit."""
    roles = [Part("admin", None, "", plain("sandbox.cast.group_admin"))]
    chosen = [e for e in PREFERRED_ENTERPRISES if e in org.enterprises]
    chosen += [e for e in org.enterprises if e not in chosen]
    for enterprise_id in chosen[:OFFICERS]:
        roles.append(Part("officer", enterprise_id, org.enterprises[enterprise_id].name,
                          plain("sandbox.cast.group_officers")))
    for kind in (UnitKind.OFFICE, UnitKind.DEPARTMENT, UnitKind.TOWNSHIP):
        for unit in org.units_of_kind(kind):
            roles += [Part(r, unit.id, unit.name, plain(f"sandbox.cast.group_{kind}")) for r in ("lead", "member")]
    return roles


def person_name(index: int) -> str:
    names = plain("sandbox.cast.names").split()
    return names[index % len(names)] + ("" if index < len(names) else str(index // len(names) + 1))


async def seed(api: BotApiDouble, org: Organisation, timeout: float = 10.0) -> Cast:  # noqa: ASYNC109
    """Create the cast in the double and set them up through the running bot; AssertionError if it refuses."""
    roles = plan_roles(org)
    admin = api.add_user(person_name(0), user_id=ADMIN_ID)
    cast = Cast(admin, [(admin, roles[0])])
    for index, role in enumerate(roles[1:], start=1):
        cast.people.append((api.add_user(person_name(index)), role))
    await _ask(api, admin, "/start", None, timeout)
    for user, role in cast.people[1:]:
        created = await _ask(api, admin, f"/invite {role.target} {role_word(role.role)}", None, timeout)
        code = re.search(r"start=([\w-]+)", created)
        assert code, f"/invite {role.target}: {created}"
        joined = await _ask(api, user, f"/start {code.group(1)}", None, timeout)
        assert joined.startswith(before_first_value("invite.joined")), f"/start for {role.label}: {joined}"
    for unit in org.units.values():
        members = [user for user, role in cast.people if role.target == unit.id]
        group = api.add_group(unit.name, is_forum=True, members=members, owner=admin)
        answer = await _ask(api, admin, f"/bind {unit.id}", group, timeout)
        assert answer.startswith(before_first_value("bind.done")), f"/bind {unit.id}: {answer}"
        cast.groups[unit.id] = group
    return cast


def before_first_value(key: str) -> str:
    """The fixed start of a catalog entry (up to its first placeholder): how the seed knows the bot agreed."""
    return raw(key).split("{", 1)[0]


async def _ask(api: BotApiDouble, user: User, text: str, chat: Chat | None, timeout: float) -> str:  # noqa: ASYNC109
    """Send ``text`` as ``user`` and return the plain text of the bot's answer."""
    await api.send_text(user, text, chat=chat)
    answer = await api.expect(chat.id if chat is not None else user.id, timeout=timeout)
    return answer.plain
