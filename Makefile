# JMD assistant. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Two environments: .venv (Python ≥ 3.12: Telegram front, action server, core, tests) and
# .venv-rasa (Python 3.10: the Rasa server and its NLU components only, README "Environments").
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed-stamp
RASA_VENV  := .venv-rasa
RASA_PY    := $(RASA_VENV)/bin/python
RASA       := $(RASA_VENV)/bin/rasa
RASA_STAMP := $(RASA_VENV)/.installed-stamp
MODEL  := models/jmd.tar.gz
# the fingerprint of what the model learns from (jmd/training_inputs.py), rewritten only
# when it changes: answers, titles, links, office data and crisis phrases need no training
INPUTS := models/.training-inputs
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_BIN := $(CURDIR)/$(RASA)

.PHONY: help setup run chat train test lint console-admin validate check-content export-unanswered partner-figures eval eval-quick purge \
	clean import-slots bench bench-train FORCE

help:
	@echo "make run    start the assistant (Telegram with TELEGRAM_BOT_TOKEN, else a terminal chat)"
	@echo "make chat   terminal chat with the assistant"
	@echo "make test   unit tests, data validation, test stories, end-to-end tests"
	@echo "make train  train the Rasa model (~4 min; only when examples, domain, config or NLU code changed)"
	@echo "make lint   ruff + mypy --strict (CI runs it before the tests)"
	@echo "make console-admin USER_NAME=…   an account for the web console (ROLE=admin|editor|counselor)"
	@echo "make check-content   check the FAQ files (nlu/data/faq/) and content/"
	@echo "make export-unanswered   unanswered questions and 👎 answers as CSV (reports/)"
	@echo "make partner-figures [YEAR=…]   referrals and joint appointments per organisation and month (reports/partner-figures.csv)"
	@echo "make import-slots FILE=…   counselors' free times from CSV or iCalendar (see docs/termine.md)"
	@echo "make eval   cross-validation of the NLU, ours vs Rasa's default pipeline (reports/; MAX_FOLDS=1 for a quicker figure)"
	@echo "make eval-quick   the same in seconds with a linear stand-in model (for editors)"
	@echo "make bench  benchmarks: reply latency, front vs bare Rasa, 30 people at once, memory (reports/bench.md; BENCH_TRAIN=1 adds make bench-train)"
	@echo "make bench-train   training time and model size per component (reports/)"
	@echo "make purge  delete data older than RETENTION_DAYS now (the Telegram front also does it)"

$(STAMP): pyproject.toml scripts/find-python.sh
	@py=$$(scripts/find-python.sh app) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		echo "$(VENV) has an older Python (it held Rasa before the split): creating it again"; \
		rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip check
	@touch $@

# The project's code reaches the Rasa environment through a path file, not an install:
# Rasa imports jmd.nlu (components, importer, channel, tracker store) and jmd.shared.
$(RASA_STAMP): requirements-rasa.txt scripts/find-python.sh
	@py=$$(scripts/find-python.sh rasa) || exit 1; \
	if [ ! -x $(RASA_PY) ]; then echo "Creating $(RASA_VENV) with $$py"; "$$py" -m venv $(RASA_VENV); fi
	@# without the path file while pip looks: it would show pip the project's own metadata
	@rm -f $(RASA_VENV)/lib/python3.10/site-packages/jmd-project.pth
	$(RASA_PY) -m pip install --quiet --upgrade "pip<24.1" "setuptools<71" wheel
	$(RASA_PY) -m pip install --quiet -r requirements-rasa.txt
	$(RASA_PY) -m pip check
	@echo "$(CURDIR)" > "$$($(RASA_PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/jmd-project.pth"
	@touch $@

setup: $(STAMP) $(RASA_STAMP)

$(INPUTS): FORCE $(STAMP)
	@$(PY) -m jmd.training_inputs $@

$(MODEL): $(RASA_STAMP) $(INPUTS)
	@mkdir -p models
	$(RASA) train --data nlu/data --config config.yml --domain domain.yml \
		--out models --fixed-model-name jmd --force
	@touch $@

train: $(MODEL)

run: $(STAMP) $(MODEL)
	$(PY) -m jmd.run --model $(MODEL)

chat: $(STAMP) $(MODEL)
	$(PY) -m jmd.run --model $(MODEL) --terminal

check-content: $(STAMP)
	$(PY) -m jmd.content.faq

# The web console's accounts: the first admin, then editors and counselors (README "Web console").
console-admin: $(STAMP)
	@test -n "$(USER_NAME)" || { echo "usage: make console-admin USER_NAME=… [ROLE=editor|counselor|admin] [COUNSELOR=id]"; exit 2; }
	$(PY) -m console create-account "$(USER_NAME)" --role $(or $(ROLE),admin) $(if $(COUNSELOR),--counselor $(COUNSELOR))

# Questions the assistant could not answer and answers rated 👎, for the editors.
export-unanswered: $(STAMP)
	$(PY) -m jmd.content.unanswered --out reports/unanswered.csv $(if $(DAYS),--days $(DAYS))

# The partners' figures of a year (counts only): reports/partner-figures.csv. YEAR=… picks one.
partner-figures: $(STAMP)
	$(PY) -m jmd.partners.figures $(if $(YEAR),--year $(YEAR)) --out reports/partner-figures.csv

# Counselors' free times: CSV, or iCalendar with COUNSELOR, OFFICE [LANGUAGES, MODE, ORGANISATION].
import-slots: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import-slots FILE=slots.csv (or .ics with COUNSELOR=… OFFICE=…)"; exit 2; }
	$(PY) -m jmd.booking.imports "$(FILE)" $(if $(COUNSELOR),--counselor "$(COUNSELOR)") \
		$(if $(OFFICE),--office "$(OFFICE)") $(if $(LANGUAGES),--languages "$(LANGUAGES)") \
		$(if $(MODE),--mode "$(MODE)") $(if $(ORGANISATION),--organisation "$(ORGANISATION)")

# A benchmark, not a test: trains 2 × FOLDS models (ours ~5 min a fold, Rasa's default over an
# hour); PIPELINES=ours skips the default.
eval: $(RASA_STAMP)
	$(RASA_PY) -m jmd.nlu.evaluation --folds $(or $(FOLDS),3) $(if $(MAX_FOLDS),--max-folds $(MAX_FOLDS)) \
		$(if $(PIPELINES),--pipelines $(PIPELINES)) --out reports

# The same cross-validation with a linear stand-in model: seconds, for editors at work.
eval-quick: $(RASA_STAMP)
	$(RASA_PY) -m jmd.nlu.evaluation --pipelines quick --folds $(or $(FOLDS),3) --out reports/quick

# Retention by hand; the Telegram front runs it at start and every few hours.
# DAYS=… overrides RETENTION_DAYS, DRY_RUN=1 only counts.
purge: $(STAMP)
	$(PY) -m jmd.retention $(if $(DAYS),--days $(DAYS)) $(if $(DRY_RUN),--dry-run)

validate: $(RASA_STAMP)
	$(RASA) data validate --data nlu/data --config config.yml --domain domain.yml

# The web console's browser tests drive Chromium from the system packages (Debian's
# chromium; Playwright's own browsers are never downloaded). Installed once; without
# apt-get (or the rights for it) those tests are skipped and say why.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
		echo "Installing Chromium (system package) for the web console's browser tests"; \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		{ $$sudo apt-get update -qq && \
		  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
		echo "Chromium not installed: the browser tests will be skipped"; \
	else echo "No apt-get: install Chromium as $(CHROMIUM), else the browser tests are skipped"; fi

# check-content first: an editor's mistake is reported before any training. The model
# trains while the tests that do not need it run (scripts/test.sh).
test: check-content $(RASA_STAMP) $(CHROMIUM)
	@MAKE="$(MAKE)" scripts/test.sh $(PY) $(RASA_PY) $(MODEL) $(PYTEST_ARGS)

# Benchmarks print figures (reports/), they assert nothing. `make bench`: the running
# assistant's speed and memory (bench/runtime.py, ~3 min); BENCH_TRAIN=1 adds bench-train,
# BENCH_RASA_SERVERS=2 measures the scale-out set-up (PostgreSQL, Redis, two Rasa servers).
bench: $(STAMP) $(MODEL)
	$(PY) -m bench.runtime --model $(MODEL) --out reports \
		$(if $(BENCH_DATABASE_URL),--database-url "$(BENCH_DATABASE_URL)") \
		$(if $(BENCH_RASA_SERVERS),--rasa-servers $(BENCH_RASA_SERVERS))
	@if [ -n "$(BENCH_TRAIN)" ]; then $(MAKE) --no-print-directory bench-train; fi

# Trains once from scratch: seconds and model bytes per component, load time.
bench-train: $(RASA_STAMP)
	$(RASA_PY) -m jmd.nlu.bench_train --out reports

lint: $(STAMP)
	$(VENV)/bin/ruff check jmd actions bot bench console tests migrations
	$(VENV)/bin/mypy

clean:
	rm -rf models results reports .pytest_cache .mypy_cache .ruff_cache
