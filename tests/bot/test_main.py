"""`python -m bot`: without a token it starts the sandbox; bad settings and a broken org file stop it clearly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import REPO


def _run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    return subprocess.run([sys.executable, "-m", "bot"], env=clean | {"PYTHONPATH": str(REPO)} | env, cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
        with direct.open(url, timeout=2) as response:
            return bool(json.load(response)["people"])
    except OSError:
        return False


def test_no_token_starts_the_sandbox_and_says_how_to_get_one(tmp_path: Path) -> None:
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    env = clean | {"PYTHONPATH": str(REPO), "HAZARD_SANDBOX_PORT": str(port),
                   "HAZARD_SANDBOX_DATA_DIR": str(tmp_path / "sandbox")}
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{port}/api/state"):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sandbox page never answered"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)  # it must stop within 10 s of SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"正在启动本地沙盒：http://127.0.0.1:{port}" in out
    assert "@BotFather" in out and "HAZARD_BOT_TOKEN" in out  # how to get a real token, still said
    assert (tmp_path / "sandbox" / "hazards.sqlite3").exists()


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


def test_per_update_chatter_stays_out_of_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    """APScheduler's "Added job" (each report step moves its timeout) and "skipped" (a sweep outlasting its
    interval) are not logged; the token never is."""
    import logging

    from bot.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("123:SECRET")
        logging.getLogger("apscheduler.scheduler").info("Added job %r to job store %r", "timeout", "default")
        logging.getLogger("apscheduler.scheduler").warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)', "sweep", 1)
        logging.getLogger("outbound.sweep").warning("send to %s failed: %s", 1, "Forbidden")
        try:
            raise RuntimeError("POST http://api/bot123:SECRET/sendMessage failed")
        except RuntimeError:
            logging.getLogger("telegram.ext.Application").exception("No error handlers are registered")
        logged = capsys.readouterr().err
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)
        for each in logging.getLogger("apscheduler.scheduler").filters[:]:
            logging.getLogger("apscheduler.scheduler").removeFilter(each)
    assert "Added job" not in logged and "skipped" not in logged
    assert "send to 1 failed: Forbidden" in logged
    assert "RuntimeError: POST http://api/bot<token>/sendMessage failed" in logged and "SECRET" not in logged
