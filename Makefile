# The README's two commands: `make run` (the bot on the console channel) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run chat qotd test lint typecheck pytest clean

install: $(VENV)/.installed

# torch first, pinned: it resolves to the local CPU build; unpinned it would pull CUDA wheels.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check torch==2.13.0
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/qotd run

# `qotd` lives in .venv/bin (not on PATH): `make qotd ARGS="explain lora"`, or
# `source .venv/bin/activate` once per shell, then plain `qotd …`.
chat: install
	$(VENV)/bin/qotd chat

qotd: install
	$(VENV)/bin/qotd $(ARGS)

lint: install
	$(VENV)/bin/ruff check bot adapters tests benchmarks
	$(VENV)/bin/ruff format --check bot adapters tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest -q

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .qotd .pytest_cache .mypy_cache .ruff_cache
