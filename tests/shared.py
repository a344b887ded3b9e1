"""Where the team's shared folder is: next to the repository (../shared), or HAZARD_SHARED_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAZARD_SHARED_DIR", REPO.parent / "shared"))


def shared_file(relative: str) -> Path:
    """A file of the shared folder (dev sets, the Bot API spec); the tests fail loudly if it is missing."""
    return SHARED / relative
