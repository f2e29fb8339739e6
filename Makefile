# districtsim: the engineer's commands. `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CONFIG ?= $(if $(wildcard configs/espoo_2030.yaml),configs/espoo_2030.yaml,configs/schutterwald.yaml)
HOURS  ?=
PYTEST_ARGS ?=

.PHONY: install run test test-all validate lint networks help

help:
	@echo "make run [CONFIG=configs/x.yaml] [HOURS=N]  simulate a scenario, print its summary"
	@echo "make test                                  the test suite (without 'slow' cases)"
	@echo "make test-all                              every test, the slow ones too"
	@echo "make validate [CONFIG=...]                 check a scenario against its district"
	@echo "make lint                                  ruff"
	@echo "make networks                              rebuild the district folders from their scripts"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,sweep]"
	touch $(STAMP)

run: install
	$(PY) -m simulator run $(CONFIG) $(if $(HOURS),--hours $(HOURS))

test: install
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

validate: install
	$(PY) -m simulator validate $(CONFIG)

lint: install
	$(VENV)/bin/ruff check simulator tests networks

networks: install
	$(PY) networks/schutterwald/build.py
