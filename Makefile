# The README's two commands: `make demo` (the bundled example, end to end) and `make test`.
# Both create .venv on first use; nothing needs to be installed by hand but Python 3.10 to 3.12, git and npm.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
EXAMPLE ?= examples/breast-cancer

.PHONY: demo test test-fast test-newest mutation bench schema golden setup chromium clean

# The locked dependency set (requirements/dev.txt, hash-checked), through the same script the
# setup action runs on a runner. scripts/lock.sh regenerates the locks from pyproject.toml.
$(STAMP): pyproject.toml requirements/dev.txt requirements/bootstrap.txt actions/setup/install.sh
	PYTHON=$(PYTHON) bash actions/setup/install.sh $(VENV) requirements/dev.txt --editable
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)

# Headless Chromium for tests/report/test_rendering.py (reports rendered as GitHub renders them): Debian's
# chromium, installed with apt-get when missing (root); without root the test skips and says why.
chromium:
	@bash scripts/chromium.sh >/dev/null || echo "chromium: not available, the rendering test will skip (see above)"

demo: $(STAMP)
	$(BIN)/python -m mlspec.demo $(EXAMPLE)

test: setup chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Everything but the tests marked slow (deepchecks, training, BentoML, act): for a quick loop. A test file goes
# whole to one worker (loadfile), so a module-scoped fixture (a trained project, a built wheel) is made once.
test-fast: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow and not docker"

# The weekly dependency-drift job: the same tests, with the newest versions pyproject.toml allows
# instead of the lock (the act tests still install the lock through the setup action).
test-newest: $(NODE_STAMP)
	$(PYTHON) -m venv .venv-newest
	.venv-newest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	.venv-newest/bin/python -m pytest -n 2 --dist loadgroup

# Mutation testing of the decision core (mutmut; the modules, their paired tests and the threshold are in
# mutation/modules.toml, equivalent mutants in mutation/equivalent.toml). MODULE=mlspec/hosts/github/paths.py runs one;
# MUTANTS='x__absolute*' (with MODULE) only the mutants of one function.
# Fails below the threshold; build/mutation/summary.json holds the score per module.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py --max-children $(MUTATION_JOBS) $(if $(MODULE),--module $(MODULE)) $(if $(MUTANTS),--mutants '$(MUTANTS)')

bench: $(STAMP)
	$(BIN)/python bench/run.py

schema: $(STAMP)
	$(BIN)/mlspec schema --output schemas/mlproject.schema.json
	$(BIN)/mlspec schema record --output schemas/record.schema.json
	$(BIN)/mlspec schema deploy --output schemas/deploy.schema.json
	$(BIN)/python -m mlspec.spec.reference docs/spec-reference.md

golden: $(STAMP)
	$(BIN)/python -m tests.golden --update
	for example in examples/breast-cancer examples/monorepo; do \
	  MLSPEC_SOURCE_COMMIT=$$($(BIN)/python -c 'from tests.helpers import SOURCE_COMMIT; print(SOURCE_COMMIT)') \
	    $(BIN)/mlspec render --root $$example || exit 1; \
	done

clean:
	rm -rf $(VENV) .venv-newest node_modules .pytest_cache
