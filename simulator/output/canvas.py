"""Matplotlib plumbing shared by the figures: palette, figure and axes, saving (output room).

Figures are drawn on ``matplotlib.figure.Figure`` with an explicit Agg canvas: no pyplot, no
global backend state, no display needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

HOT = mcolors.ListedColormap(colormaps["plasma"](np.linspace(0, 0.85, 256)))  # no pale end
_TAB20 = colormaps["tab20"].colors  # dark, light pairs; red (pair 3) marks unserved heat
PALETTE = tuple(mcolors.to_hex(c) for c in _TAB20[0::2] + _TAB20[1::2] if c not in _TAB20[6:8])
MAX_LABELS = 40  # element names on a heat-map axis or a map; beyond this none
EPS_MW = 1e-9


def save(fig: Figure, out: Path, name: str) -> Path:
    """Write ``fig`` as ``out/name`` (PNG through the Agg canvas); the path."""
    FigureCanvasAgg(fig)
    fig.savefig(out / name, dpi=100)
    return out / name


def new_figure(ds: xr.Dataset, title: str, nrows: int = 1, ncols: int = 1,
         size: tuple[float, float] = (10, 5)) -> tuple[Figure, np.ndarray]:
    """A constrained-layout figure titled ``<scenario>: title``, and its axes (flat)."""
    fig = Figure(figsize=size, layout="constrained")
    fig.suptitle(f"{ds.attrs.get('scenario', 'sweep')}: {title}")
    return fig, fig.subplots(nrows, ncols, squeeze=False).ravel()


def time_axis(ax) -> None:
    loc = AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    ax.set_xlabel("time")
