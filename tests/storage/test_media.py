"""The media store: content-addressed photos, staging emptied at start-up."""

from __future__ import annotations

from pathlib import Path

from sandbox.images import sample_jpeg
from storage.media import MediaStore
from tests.flows.test_evidence import retaken, scene


def test_start_up_discards_what_a_killed_bot_left_staged(tmp_path: Path) -> None:
    before = MediaStore(tmp_path)
    before.prepare()
    kept = before.commit(before.stage("filed", sample_jpeg(label="kept"), "f1", "u1", ".jpg"))
    before.stage("abandoned", sample_jpeg(label="lost"), "f2", "u2", ".jpg")

    after = MediaStore(tmp_path)  # the next start, after a kill
    after.prepare()
    assert list(after.staging.iterdir()) == []
    assert after.path_of(kept).read_bytes() == sample_jpeg(label="kept")


def test_perceptual_hashes_match_a_retaken_photo_and_not_a_flat_one(tmp_path: Path) -> None:
    media = MediaStore(tmp_path)
    media.prepare()
    paths = {}
    for name, data in {"scene": scene(1), "again": retaken(scene(1)), "other": scene(2), "flat": sample_jpeg()}.items():
        paths[name] = media.commit(media.stage("d", data, name, name, ".jpg")).media_path
    hashes = {name: media.perceptual_hash(path) for name, path in paths.items()}
    distance = {name: (int(hashes["scene"], 16) ^ int(h, 16)).bit_count() for name, h in hashes.items() if h}
    assert distance["again"] <= 8 < distance["other"]
    assert hashes["flat"] == "" and media.perceptual_hash("no/such.jpg") == ""
