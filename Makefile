# districtsim: the engineer's commands. `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CONFIG ?= $(if $(wildcard configs/espoo_2030.yaml),configs/espoo_2030.yaml,configs/schutterwald.yaml)
HOURS  ?=
CUBE   ?= results/$(basename $(notdir $(CONFIG))).nc
PYTEST_ARGS ?=
SWEEP  ?= configs/sweeps/schutterwald_heat_pump.yaml
EXECUTOR ?= local
WORKERS ?=

.PHONY: install run test test-all validate lint networks plots sweep bench help

help:
	@echo "make run [CONFIG=configs/x.yaml] [HOURS=N]  simulate a scenario, print its summary"
	@echo "make test                                  the test suite (without 'slow' cases)"
	@echo "make test-all                              every test, the slow ones too"
	@echo "make validate [CONFIG=...]                 check a scenario against its district"
	@echo "make lint                                  ruff"
	@echo "make sweep [SWEEP=configs/sweeps/x.yaml] [EXECUTOR=serial|local|slurm|pbs] [WORKERS=N]"
	@echo "           [HOURS=N] [RESUME=1]            run every case of a sweep into results/<sweep>/"
	@echo "make plots [CUBE=results/x.nc|results/sweep] figures + index.html of a cube or sweep dir"
	@echo "make networks                              rebuild the district folders from their scripts"
	@echo "make bench                                 full year fast vs a plain pipeflow+runpp loop:"
	@echo "                                           bench/results.json and bench/results.md"

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

plots: install
	$(PY) -m simulator plot $(CUBE)

lint: install
	$(VENV)/bin/ruff check simulator tests networks bench

networks: install
	$(PY) networks/schutterwald/build.py
	$(PY) networks/espoo/build.py
	$(PY) networks/ringtown/build.py

sweep: install
	$(PY) -m simulator sweep $(SWEEP) --executor $(EXECUTOR) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(HOURS),--hours $(HOURS)) $(if $(RESUME),--resume)

bench: install
	$(PY) bench/bench.py
