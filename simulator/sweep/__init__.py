"""The sweep room: one base scenario run many times with some keys changed, on Dask.

* ``spec.py``: the sweep file, its cases, and their validation before anything runs;
* ``executors.py``: serial, Dask LocalCluster and dask-jobqueue executors (imports Dask);
* ``manifest.py``: ``manifest.json`` and the cubes a resumed sweep keeps;
* ``owner.py``: which sweep a folder belongs to (others are refused), its dropped cases;
* ``progress.py``: the progress line;
* ``runner.py``: :func:`run_sweep`, which ties them together.

Import :func:`simulator.sweep.runner.run_sweep`; this package imports nothing on its own, so
that loading the CLI does not load Dask.
"""
