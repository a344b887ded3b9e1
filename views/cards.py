"""Rendering domain objects as catalog text: hazard cards, timelines, labels."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlencode

from domain.evidence import days_overdue, next_step
from domain.hazards import Draft, Grade, Hazard, State, Thread
from domain.lifecycle import HazardFacts, PlanPart
from domain.members import Role
from domain.org import Organisation
from texts import Html, plain, t
from texts.dates import date_with_weekday, deadline_cn
from texts.limits import TOPIC_NAME_LIMIT, clip


def role_label(role: Role) -> str:
    """安全员, 成员, 负责人, 管理员."""
    return plain(f"role.{role}")


def target_label(org: Organisation, unit_id: str | None, enterprise_id: str | None) -> str:
    """The name of the unit or enterprise someone belongs to."""
    if enterprise_id and enterprise_id in org.enterprises:
        return org.enterprises[enterprise_id].name
    if unit_id and unit_id in org.units:
        return org.units[unit_id].name
    return plain("org.whole_county")


def grade_label(grade: object) -> Html:
    """一般隐患 or 重大隐患（挂牌督办）."""
    return t(f"grade.{grade}")


def unit_names(org: Organisation, hazard: Hazard) -> str:
    """The responsible units: department (行业主管), township (属地)."""
    return plain(
        "hazard.units", department=org.units[hazard.department_id].name, township=org.units[hazard.township_id].name
    )


# AMap's URI API: opens the AMap app on phones that have it, else the web map
AMAP_MARKER = "https://uri.amap.com/marker"


def map_url(latitude: float, longitude: float, name: str) -> str:
    """A map link Chinese phones open: AMap's marker, told the point is WGS-84 (what Telegram sends) so it shifts it
    to GCJ-02 itself."""
    query = urlencode({"position": f"{longitude:.6f},{latitude:.6f}", "name": name[:60], "coordinate": "wgs84",
                       "callnative": 1, "src": "hazard-bot"})  # fmt: skip
    return f"{AMAP_MARKER}?{query}"


def map_link(latitude: float | None, longitude: float | None, name: str) -> Html:
    """ (在地图中查看) after a place that came with a location pin; nothing without one."""
    if latitude is None or longitude is None:
        return Html("")
    return t("hazard.map_link", url=map_url(latitude, longitude, name))


def reporter_label(org: Organisation, name: str | None, enterprise_id: str) -> str:
    """上报人 as officials want it: the person's name and their enterprise."""
    enterprise = org.enterprises[enterprise_id].name if enterprise_id in org.enterprises else enterprise_id
    return plain("hazard.reporter_of", name=name or plain("hazard.reporter_unknown"), enterprise=enterprise)


def hazard_card(org: Organisation, hazard: Hazard, zone: tzinfo, photos: int, *, facts: HazardFacts | None = None,
                now: datetime | None = None, recheck_after_days: int = 30, reporter: str | None = None) -> Html:
    """The report card that opens each thread and answers /show; with `facts` and `now`, as it stands now: days
    overdue, the treatment plan's progress, a pending extension and the next expected action too (`reporter`: the
    reporter's name)."""
    location = map_link(hazard.latitude, hazard.longitude, hazard.place)
    return t(
        "hazard.card",
        code=hazard.code,
        grade=grade_label(hazard.grade),
        state=plain(f"state.{hazard.state}"),
        enterprise=org.enterprises[hazard.enterprise_id].name,
        category=org.categories[hazard.category_id].name,
        place=hazard.place,
        location=location,
        description=hazard.description,
        reported_at=deadline_cn(hazard.reported_at, zone),
        reporter=reporter_label(org, reporter, hazard.enterprise_id),
        units=unit_names(org, hazard),
        photos=photos,
        loop=_loop_lines(hazard, zone)
        + (_live_lines(org, hazard, zone, facts, now, recheck_after_days) if facts and now else ""),
    )


def _loop_lines(hazard: Hazard, zone: tzinfo) -> Html:
    lines = []
    if hazard.deadline is not None:
        lines.append(t("hazard.deadline", deadline=deadline_cn(hazard.deadline, zone)))
    if hazard.responsible_person:
        lines.append(t("hazard.person", person=hazard.responsible_person))
    if hazard.rebounds:
        lines.append(t("hazard.rebounds", count=hazard.rebounds))
    return Html("".join(f"\n{line}" for line in lines))


def _live_lines(org: Organisation, hazard: Hazard, zone: tzinfo, facts: HazardFacts, now: datetime,
                recheck_after_days: int) -> Html:
    """What changes with time and with each step: days overdue, plan progress, an extension asked, what is next."""
    lines = []
    overdue = days_overdue(facts.deadline, facts.state, now, zone)
    if overdue:
        lines.append(t("card.overdue", days=overdue))
    if facts.grade is Grade.MAJOR and facts.state in (State.REPORTED, State.RECTIFYING, State.AWAITING_VERIFICATION):
        lines.append(t("card.plan", done=len(facts.plan_parts), total=len(PlanPart)))
    department, township = org.units[facts.department_id].name, org.units[facts.township_id].name
    if facts.pending_extension is not None:
        lines.append(t("card.extension", until=deadline_cn(facts.pending_extension.until, zone), department=department))
    step = next_step(facts)
    recheck_on = (facts.closed_at or now) + timedelta(days=recheck_after_days)
    what = t(f"card.next.{step}", department=department, township=township,
             enterprise=org.enterprises[hazard.enterprise_id].name, left=len(facts.missing_plan_parts),
             date=date_with_weekday(recheck_on.astimezone(zone).date()))  # fmt: skip
    lines.append(t("card.next_step", what=what))
    return Html("".join(f"\n{line}" for line in lines))


def draft_card(org: Organisation, draft: Draft, title: Html | None = None) -> Html:
    """The report as the officer gave it: the confirmation card before 提交 (or, titled, after it)."""
    category = org.categories[draft.category_id].name if draft.category_id in org.categories else "-"
    return t(
        "report.draft_card",
        title=title if title is not None else t("report.confirm_title"),
        enterprise=org.enterprises[draft.enterprise_id].name,
        description=draft.description,
        category=category,
        place=draft.place or "-",
        location=map_link(draft.latitude, draft.longitude, draft.place or ""),
        photos=len(draft.photos),
        grade=grade_label(draft.grade) if draft.grade else "-",
    )


def topic_name(org: Organisation, hazard: Hazard) -> str:
    """`<id> <enterprise> <short description>` within Telegram's 128 characters."""
    head = f"{hazard.code} {org.enterprises[hazard.enterprise_id].name} "
    return clip(head + " ".join(hazard.description.split()), TOPIC_NAME_LIMIT)


def thread_status(org: Organisation, threads: list[Thread]) -> Html:
    """Where the hazard was delivered, and where it still waits for a group."""
    lines = [
        t("hazard.thread_delivered" if th.delivered_at else "hazard.thread_failed" if th.failed_at
          else "hazard.thread_pending", unit=org.units[th.unit_id].name)
        for th in threads
    ]  # fmt: skip
    return Html("\n".join(lines))


def plan_section(plan: dict[PlanPart, str]) -> Html:
    """A 重大 hazard's treatment plan: each of the six parts with its text, ✓ filled or ✗ not yet."""
    lines = [
        t("evidence.plan_line", mark=plain(f"evidence.plan_mark_{'done' if part in plan else 'missing'}"),
          part=plain(f"plan_part.{part}"), text=plan.get(part) or plain("evidence.plan_missing"))
        for part in PlanPart
    ]  # fmt: skip
    heading = t("evidence.plan_heading", done=len(plan), total=len(PlanPart))
    return Html("\n".join([heading, *lines]))
