"""Non-convergence is recorded per hour, never papered over with another hour's values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.api import RunFailed, run
from simulator.heat.network import HeatNetwork
from simulator.output.cube import open_results

from conftest import schutterwald_raw

ROOT_HEAT = "heat.json"


def _profiles(tmp_path, raw, hours_mw: list[float]):
    """A demand profile file giving every consumer the same MW in each hour."""
    heat = HeatNetwork.from_json(f"{raw['district']}/{ROOT_HEAT}")
    times = pd.date_range(raw["period"]["start"], periods=len(hours_mw), freq="h")
    times = times.map(lambda t: t.replace(year=raw["weather"]["source_year"]))
    frame = pd.DataFrame({name: hours_mw for name in heat.consumer_names}, index=times)
    frame.index.name = "time"
    path = tmp_path / "profiles.csv"
    frame.to_csv(path)
    return path


def test_failed_hour_is_nan_and_flagged_and_neighbours_are_not(tmp_path, write_config):
    raw = schutterwald_raw()
    # 1 W on every consumer makes the bidirectional solve fail (PANDAPIPES-FACTS §1)
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [0.05, 1e-6, 0.05]))
    raw["demand"]["min_load_fraction"] = 0.0
    raw["solver"] = {"max_failed_share": 0.5}
    out = run(write_config(raw), hours=3, output=tmp_path / "f.nc")
    with open_results(out) as ds:
        assert ds.converged.values.tolist() == [1, 0, 1]
        assert ds.heat_converged.values.tolist() == [1, 0, 1]
        bad = ds.isel(time=1)
        for name in ("unit_heat_mw", "consumer_heat_mw", "junction_t_k", "bus_vm_pu",
                     "heat_loss_mw", "co2_t"):
            assert np.isnan(bad[name]).all(), name
        # inputs of the failed hour are still known and recorded
        assert float(bad.consumer_demand_mw.sum()) == pytest.approx(44e-6)
        assert np.isfinite(ds.junction_t_k.isel(time=2)).all()


def test_run_fails_loudly_and_writes_nothing_when_too_many_hours_fail(tmp_path, write_config):
    raw = schutterwald_raw()
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [1e-6, 1e-6]))
    raw["demand"]["min_load_fraction"] = 0.0
    out = tmp_path / "never.nc"
    with pytest.raises(RunFailed, match="failed to converge"):
        run(write_config(raw), hours=2, output=out)
    assert not out.exists()
    assert list(tmp_path.glob(".*tmp*")) == []


def test_the_failure_message_names_the_failed_hours_and_their_cause(tmp_path, write_config):
    """Issue 24: the first failed hour, the count, the ranges and what did not converge."""
    raw = schutterwald_raw()
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [0.05, 1e-6, 1e-6, 1e-6, 0.05]))
    raw["demand"]["min_load_fraction"] = 0.0
    with pytest.raises(RunFailed) as err:
        run(write_config(raw), hours=5, output=tmp_path / "never.nc")
    text = str(err.value)
    assert "3 failed hour(s), the first 2030-01-01T01:00 (heat: pandapipes" in text
    assert "2030-01-01T01:00..2030-01-01T03:00 (3 h, heat: pandapipes" in text
    assert "no cube written" in text and not (tmp_path / "never.nc").exists()


def test_the_cli_reports_a_failed_run_in_one_message_and_exits_1(tmp_path, write_config):
    import subprocess
    import sys

    from conftest import ROOT

    raw = schutterwald_raw()
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [1e-6, 1e-6]))
    raw["demand"]["min_load_fraction"] = 0.0
    out = tmp_path / "never.nc"
    proc = subprocess.run([sys.executable, "-m", "simulator", "run", str(write_config(raw)),
                           "--hours", "2", "--output", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "the first 2030-01-01T00:00 (heat: pandapipes" in proc.stderr
    assert "2/2 h (100 %)" in proc.stderr and "2 failed so far" in proc.stderr
    assert not out.exists()


def test_a_cube_with_failed_hours_names_them(tmp_path, write_config):
    raw = schutterwald_raw()
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [0.05, 1e-6, 0.05]))
    raw["demand"]["min_load_fraction"] = 0.0
    raw["solver"] = {"max_failed_share": 1.0}
    with open_results(run(write_config(raw), hours=3, output=tmp_path / "f.nc")) as ds:
        assert ds.attrs["failed_hours"].startswith("1 failed hour(s), the first 2030-01-01T01:00")


def test_the_summary_of_an_all_failed_run_tells_demand_from_delivery(tmp_path, write_config):
    """Issue 24: demand over every hour, 'not solved: N h holding X MWh', never '0 h unserved'."""
    from simulator.output.summary import format_summary, summarize

    raw = schutterwald_raw()
    raw["demand"]["profiles"] = str(_profiles(tmp_path, raw, [1e-6, 1e-6]))
    raw["demand"]["min_load_fraction"] = 0.0
    raw["solver"] = {"max_failed_share": 1.0}
    with open_results(run(write_config(raw), hours=2, output=tmp_path / "f.nc")) as ds:
        figures = summarize(ds)
        demand = float(ds.consumer_demand_mw.sum())
    assert figures["hours_converged"] == 0 and figures["hours_not_solved"] == 2
    assert figures["heat_demand_mwh"] == pytest.approx(demand) and demand > 0
    assert figures["demand_not_solved_mwh"] == pytest.approx(demand)
    text = format_summary(figures, "all failed")
    row = next(line for line in text.splitlines() if line.startswith("heat demand"))
    assert "n/a" not in row
    assert any(line.startswith("not solved (delivery unknown)") and " 2 h" in line
               for line in text.splitlines())
    assert "hours with unserved heat (solved hours)" in text
