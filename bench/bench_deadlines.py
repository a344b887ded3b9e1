"""Deadline parser benchmark: time per call of ``parse_deadline``, printed as one JSON line.

    .venv/bin/python bench/bench_deadlines.py [--rounds 20]

Parses every expression of the deadline dev sets in tests/data (the shared one and the parser's
own, about 220 expressions: counts, festivals, times, traditional characters, refusals) ``rounds``
times each against its own ``now``, and reports the median, p95, p99 and maximum per call. Not a
timed test: the goal (p99 under 1 ms) is read, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain.deadlines import parse_deadline  # noqa: E402
from domain.workcalendar import WorkCalendar  # noqa: E402

SETS = [REPO / "tests" / "data" / "deadlines_dev.tsv", REPO / "tests" / "data" / "deadlines_own.tsv"]
ZONE = ZoneInfo("Asia/Shanghai")


def cases() -> list[tuple[dt.datetime, str]]:
    """(now, expression) for every row of the sets."""
    rows = []
    for path in SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                now, text, _ = line.split("\t")
                rows.append((dt.datetime.fromisoformat(now.strip()).replace(tzinfo=ZONE), text))
    return rows


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    calendar = WorkCalendar()
    rows = cases()
    started = time.perf_counter()
    for now, text in rows:  # the first call per text warms the caches (OpenCC, the calendar, lunar years)
        parse_deadline(text, now, calendar=calendar)
    first_pass_ms = (time.perf_counter() - started) * 1000
    times: list[float] = []
    for _ in range(args.rounds):
        for now, text in rows:
            t0 = time.perf_counter()
            parse_deadline(text, now, calendar=calendar)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    cut = statistics.quantiles(times, n=100)
    print(
        json.dumps(
            {
                "bench": "deadlines",
                "expressions": len(rows),
                "calls": len(times),
                "first_pass_ms": round(first_pass_ms, 1),
                "median_ms": round(statistics.median(times), 3),
                "p95_ms": round(cut[94], 3),
                "p99_ms": round(cut[98], 3),
                "max_ms": round(times[-1], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
