# Set-up is part of every target: a fresh machine needs only `make serve` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup graphviz chromium site serve test validate export schema lint demo-sync clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

graphviz:
	@command -v dot >/dev/null || { $(APT) update -qq && $(APT) install -y -qq graphviz >/dev/null; }

chromium:
	@test -x /usr/bin/chromium || { $(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; }

setup: $(STAMP) graphviz

site: setup  ## build the site into site/ (strict: any warning fails)
	$(BIN)/mkdocs build --strict

serve: setup  ## build and serve the site on http://127.0.0.1:8000, rebuilding on edits
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

test: setup chromium  ## the whole test suite
	$(BIN)/python tools/validate.py
	$(BIN)/python tools/schema.py --check
	$(BIN)/ruff check tools tests benchmarks
	$(BIN)/ruff format --check tools tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

validate: setup
	$(BIN)/python tools/validate.py

export: setup
	$(BIN)/python tools/export.py --out site/lineage.json

schema: setup
	$(BIN)/python tools/schema.py

lint: setup
	$(BIN)/ruff check tools tests benchmarks
	$(BIN)/ruff format --check tools tests benchmarks
	$(BIN)/mypy

demo-sync: setup  ## the Hub sync against a fake Hub on loopback with a little drift: no network needed
	$(BIN)/python tests/fakehub/demo.py

clean:
	rm -rf site $(VENV)
