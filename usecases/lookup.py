"""Looking things up, for every messenger alike: /my (a page of the hazards in the person's scope, with filters),
/show <id> (card, photos, 处理记录) and /major (the 挂牌督办清单) — in a group, only what both the person and the
group's unit may see, since everyone there reads the answer."""

from __future__ import annotations

from dataclasses import dataclass

from domain.evidence import days_overdue
from domain.hazards import Grade, Hazard
from domain.lifecycle import PlanPart
from domain.listing import MyFilter, badges
from domain.members import Member, Scope, may_view, scope_of, unit_scope
from kernel.services import Services
from texts import Html, plain, t
from texts.dates import datetime_cn, deadline_cn
from texts.limits import MESSAGE_LIMIT, clip, tg_len
from usecases.listing import list_mine
from usecases.showing import show_hazard
from usecases.talk import Talk
from views.callbacks import MyPage
from views.cards import hazard_card, plan_section, thread_status
from views.evidence import album
from views.keyboards import Button, Keyboard
from views.notices import deadline_text
from views.records import processing_record_text

PAGE_SIZE = 10
MAJOR_LIMIT = 30  # lines in one /major message; the ledger (/export) has them all
FILTER_ROWS = ((MyFilter.ALL, MyFilter.MINE, MyFilter.OVERDUE), (MyFilter.MAJOR, MyFilter.DONE))


@dataclass(frozen=True, slots=True)
class Audience:
    """Who reads an answer: the caller's scope and, in a group, the scope of the unit the group is bound to."""

    caller: Scope
    group: Scope | None = None  # None: a private chat

    def may_view(self, enterprise_id: str, responsible_unit_ids: set[str]) -> bool:
        """Whether a hazard may be shown here: the caller and the group may both see it."""
        return may_view(self.caller, enterprise_id, responsible_unit_ids) and (
            self.group is None or may_view(self.group, enterprise_id, responsible_unit_ids))


async def audience(services: Services, talk: Talk, member: Member, *, private: bool) -> Audience | None:
    """Who will read the answer to `member` here; in a group bound to no unit: None, and the person is told (nothing
    about hazards is shown in a group that belongs to no unit)."""
    caller = scope_of(member, services.org)
    if private:
        return Audience(caller)
    binding = await services.groups.get_binding_of_chat(talk.chat_id) if talk.chat_id is not None else None
    if binding is None:
        await talk.say(t("visibility.unbound_group"))
        return None
    return Audience(caller, unit_scope(services.org, binding.unit_id))


def _line(services: Services, hazard: Hazard) -> Html:
    now, zone = services.now(), services.zone
    badge = badges(hazard.state, hazard.grade, hazard.deadline, now, zone)
    return t("my.line_badges", code=hazard.code, state=plain(f"state.{hazard.state}"),
             major=t("my.badge_major") if badge.major else Html(""),
             deadline=t("my.badge_deadline", deadline=deadline_cn(badge.deadline, zone)) if badge.deadline
             else Html(""),
             overdue=t("my.badge_overdue", days=badge.days_overdue) if badge.days_overdue else Html(""),
             enterprise=services.org.enterprises[hazard.enterprise_id].name, description=clip(hazard.description, 40),
             at=datetime_cn(hazard.reported_at, zone))  # fmt: skip


def _keyboard(view: MyFilter, offset: int, total: int) -> Keyboard:
    rows = [tuple(Button(t("my.filter_on" if f is view else "my.filter_off", name=plain(f"my.filter.{f}")),
                         MyPage(f, 0).encode()) for f in row)
            for row in FILTER_ROWS]  # fmt: skip
    paging = []
    if offset > 0:
        paging.append(Button(t("my.previous"), MyPage(view, offset - PAGE_SIZE).encode()))
    if offset + PAGE_SIZE < total:
        paging.append(Button(t("my.next"), MyPage(view, offset + PAGE_SIZE).encode()))
    return (*rows, tuple(paging)) if paging else tuple(rows)


async def my_page(services: Services, talk: Talk, member: Member, view: MyFilter, offset: int) -> None:
    """A page of /my in place of the one whose button was pressed (or as a new message)."""
    page = await list_mine(services, member, view, offset, PAGE_SIZE)
    hazards, total = page.hazards, page.total
    title = plain(f"my.filter.{view}") if view is not MyFilter.ALL else ""
    if not hazards:
        text = t(f"my.empty_{view}") if offset == 0 else t("my.no_more")
    else:
        lines = Html("\n".join(_line(services, h) for h in hazards))
        text = t("my.page", start=offset + 1, end=offset + len(hazards), total=total, lines=lines,
                 view=t("my.view", name=title) if title else Html(""))  # fmt: skip
    await talk.acknowledge()
    await talk.in_place(text, _keyboard(view, offset, total))


async def find(services: Services, talk: Talk, readers: Audience, code: str) -> Hazard | None:
    """/show's hazard by its code, if these readers may see it; the same answer for "no such id" and "not yours"
    (ids of other units' hazards are not revealed)."""
    hazard = await services.hazards.get_hazard_by_code(code[:32])
    if hazard is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
        await talk.say(t("show.not_found", code=code[:32]))
        return None
    return hazard


async def show(services: Services, talk: Talk, hazard: Hazard) -> None:
    """The hazard's card, its photo counts, plan and threads, the 处理记录; then 整改前 / 整改后, captioned."""
    shown = await show_hazard(services, hazard)
    card = hazard_card(services.org, hazard, services.zone, len(shown.before), facts=shown.facts, now=services.now(),
                       recheck_after_days=services.policy.recheck_after_days, reporter=shown.reporter_name)
    counts = t("evidence.photos_counts", before=len(shown.before), after=len(shown.after))
    plan_text = Html(f"\n\n{plan_section(shown.plan)}") if shown.plan or hazard.grade is Grade.MAJOR else Html("")
    head = Html(f"{card}\n{counts}{plan_text}\n\n{thread_status(services.org, shown.threads)}\n\n")
    record = processing_record_text(services.org, shown.record, shown.members, services.zone,
                                    MESSAGE_LIMIT - tg_len(head))  # fmt: skip
    await talk.say(Html(head + record))
    items = album(hazard.code, shown.before, shown.after)
    if items:
        await talk.album(items)


async def major_list(services: Services, talk: Talk, readers: Audience) -> None:
    """/major, the 挂牌督办清单: the open 重大 hazards, soonest deadline first, with plan progress and days overdue —
    the county's list, for the 安委办 and admins (in private chat or in the 安委办's own group)."""
    if not readers.caller.everything or (readers.group is not None and not readers.group.everything):
        await talk.say(t("evidence.major_only"))
        return
    hazards, total = await services.hazards.list_open_major(MAJOR_LIMIT)
    if not hazards:
        await talk.say(t("evidence.major_empty"))
        return
    lines = []
    for hazard, done in hazards:
        overdue = days_overdue(hazard.deadline, hazard.state, services.now(), services.zone)
        lines.append(t(
            "evidence.major_line", code=hazard.code, enterprise=services.org.enterprises[hazard.enterprise_id].name,
            description=clip(hazard.description, 30), state=plain(f"state.{hazard.state}"),
            deadline=deadline_text(hazard.deadline, services.zone),
            overdue=t("evidence.major_overdue", days=overdue) if overdue else Html(""), done=done, total=len(PlanPart),
        ))  # fmt: skip
    more = t("evidence.major_more", count=total - len(hazards)) if total > len(hazards) else Html("")
    await talk.say(Html(t("evidence.major_page", count=total, lines=Html("\n".join(lines))) + more))
