"""The text of every notification: transition notices, reminders, nudges, escalations, rechecks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from domain.hazards import Grade, Hazard
from domain.lifecycle import SYSTEM_ACTOR_ID, Action, Audience, HazardFacts, PlanPart
from domain.reminders import Kind
from kernel.services import Services
from storage.lifecycle import OutboxRow
from storage.payloads import DELIVERED, FAILED, UNBOUND, DeliveryPayload, ReminderPayload, TransitionPayload
from storage.timefmt import from_db
from texts import Html, plain, t
from texts.dates import deadline_cn
from texts.limits import clip
from views.cards import grade_label


def deadline_text(instant: datetime | None, zone: tzinfo) -> str:
    """2026年11月26日（星期四）18:00, as officials write a deadline."""
    return "-" if instant is None else deadline_cn(instant, zone)


async def actor_name(services: Services, actor_id: int) -> str:
    """The member's name as they joined, or 系统 for the bot itself."""
    if actor_id == SYSTEM_ACTOR_ID:
        return plain("notice.system")
    member = await services.members.get_member(actor_id)
    return member.display_name if member else str(actor_id)


def head(services: Services, hazard: Hazard, facts: HazardFacts, late: bool) -> Html:
    """The first line: late mark, 挂牌督办 badge, id, enterprise and a short description."""
    return t(
        "notice.head",
        late=t("notice.late") if late else Html(""),
        badge=t("notice.major_badge") if facts.grade is Grade.MAJOR else Html(""),
        code=hazard.code,
        enterprise=services.org.enterprises[hazard.enterprise_id].name,
        description=clip(hazard.description, 40),
    )


# escalations and nudges say who answers for the hazard: the units and the enterprise's person responsible
_NAMING_RESPONSIBLE = frozenset({Kind.OVERDUE, Kind.ESCALATION, Kind.RECHECK_OVERDUE, Kind.RECHECK_ESCALATION,
                                 Kind.ACCEPT_OVERDUE, Kind.ACCEPT_ESCALATION})


async def body(services: Services, row: OutboxRow, facts: HazardFacts) -> Html:
    """What the notification says."""
    text = await _body(services, row, facts)
    if row.kind in _NAMING_RESPONSIBLE:
        org = services.org
        units = plain("hazard.units", department=org.units[facts.department_id].name,
                      township=org.units[facts.township_id].name)  # fmt: skip
        text = Html(text + t("notice.responsible", units=units,
                             person=facts.responsible_person or plain("notice.no_person")))
    return text


async def _body(services: Services, row: OutboxRow, facts: HazardFacts) -> Html:
    zone = services.zone
    payload = row.payload
    if isinstance(payload, TransitionPayload):
        return await _transition(services, payload, facts)
    if isinstance(payload, DeliveryPayload):
        return _delivery(services, payload)
    if not isinstance(payload, ReminderPayload):
        raise ValueError(row.kind)
    about = payload.about or facts.deadline
    told = audiences_label(list(payload.already_told))
    match Kind(row.kind):
        case Kind.BEFORE:
            days = payload.days_before
            key = "notice.before" if days > 0 else "notice.before_today"
            return t(key, deadline=deadline_text(about, zone), days=days)
        case Kind.OVERDUE:
            days = (services.local_now().date() - about.astimezone(zone).date()).days if about else 0
            return t("notice.overdue", deadline=deadline_text(about, zone), days=max(days, 1))
        case Kind.ESCALATION:
            # the first rung of a 重大 hazard comes as the deadline passes: "逾期 0 个工作日" says nothing
            key = "notice.escalation" if payload.working_days_overdue else "at_deadline.escalation"
            return t(key, days=payload.working_days_overdue, deadline=deadline_text(about, zone), told=told)
        case Kind.RECHECK_DUE:
            return t("notice.recheck_due", days=services.policy.recheck_after_days)
        case Kind.RECHECK_OVERDUE:
            return t("notice.recheck_overdue", deadline=deadline_text(about, zone))
        case Kind.RECHECK_ESCALATION:
            key = "notice.recheck_escalation" if payload.working_days_overdue else "at_deadline.recheck_escalation"
            return t(key, days=payload.working_days_overdue, deadline=deadline_text(about, zone), told=told)
        case Kind.ACCEPT_BEFORE | Kind.ACCEPT_OVERDUE | Kind.ACCEPT_ESCALATION:
            return _acceptance(services, Kind(row.kind), payload, facts, deadline_text(about, zone), told)
    raise ValueError(row.kind)


def _acceptance(services: Services, kind: Kind, payload: ReminderPayload, facts: HazardFacts, deadline: str,
                told: str) -> Html:
    """The 受理 clock's reminder, nudge or escalation: the department that has not accepted is named."""
    department = services.org.units[facts.department_id].name
    if kind is Kind.ACCEPT_BEFORE:
        minutes = payload.office_minutes_before
        left = plain("acceptance.left_hours", hours=f"{minutes / 60:g}") if minutes >= 60 \
            else plain("acceptance.left_minutes", minutes=minutes)
        return t("acceptance.before", deadline=deadline, left=left, department=department)
    if kind is Kind.ACCEPT_OVERDUE:
        return t("acceptance.overdue", deadline=deadline, department=department)
    days = payload.working_days_overdue or 0
    key = "acceptance.escalation" if days else "acceptance.escalation_at_limit"
    return t(key, days=days, deadline=deadline, department=department, told=told)


async def _transition(services: Services, payload: TransitionPayload, facts: HazardFacts) -> Html:
    event = await services.lifecycle.get_event(payload.event_id)
    assert event is not None
    data = event.data
    zone, org = services.zone, services.org

    def when(key: str) -> str:
        value = data.get(key)
        return deadline_text(from_db(str(value)) if value else None, zone)

    action = Action(event.action)
    values: dict[str, object] = {
        "actor": await actor_name(services, event.actor_id),
        "reason": event.reason or "",
        "deadline": deadline_text(facts.deadline, zone),
    }
    match action:
        case Action.ACCEPT:
            values |= {"grade": grade_label(Grade(str(data["grade"]))), "person": data.get("person") or "-",
                       "deadline": when("deadline_to")}  # fmt: skip
        case Action.SUBMIT_RECTIFICATION:
            values |= {"measures": data.get("measures") or "", "photos": data.get("photos") or 0}
        case Action.VERIFY_PASS:
            values |= {"recheck_days": services.policy.recheck_after_days}
        case Action.START_RECHECK:
            values |= {"days": services.policy.recheck_after_days}
        case Action.RECHECK_REBOUND:
            values |= {"rebounds": data.get("rebounds"), "deadline": when("deadline_to")}
        case Action.TRANSFER:
            values |= {"from_unit": org.units[str(data["from_unit"])].name,
                       "to_unit": org.units[str(data["to_unit"])].name}  # fmt: skip
        case Action.REQUEST_EXTENSION:
            values |= {"proposed": when("proposed"), "deadline": when("deadline")}
        case Action.APPROVE_EXTENSION:
            values |= {"deadline_from": when("deadline_from"), "deadline_to": when("deadline_to"),
                       "original": when("original_deadline")}  # fmt: skip
        case Action.FILL_PLAN:
            values |= {"part": plain(f"plan_part.{PlanPart(str(data['part']))}"), "text": data.get("text") or ""}
        case Action.URGE:
            values |= {"state": plain(f"state.{facts.state}")}
    return Html(t(f"notice.{action}", **values) + evidence_lines(action, data, facts))


def evidence_lines(action: Action, data: Mapping[str, object], facts: HazardFacts) -> Html:
    """What a transition adds for the decision makers (issue 12): 验收意见, 复查情况, reused photos, 挂牌督办."""
    lines: list[Html] = []
    if action is Action.VERIFY_PASS and data.get("opinion"):
        lines.append(t("evidence.opinion_line", opinion=data["opinion"]))
    if action is Action.RECHECK_PASS and data.get("note"):
        lines.append(t("evidence.note_line", note=data["note"], photos=data.get("photos") or 0))
    if action is Action.ACCEPT and data.get("grade") == Grade.MAJOR:
        lines.append(t("evidence.major_listed"))
    reuse = data.get("reuse")
    if action is Action.SUBMIT_RECTIFICATION and isinstance(reuse, list) and reuse:
        lines.append(reuse_flag(reuse))
    if action is Action.SUBMIT_RECTIFICATION and facts.grade is Grade.MAJOR and facts.missing_plan_parts:
        # why the verifier finds no 验收通过 under it
        lines.append(t("evidence.verify_waits", left=len(facts.missing_plan_parts),
                       parts="、".join(plain(f"plan_part.{p}") for p in facts.missing_plan_parts)))
    return Html("".join(f"\n{line}" for line in lines))


def reuse_items(reuse: list[dict[str, object]]) -> str:
    """Which after-photo matches which hazard's photo, and how closely, in words (plain text)."""
    items = [
        plain("evidence.reuse_same" if item.get("same_hazard") else "evidence.reuse_other", n=item.get("n"),
              code=item.get("code"), how=plain(f"evidence.reuse_{item.get('match')}"))
        for item in reuse
    ]  # fmt: skip
    return plain("evidence.reuse_joiner").join(items)


def reuse_flag(reuse: list[dict[str, object]]) -> Html:
    """疑似重复使用照片, for the verifier: the matches, marked."""
    return t("evidence.reuse_flag", items=reuse_items(reuse))


def _delivery(services: Services, payload: DeliveryPayload) -> Html:
    """The reporter's follow-up: which units have the report, which could not get it, which have no group yet."""
    units = services.org.units

    def names(outcome: str) -> str:
        return "、".join(units[u].name if u in units else u for u in payload.units(outcome))

    lines = [t(f"delivery.followup.{outcome}", units=names(outcome))
             for outcome in (DELIVERED, FAILED, UNBOUND) if payload.units(outcome)]  # fmt: skip
    return Html("\n".join(lines))


def audiences_label(audiences: list[Audience]) -> str:
    """Who has been told, in words."""
    return "、".join(plain(f"audience.{a}") for a in audiences) or plain("notice.nobody")
