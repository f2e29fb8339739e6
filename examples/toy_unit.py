"""A toy unit type: a condensing gas boiler whose efficiency falls as the supply gets hotter.

A new unit type is this one module and one registration (:func:`register_unit_type`): the
scenario model (a pydantic model on :class:`simulator.config.UnitConfig`), the unit the books
ask (a :class:`simulator.supply.producers.SupplyUnit` that overrides what differs) and the
function that builds one from a scenario entry. Once this module is imported, a scenario may
list::

    - {name: condensing, type: condensing_boiler, heat_mw: 2.5, fuel: natural_gas}

and ``simulator.run`` validates, dispatches, books and records it like any built-in unit.

    python examples/toy_unit.py --hours 24

runs Schutterwald with one in place of its wood-chip and electric boilers, beside the heat
pump, and prints the period figures.
(Inside the package, where pydantic stays in the config room, the model goes to
``simulator/config/units.py`` and the rest to ``simulator/supply/``.)
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import yaml
from pydantic import Field

from simulator.config import UnitConfig
from simulator.constants import C_TO_K
from simulator.supply.producers import SupplyUnit
from simulator.supply.units import register_unit_type

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "schutterwald.yaml"


class CondensingBoilerUnit(UnitConfig):
    """A gas boiler that condenses its flue gas: above 100 % of the fuel's lower heating value
    at a 50 °C supply, ``efficiency_loss_per_k`` less per kelvin hotter."""

    can_boost: ClassVar[bool] = True  # it may lift a heat pump's outlet, as a boiler does

    type: Literal["condensing_boiler"]
    fuel: str
    efficiency_at_50c: float = Field(1.03, gt=0.5, le=1.1)
    efficiency_loss_per_k: float = Field(0.002, ge=0.0, le=0.02)


@dataclass(frozen=True)
class CondensingBoiler(SupplyUnit):
    """The books' view: fuel per heat from the supply (sink) temperature (K)."""

    efficiency_at_50c: float = 1.03
    efficiency_loss_per_k: float = 0.002

    def efficiency_at_k(self, t_sink_k: float) -> float:
        """Heat per fuel (LHV, 1) at a supply of ``t_sink_k``."""
        hotter_k = max(t_sink_k - (50.0 + C_TO_K), 0.0)
        return self.efficiency_at_50c - self.efficiency_loss_per_k * hotter_k

    def fuel_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return 1.0 / self.efficiency_at_k(t_sink_k)

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return 0.0


def build(spec: CondensingBoilerUnit, common: dict) -> CondensingBoiler:
    """The unit of a validated entry (``common``: the fields every unit has)."""
    return CondensingBoiler(**common, fuel=spec.fuel, bus=None,
                            efficiency_at_50c=spec.efficiency_at_50c,
                            efficiency_loss_per_k=spec.efficiency_loss_per_k)


register_unit_type(CondensingBoilerUnit, build, default_min_load=0.15)  # burner turndown 1:6


def scenario_with_condensing_boiler(out_dir: Path) -> Path:
    """Schutterwald with a condensing gas boiler in place of its wood-chip and electric boilers
    (a YAML file in ``out_dir``)."""
    raw = yaml.safe_load(SCENARIO.read_text())
    raw["units"] = [raw["units"][0], {"name": "condensing", "type": "condensing_boiler",
                                      "heat_mw": 2.5, "fuel": "natural_gas"}]
    raw["district"] = str((SCENARIO.parent / raw["district"]).resolve())
    raw["weather"]["file"] = str((SCENARIO.parent / raw["weather"]["file"]).resolve())
    path = out_dir / "schutterwald_condensing.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def main(argv: list[str] | None = None) -> Path:
    import simulator
    from simulator.output.summary import format_summary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "toy_unit.nc")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cube = simulator.run(scenario_with_condensing_boiler(Path(tmp)), hours=args.hours,
                             output=args.output)
    figures = simulator.summarize(simulator.open_results(cube))
    print(format_summary(figures, f"Schutterwald with a condensing boiler, {args.hours} h"))
    return cube


if __name__ == "__main__":
    main()
