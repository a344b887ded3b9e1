"""Typed settings, read from the environment or a `.env` file and validated once in `main()`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.lifecycle import Audience
from domain.reminders import GENERAL, MAJOR, EscalationStep, GradePolicy, Policy, Reminder
from domain.schedule import Schedule

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_DURATION = re.compile(r"\d+(\.\d+)?[dhm]")


class Settings(BaseSettings):
    """Everything a deployment configures; the token is a secret and never printed."""

    model_config = SettingsConfigDict(
        env_prefix="HAZARD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = Field(default=None, description="Telegram bot token from @BotFather")
    api_base_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base URL (local server or the double)"
    )
    api_base_file_url: str = Field(default="https://api.telegram.org/file/bot")
    database_path: Path = Field(default=PROJECT_ROOT / "data" / "hazards.sqlite3")
    media_dir: Path = Field(default=PROJECT_ROOT / "data" / "media")
    org_file: Path = Field(default=PROJECT_ROOT / "config" / "org.example.toml")
    corpus_dir: Path = Field(default=PROJECT_ROOT / "config" / "corpus", description="the bundled speeches")
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "data" / "knowledge", description="documents added by /kb add")
    timezone: str = "Asia/Shanghai"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    invite_ttl_days: int = Field(default=7, ge=1, le=90)
    conversation_timeout_seconds: float = Field(default=30 * 60, gt=0, le=24 * 3600)
    max_photo_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    end_of_workday: time = time(18, 0)
    default_deadline_days_general: int = Field(default=7, ge=0, le=365)  # when the unit sets no deadline
    default_deadline_days_major: int = Field(default=30, ge=0, le=365)
    sweep_interval_seconds: float = Field(default=60, gt=0, le=3600)
    # reminders: days before the deadline (09:00; the morning of the day at 08:30 always), escalation
    # after N working days overdue to the township's leads, the department's leads, the 安委办 group
    reminder_days_general: Annotated[tuple[int, ...], NoDecode] = (3, 1)
    reminder_days_major: Annotated[tuple[int, ...], NoDecode] = (7, 3, 1)
    escalation_days_general: Annotated[tuple[int, int, int], NoDecode] = (1, 3, 7)
    escalation_days_major: Annotated[tuple[int, int, int], NoDecode] = (0, 1, 3)
    recheck_after_days: int = Field(default=30, ge=1, le=365)  # 回头看 after 销号
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # 一周一统计、一月一排名 and 每周自查自报: weekdays 1 (Monday) … 7 (Sunday), local times
    digest_weekday: int = Field(default=1, ge=1, le=7)
    digest_at: time = time(9, 0)
    ranking_day: int = Field(default=1, ge=1, le=28)
    ranking_at: time = time(9, 0)
    selfcheck_prompt_weekday: int = Field(default=5, ge=1, le=7)
    selfcheck_prompt_at: time = time(9, 0)
    selfcheck_deadline_weekday: int = Field(default=1, ge=1, le=7)  # of the week after
    selfcheck_deadline_at: time = time(12, 0)
    # webhook mode instead of long polling: Telegram posts updates to webhook_url, which a reverse proxy
    # forwards to webhook_listen:webhook_port/webhook_path; the secret token is checked on every request
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "telegram"
    # how long one Bot API request may take before it counts as timed out (a timed-out send is retried)
    request_timeout_seconds: float = Field(default=10, gt=0, le=120)
    # Telegram's flood limits (30 messages/s overall, 20/min per group); off only against a local test server
    rate_limit: bool = True
    # counting: the weekly digest, the monthly ranking and the self-check prompts (domain/schedule.py)
    schedule_enabled: bool = True
    # testing only: the bot's clock runs this far ahead of the system's (tests/process restart the bot
    # with a later clock so reminders fall due while it is down)
    clock_offset_seconds: float = Field(default=0, ge=0)
    # the 受理 clock (issue 12): office time to accept a hazard by the grade it was reported with, written
    # `1d` (office days), `4h` or `30m`; reminders that much office time before it; the office hours it runs in
    accept_limit_general: str = "1d"
    accept_limit_major: str = "4h"
    accept_reminders_general: Annotated[tuple[str, ...], NoDecode] = ("2h",)
    accept_reminders_major: Annotated[tuple[str, ...], NoDecode] = ("1h",)
    office_start: time = time(9, 0)
    office_end: time = time(17, 0)
    # issue 13: no one outside the county can slow the bot down. Updates of different chats (and users) are handled
    # at the same time, at most this many at once; each chat's and each user's stay in order (bot/ordering.py)
    concurrent_updates: int = Field(default=16, ge=1, le=256)
    # expensive commands, per user (kept in memory): /export at most once in this many seconds (one at a time),
    # /ask (and questions in private chat) and /kb add at most this many a minute
    export_cooldown_seconds: float = Field(default=30, ge=0)
    ask_per_minute: int = Field(default=10, ge=1)
    kb_add_per_minute: int = Field(default=3, ge=1)
    # webhook mode: a request body larger than this is refused (413) without being read to the end
    webhook_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # a non-admin's join event for a supergroup waits this long for the migrate_from_chat_id message that says the
    # bot's own group was upgraded (Telegram sends the two in either order) before the bot leaves
    migration_wait_seconds: float = Field(default=2, ge=0)
    # Feishu (飞书), the second messenger (README "Feishu"): the app's credentials from the Open Platform, its domain
    # (https://open.larksuite.com for Lark), and the admins by their open_id (ou_…) as HAZARD_ADMIN_IDS is for Telegram
    messenger: Literal["telegram", "feishu"] = "telegram"  # one county runs one messenger at a time
    feishu_app_id: str | None = None
    feishu_app_secret: SecretStr | None = None
    feishu_domain: str = "https://open.feishu.cn"
    feishu_admin_open_ids: Annotated[frozenset[str], NoDecode] = frozenset()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2,3` (as written in .env) as well as a list."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("feishu_admin_open_ids", mode="before")
    @classmethod
    def _split_open_ids(cls, value: object) -> object:
        """Accept `ou_a,ou_b` as written in .env."""
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator(
        "reminder_days_general", "reminder_days_major", "escalation_days_general", "escalation_days_major",
        mode="before",
    )
    @classmethod
    def _split_days(cls, value: object) -> object:
        """Accept `3,1` as written in .env."""
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("accept_reminders_general", "accept_reminders_major", mode="before")
    @classmethod
    def _split_durations(cls, value: object) -> object:
        """Accept `2h,30m` as written in .env."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("accept_limit_general", "accept_limit_major")
    @classmethod
    def _office_duration(cls, value: str) -> str:
        """A positive office-time duration: `1d`, `4h`, `30m` (or `1.5d`)."""
        if _DURATION.fullmatch(value.strip().lower()) is None or float(value.strip()[:-1]) <= 0:
            raise ValueError("write an office-time duration such as 1d, 4h or 30m")
        return value.strip().lower()

    @field_validator("accept_reminders_general", "accept_reminders_major")
    @classmethod
    def _office_durations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Each reminder is a positive office-time duration."""
        return tuple(cls._office_duration(v) for v in value)

    @model_validator(mode="after")
    def _office_hours(self) -> Settings:
        """Office hours must be a window within one day."""
        if self.office_end <= self.office_start:
            raise ValueError("HAZARD_OFFICE_END must be after HAZARD_OFFICE_START")
        return self

    def office_time(self, value: str) -> timedelta:
        """An office-time duration as time on the clock: a `d` is one day of office hours."""
        number, unit = float(value[:-1]), value[-1]
        day = datetime.combine(date.min, self.office_end) - datetime.combine(date.min, self.office_start)
        return {"d": day, "h": timedelta(hours=1), "m": timedelta(minutes=1)}[unit] * number

    def reminder_policy(self) -> Policy:
        """The reminder and escalation policy these settings describe."""
        ladder = (Audience.TOWNSHIP_LEADS, Audience.DEPARTMENT_LEADS, Audience.OFFICE_GROUP)

        def grade(policy: GradePolicy, days: tuple[int, ...], steps: tuple[int, int, int], accept_limit: str,
                  accept_reminders: tuple[str, ...]) -> GradePolicy:
            reminders = (*(Reminder(d, time(9, 0)) for d in sorted(set(days), reverse=True) if d > 0),
                         Reminder(0, time(8, 30)))  # fmt: skip
            rungs = tuple(EscalationStep(n, audience) for n, audience in zip(steps, ladder, strict=True))
            return replace(policy, reminders=reminders, ladder=rungs, accept_limit=self.office_time(accept_limit),
                           accept_reminders=tuple(self.office_time(r) for r in accept_reminders))

        return Policy(
            general=grade(GENERAL, self.reminder_days_general, self.escalation_days_general,
                          self.accept_limit_general, self.accept_reminders_general),
            major=grade(MAJOR, self.reminder_days_major, self.escalation_days_major,
                        self.accept_limit_major, self.accept_reminders_major),
            recheck_after_days=self.recheck_after_days, quiet_start=self.quiet_start, quiet_end=self.quiet_end,
            office_start=self.office_start, office_end=self.office_end,
        )  # fmt: skip

    def report_schedule(self) -> Schedule:
        """When digests, rankings and self-check prompts and deadlines are due."""
        return Schedule(
            digest_weekday=self.digest_weekday - 1, digest_at=self.digest_at, ranking_day=self.ranking_day,
            ranking_at=self.ranking_at, prompt_weekday=self.selfcheck_prompt_weekday - 1,
            prompt_at=self.selfcheck_prompt_at, deadline_weekday=self.selfcheck_deadline_weekday - 1,
            deadline_at=self.selfcheck_deadline_at,
        )  # fmt: skip

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        """A webhook without a secret token would accept updates from anyone who finds the URL."""
        if self.webhook_url and (self.webhook_secret is None or len(self.webhook_secret.get_secret_value()) < 16):
            raise ValueError("HAZARD_WEBHOOK_SECRET (16+ characters of A-Z, a-z, 0-9, _ and -) is required with "
                             "HAZARD_WEBHOOK_URL")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Refuse a zone name the tz database does not know."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone: {value}") from exc
        return value

    def default_deadline_table(self) -> dict[str, int]:
        """Days until the default deadline, by grade value (general, major)."""
        return {"general": self.default_deadline_days_general, "major": self.default_deadline_days_major}

    def default_deadline_days(self, grade: str) -> int:
        """Days until the default deadline of one grade."""
        return self.default_deadline_table()[str(grade)]

    @property
    def zone(self) -> ZoneInfo:
        """The configured local zone."""
        return ZoneInfo(self.timezone)
