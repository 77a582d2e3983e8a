# kam: `make report` writes the demo reports, `make test` runs every test.
# Both create .venv/ with python3 -m venv and install into it; the install is redone only when
# pyproject.toml or constraints.txt change.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := build/demo-data
OUT := reports
JOBS ?= 2

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install kam with its test tools

.PHONY: demo
demo: $(STAMP) ## Write the demo dataset to build/demo-data
	$(BIN)/kam demo --out $(DEMO)

.PHONY: report
report: demo ## Write every demo report (HTML and PDF) to reports/ (open reports/index.html)
	$(BIN)/kam report --data $(DEMO) --out $(OUT) --params params --jobs $(JOBS) --pdf

.PHONY: test
test: $(STAMP) ## Run all tests: unit, notebooks (nbval), end-to-end, lint
	$(BIN)/ruff check .
	$(BIN)/python -m kamlib.nbstrip check notebooks
	$(BIN)/pytest
	$(BIN)/pytest -p no:cacheprovider --nbval-lax --nbval-current-env notebooks

.PHONY: approve-visual
approve-visual: $(STAMP) ## After an intended change of the reports' look: rewrite the visual tests' approved images
	KAM_APPROVE=1 $(BIN)/pytest -q tests/test_visual.py

.PHONY: fuzz
fuzz: $(STAMP) ## kam report on 30 generated edge-case datasets; prints how many reports were lost
	$(BIN)/python tests/fuzz.py --datasets 30 --jobs $(JOBS)

.PHONY: lint
lint: $(STAMP) ## ruff check and format check, notebooks stored without outputs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m kamlib.nbstrip check notebooks

.PHONY: format
format: $(STAMP) ## ruff format and fix, strip notebook outputs
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/python -m kamlib.nbstrip strip notebooks

.PHONY: i18n
i18n: $(STAMP) ## After changing a text: extract the messages, update every catalog, compile them
	$(BIN)/pybabel extract -F babel.cfg -k n_:1,2 -k N_ -c TRANSLATORS: --no-location \
		--sort-output --project kam --copyright-holder "kam" -o kamlib/locale/kam.pot .
	$(BIN)/pybabel update -i kamlib/locale/kam.pot -d kamlib/locale -D kam --ignore-obsolete
	$(BIN)/pybabel compile -d kamlib/locale -D kam --statistics

.PHONY: bench
bench: $(STAMP) ## Run the benchmarks (needs ../shared/data for the real-data ones)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

.PHONY: clean
clean: ## Remove build output (reports, demo data, caches); keeps .venv
	rm -rf build .pytest_cache .ruff_cache
	find $(OUT) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -prune -exec rm -rf {} +

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'
