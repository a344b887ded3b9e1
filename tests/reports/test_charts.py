"""Charts: every Chinese label renders in the bundled font (a missing glyph fails the test)."""

from __future__ import annotations

import io
import re
import warnings

import pytest
from PIL import Image

from config.org import load_org
from config.settings import PROJECT_ROOT
from reports.charts import Panel, bar_chart
from reports.fonts import cjk_font, font_path
from texts import plain


def _render_default_font(text: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, text, family="DejaVu Sans")
    figure.savefig(io.BytesIO(), format="png")


def test_the_detector_sees_a_missing_glyph() -> None:
    with pytest.warns(UserWarning, match=re.compile("Glyph .* missing from font")):
        _render_default_font("隐患")


def test_every_label_of_the_ranking_and_digest_renders_in_the_bundled_font() -> None:
    org = load_org(PROJECT_ROOT / "config" / "org.example.toml")
    assert font_path().is_file() and "mplfonts" in str(font_path())
    units = [u.name for u in org.units.values()]
    enterprises = [e.name for e in org.enterprises.values()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes a failure
        png = bar_chart(plain("ranking.chart_title", period="2026年11月"), [
            Panel(plain("ranking.departments"), units[1:8],
                  [(plain("ranking.series"), [91.5, 80, 67.5, 0, 100, 55, 12])], limit=100),
            Panel(plain("ranking.townships"), units[8:], [(plain("ranking.series"), [100, 90.2, 70, 55])], limit=100),
        ])
        digest = bar_chart(plain("digest.chart_title", scope="城关镇", period="2026年第48周（11月23日至11月29日）"), [
            Panel(plain("digest.panel_enterprises"), enterprises,
                  [(plain("digest.series_reported"), list(range(12))), (plain("digest.series_rectified"), [1] * 12),
                   (plain("digest.series_overdue"), [0] * 12)]),
        ])
    for data in (png, digest):
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width >= 600
    assert cjk_font().get_name() == "Noto Sans CJK SC"
