"""The media store: content-addressed photos, staging emptied at start-up."""

from __future__ import annotations

from pathlib import Path

from sandbox.images import sample_jpeg
from storage.media import MediaStore


def test_start_up_discards_what_a_killed_bot_left_staged(tmp_path: Path) -> None:
    before = MediaStore(tmp_path)
    before.prepare()
    kept = before.commit(before.stage("filed", sample_jpeg(label="kept"), "f1", "u1", ".jpg"))
    before.stage("abandoned", sample_jpeg(label="lost"), "f2", "u2", ".jpg")

    after = MediaStore(tmp_path)  # the next start, after a kill
    after.prepare()
    assert list(after.staging.iterdir()) == []
    assert after.path_of(kept).read_bytes() == sample_jpeg(label="kept")
