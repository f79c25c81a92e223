# The README's two commands: `make demo` (the bundled example, end to end) and `make test`.
# Both create .venv on first use; nothing needs to be installed by hand but Python 3.11+, git and npm.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
EXAMPLE ?= examples/breast-cancer

.PHONY: demo test bench schema golden setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/python -m mlspec.demo $(EXAMPLE)

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python bench/run.py

schema: $(STAMP)
	$(BIN)/mlspec schema --output schemas/mlproject.schema.json
	$(BIN)/python -m mlspec.spec.reference docs/spec-reference.md

golden: $(STAMP)
	$(BIN)/python -m tests.golden --update

clean:
	rm -rf $(VENV) node_modules .pytest_cache
