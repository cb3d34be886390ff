# Two entry points (see README): `make train` sets up and trains the tutorial's network; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip warns once per missing folder of a machine-wide extra index (a setting of some machines, not of
# this project); those lines say nothing about the install, so they are left out of its output.
RUN_EXTRAS := plots,web
TEST_EXTRAS := plots,web,test
PIP_INSTALL = @echo "pip install $(1)"; $(BIN)/python -m pip install --quiet 2>&1 $(1) | { grep -v "^WARNING: Location '.*' is ignored: it is neither a file nor a directory.$$" || true; }

.PHONY: setup setup-test browser train test benchmark clean

# The package with its plots and web explorer: all that `make train` and `scratchnet serve` need.
$(BIN)/scratchnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(call PIP_INSTALL,--upgrade pip)
	$(call PIP_INSTALL,-e '.[$(RUN_EXTRAS)]')
	touch $@

# What the tests need besides (pytest, mypy, ruff, Playwright, scikit-learn, ONNX, the notebook runner).
$(VENV)/.test-extras: $(BIN)/scratchnet
	$(call PIP_INSTALL,-e '.[$(TEST_EXTRAS)]')
	touch $@

setup: $(BIN)/scratchnet

setup-test: $(VENV)/.test-extras

# The browser tests drive Debian's Chromium: install it when missing (as root, or through sudo).
browser:
	@tools/ensure-chromium

train: setup
	$(BIN)/scratchnet train

test: setup-test browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .hypothesis .ruff_cache
