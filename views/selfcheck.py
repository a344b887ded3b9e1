"""每周自查自报: the weekly self-check prompt (and its nudge) with the button that submits it."""

from __future__ import annotations

from domain.periods import Period
from domain.schedule import selfcheck_times
from kernel.services import Services
from reports.service import selfchecks_of
from reports.text import period_label
from texts import Html, t
from texts.dates import deadline_cn
from views.keyboards import Button, Keyboard

PREFIX = "sc1"  # callback data version: sc1:<week's Monday yyyymmdd>:<link|zero>
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
    day = f"{week.start:%Y%m%d}"
    if found:
        codes = "、".join(h.code for h in found[:MAX_CODES]) + ("…" if len(found) > MAX_CODES else "")
        body = t("selfcheck.found", count=len(found), codes=codes)
        button = Button(t("selfcheck.submit", count=len(found)), f"{PREFIX}:{day}:link")
    else:
        body = t("selfcheck.none_found")
        button = Button(t("selfcheck.zero"), f"{PREFIX}:{day}:zero")
    return Html(f"{head}\n\n{body}"), ((button,),)
