"""The dispatch seam: a policy turns an hour into plans and hears what the physics did.

The coupled step (:mod:`simulator.coupling.step`) calls a policy in this order each hour:

1. ``begin(hour)`` with the hour's :class:`~simulator.dispatch.plan.HourContext`;
2. ``plan(served_mw, loss_mw)`` -> :class:`~simulator.dispatch.plan.Plan`, once per heat solve
   (again with less ``served_mw`` when the network delivered more than the units can make);
3. ``split(plant_heat_mw, solved)`` -> heat per producer and overflow per plant (MW): how each
   plant's solved heat is shared among its units (``solved``: the hour's context at the
   temperatures the network solved, which set heat-pump capacities and booster shares);
4. ``curtail(hour)`` when the grid curtailed electric units: the context holds the reduced
   capacity, and ``plan`` is asked again;
5. ``hear(outcome)`` once the hour is booked (:class:`~simulator.dispatch.plan.HourOutcome`);
6. ``record()``: what the policy adds to the hour's row of the cube (names of
   :data:`simulator.output.cube.VARIABLES`; none by default).

A policy never touches a network or a store's energy: the step executes plans, keeps the books
and records. :class:`RankedPolicy` implements 2-4 for any policy that can *rank* units and
choose store actions; :func:`register_policy` makes a policy available as ``dispatch.policy``.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from simulator.config import ConfigError, Dispatch
from simulator.dispatch.merit import Boost, plan_hour, split_plant_heat
from simulator.dispatch.plan import HourContext, HourOutcome, Plan, cap_plants
from simulator.inputs import HourlyInputs
from simulator.supply.books import UnitTables
from simulator.supply.storage import Storage


@dataclass(frozen=True)
class PolicySetup:
    """What every policy is built from (once per run)."""

    tables: UnitTables  # producer parameters, scenario order
    inputs: HourlyInputs  # every hourly input of the period (a perfect forecast)
    settings: Dispatch  # the scenario's ``dispatch`` block
    store_plant: np.ndarray  # plant index of each store (0 = the pressure-holding plant)
    n_plants: int  # plants, pressure-holding plant first
    stores: tuple[Storage, ...] = field(default=())  # the stores' parameters, scenario order


class DispatchPolicy(ABC):
    """The seam: decides unit heat, store actions and the plant split of every hour."""

    def __init__(self, setup: PolicySetup) -> None:
        self.setup = setup
        self.tables = setup.tables
        self.inputs = setup.inputs
        self.settings = setup.settings

    @abstractmethod
    def begin(self, hour: HourContext) -> None:
        """A new hour starts; remember what it offers."""

    @abstractmethod
    def plan(self, served_mw: float, loss_mw: float) -> Plan:
        """Plan a heat solve serving ``served_mw`` of demand with ``loss_mw`` expected loss."""

    @abstractmethod
    def split(self, plant_heat_mw: np.ndarray, solved: HourContext
              ) -> tuple[np.ndarray, np.ndarray]:
        """(heat per producer, overflow per plant) of the plants' solved producer heat (MW);
        ``solved`` holds capacities and booster shares at the solved temperatures."""

    def curtail(self, hour: HourContext) -> None:
        """The grid curtailed units: ``hour.capacity_mw`` is what is left. Default: re-begin."""
        self.begin(hour)

    def hear(self, outcome: HourOutcome) -> None:  # noqa: B027 - optional hook
        """What the physics did with this hour's plans. Default: nothing to learn."""

    def record(self) -> dict[str, float]:
        """Values of the hour for the cube (variable name -> value). Default: none."""
        return {}


class RankedPolicy(DispatchPolicy):
    """A policy that fills heat into producers in the order :meth:`rank` gives.

    Subclasses implement :meth:`rank` and may implement :meth:`store_heat` (stores idle by
    default). Each plant's solved heat is shared among its units in the same order, each up to
    its capacity, skipping units whose minimum load exceeds what is left.
    """

    def __init__(self, setup: PolicySetup) -> None:
        super().__init__(setup)
        self.min_mw = setup.tables.min_load_fraction * setup.tables.heat_max_mw
        self._hour: HourContext | None = None
        self._order = np.zeros(0, dtype=int)
        self._store_mw = np.zeros(len(setup.store_plant))
        self._planned: np.ndarray | None = None

    @abstractmethod
    def rank(self, hour: HourContext) -> np.ndarray:
        """Producer indices, first to run first."""

    def store_heat(self, hour: HourContext) -> np.ndarray:
        """Net heat of each store (MW, + discharge, - charge) within the hour's limits."""
        return np.zeros(len(self.setup.store_plant))

    def begin(self, hour: HourContext) -> None:
        self._order = self.rank(hour)
        self._hour = self._capped(hour)
        self._store_mw = self.store_heat(self._hour)

    def curtail(self, hour: HourContext) -> None:
        """Keep the ranking; stores re-plan on the reduced capacity (a store must not keep
        charging from a unit the grid has just curtailed), plants within their caps."""
        self._hour = self._capped(hour)
        self._store_mw = self.store_heat(self._hour)

    def _capped(self, hour: HourContext) -> HourContext:
        """The hour with each plant's units within its ``plant_cap_mw``, in this ranking."""
        if hour.plant_cap_mw is None:
            return hour
        return replace(hour, capacity_mw=cap_plants(hour.capacity_mw, self._order,
                                                    self.tables.plant, hour.plant_cap_mw))

    @property
    def hour(self) -> HourContext:
        assert self._hour is not None, "begin() first"
        return self._hour

    @property
    def order(self) -> np.ndarray:
        """This hour's ranking (producer indices)."""
        return self._order

    def boost(self, hour: HourContext) -> Boost:
        """The hour's heat pumps above their outlet limit, with their boosters."""
        return Boost(hour.boost_ratio, self.tables.booster)

    def plan(self, served_mw: float, loss_mw: float) -> Plan:
        plan = plan_hour(served_mw, loss_mw, self.hour.capacity_mw, self._order,
                         self.tables.plant, self.setup.n_plants, self.min_mw, self._store_mw,
                         self.setup.store_plant, self.boost(self.hour))
        self._planned = plan.unit_heat_mw
        return plan

    def split(self, plant_heat_mw: np.ndarray, solved: HourContext
              ) -> tuple[np.ndarray, np.ndarray]:
        """Each plant's solved heat on its units: the plan, followed by the marginal units."""
        return split_plant_heat(plant_heat_mw, solved.capacity_mw, self._order,
                                self.tables.plant, self.min_mw, self.boost(solved),
                                self._planned)


PolicyFactory = Callable[[PolicySetup], DispatchPolicy]
_REGISTRY: dict[str, PolicyFactory] = {}


def register_policy(name: str) -> Callable[[type[DispatchPolicy]], type[DispatchPolicy]]:
    """Class decorator: make a policy available as ``dispatch: {policy: <name>}``."""

    def add(cls: type[DispatchPolicy]) -> type[DispatchPolicy]:
        _REGISTRY[name] = cls
        return cls

    return add


def registered_policies() -> list[str]:
    """Names of the registered policies."""
    return sorted(_REGISTRY)


def policy_factory(name: str, where: str = "dispatch.policy") -> PolicyFactory:
    """The policy registered as ``name``, or one given as ``package.module:ClassName``.

    Raises ConfigError (``where`` names the key) for an unknown or unimportable policy.
    """
    if name in _REGISTRY:
        return _REGISTRY[name]
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as err:
            raise ConfigError([f"{where}: cannot import policy '{name}': {err}"]) from None
        if isinstance(cls, type) and issubclass(cls, DispatchPolicy):
            return cls
        raise ConfigError([f"{where}: '{name}' is not a DispatchPolicy subclass"])
    raise ConfigError([f"{where}: unknown policy '{name}' (registered: "
                       f"{', '.join(registered_policies())}; or give 'module:Class')"])
