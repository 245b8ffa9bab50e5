# Developer and CI entry points. CI runs `.ci/run`, which runs `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: venv venv-runtime test demo bench bench-pemilu bench-hostile bench-publish bench-election-day bench-reading lint clean screenshots fuzz

venv: $(DEV_STAMP)
venv-runtime: $(RUNTIME_STAMP)

# Two stamps, one venv: the demo needs only what Suara runs on, the tests and tools need the dev
# extras too (moto, mypy, playwright, schemathesis: most of a fresh clone's install time). A venv
# with the dev extras serves the demo as it is; a demo's venv gets the extras added on `make test`.
# Each is (re)installed when pyproject.toml is newer than its stamp, or the venv is missing.
$(DEV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $(DEV_STAMP) $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test $(DEV_STAMP) -nt pyproject.toml || $(BIN)/python -m pip install --disable-pip-version-check -e .
	touch $(RUNTIME_STAMP)

# pyproject addopts already has -q; a second -q would hide pytest's "N passed" summary line.
# On every core, at most TEST_MAX_WORKERS (pytest-xdist): each worker is a pytest process with its
# own throwaway PostgreSQL cluster and Chromium, tests are handed out as workers free up.
# PYTEST_ARGS="-n 0" runs the suite in one process.
TEST_WORKERS ?= auto
TEST_MAX_WORKERS ?= 4
test: venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses $(TEST_MAX_WORKERS) $(PYTEST_ARGS)

# Serves at once and plays an election night: the whole Pemilu and the Pilkada report over about
# 30 minutes. Installs only the runtime dependencies, so the first page comes quickly on a fresh clone.
demo: venv-runtime
	$(BIN)/suara demo $(DEMO_ARGS)

# The tally engine, then the public read path under load, then the submission endpoint.
bench: venv
	$(BIN)/python bench/run.py
	$(BIN)/python bench/serve_load.py
	$(BIN)/python bench/submit_load.py

# The whole Pemilu (all five ballots at every TPS, overseas included; about 4.1 million forms) through
# ingest and verify on SQLite and PostgreSQL, then the legislative documents over HTTP. Long: about
# an hour on 2 cores; BENCH_PROVINCES=31,99 gives a short form.
bench-pemilu: venv
	$(BIN)/python bench/run.py --contests pemilu $(if $(BENCH_PROVINCES),--provinces $(BENCH_PROVINCES),)
	$(BIN)/python bench/legislative_load.py

# suara publish with a province's forms (BENCH_PROVINCES, default DKI Jakarta; the tree has every
# path of the nation): full, then an increment after 1% more forms drawn at random; files, bytes,
# disk and seconds, and the time to verify the increment and the tree. Long (tens of minutes).
bench-publish: venv
	$(BIN)/python bench/publish_bench.py --provinces $(or $(BENCH_PROVINCES),31)

# Election day against a deployment started here (2 API workers and a tally worker): submissions at
# ELECTION_WRITE_RATE with reads at ELECTION_READ_RATE for ELECTION_SECONDS, then five times the write
# rate, beside plain inserts in one transaction; on SQLite and on PostgreSQL. Long: about half an hour.
ELECTION_SECONDS ?= 300
ELECTION_WRITE_RATE ?= 1000
ELECTION_READ_RATE ?= 5000
bench-election-day: venv
	$(BIN)/python bench/election_day_run.py --backend sqlite --duration $(ELECTION_SECONDS) --write-rate $(ELECTION_WRITE_RATE) --read-rate $(ELECTION_READ_RATE) --overload 5
	$(BIN)/python bench/election_day_run.py --backend postgresql-replica --duration $(ELECTION_SECONDS) --write-rate $(ELECTION_WRITE_RATE) --read-rate $(ELECTION_READ_RATE) --overload 5
	$(BIN)/python bench/election_day_run.py --backend postgresql-replica --duration $(ELECTION_SECONDS) --write-rate $(ELECTION_WRITE_RATE) --read-rate $(ELECTION_READ_RATE) --photo-share 0.1

# The form reader on 10,000 photographed pages with held-out handwriting (issue 15): per-box
# accuracy, forms read right, sent to the officer, silent errors, time per page, the trade-off
# curve, against the previous classifier. 30 minutes on 2 quiet cores; READING_PAGES=300 is short.
bench-reading: venv
	$(BIN)/python bench/reading_pages.py --pages $(or $(READING_PAGES),10000)

# A hostile day: 200 MB bodies against a worker's memory, 64 concurrent writers against two
# workers, the chain-of-custody check against a witness file.
bench-hostile: venv
	$(BIN)/python bench/body_flood.py
	$(BIN)/python bench/write_overload.py
	$(BIN)/python bench/chain_check.py --provinces 31

# The README's pictures of the portal (a throw-away deployment photographed in Debian's Chromium).
screenshots: venv
	command -v chromium >/dev/null || (apt-get update && apt-get install -y -q chromium)
	$(BIN)/python scripts/screenshots.py

# schemathesis against the API as CI runs it (tests/test_schemathesis.py), with many more
# examples per operation and a new seed each run; FUZZ_EXAMPLES=1000 for a longer one.
FUZZ_EXAMPLES ?= 200
fuzz: venv
	SUARA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SUARA_FUZZ_SEED=random $(BIN)/python -m pytest tests/test_schemathesis.py -x

lint: venv
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

clean:
	rm -rf data $(VENV)
