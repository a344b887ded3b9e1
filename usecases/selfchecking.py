"""每周自查自报, for every messenger alike: the officer's weekly self-check — link this week's reports, or one tap for
零报告 — asked for by /selfcheck or answered on the prompt the sweep sent."""

from __future__ import annotations

import datetime as dt

from domain.members import Member, Role
from domain.periods import Period, week_of
from domain.schedule import selfcheck_times, selfcheck_week
from kernel.services import Services
from reports.service import selfchecks_of
from reports.text import period_label
from texts import Html, t
from texts.dates import datetime_cn
from usecases.talk import Talk
from views.callbacks import SelfCheckChoice
from views.selfcheck import MAX_CODES, selfcheck_prompt


async def open_week(services: Services, talk: Talk, member: Member) -> None:
    """/selfcheck: the self-check of the week now open, for an enterprise's safety officer."""
    if member.role is not Role.OFFICER or member.enterprise_id is None:
        await talk.say(t("selfcheck.officers_only"))
        return
    week = selfcheck_week(services.now(), services.schedule, services.calendar, services.zone)
    made = await selfchecks_of(services).get(member.enterprise_id, week.start)
    if made is not None:
        await talk.say(already(services, week, made.submitted_at, made.zero, made.hazards))
        return
    await talk.say(*await selfcheck_prompt(services, member.enterprise_id, week))


def already(services: Services, week: Period, at: dt.datetime, zero: bool, count: int) -> Html:
    """The week's self-check was made already: when, and what it said."""
    what = t("selfcheck.what_zero") if zero else t("selfcheck.what_found", count=count)
    return t("selfcheck.already", period=period_label(week), at=datetime_cn(at, services.zone), what=what)


async def submit(services: Services, talk: Talk, member: Member, pressed: SelfCheckChoice) -> None:
    """零报告 or 报送本周隐患 pressed: record the week's self-check once."""
    week, choice = week_of(pressed.week_start), pressed.choice
    now, zone = services.now(), services.zone
    if member.role is not Role.OFFICER or member.enterprise_id is None:
        await talk.refuse("selfcheck.officers_only")
        return
    if choice not in ("link", "zero") or week.start > now.astimezone(zone).date():
        await talk.refuse("button.invalid")
        return
    checks = selfchecks_of(services)
    found = await checks.get_week_hazards(member.enterprise_id, week.start_at(zone), week.end_at(zone))
    if choice == "zero" and found:
        await talk.alert("selfcheck.zero_refused", count=len(found))
        return
    if choice == "link" and not found:
        await talk.refuse("selfcheck.changed")
        return
    made, created = await checks.submit(member.enterprise_id, week.start, [h.id for h in found], member.telegram_id,
                                        now)  # fmt: skip
    await talk.acknowledge()
    if not created:
        await talk.in_place(already(services, week, made.submitted_at, made.zero, made.hazards))
        return
    _, deadline = selfcheck_times(week, services.schedule, services.calendar, zone)
    late = t("selfcheck.late_note") if now > deadline else Html("")
    if made.zero:
        text = t("selfcheck.done_zero", period=period_label(week), late=late)
    else:
        text = t("selfcheck.done_found", period=period_label(week), count=len(found),
                 codes="、".join(h.code for h in found[:MAX_CODES]), late=late)  # fmt: skip
    await talk.in_place(text)
