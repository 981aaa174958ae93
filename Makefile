# genai: every target sets up its own virtualenv (.venv) first; nothing relies on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv install generate check-generated lint typecheck pytest test demo bench clean

venv install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compile protos/ into generated/genai_protos (see scripts/generate.py for the post-processing).
generate: $(STAMP)
	$(BIN)/python scripts/generate.py

# Regenerate into a temp dir and fail on any difference with the committed generated/.
check-generated: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(BIN)/python scripts/generate.py --out $$tmp && \
	diff -r -x __pycache__ $$tmp/genai_protos generated/genai_protos \
	  || { echo "generated/ is stale: run 'make generate' and commit the result"; exit 1; }
	@echo "generated/ is up to date"

lint: $(STAMP)
	$(BIN)/ruff check genai tests benchmarks scripts
	$(BIN)/ruff format --check genai tests benchmarks scripts
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(BIN)/python scripts/generate.py --image $$tmp/image.binpb && \
	$(BIN)/buf lint $$tmp/image.binpb --config buf.yaml --path google/ai/generativelanguage/v1beta
	$(BIN)/buf format -d --exit-code protos
	@echo "lint: ok"

typecheck: $(STAMP)
	$(BIN)/mypy genai

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck check-generated pytest

demo: $(STAMP)
	$(BIN)/python -m genai.cli demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
