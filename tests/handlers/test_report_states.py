"""The report conversation's states are named and numbered once: a conversation saved by an earlier version (its state
a number, bot/persistence.py) resumes at the same question after an upgrade, whatever the order of `Step`."""

from __future__ import annotations

from domain.hazards import Step
from handlers.report import Asking, _state


def test_saved_conversations_resume_at_the_same_question() -> None:
    # the numbers earlier versions saved: the index of the step in Step's order as it was then
    saved = {Step.DESCRIPTION: 0, Step.CATEGORY: 1, Step.PLACE: 2, Step.PHOTOS: 3, Step.GRADE: 4, Step.CONFIRM: 5}
    assert {step: int(_state(step)) for step in Step} == saved


def test_every_question_has_its_own_state() -> None:
    assert sorted(a.name for a in Asking) == sorted(s.name for s in Step)
    assert len({int(a) for a in Asking}) == len(Asking)
