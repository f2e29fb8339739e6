# districtsim: the engineer's commands. `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CORES  ?=
PLAN   ?=
CONFIG ?= $(if $(wildcard configs/espoo_2030.yaml),configs/espoo_2030.yaml,configs/schutterwald.yaml)
HOURS  ?=
CUBE   ?= results/$(basename $(notdir $(CONFIG))).nc
PYTEST_ARGS ?=
SWEEP  ?= configs/sweeps/schutterwald_heat_pump.yaml
EXECUTOR ?= local
WORKERS ?=

.PHONY: import-network install run test test-all test-cluster validate lint networks plots sweep bench docs \
	report-screenshot help

help:
	@echo "make run [CONFIG=configs/x.yaml] [HOURS=N]  simulate a scenario, print its summary"
	@echo "make test                                  the test suite (without 'slow' cases)"
	@echo "make test-all                              every test, the slow ones too"
	@echo "make test-cluster [REQUIRE_CLUSTER=1]      sweeps as real sbatch jobs on a throw-away"
	@echo "                                           single-node SLURM (installs slurm-wlm, root)"
	@echo "make validate [CONFIG=...]                 check a scenario against its district"
	@echo "make lint                                  ruff"
	@echo "make docs                                  the manual (docs/, mkdocs.yml) into site/,"
	@echo "                                           strict: a broken link or page fails"
	@echo "make report-screenshot                     the report page in headless Chromium:"
	@echo "                                           docs/figures/report_page.png"
	@echo "make sweep [SWEEP=configs/sweeps/x.yaml] [EXECUTOR=serial|local|slurm|pbs] [WORKERS=N]"
	@echo "           [HOURS=N] [RESUME=1 [PRUNE=1]]  run every case of a sweep into results/<sweep>/"
	@echo "make sweep PLAN=1 [CORES=N] [HOURS=N]      size it instead: cases, core-hours, memory,"
	@echo "                                           an execution block (runs no case)"
	@echo "make plots [CUBE=results/x.nc|results/sweep] figures + index.html of a cube or sweep dir"
	@echo "make import-network SOURCE=x.gpkg|dir DISTRICT=networks/x [GRID=electric.json]"
	@echo "                                           a district folder from GIS layers"
	@echo "make networks                              rebuild the district folders from their scripts"
	@echo "make bench                                 full year fast vs a plain pipeflow+runpp loop:"
	@echo "                                           bench/results.json and bench/results.md"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,sweep,gis,docs]"
	touch $(STAMP)

run: install
	$(PY) -m simulator run $(CONFIG) $(if $(HOURS),--hours $(HOURS))

test: install
	$(PY) -m pytest -q -m "not slow and not cluster" $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest -q -m "not cluster" $(PYTEST_ARGS)

# A throw-away single-node SLURM (scripts/slurm/harness.sh: apt-get installs slurm-wlm and munge
# when missing, starts munged + slurmctld + slurmd from a temporary directory, tears them down)
# and the cluster tests against it. Exit 77 of the harness = SLURM cannot run here (not root, no
# apt-get, install failed): printed as SKIPPED, a failure only with REQUIRE_CLUSTER=1.
test-cluster: install
	@bash scripts/slurm/harness.sh run -- $(PY) -m pytest -v -s -m cluster tests/cluster \
		$(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 77 ]; then \
		echo "make test-cluster: SKIPPED (no SLURM scheduler here, reason above)"; \
		if [ -n "$(REQUIRE_CLUSTER)" ]; then echo "REQUIRE_CLUSTER is set: failing"; exit 1; fi; \
		exit 0; \
	fi; exit $$rc

validate: install
	$(PY) -m simulator validate $(CONFIG)

plots: install
	$(PY) -m simulator plot $(CUBE)

lint: install
	$(VENV)/bin/ruff check simulator tests networks bench

# The manual: MkDocs (Material) in strict mode, so a broken link, an unknown anchor or a page
# missing from the nav fails. The scenario and cube references and the benchmark tables are
# generated while it builds (scripts/docs/hooks.py).
docs: install
	$(VENV)/bin/mkdocs build --strict --clean

# The manual's screenshot of the report page, taken by the browser test itself.
report-screenshot: install
	REPORT_SCREENSHOT=docs/figures/report_page.png $(PY) -m pytest -q \
		tests/test_report_browser.py

import-network: install
	$(PY) -m simulator import-network $(SOURCE) $(DISTRICT) $(if $(GRID),--grid $(GRID))

networks: install
	$(PY) networks/schutterwald/build.py
	$(PY) networks/espoo/build.py
	$(PY) networks/ringtown/build.py

sweep: install
	$(PY) -m simulator sweep $(SWEEP) $(if $(PLAN),--plan $(if $(CORES),--cores $(CORES)),\
		--executor $(EXECUTOR) $(if $(WORKERS),--workers $(WORKERS)) $(if $(RESUME),--resume) \
		$(if $(PRUNE),--prune)) \
		$(if $(HOURS),--hours $(HOURS))

bench: install
	$(PY) bench/bench.py
