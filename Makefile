# The two quick-start commands (`make run`, `make test`) create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-compiled compiled lab lint bench clean browser

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The optional compiled build (setup.py, mypyc) in its own environment, so the editable
# development install stays pure Python (an edit to a .py file takes effect at once there).
COMPILED := .venv-compiled
COMPILED_STAMP := $(COMPILED)/.installed
SOURCES := $(shell find etj_sim -name '*.py') setup.py pyproject.toml

$(COMPILED_STAMP): $(SOURCES)
	test -d $(COMPILED) || $(PYTHON) -m venv $(COMPILED)
	$(COMPILED)/bin/python -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
	# Dependencies and mypy (mypyc) first: the compiled build type-checks against them.
	$(COMPILED)/bin/python -m pip install --quiet '.[dev]'
	ETJ_SIM_COMPILE=1 $(COMPILED)/bin/python -m pip install --quiet --no-build-isolation \
	  --no-deps --force-reinstall .
	touch $(COMPILED_STAMP)

compiled: $(COMPILED_STAMP)

run: $(STAMP)
	$(BIN)/etj-sim run scenarios/baseline.toml --seed 1 --out out/baseline

# The report and dashboard tests drive headless Chromium from the system's package manager.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the report test (needs root and apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2
	$(MAKE) test-compiled

# The suite again against the compiled build: same results, and the same event log as the pure
# package (tests/test_compiled_build.py). pytest is started by path, not with -m, so the
# repository's own etj_sim/ does not shadow the installed, compiled one.
test-compiled: $(COMPILED_STAMP) browser
	ETJ_SIM_EXPECT_COMPILED=1 $(COMPILED)/bin/pytest -n 2 -p no:cacheprovider

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP) $(COMPILED_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(COMPILED) build out .pytest_cache .mypy_cache .ruff_cache
