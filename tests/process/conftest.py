"""Process tests: the bot as its own process (`python -m bot`) against a Bot API double in the test process."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (`-m process` runs only these; plain `make test` runs them too)."""
    config.addinivalue_line("markers", "process: runs the bot as a child process (slow: each start is seconds)")
