"""Settings: comma-separated lists as written in .env, and the reminder policy they describe."""

from __future__ import annotations

from datetime import time

import pytest

from config.settings import Settings
from domain.reminders import GENERAL, MAJOR, Policy
from domain.schedule import Schedule


def test_defaults_are_the_issues_policy() -> None:
    policy = Settings(_env_file=None).reminder_policy()  # type: ignore[call-arg]
    assert policy.general == GENERAL and policy.major == MAJOR and policy == Policy()


def test_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAZARD_REMINDER_DAYS_GENERAL", "5,2")
    monkeypatch.setenv("HAZARD_ESCALATION_DAYS_GENERAL", "2, 4, 8")
    monkeypatch.setenv("HAZARD_QUIET_START", "22:00")
    monkeypatch.setenv("HAZARD_RECHECK_AFTER_DAYS", "15")
    monkeypatch.setenv("HAZARD_ADMIN_IDS", "1, 2")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    policy = settings.reminder_policy()
    assert [r.days_before for r in policy.general.reminders] == [5, 2, 0]
    assert [s.working_days for s in policy.general.ladder] == [2, 4, 8]
    assert policy.quiet_start == time(22, 0) and policy.recheck_after_days == 15
    assert settings.admin_ids == frozenset({1, 2})


def test_a_ladder_needs_three_rungs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAZARD_ESCALATION_DAYS_MAJOR", "1,2")
    with pytest.raises(ValueError, match="escalation_days_major"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_report_schedule_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).report_schedule() == Schedule()  # type: ignore[call-arg]
    monkeypatch.setenv("HAZARD_DIGEST_WEEKDAY", "2")
    monkeypatch.setenv("HAZARD_SELFCHECK_DEADLINE_AT", "15:30")
    schedule = Settings(_env_file=None).report_schedule()  # type: ignore[call-arg]
    assert schedule.digest_weekday == 1 and schedule.deadline_at == time(15, 30)
