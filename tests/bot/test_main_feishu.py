"""`python -m bot` on Feishu (HAZARD_MESSENGER=feishu): without credentials it starts the sandbox on the Feishu double
and says what to set; with them it runs
on the long connection — here against the Feishu double in this process — answers, and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from sandbox.feishu.double import FeishuDouble
from tests.paths import REPO


def _env(extra: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAZARD_")}
    return clean | {"PYTHONPATH": str(REPO), "HAZARD_MESSENGER": "feishu"} | extra


def test_without_credentials_it_starts_the_feishu_sandbox_and_says_what_to_set(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = _env({"HAZARD_SANDBOX_PORT": str(port), "HAZARD_SANDBOX_DATA_DIR": str(tmp_path / "sandbox")})
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not (state := _state(f"http://127.0.0.1:{port}/api/state")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the Feishu sandbox page never answered"
            time.sleep(0.2)
        assert "HAZARD_FEISHU_APP_ID" in state["token_help"] and state["people"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"正在启动飞书版本地沙盒：http://127.0.0.1:{port}" in out
    assert "HAZARD_FEISHU_APP_ID" in out and "HAZARD_FEISHU_APP_SECRET" in out  # how to reach the real Feishu
    assert (tmp_path / "sandbox" / "hazards.sqlite3").exists()


def _state(url: str) -> dict[str, Any] | None:
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
        with direct.open(url, timeout=2) as response:
            return dict(json.load(response))
    except OSError:
        return None


async def test_it_runs_on_the_long_connection_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with FeishuDouble() as feishu:
        admin = feishu.add_user("管理员")
        env = _env({"HAZARD_FEISHU_APP_ID": feishu.app_id, "HAZARD_FEISHU_APP_SECRET": feishu.app_secret,
                    "HAZARD_FEISHU_DOMAIN": feishu.url, "HAZARD_FEISHU_ADMIN_OPEN_IDS": admin.open_id,
                    "HAZARD_DATABASE_PATH": str(tmp_path / "db.sqlite3"), "HAZARD_MEDIA_DIR": str(tmp_path / "media"),
                    "HAZARD_KNOWLEDGE_DIR": str(tmp_path / "knowledge")})  # fmt: skip
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", env=env, cwd=tmp_path,
                                                       stderr=asyncio.subprocess.PIPE)  # fmt: skip
        try:
            await feishu.wait_for(lambda: feishu.connections > 0, timeout=60, what="the long connection")
            await feishu.send_text(admin, "/help")
            answer = await feishu.expect(feishu.p2p(admin), timeout=30)
            assert "管理员" in answer.text and "/invite" in answer.text
            assert "/members" in answer.text and "@机器人" in answer.text  # the admin's commands, and how groups work
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
    assert feishu.violations == []
