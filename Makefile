# Two entry points (see README): `make train` sets up and trains the tutorial's network; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test browser train test benchmark clean

# The package with its plots and web explorer: all that `make train` and `scratchnet serve` need.
$(BIN)/scratchnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[plots,web]'
	touch $@

# What the tests need besides (pytest, mypy, ruff, Playwright, scikit-learn, ONNX, the notebook runner).
$(VENV)/.test-extras: $(BIN)/scratchnet
	$(BIN)/python -m pip install --quiet -e '.[plots,web,test]'
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
