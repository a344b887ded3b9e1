"""The 处理记录 of /show: who did what and when (name and unit), what they decided, escalations sent and to whom,
each late step with how late (domain.records decides; this renders it from the catalog)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from domain.hazards import Grade
from domain.lifecycle import SYSTEM_ACTOR_ID, PlanPart
from domain.members import Member
from domain.org import Organisation
from domain.records import AuditEntry, RecordLine, SentEscalation, lateness_parts
from domain.reminders import Kind
from texts import Html, has, plain, t
from texts.dates import deadline_cn
from texts.limits import MESSAGE_LIMIT, tg_len
from views.cards import grade_label, role_label, target_label

ESCALATION_KINDS = (Kind.ESCALATION.value, Kind.ACCEPT_ESCALATION.value, Kind.RECHECK_ESCALATION.value)


def duration_cn(late_by: dt.timedelta) -> str:
    """1 天 3 小时, 2 小时 5 分钟, 12 分钟: how late, to the minute that matters."""
    days, hours, minutes = lateness_parts(late_by)
    if days:
        return plain("record.days_hours", days=days, hours=hours) if hours else plain("record.days", days=days)
    if hours:
        return plain("record.hours_minutes", hours=hours, minutes=minutes) if minutes else plain(
            "record.hours", hours=hours)
    return plain("record.minutes", minutes=max(minutes, 1))


def _when(value: object, zone: dt.tzinfo) -> str:
    return deadline_cn(dt.datetime.fromisoformat(str(value)), zone) if value else "-"


def _details(org: Organisation, entry: AuditEntry, zone: dt.tzinfo) -> Html:
    data, reason = entry.data, entry.reason or ""
    values: dict[str, object] = {"reason": reason}
    match entry.action:
        case "accept":
            values |= {"grade": grade_label(Grade(str(data["grade"]))), "person": data.get("person") or "-",
                       "deadline": _when(data.get("deadline_to"), zone)}  # fmt: skip
        case "submit":
            values |= {"measures": data.get("measures") or "", "photos": data.get("photos") or 0}
        case "transfer":
            values |= {"from_unit": _unit(org, data.get("from_unit")), "to_unit": _unit(org, data.get("to_unit"))}
        case "ext_request":
            values |= {"proposed": _when(data.get("proposed"), zone)}
        case "ext_approve":
            values |= {"deadline_from": _when(data.get("deadline_from"), zone),
                       "deadline_to": _when(data.get("deadline_to"), zone)}  # fmt: skip
        case "ext_refuse":
            values |= {"deadline": _when(data.get("deadline"), zone)}
        case "rebound":
            values |= {"deadline": _when(data.get("deadline_to"), zone)}
        case "plan":
            values |= {"part": plain(f"plan_part.{PlanPart(str(data['part']))}")}
    key = f"record.detail.{entry.action}"
    detail = t(key, **values) if has(key) else Html("")
    # a 验收意见 (验收通过) or 复查情况 (回头看), where the step recorded one; else an unlabelled step's reason
    for said in ("opinion", "note"):
        if data.get(said):
            return Html(detail + t(f"record.detail.{said}", text=data[said]))
    if reason and not has(key):
        detail = Html(detail + t("record.detail.reason", reason=reason))
    return detail


def _unit(org: Organisation, unit_id: object) -> str:
    unit = org.units.get(str(unit_id))
    return unit.name if unit else str(unit_id)


def who(org: Organisation, actor_id: int, members: Mapping[int, Member]) -> Html:
    """The actor as officials name them: 张三（县消防救援大队 成员）, or 系统."""
    if actor_id == SYSTEM_ACTOR_ID:
        return t("record.system")
    member = members.get(actor_id)
    if member is None:
        return t("record.unknown", id=actor_id)
    return t("record.who", name=member.display_name, unit=target_label(org, member.unit_id, member.enterprise_id),
             role=role_label(member.role))  # fmt: skip


def _line(org: Organisation, line: RecordLine, members: Mapping[int, Member], zone: dt.tzinfo) -> Html:
    at = deadline_cn(line.at, zone)
    entry = line.entry
    if isinstance(entry, SentEscalation):
        days = entry.working_days_overdue
        what = t(f"record.escalation.{entry.kind}", days=days) if days else t(f"record.at_limit.{entry.kind}")
        told = "、".join(plain(f"audience.{a}") for a in entry.audiences)
        return t("record.escalated", at=at, what=what, to=told)
    late = t(f"record.late.{entry.action}", duration=duration_cn(line.late_by)) if line.late_by else Html("")
    state = t("record.state", state=plain(f"state.{entry.to_state}")) if entry.from_state != entry.to_state \
        else Html("")
    return t("record.line", at=at, who=who(org, entry.actor_id, members), action=plain(f"action.{entry.action}"),
             state=state, details=_details(org, entry, zone), late=late)  # fmt: skip


def processing_record_text(org: Organisation, lines: list[RecordLine], members: Mapping[int, Member],
                           zone: dt.tzinfo, budget: int = MESSAGE_LIMIT) -> Html:
    """The whole 处理记录 block within `budget` characters: a long history keeps the 上报 line and the newest steps
    and says how many between were left out (/show then ends with what happened last, not cut mid-way)."""
    rendered = [_line(org, line, members, zone) for line in lines]
    omitted = 0

    def block() -> Html:
        shown = rendered if not omitted else [rendered[0], t("record.omitted", count=omitted), *rendered[1 + omitted:]]
        return t("record.title", lines=Html("\n".join(shown)))

    while tg_len(block()) > budget and omitted < len(rendered) - 2:
        omitted += 1
    return block()
