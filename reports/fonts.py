"""The CJK font for chart labels: Noto Sans CJK SC as the mplfonts package ships it, never a system font."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

FONT_PACKAGE = "mplfonts"
FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """The font file inside the installed package (an installed wheel is a plain folder)."""
    return Path(str(resources.files(FONT_PACKAGE) / "fonts" / FONT_FILE))


@cache
def cjk_font() -> Any:
    """The font's properties, registered with matplotlib's font manager once per process."""
    from matplotlib import font_manager

    path = font_path()
    if not path.is_file():
        raise FileNotFoundError(f"CJK font missing: {path} (pip install -e . installs {FONT_PACKAGE})")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))
