"""The sandbox's example cast on Feishu: the same people and unit groups as on Telegram (sandbox/cast.py), joined and
bound through the bot the way a county sets Feishu up by hand — the admin (an open id in
HAZARD_FEISHU_ADMIN_OPEN_IDS) sends /invite in the private chat, each person sends /start with the code, and the admin
@-mentions the bot with /bind in each unit's group. Departments get a 话题群 (each hazard a topic of its own), the
office and townships an ordinary group (each hazard's card the root of a thread): both set-ups are there to try."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.org import Organisation, UnitKind
from sandbox.cast import Part, before_first_value, person_name, plan_roles, role_word
from sandbox.feishu.double import Chat, FeishuDouble, User


@dataclass
class FeishuCast:
    """The people and unit groups of the sandbox on Feishu."""

    admin: User
    people: list[tuple[User, Part]] = field(default_factory=list)
    groups: dict[str, Chat] = field(default_factory=dict)  # unit id → its group

    def part_of(self, open_id: str) -> Part | None:
        """The part a person plays (None for someone added later from the page)."""
        return next((part for user, part in self.people if user.open_id == open_id), None)


def add_admin(feishu: FeishuDouble) -> User:
    """The admin, made before the bot starts (the bot reads its open id from the settings)."""
    return feishu.add_user(person_name(0))


async def seed(feishu: FeishuDouble, org: Organisation, admin: User, timeout: float = 10.0) -> FeishuCast:  # noqa: ASYNC109
    """Create the cast in the double and set them up through the running bot; AssertionError if it refuses."""
    roles = plan_roles(org)
    cast = FeishuCast(admin, [(admin, roles[0])])
    for index, role in enumerate(roles[1:], start=1):
        cast.people.append((feishu.add_user(person_name(index)), role))
    await _ask(feishu, admin, "/start", timeout)
    for user, role in cast.people[1:]:
        created = await _ask(feishu, admin, f"/invite {role.target} {role_word(role.role)}", timeout)
        code = re.search(r"/start (\S+)", created)
        assert code, f"/invite {role.target}: {created}"
        joined = await _ask(feishu, user, f"/start {code.group(1)}", timeout)
        assert joined.startswith(before_first_value("invite.joined")), f"/start for {role.label}: {joined}"
    for unit in org.units.values():
        members = [admin] + [user for user, role in cast.people if role.target == unit.id]
        group = feishu.add_group(unit.name, members, topics=unit.kind is UnitKind.DEPARTMENT)
        await feishu.send_text(admin, f"/bind {unit.id}", chat=group, mention=True)
        await feishu.until(group, before_first_value("bind.done"), timeout)
        cast.groups[unit.id] = group
    return cast


async def _ask(feishu: FeishuDouble, user: User, text: str, timeout: float) -> str:  # noqa: ASYNC109
    """Send `text` as `user` in the private chat and return the text of the bot's answer."""
    await feishu.send_text(user, text)
    return (await feishu.expect(feishu.p2p(user), timeout)).text
