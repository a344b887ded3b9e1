"""Use cases run on the real services over a real SQLite file and media folder, with a fake clock — no bot at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.org import load_org
from config.settings import Settings
from domain.clock import FakeClock
from domain.hazards import Draft, Grade
from domain.members import InviteSpec, Role
from kernel.services import Services

MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
OFFICER, MEMBER = 42, 7  # an officer of e01; a member of 县消防救援大队 (xfdd)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """The services of the example county, an officer of e01 and a member of xfdd joined."""
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        media_dir=tmp_path / "media", knowledge_dir=tmp_path / "knowledge")
    opened = await Services.open(settings, load_org(settings.org_file), FakeClock(MONDAY))
    for code, spec, user in (("a", InviteSpec(Role.OFFICER, None, "e01"), OFFICER),
                             ("b", InviteSpec(Role.MEMBER, "xfdd", None), MEMBER)):  # fmt: skip
        await opened.members.create_invite(code, spec, 1, MONDAY, MONDAY + dt.timedelta(days=1))
        await opened.members.redeem_invite(code, user, f"用户{user}", MONDAY)
    yield opened
    await opened.close()


def finished_draft(services: Services, key: str = "d1", photos: tuple[bytes, ...] = ()) -> Draft:
    """A draft with every question answered (消防 category: 县消防救援大队 and 城关镇), its photos staged."""
    staged = [services.media.stage(key, data, f"file-{n}", f"u-{n}", ".jpg") for n, data in enumerate(photos)]
    return Draft(key=key, enterprise_id="e01", description="二号仓库灭火器过期，安全出口被杂物堵塞", category_id="xfaq",
                 place="二号仓库", grade=Grade.GENERAL, photos=staged, photos_done=True)
