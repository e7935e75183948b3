# returnbot: `make run` to try it, `make test` to check it. `make help` lists everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
# Python 3.10 (Rasa 3.6 needs < 3.11): the first that works of python3.10 on PATH, pyenv's, the system's.
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { command -v "$$p" || echo "$$p"; } && break; done)

.PHONY: help install run run-scaled train test test-fast nlu-eval conversations lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it (e.g. pyenv install 3.10) or set PYTHON310=/path/to/python3.10"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip sync --quiet requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed ## create .venv (Python 3.10) with the locked dependencies

run: install ## install if needed, train if needed, start everything: web chat on http://localhost:8000
	$(BIN)/returnbot run

run-scaled: install ## the same on PostgreSQL, Redis and RabbitMQ, with two Rasa servers (README: Scaling out)
	$(BIN)/returnbot run --profile scaled

train: install ## train the model if config.yml, domain.yml or the training data changed
	$(BIN)/returnbot train

test: install ## all tests: unit, dialogue, data validation, NLU gate, conversation corpus, running stack, browser, scaled
	$(BIN)/pytest -q -ra

test-fast: install ## the tests that need no trained model, running stack or browser
	$(BIN)/pytest -q -m "not stack and not browser"

nlu-eval: install ## NLU benchmark: this pipeline vs Rasa's default vs keyword rules (a few minutes; reports/nlu/)
	$(BIN)/returnbot nlu eval

conversations: install ## the conversation corpus on a private stack: share resolved per class (reports/conversations/)
	$(BIN)/returnbot eval conversations $(CONVERSATIONS_ARGS)

.PHONY: bench
bench: install ## load benchmark: the stack vs a vanilla Rasa bot, 20 customers, 2,000 turns each (reports/bench/)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

.PHONY: bench-languages
bench-languages: install ## what each language's NLU model costs the Rasa server: load time, memory, parse time vs English (reports/bench/)
	$(BIN)/python -m benchmarks.languages $(BENCH_LANGUAGES_ARGS)

.PHONY: soak
soak: install ## soak: 30 min (SOAK_MINUTES) of customers while Rasa, actions and the database fail; 0 lost or doubled (reports/soak/)
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

lock: ## re-resolve requirements.in into requirements.lock for Python 3.10 (all pins in one pass)
	@test -x $(BIN)/uv || $(MAKE) install
	$(BIN)/uv pip compile requirements.in --python-version 3.10 --python-platform x86_64-unknown-linux-gnu -o requirements.lock

clean: ## remove the virtualenv, models and local data (var/)
	rm -rf $(VENV) models var reports results .rasa
