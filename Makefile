# Two commands on a fresh machine: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the layers, top to bottom (README "Architecture")
PACKAGES := bot handlers feishu messenger outbound usecases views kernel reports storage domain config texts sandbox

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "需要 Python 3.11 或更高版本 (Python 3.11+ required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(PY) -m bot

lint: $(STAMP)
	$(PY) -m ruff check $(PACKAGES) tests bench
	$(PY) -m mypy $(PACKAGES) tests

# -rsx: the closing summary names skipped tests (the browser tests without Chromium) and xfails, with why
test: lint
	$(PY) -m pytest -rsx

bench: $(STAMP)
	$(PY) bench/bench_kb.py
	$(PY) bench/bench_deadlines.py
	$(PY) bench/bench_export.py
	$(PY) bench/bench_inbound.py
	$(PY) bench/bench_flood.py  # ~1 min: /help alone, during a stranger's flood, during three exports
	$(PY) bench/bench_scale.py  # ~6 min, ~4 GB in $$TMPDIR for the 1,000,000-hazard ledger
	$(PY) bench/bench_outbound.py --sweep-interval 1  # ~9 min at Telegram's 30/s
	$(PY) bench/bench_counting.py  # ~8 min, ~2 GB in $$TMPDIR for the 1,000,000-hazard ledger
	$(PY) bench/bench_stop.py  # ~2.5 min: SIGTERM after 200 filings, deliveries queued behind the pacing
	$(PY) bench/bench_feishu.py  # ~5 min: the bot on Feishu beside an echo bot on the SDK; 2,000 reminders at Feishu's limits

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
