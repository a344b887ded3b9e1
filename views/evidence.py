"""整改前 / 整改后: the report's photos and the rectification's, captioned as one album for the verifier."""

from __future__ import annotations

from collections.abc import Sequence

from domain.hazards import Photo
from texts import Html, t

Captioned = tuple[Photo, Html]  # an image and its caption


def album(code: str, before: Sequence[Photo], after: Sequence[Photo]) -> list[Captioned]:
    """Every photo captioned 整改前 n/N or 整改后 n/N with the hazard's id, report photos first; the first caption also
    says how the album divides, since a chat shows an album under one caption and the others only photo by photo."""
    captions = [
        *(t("evidence.caption_before", code=code, n=n, total=len(before)) for n in range(1, len(before) + 1)),
        *(t("evidence.caption_after", code=code, n=n, total=len(after)) for n in range(1, len(after) + 1)),
    ]
    if captions:
        captions[0] = Html(f"{t('evidence.album_summary', code=code, before=len(before), after=len(after))}\n"
                           f"{captions[0]}")
    return list(zip([*before, *after], captions, strict=True))
