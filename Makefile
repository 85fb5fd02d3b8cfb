PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Set up and start the console on the paper venue (http://127.0.0.1:8501).
run: $(VENV)/.runtime
	$(PY) -m streamlit run streamlit_app.py

## Set up and run every test.
test: $(VENV)/.dev
	$(PY) -m pytest; rc=$$?; if [ $$rc = 5 ]; then echo 'pytest ran no tests: failing' >&2; exit 1; fi; exit $$rc

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install -q -r requirements-bench.txt
	touch $@

## Run every benchmark (prints ratios measured side by side).
bench: $(VENV)/.bench
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
