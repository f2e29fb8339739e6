"""The README and the manual name pandapipes' functions and tables as the installed pandapipes
spells them (issue 24: the README said ``circ_pump_const_mass`` for
``create_circ_pump_const_mass_flow``). The own-network recipe lives in
``docs/howto/own-network.md``, the modelling notes in ``docs/physics/heat-network.md``."""

from __future__ import annotations

import re

import pandapipes

from conftest import ROOT

#: the README and every page of the manual
PAGES = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
         for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]}
TEXT = "\n".join(PAGES.values())
RECIPE_PAGE = "docs/howto/own-network.md"
#: pandapipes-looking names in backticks: ``pandapipes.create_x``, ``create_x``, ``circ_pump_x``
NAME = re.compile(r"`(?:pandapipes\.|pp\.)?((?:create_|circ_pump)\w*)`")


def _tiny_net() -> pandapipes.pandapipesNet:
    """Two junction pairs, a pipe each way, one consumer and both plants (the manual's recipe)."""
    net = pandapipes.create_empty_network(fluid="water")
    s0, s1, r0, r1 = (pandapipes.create_junction(net, pn_bar=5.0, tfluid_k=350.0)
                      for _ in range(4))
    supply = pandapipes.create_pipe_from_parameters(net, s0, s1, length_km=0.1,
                                                    inner_diameter_mm=100.0)
    pandapipes.create_pipe_from_parameters(net, r1, r0, length_km=0.1, inner_diameter_mm=100.0)
    pandapipes.create_valve(net, s1, supply, et="pi", inner_diameter_mm=100.0)
    pandapipes.create_heat_consumer(net, s1, r1, qext_w=1e5, treturn_k=320.0)
    pandapipes.create_circ_pump_const_pressure(net, r0, s0, p_flow_bar=5.0, plift_bar=1.0,
                                               t_flow_k=350.0)
    pandapipes.create_circ_pump_const_mass_flow(net, r0, s0, p_flow_bar=None,
                                                mdot_flow_kg_per_s=1.0, t_flow_k=350.0)
    return net


def test_every_pandapipes_name_the_docs_give_exists() -> None:
    tables = set(_tiny_net().keys())
    names = set(NAME.findall(TEXT))
    assert "create_circ_pump_const_mass_flow" in names
    wrong = sorted(n for n in names if not (hasattr(pandapipes, n) if n.startswith("create_")
                                            else n in tables))
    assert not wrong, f"the docs name pandapipes functions/tables that do not exist: {wrong}"
    modelling = set(NAME.findall(PAGES["docs/physics/heat-network.md"]))
    assert {"create_circ_pump_const_pressure", "create_circ_pump_const_mass_flow"} <= modelling


def test_the_own_network_recipe_creates_its_components() -> None:
    page = PAGES[RECIPE_PAGE]
    start = page.index("**Bring your own")
    recipe = page[start:page.index("\n\n", start)]
    functions = set(re.findall(r"`pandapipes\.(create_\w+)`", recipe))
    assert {"create_heat_consumer", "create_circ_pump_const_pressure",
            "create_circ_pump_const_mass_flow"} <= functions
    net = _tiny_net()
    for table in ("junction", "pipe", "valve", "heat_consumer", "circ_pump_pressure",
                  "circ_pump_mass"):
        assert len(net[table]) >= 1, table
    assert all(hasattr(pandapipes, f) for f in functions)
