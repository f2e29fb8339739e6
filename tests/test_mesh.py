"""Meshed heat networks on the fast path (issue 13): loops, flow reversals, pipe sections,
flow controllers, several supply temperatures; each hour against the plain path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapipes
import pytest

from simulator.heat import HeatInputs, HeatNetwork
from simulator.heat.pit import PitLayout

from conftest import ROOT
from networks_factory import T_GROUND_K, T_RETURN_K, build_heat_net

RINGTOWN = ROOT / "configs" / "ringtown.yaml"


def meshed_net(sections: int = 1) -> pandapipes.pandapipesNet:
    """The test district's trunk closed into loops: a cross main s1 -> s5 (and its return),
    and a long tie s3 -> s8 in ``sections`` sections, so that the fixed-flow plant at the far
    end can push water back through the loops."""
    net = build_heat_net()
    j = dict(zip(net.junction["name"], net.junction.index, strict=True))
    for (a, b), km, name in ((("1", "5"), 0.5, "cross"), (("3", "8"), 1.2, "tie")):
        for side, f, t in (("s", f"s{a}", f"s{b}"), ("r", f"r{b}", f"r{a}")):
            pandapipes.create_pipe(net, j[f], j[t], std_type="ISOPLUS_DRE100_STD",
                                   length_km=km, text_k=T_GROUND_K, name=f"{name}_{side}",
                                   sections=sections if name == "tie" else 1)
    return net


def hour(net: pandapipes.pandapipesNet, load: float, fixed_w: float, t_supply_k: object,
         t_ground_k: float = T_GROUND_K, **slack: float) -> HeatInputs:
    return HeatInputs(consumer_q_w=net.heat_consumer["qext_w"].to_numpy() * load,
                      t_supply_k=t_supply_k, t_return_k=T_RETURN_K, t_ground_k=t_ground_k,
                      fixed_plant_q_w=np.array([fixed_w]), **slack)


def assert_same(a, b) -> None:
    assert a.converged and b.converged
    np.testing.assert_allclose(a.junction_t_k, b.junction_t_k, atol=0.01)
    np.testing.assert_allclose(a.junction_p_bar, b.junction_p_bar, atol=0.01)
    scale = np.abs(b.pipe_mdot_kg_per_s).max()
    np.testing.assert_allclose(a.pipe_mdot_kg_per_s, b.pipe_mdot_kg_per_s, atol=1e-4 * scale)
    np.testing.assert_allclose(a.plant_q_w, b.plant_q_w, rtol=1e-4, atol=1.0)


def test_layout_finds_the_loops_of_a_meshed_network():
    net = meshed_net(sections=3)
    pandapipes.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    layout = PitLayout.build(net)
    assert isinstance(layout, PitLayout), layout
    assert layout.meshed and len(layout.chords) == 4  # two loops, supply and return side
    # every fundamental cycle closes: it starts with its chord and its signs are +-1
    for c in range(len(layout.chords)):
        branches = layout.cyc_branch[layout.cyc_ptr[c]:layout.cyc_ptr[c + 1]]
        assert branches[0] == layout.chords[c] and len(branches) >= 3
    # a pipe in three sections: three branch rows, its ends at its junctions
    tie = list(net.pipe["name"]).index("tie_s")
    assert layout.pipe_last[tie] - layout.pipe_first[tie] == 2


def test_a_loop_whose_flow_reverses_between_two_hours_stays_on_the_fast_path():
    """Hour 1: the far plant is off, the main plant feeds everything through both loops.
    Hour 2: the far plant feeds 2.5 MW and pushes water back through the cross main."""
    hours = [hour(meshed_net(), 0.6, 0.0, 363.15), hour(meshed_net(), 0.6, 0.0, 360.0),
             hour(meshed_net(), 0.8, 2.5e6, 363.15),
             # the operator raises the pressure-holding plant's lift and held pressure
             hour(meshed_net(), 0.7, 2.5e6, 358.0, slack_plift_bar=4.2, slack_hold_p_bar=3.4)]
    fast, plain = HeatNetwork(meshed_net(), fast=True), HeatNetwork(meshed_net(), fast=False)
    paths, states = [], []
    for h in hours:
        states.append(fast.step(h))
        paths.append(fast.last_path)
    for a, h in zip(states, hours, strict=True):
        assert_same(a, plain.step(h))
    cross = fast.pipe_names.index("cross_s")
    flows = [s.pipe_mdot_kg_per_s[cross] for s in states]
    assert flows[1] * flows[3] < 0, flows  # the cross main's flow reversed
    assert states[3].plant_plift_bar[0] == pytest.approx(4.2)
    assert paths[1:] == ["fast"] * 3, paths
    assert [s.iterations for s in states[1:]] == [1.0, 1.0, 1.0]
    assert fast.fast_status == ""


def test_multi_section_pipes_on_the_fast_path():
    fast, plain = HeatNetwork(meshed_net(4), fast=True), HeatNetwork(meshed_net(4), fast=False)
    net = meshed_net(4)
    for load, t_ground in ((0.5, 280.0), (0.9, 276.0), (0.3, 285.0)):
        h = hour(net, load, 1.0e6, 365.0, t_ground)
        a, b = fast.step(h), plain.step(h)
        assert_same(a, b)
        np.testing.assert_allclose(a.pipe_loss_w, b.pipe_loss_w, rtol=1e-4, atol=1.0)
    assert fast.last_path == "fast" and a.iterations == 1.0
    assert abs(a.balance_error()) < 1e-3


def test_each_plant_feeds_its_own_supply_temperature_and_the_network_mixes_them():
    net = meshed_net()
    fast, plain = HeatNetwork(meshed_net(), fast=True), HeatNetwork(meshed_net(), fast=False)
    for t_main, t_far in ((383.15, 348.15), (378.15, 349.15)):
        h = hour(net, 0.7, 2.0e6, np.array([t_main, t_far]))
        a, b = fast.step(h), plain.step(h)
        assert_same(a, b)
    np.testing.assert_allclose(a.plant_t_supply_k, [378.15, 349.15], atol=1e-6)
    # consumers between the plants get water mixed from both
    assert a.consumer_t_supply_k.min() < 370.0 < a.consumer_t_supply_k.max()
    assert abs(a.balance_error()) < 1e-3 and fast.last_path == "fast"


def test_active_flow_controller_is_a_forced_branch():
    def build() -> pandapipes.pandapipesNet:
        net = meshed_net()
        j = dict(zip(net.junction["name"], net.junction.index, strict=True))
        mid = pandapipes.create_junction(net, pn_bar=6.0, tfluid_k=363.15, name="fc_mid")
        pandapipes.create_flow_control(net, j["s2"], mid, controlled_mdot_kg_per_s=1.5,
                                       diameter_m=0.1, control_active=True, name="fc")
        pandapipes.create_pipe(net, mid, j["s6"], std_type="ISOPLUS_DRE80_STD",
                               length_km=0.4, text_k=T_GROUND_K, name="fc_pipe")
        return net

    fast, plain = HeatNetwork(build(), fast=True), HeatNetwork(build(), fast=False)
    for load in (0.6, 0.8):
        h = hour(build(), load, 0.0, 363.15)
        assert_same(fast.step(h), plain.step(h))
    assert fast.last_path == "fast", fast.last_path


def test_ringtown_two_plants_at_different_supply_temperatures(tmp_path):
    """The shipped meshed district, a short run: every hour converged, the heat balance within
    0.1 %, the heat-pump plant at its own (lower) supply temperature, the fast paths used."""
    import simulator

    path = simulator.run(RINGTOWN, hours=12, output=tmp_path / "ringtown.nc")
    _check_ringtown(path, 12)


def _check_ringtown(path: Path, hours: int) -> None:
    from simulator import open_results

    with open_results(path) as ds:
        assert int(ds.converged.sum()) == hours
        supplied = ds.heat_supplied_mw.values
        balance = (supplied - ds.consumer_heat_mw.sum("consumer").values
                   - ds.heat_loss_mw.values) / supplied
        assert np.abs(balance).max() < 1e-3
        t = ds.plant_t_supply_k
        hp = t.sel(plant="heat_pump_plant").values
        boiler = t.sel(plant="boiler_plant").values
        running = ds.plant_heat_mw.sel(plant="heat_pump_plant").values > 0
        assert running.any()
        # the heat-pump plant at its own curve (75 °C at -26 °C, 72 °C at +10 °C), the boiler
        # plant at the scenario's (105 -> 72 °C)
        assert np.all(hp[running] <= 75.0 + 273.15 + 1e-6)
        assert np.all(boiler[running] - hp[running] > 3.0)
        # the bar: the fast path in at least 99 % of hours, and every other hour says why
        assert ds.attrs["solver_heat_fast_hours"] >= min(0.99 * hours, hours - 1)
        plain = ds.attrs["solver_heat_plain_hours"]
        assert plain == 0 or "h (" in ds.attrs["solver_fast_path"].split(";")[0]
        # the grid's plain hours: setting the fast path up, then a runpp check every 168 h
        assert ds.attrs["solver_grid_fast_hours"] >= hours - 1 - hours // 168
        assert "heat: fast" in ds.attrs["solver_fast_path"]


@pytest.mark.slow
def test_ringtown_year(tmp_path):
    import simulator

    path = simulator.run(RINGTOWN, output=tmp_path / "ringtown.nc")
    with simulator.open_results(path) as ds:
        hours = int(ds.sizes["time"])
        assert ds.attrs["solver_heat_fast_hours"] >= 0.99 * hours
    _check_ringtown(path, hours)


def test_a_supply_curve_for_an_unknown_plant_is_refused(tmp_path):
    import yaml

    import simulator
    from simulator.config import ConfigError, read_yaml

    raw = read_yaml(RINGTOWN)
    raw["district"] = str(ROOT / "networks" / "ringtown")
    raw["weather"]["file"] = str(ROOT / "networks" / "weather" / "helsinki_t_air_2018_2024.csv")
    raw["supply_temperature"]["plants"]["nowhere"] = {"curve_c": [[0, 80]]}
    raw["supply_temperature"]["plants"]["boiler_plant"] = {"curve_c": [[0, 48]]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        simulator.validate(path)
    text = "\n".join(err.value.problems)
    assert "plants.boiler_plant.curve_c must exceed return_c" in text
    del raw["supply_temperature"]["plants"]["boiler_plant"]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        simulator.validate(path)
    assert f"{path}: supply_temperature.plants.nowhere: " in err.value.problems[0]
