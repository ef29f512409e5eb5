# All set-up happens here: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit bench clean schemas

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests examples plugins benchmarks
	$(BIN)/ruff format --check src tests examples plugins benchmarks

typecheck: $(DEVSTAMP)
	$(BIN)/mypy --strict src

unit: $(DEVSTAMP)
	$(BIN)/pytest -q --cov --cov-report=term

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/bench.py

schemas: $(STAMP)
	$(PY) -m safeguard_qa schema --write schemas

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage build dist
