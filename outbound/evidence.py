"""Evidence where the decision is made: the report's photos (整改前) and the rectification's (整改后) as one album.

The 待验收 notice in each unit's thread is preceded by this album, so the verifier decides with both sets in view
(issue 12 §3); /show sends the same album. Each messenger sends it as it can (messenger.telegram: photos with photos,
files with files).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.hazards import Hazard
from domain.lifecycle import Action
from kernel.services import Services
from messenger.port import Captioned
from storage.lifecycle import OutboxRow
from storage.payloads import TransitionPayload
from views.evidence import album


async def album_for(services: Services, row: OutboxRow, hazard: Hazard) -> Sequence[Captioned]:
    """The before/after album that goes with a 提交整改 notice into the units' threads; empty for any other row."""
    payload = row.payload
    if not isinstance(payload, TransitionPayload) or payload.action != Action.SUBMIT_RECTIFICATION:
        return []
    before = await services.hazards.get_photos(hazard.id)
    after = await services.hazards.get_photos(hazard.id, payload.photos_stage)
    return album(hazard.code, before, after)
