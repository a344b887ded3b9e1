"""`python -m bot` refuses to start with a clear message: no token, bad settings, a broken org file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shared import REPO


def _run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    return subprocess.run([sys.executable, "-m", "bot"], env=clean | {"PYTHONPATH": str(REPO)} | env, cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


def test_no_token_says_how_to_get_one(tmp_path: Path) -> None:
    done = _run({}, tmp_path)
    assert done.returncode == 2 and "@BotFather" in done.stderr and "HAZARD_BOT_TOKEN" in done.stderr


def test_bad_settings_are_named(tmp_path: Path) -> None:
    done = _run({"HAZARD_BOT_TOKEN": "1:x", "HAZARD_TIMEZONE": "Mars/Olympus"}, tmp_path)
    assert done.returncode == 2 and "HAZARD_TIMEZONE" in done.stderr and "Mars/Olympus" in done.stderr


def test_broken_org_file_names_file_and_entry(tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text('[county]\nname = "县"\n[[units]]\nid = "d"\nname = "部门"\nkind = "bureau"\n', encoding="utf-8")
    done = _run({"HAZARD_BOT_TOKEN": "1:x", "HAZARD_ORG_FILE": str(org)}, tmp_path)
    assert done.returncode == 2
    assert str(org) in done.stderr and "units #1 (d)" in done.stderr and "bureau" in done.stderr
    assert "1:x" not in done.stderr  # the token is never printed


def test_the_token_is_redacted_from_logs() -> None:
    import logging

    from bot.logs import RedactToken

    record = logging.LogRecord("httpx", logging.INFO, "", 0, "POST https://api/bot%s/getMe", ("123:SECRET",), None)
    RedactToken("123:SECRET").filter(record)
    assert "SECRET" not in record.getMessage() and "<token>" in record.getMessage()
