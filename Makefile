# genai: every target sets up its own virtualenv (.venv) first; nothing relies on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv install generate check-generated lint typecheck pytest test test-matrix demo bench clean

# The other Pythons setup.cfg claims (python_requires); `make test` covers the default one.
MATRIX ?= 3.10 3.12 3.13
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
# setuptools' editable install is an import hook, which mypy cannot follow: a plain .pth naming the
# source roots lets mypy (and any other static tool) see the checkout as the installed package.
define checkout-pth
printf '%s\n%s\n' "$(CURDIR)" "$(CURDIR)/generated" \
  > "$$($(1)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/genai-checkout.pth"
endef

venv install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(call checkout-pth,$(VENV))
	touch $(STAMP)

# Compile protos/ into generated/genai_protos (see scripts/generate.py for the post-processing),
# then write the sync face genai/_sync from its asyncio source genai/_aio (scripts/unasync.py).
generate: $(STAMP)
	$(BIN)/python scripts/generate.py
	$(BIN)/python scripts/unasync.py

# Regenerate both into a temp dir and fail on any difference with the committed files.
check-generated: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(BIN)/python scripts/generate.py --out $$tmp && \
	diff -r -x __pycache__ $$tmp/genai_protos generated/genai_protos \
	  || { echo "generated/ is stale: run 'make generate' and commit the result"; exit 1; }; \
	$(BIN)/python scripts/unasync.py --out $$tmp/_sync && \
	diff -r -x __pycache__ $$tmp/_sync genai/_sync \
	  || { echo "genai/_sync is stale (or was edited by hand): run 'make generate' and commit the result"; exit 1; }
	@echo "generated/ and genai/_sync are up to date"

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

# The pytest suite on each Python of MATRIX, each in its own .venv-X.Y (found via pyenv or PATH).
test-matrix: $(addprefix matrix-,$(MATRIX))

matrix-%: setup.cfg pyproject.toml
	@py=$$(ls -d $(PYENV_ROOT)/versions/$*.*/bin/python$* 2>/dev/null | tail -n 1); \
	py=$${py:-$$(command -v python$*)}; \
	[ -n "$$py" ] || { echo "python$* not found: install it (pyenv install $*) or set MATRIX"; exit 1; }; \
	if [ ! -f .venv-$*/.installed ] || [ setup.cfg -nt .venv-$*/.installed ] || [ pyproject.toml -nt .venv-$*/.installed ]; then \
	  rm -rf .venv-$* && $$py -m venv .venv-$* && .venv-$*/bin/pip install --quiet --upgrade pip && \
	  .venv-$*/bin/pip install --quiet -e '.[test]' && $(call checkout-pth,.venv-$*) && \
	  touch .venv-$*/.installed; \
	fi; \
	echo "== pytest on $$(.venv-$*/bin/python -V)"; \
	.venv-$*/bin/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m genai.cli demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .venv-* build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
