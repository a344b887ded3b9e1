"""Filing a report: routed to its two units, numbered, photos kept, 受理 clock planned — once per draft."""

from __future__ import annotations

import pytest

from domain.hazards import State
from kernel.services import Services
from sandbox.images import sample_jpeg
from tests.usecases.conftest import OFFICER, finished_draft
from usecases.reporting import file_report


async def test_a_finished_draft_is_filed_once_to_both_units(services: Services) -> None:
    draft = finished_draft(services, photos=(sample_jpeg(label="a"), sample_jpeg(label="b")))
    filed = await file_report(services, draft, OFFICER, update_id=5)
    hazard = filed.hazard
    assert filed.created and hazard.code == "YH-2026-000001" and hazard.state is State.REPORTED
    assert (hazard.department_id, hazard.township_id) == ("xfdd", "cgz")  # 管行业 by category, 属地 by enterprise
    photos = await services.hazards.get_photos(hazard.id)
    assert len(photos) == 2 and all(services.media.path_of(p).is_file() for p in photos)
    assert not (services.settings.media_dir / "staging" / draft.key).exists()
    assert await services.lifecycle.get_unplanned_reported() == []  # its 受理 reminders were planned with it
    again = await file_report(services, draft, OFFICER, update_id=6)  # a double-tapped 提交
    assert not again.created and again.hazard.id == hazard.id


async def test_an_unfinished_draft_is_not_filed(services: Services) -> None:
    draft = finished_draft(services)
    draft.place = None
    with pytest.raises(ValueError, match="not finished"):
        await file_report(services, draft, OFFICER, update_id=None)
    assert await services.hazards.get_hazard(1) is None
