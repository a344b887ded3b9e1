"""每周自查自报: the weekly self-check prompt (and its nudge) with the button that submits it."""

from __future__ import annotations

from domain.periods import Period
from domain.schedule import selfcheck_times
from kernel.services import Services
from reports.service import selfchecks_of
from reports.text import period_label
from texts import Html, t
from texts.dates import deadline_cn
from views.callbacks import SelfCheckChoice
from views.keyboards import Button, Keyboard

MAX_CODES = 20


async def selfcheck_prompt(services: Services, enterprise_id: str, week: Period, *, nudge: bool = False,
                           late: bool = False) -> tuple[Html, Keyboard]:
    """The prompt (or the nudge after the deadline): this week's reports and the buttons to submit."""
    zone = services.zone
    found = await selfchecks_of(services).get_week_hazards(enterprise_id, week.start_at(zone), week.end_at(zone))
    _, deadline = selfcheck_times(week, services.schedule, services.calendar, zone)
    enterprise = services.org.enterprises[enterprise_id].name
    head = t("selfcheck.nudge" if nudge else "selfcheck.prompt", late=t("notice.late") if late else Html(""),
             enterprise=enterprise, period=period_label(week), deadline=deadline_cn(deadline, zone))  # fmt: skip
    if found:
        codes = "、".join(h.code for h in found[:MAX_CODES]) + ("…" if len(found) > MAX_CODES else "")
        body = t("selfcheck.found", count=len(found), codes=codes)
        button = Button(t("selfcheck.submit", count=len(found)), SelfCheckChoice(week.start, "link").encode())
    else:
        body = t("selfcheck.none_found")
        button = Button(t("selfcheck.zero"), SelfCheckChoice(week.start, "zero").encode())
    return Html(f"{head}\n\n{body}"), ((button,),)
