# Developer and CI entry points. CI runs `.ci/run`, which runs `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: venv test demo bench bench-pemilu bench-hostile lint clean screenshots fuzz

venv: $(STAMP)

# (Re)install when pyproject.toml is newer than the stamp, or the venv is missing.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# pyproject addopts already has -q; a second -q would hide pytest's "N passed" summary line.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Serves at once and plays an election night: the whole nation reports over about 10 minutes.
demo: venv
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
