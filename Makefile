# finaid — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit rules-verify bench bench-quick clean venv system-deps web etjanst axe oidc-provider

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# durable-rules builds from source with gcc (about a minute the first time)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The demo: the shipped example households decided into demo-output/examples (their own database),
# then a whole night: the sandbox registry on a free port, 500 synthetic applications, the batch.
# The night decides as of DEMO_NIGHT_DAY, the day the newest packs (the _v4 packs: subject facts, issue 17;
# they take case bundle /2 as _v3 does) are published (the households are submitted as /2 where the pack
# their month selects takes /2, else as /1).
DEMO_NIGHT_DAY ?= 2026-12-05
demo: $(STAMP)
	FINAID_MODE=demo FINAID_DB_URL=sqlite:///demo-output/examples/finaid.db \
	  $(BIN)/finaid demo run --examples examples/bundles --out demo-output/examples
	FINAID_MODE=demo FINAID_TODAY=$(DEMO_NIGHT_DAY) $(BIN)/finaid demo night --n 500 --out demo-output
	@echo ""
	@echo "Sökandes e-tjänst på exempelhushållen: kör  make etjanst  och öppna http://127.0.0.1:8010/"
	@echo "  (prova också i ett mobilstort fönster); välj demopersonen Sökande i exempel 03 (kommun 1287, 2 vuxna,"
	@echo "  1 barn; Make, maka eller sambo i samma hushåll skriver under med sin egen inloggning). Handläggarnas arbetsyta på"
	@echo "  samma databas:  make web  (http://127.0.0.1:8000/, handlaggare1 / demo-handlaggare1)."

# Debian packages the web app and its tests need: pango for PDF letters (weasyprint), chromium for the
# browser tests, hunspell with the Swedish dictionary for the spelling test, poppler-utils (pdftotext) for the
# letter's reading order, npm for axe-core (the accessibility test). Installed with apt when running as root;
# otherwise a clear message (the tests that need a missing package then skip and say why).
system-deps:
	@missing=""; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v hunspell >/dev/null 2>&1 || missing="$$missing hunspell"; \
	test -f /usr/share/hunspell/sv_SE.dic || missing="$$missing hunspell-sv"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "make test: Debian packages missing:$$missing"; \
	  echo "  libpango-1.0-0, libpangoft2-1.0-0: WeasyPrint draws the decision letters as PDF with them"; \
	  echo "  chromium: the browser tests (Playwright drives Debian's chromium)"; \
	  echo "  hunspell, hunspell-sv: the Swedish spelling check of every page and letter"; \
	  echo "  poppler-utils: pdftotext reads the letter PDF's text in reading order"; \
	  echo "  npm: installs axe-core (tests/e2e/axe) for the accessibility test"; \
	  echo "  apt-get installs them and what they depend on (about 125 packages for chromium on a bare system)."; \
	  if [ "$$(id -u)" = 0 ]; then echo "  running as root: installing now with apt-get"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
	    || echo "could not install$$missing: the tests that need them will skip"; \
	  else echo "missing Debian packages:$$missing (run as root: apt-get install -y$$missing); tests that need them will skip"; fi; \
	fi

# axe-core from the npm registry at the version in tests/e2e/axe/package-lock.json (npm ci: exactly the lock)
AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)

$(AXE): tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  echo "make test: installing axe-core with npm ci in tests/e2e/axe (the accessibility test injects it into every page)"; \
	  cd tests/e2e/axe && npm ci --no-audit --no-fund --silent && touch node_modules/axe-core/axe.min.js; \
	else echo "npm is missing: the accessibility test will skip (apt-get install -y npm)"; fi

# The single sign-on tests run a real OpenID Connect provider (the npm package oidc-provider, its version locked
# in tests/integration/oidc/provider/package-lock.json) with the machine's Node; without node/npm they skip.
OIDC_PROVIDER := tests/integration/oidc/provider
oidc-provider:
	@if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then \
	  echo "make test: node/npm not found: the single sign-on tests (tests/integration/oidc) will skip"; \
	elif [ ! -f $(OIDC_PROVIDER)/node_modules/.package-lock.json ] || \
	     [ $(OIDC_PROVIDER)/package-lock.json -nt $(OIDC_PROVIDER)/node_modules/.package-lock.json ]; then \
	  echo "make test: npm ci in $(OIDC_PROVIDER): installs oidc-provider (npm registry, about 40 packages, locked)"; \
	  echo "  why: the single sign-on tests sign handlers in through a real OpenID Connect provider on loopback"; \
	  (cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error) \
	  || echo "npm ci failed: the single sign-on tests will skip"; \
	fi

web: $(STAMP)
	FINAID_MODE=demo FINAID_DB_URL=sqlite:///demo-output/examples/finaid.db $(BIN)/finaid web serve

# The applicants' e-service on the same database (docs/etjanst.md); the demo clock inside the packs' coverage.
etjanst: $(STAMP)
	FINAID_MODE=demo FINAID_TODAY=$(DEMO_NIGHT_DAY) FINAID_DB_URL=sqlite:///demo-output/examples/finaid.db \
	  $(BIN)/finaid etjanst serve

lint: $(STAMP)
	$(BIN)/ruff check decision rules adapters audit tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy decision rules
	$(BIN)/mypy adapters audit

# The suite on two worker processes (pytest-xdist): each has its own database schema, ports and temp folders;
# a test file stays on one worker (--dist loadfile): its module fixtures are built once and its tests keep
# their order (some build on the one before). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

# published rule packs and guidelines are immutable: fail if one no longer matches its lock
rules-verify: $(STAMP)
	$(BIN)/finaid rules verify

test: lint typecheck rules-verify system-deps axe oidc-provider unit

# issue 17's figures in one table (benchmarks/README.md); the bench extra brings OpenFisca, the comparison.
# PostgreSQL figures need FINAID_TEST_PG_URL (without it they print "not measured").
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench.py

bench-quick: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench.py --quick

clean:
	rm -rf $(VENV) tests/e2e/axe/node_modules demo-output build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
