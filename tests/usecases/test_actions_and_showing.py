"""Applying actions and showing a hazard, on the services alone: the domain's checks on the server, evidence kept,
photo reuse found, and /show's facts read together."""

from __future__ import annotations

import datetime as dt

from domain.hazards import Grade, State
from domain.lifecycle import Action, Actor, Payload, Refusal, Transition
from domain.members import Role
from domain.org import UnitKind
from kernel.services import Services
from sandbox.images import sample_jpeg
from tests.usecases.conftest import MEMBER, MONDAY, OFFICER, finished_draft
from usecases.actions import apply_action
from usecases.reporting import file_report
from usecases.showing import show_hazard

DEPARTMENT = Actor(MEMBER, Role.MEMBER, "xfdd", UnitKind.DEPARTMENT)
OFFICER_ACTOR = Actor(OFFICER, Role.OFFICER, None, None, enterprise_id="e01")
ACCEPT = Payload(grade=Grade.GENERAL, deadline=MONDAY + dt.timedelta(days=3, hours=8), responsible_person="王五")


async def test_an_action_is_decided_on_the_server_and_refused_for_the_wrong_unit(services: Services) -> None:
    hazard = (await file_report(services, finished_draft(services), OFFICER, None)).hazard
    outsider = Actor(8, Role.MEMBER, "jtj", UnitKind.DEPARTMENT)
    refused = await apply_action(services, hazard.id, outsider, Action.ACCEPT, ACCEPT, [], update_id=None)
    assert isinstance(refused, Refusal)
    accepted = await apply_action(services, hazard.id, DEPARTMENT, Action.ACCEPT, ACCEPT, [], update_id=None)
    assert isinstance(accepted, Transition) and accepted.to_state is State.RECTIFYING
    assert await apply_action(services, 999, DEPARTMENT, Action.ACCEPT, ACCEPT, [], update_id=None) is None


async def test_a_rectification_photo_reused_from_the_report_is_flagged_and_shown(services: Services) -> None:
    photo = sample_jpeg(label="scene")
    hazard = (await file_report(services, finished_draft(services, photos=(photo,)), OFFICER, None)).hazard
    await apply_action(services, hazard.id, DEPARTMENT, Action.ACCEPT, ACCEPT, [], update_id=None)
    staged = [services.media.stage("act-1", photo, "again", "u-again", ".jpg")]
    submit = Payload(measures="已清理杂物并更换灭火器", photo_count=1, photos_done=True)
    result = await apply_action(services, hazard.id, OFFICER_ACTOR, Action.SUBMIT_RECTIFICATION, submit, staged,
                                update_id=None)  # fmt: skip
    assert isinstance(result, Transition) and result.to_state is State.AWAITING_VERIFICATION
    shown = await show_hazard(services, hazard)
    assert (len(shown.before), len(shown.after)) == (1, 1)
    steps = [getattr(line.entry, "action", None) for line in shown.record]  # events; escalations have no action
    assert steps == ["report", "accept", "submit", "photo_reuse"]
    assert shown.reporter_name == f"用户{OFFICER}"
    assert shown.facts is not None and shown.facts.state is State.AWAITING_VERIFICATION
