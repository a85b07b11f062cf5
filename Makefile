# The two commands a reader needs: `make book` and `make test`. `make help` lists all.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed

# OpenBLAS picks its kernels by processor, and kernels round differently (the sentence
# encoder's vectors moved by 2e-7 between AVX-512 and AVX2 kernels, and findings with
# them): one kernel set everywhere on x86-64 keeps the findings identical across machines.
ifeq ($(shell uname -m),x86_64)
export OPENBLAS_CORETYPE ?= Haswell
endif

.PHONY: help install prepare book lab test test-fast bench dist clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies and the package

prepare: install ## clean, structure and segment the corpus into data/processed
	$(BIN)/aidiscourse prepare

book: prepare ## execute every notebook (cached) and build the HTML into _build/html
	$(BIN)/python -c "from aidiscourse.report.render import write_vega_bundle; write_vega_bundle('_static')"
	$(BIN)/python -m aidiscourse.report.buildcache
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test,lab]"
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@# .md chapters open as notebooks (jupytext), in this environment only
	@echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook"}}}' \
		> $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(LAB_STAMP)

lab: prepare $(LAB_STAMP) ## open the chapters in JupyterLab (installed into .venv on first use); run each top to bottom
	$(BIN)/jupyter lab notebooks

test: book ## build the book (cached), then run the test suite against code, results and pages
	$(BIN)/python -m pytest

test-fast: install ## run the tests that need no built book and no browser
	$(BIN)/python -m pytest -m "not book and not slow"

clean: ## remove the built book, caches and processed data (never data/raw)
	rm -rf _build data/processed _static/vega-bundle.js

bench: install ## benchmark prepare and the book build; prints `name: value` lines
	$(BIN)/python benchmarks/bench.py

dist: book ## pack the built book as dist/aidiscourse-book-<version>.zip
	@mkdir -p dist
	$(BIN)/python -c "import shutil, aidiscourse; shutil.make_archive(f'dist/aidiscourse-book-{aidiscourse.__version__}', 'zip', '_build/html')"
	@ls dist
