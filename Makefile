# finaid — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit rules-verify bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# durable-rules builds from source with gcc (about a minute the first time)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	FINAID_MODE=demo $(BIN)/finaid demo run --examples examples/bundles --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check decision rules adapters audit tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy decision rules
	$(BIN)/mypy adapters audit

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/evaluate.py

clean:
	rm -rf $(VENV) demo-output build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
