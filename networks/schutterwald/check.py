"""Check ``heat.json`` and ``electric.json`` (the numbers quoted in README.md).

Run as ``python networks/schutterwald/check.py`` after ``build.py``. Heat cases use pandapipes
BIDIR (``mode="bidirectional", max_iter_bidirect=100``) on the file loaded back from JSON.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import pandapipes as pps
import pandapower as ppw

HERE = Path(__file__).resolve().parent
# (share of nominal qext_w, supply °C, ground °C)
HEAT_CASES = ((1.0, 90.0, 5.0), (0.30, 80.0, 10.0), (0.17, 75.0, 10.0), (0.08, 70.0, 15.0))


def pipe_losses_w(net: pps.pandapipesNet) -> float:
    """Pipe heat loss (W): sum |mdot| * cp * (T_in - t_outlet_k), T_in on the upstream side."""
    r = net.res_pipe
    m = r.mdot_from_kg_per_s.to_numpy()
    t_in = np.where(m >= 0, r.t_from_k, r.t_to_k)
    t_out = r.t_outlet_k.to_numpy()
    cp = net.fluid.get_heat_capacity((t_in + t_out) / 2.0)
    return float(np.sum(np.abs(m) * cp * (t_in - t_out)))


def heat_case(share: float, t_supply_c: float, t_ground_c: float) -> None:
    """Run one BIDIR case and print plant/consumer/loss balance (kW), temperatures, pressures."""
    net = pps.from_json(str(HERE / "heat.json"))
    net.heat_consumer["qext_w"] *= share
    net.circ_pump_pressure["t_flow_k"] = t_supply_c + 273.15
    net.pipe["text_k"] = t_ground_c + 273.15
    pps.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    plant = float(net.res_circ_pump_pressure.qext_w.sum())
    cons = float(net.res_heat_consumer.qext_w.sum())
    loss = pipe_losses_w(net)
    hc = net.res_heat_consumer
    dp = hc.p_from_bar - hc.p_to_bar
    names = net.heat_consumer.name
    print(
        f"{share:.0%} load, supply {t_supply_c:.0f} C, ground {t_ground_c:.0f} C: "
        f"converged={net.converged}\n"
        f"  plant {plant / 1e3:.1f} kW, consumers {cons / 1e3:.1f} kW, losses {loss / 1e3:.1f} kW "
        f"({loss / cons:.2%} of consumer heat), closure {(plant - cons - loss) / plant:+.4%}\n"
        f"  min consumer T_in {hc.t_from_k.min() - 273.15:.2f} C ({names[hc.t_from_k.idxmin()]}), "
        f"worst dp {dp.min():.3f} bar ({names[dp.idxmin()]}), "
        f"v_max {net.res_pipe.v_mean_m_per_s.abs().max():.3f} m/s, "
        f"p_junction {net.res_junction.p_bar.min():.3f}..{net.res_junction.p_bar.max():.3f} bar"
    )


def electric_case(p_extra_mw: float = 1.5, cos_phi: float = 1.0) -> None:
    """Power flow with an extra load at ``plant_lv`` (MW); print trafo loading and min vm_pu."""
    net = ppw.from_json(str(HERE / "electric.json"))
    bus = int(net.bus.index[net.bus.name == "plant_lv"][0])
    q = p_extra_mw * math.tan(math.acos(cos_phi))
    ppw.create_load(net, bus, p_mw=p_extra_mw, q_mvar=q, name="check_plant_load")
    ppw.runpp(net)
    trafo = int(net.trafo.index[net.trafo.name == "plant_trafo"][0])
    vm = net.res_bus.vm_pu
    print(
        f"electric +{p_extra_mw} MW at plant_lv (cos phi {cos_phi}): converged={net.converged}, "
        f"plant_trafo {net.res_trafo.loading_percent[trafo]:.1f} %, "
        f"min vm_pu {vm.min():.4f} ({net.bus.name[vm.idxmin()]}), "
        f"max line loading {net.res_line.loading_percent.max():.1f} %"
    )


def main() -> None:
    """Run all checks."""
    warnings.filterwarnings("ignore")
    logging.getLogger("pandapipes").setLevel(logging.ERROR)
    for case in HEAT_CASES:
        heat_case(*case)
    electric_case(1.5, 1.0)
    electric_case(1.5, 0.95)


if __name__ == "__main__":
    main()
