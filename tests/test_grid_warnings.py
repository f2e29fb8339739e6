"""Grid checks refuse only what cannot be solved (issue 24): pandapower's own ``case118``
ships four transformers with a negative ``i0_percent``; that is a warning, and it runs."""

from __future__ import annotations

from pathlib import Path

import pandapipes
import pandapower
import pandapower.networks as pn
import pytest
import yaml

from simulator.api import run, validate
from simulator.grid.checks import network_problems, network_warnings
from simulator.output.cube import open_results

from networks_factory import build_heat_net, scenario

UNITS = [{"name": "gas_main", "type": "boiler", "heat_mw": 8.0, "fuel": "natural_gas",
          "efficiency": 0.95}]


def case118_sgen() -> pandapower.pandapowerNet:
    """case118 with its generators as fixed injections (sgen) at their solved powers and its
    shunts as fixed loads; the four negative-``i0_percent`` transformers kept as shipped."""
    net = pn.case118()
    pandapower.runpp(net)
    for i, g in net.gen.iterrows():
        pandapower.create_sgen(net, g.bus, p_mw=net.res_gen.at[i, "p_mw"],
                               q_mvar=net.res_gen.at[i, "q_mvar"], name=f"gen_{i}")
    for i, sh in net.shunt.iterrows():
        pandapower.create_load(net, sh.bus, p_mw=net.res_shunt.at[i, "p_mw"],
                               q_mvar=net.res_shunt.at[i, "q_mvar"], name=f"shunt_{i}")
    net.gen = net.gen.iloc[0:0]
    net.shunt = net.shunt.iloc[0:0]
    net.bus["name"] = [f"Bus {i}" for i in net.bus.index]
    return net


def test_a_negative_i0_percent_is_a_warning_not_a_problem() -> None:
    net = pn.case118()
    assert (net.trafo["i0_percent"] < 0).sum() == 4
    assert not [p for p in network_problems(net) if "i0_percent" in p]
    warned = network_warnings(net)
    assert len(warned) == 4 and all("i0_percent" in w for w in warned)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("case118")
    folder = root / "district"
    folder.mkdir()
    pandapipes.to_json(build_heat_net(), str(folder / "heat.json"))
    pandapower.to_json(case118_sgen(), str(folder / "electric.json"))
    raw = scenario(UNITS, name="case118")
    raw["pumps"][0]["bus"] = "Bus 10"
    path = root / "case118.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_case118_validates_with_warnings(config: Path) -> None:
    warned: list[str] = []
    validate(config, warnings=warned)
    assert len(warned) == 4 and all("i0_percent" in w and "electric.json" in w
                                    for w in warned)


def test_case118_runs_a_day_and_records_the_warnings(config: Path) -> None:
    path = run(config, hours=24, output=config.parent / "case118.nc")
    with open_results(path) as ds:
        assert float(ds["converged"].min()) == 1.0
        assert ds.attrs["input_warnings"].count("i0_percent") == 4
