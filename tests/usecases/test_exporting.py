"""An export's files within the messenger's file limit (usecases/exporting.py): sent as they are, zipped when over
(a CSV shrinks about fivefold), or not sent and the person told to export a shorter period."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from usecases.exporting import _fit


def _ledger(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["隐患编号", "企业", "隐患描述", "状态"])
        for n in range(rows):
            writer.writerow([f"YH-2026-{n:06d}", "城关镇示例化工有限公司", "配电箱门损坏，线路裸露", "整改中"])
    return path


def test_a_file_within_the_limit_goes_as_it_is(tmp_path: Path) -> None:
    path = _ledger(tmp_path / "ledger.csv", 100)
    assert _fit(path, "隐患台账_全县_2026.csv", path.stat().st_size) == (path, "隐患台账_全县_2026.csv")


def test_a_file_over_the_limit_goes_zipped_under_its_name(tmp_path: Path) -> None:
    path = _ledger(tmp_path / "ledger.csv", 5000)
    size = path.stat().st_size
    fitted = _fit(path, "隐患台账_全县_2026.csv", size // 3)
    assert fitted is not None
    packed, name = fitted
    assert name == "隐患台账_全县_2026.csv.zip" and packed.stat().st_size <= size // 3
    with zipfile.ZipFile(packed) as archive:
        assert archive.namelist() == ["隐患台账_全县_2026.csv"]
        assert archive.read("隐患台账_全县_2026.csv") == path.read_bytes()


def test_a_file_over_the_limit_even_zipped_is_not_sent(tmp_path: Path) -> None:
    path = _ledger(tmp_path / "ledger.csv", 5000)
    assert _fit(path, "隐患台账_全县_2026.csv", 1000) is None
