"""Apply a lifecycle action (受理定级, 提交整改, 验收, 复查, 移送, 延期, 催办 …) once its questions are answered:
the domain decides on the hazard as it stands now, with the server-side permission checks; photos are kept,
fingerprinted and compared with every photo on file (疑似重复使用照片); the transition, its event, outbox rows and
replanned reminders are written in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from domain.evidence import Reuse, find_reuse
from domain.hazards import Photo
from domain.lifecycle import Action, Actor, Payload, Refusal, Transition, decide
from kernel.services import Services
from views.notices import reuse_items


async def apply_action(services: Services, hazard_id: int, actor: Actor, action: Action, payload: Payload,
                       staged: Sequence[Photo], update_id: int | None) -> Transition | Refusal | None:
    """The transition, or the domain's refusal (nothing changed); None when there is no such hazard."""
    photos = [services.media.commit(p) for p in staged]
    phashes = [await asyncio.to_thread(services.media.perceptual_hash, p.media_path) for p in photos]
    reuse = await _reuse(services, hazard_id, photos, phashes) if action is Action.SUBMIT_RECTIFICATION else []
    now = services.now()
    found = [r.as_data() for r in reuse]
    return await services.lifecycle.act(
        hazard_id, lambda facts: decide(facts, actor, action, payload, now), services.planner(), now,
        update_id=update_id, photos=photos, phashes=phashes, reuse=found,
        reuse_note=reuse_items(found) if reuse else None,
    )  # fmt: skip


async def _reuse(services: Services, hazard_id: int, photos: list[Photo], phashes: list[str]) -> list[Reuse]:
    """The new photos that repeat a photo on file (this hazard's report, or any other hazard's), hashing first the
    photos stored before perceptual hashes were kept."""
    while unhashed := await services.hazards.get_unhashed_photos():
        await services.hazards.set_phashes(
            [(row_id, await asyncio.to_thread(services.media.perceptual_hash, path)) for row_id, path in unhashed])
    new = [(p.sha256, int(h, 16) if h else None) for p, h in zip(photos, phashes, strict=True)]
    return find_reuse(hazard_id, new, await services.hazards.get_photo_fingerprints())
