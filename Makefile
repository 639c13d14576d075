# One entry point. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, install everything (CPU torch first), convert the model and build
# the index when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install index run test lint typecheck unit eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The local CPU build of torch must come first, or pip pulls CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

index: install
	$(PY) -m qa build --if-stale

run: index
	$(PY) app.py

lint: install
	$(VENV)/bin/ruff check src tests eval app.py
	$(VENV)/bin/ruff format --check src tests eval app.py

typecheck: install
	$(VENV)/bin/mypy src

unit: install
	$(VENV)/bin/pytest

test: lint typecheck unit

eval: install
	$(PY) -m qa eval

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
