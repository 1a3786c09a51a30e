# Every target sets up .venv itself; run `make demo` or `make test` on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest sample clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/python demo/run.py

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check archiver tests demo bench
	$(BIN)/ruff format --check archiver tests demo bench

typecheck: $(STAMP)
	$(BIN)/mypy archiver
	$(BIN)/mypy tests demo bench --exclude tests/emulator

pytest: $(STAMP)
	$(BIN)/pytest -q

# Speed of the diff at 1k, 10k and 100k documents against DeepDiff and dictdiffer (minutes).
.PHONY: bench
bench: $(STAMP)
	@$(BIN)/python bench/diff_bench.py
	@$(BIN)/python bench/diff_instructions.py
	@$(BIN)/python bench/export_bench.py

# Rewrites backups.sample/ from demo/projects/ with the tool itself.
sample: $(STAMP)
	@$(BIN)/python demo/make_sample.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
