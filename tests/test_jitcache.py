"""The numba cache of the solvers (simulator/jitcache.py) and the thread pinning
(simulator/threads.py). That fresh processes load the real pandapipes/pandapower code from the
cache instead of compiling it is checked on a real sweep (tests/test_sweep.py: every worker's
``compile_s`` is 0)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numba
import numba.core.config
import pytest
from numba.core.caching import FunctionCache, NullCache
from numba.core.decorators import jit as numba_jit

from simulator import jitcache
from simulator.threads import THREAD_VARIABLES, pin_threads

from conftest import ROOT


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    """numba's cache directory in tmp_path for this test (numba re-reads it on demand)."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    numba.core.config.reload_config()
    yield tmp_path
    monkeypatch.undo()
    numba.core.config.reload_config()


def _function(module: str, source: str = "def f(x):\n    return x + 1\n"):
    namespace: dict = {}
    exec(compile(source, str(ROOT / "tests" / "test_jitcache.py"), "exec"), namespace)
    func = namespace["f"]
    func.__module__ = module
    return func


def test_functions_of_the_solver_packages_get_a_cache_others_as_asked(cache_in):
    caching = jitcache._caching(numba_jit)
    ours = caching((numba.int64(numba.int64)), nopython=True, cache=False)(
        _function("pandapipes.pf.fake"))  # an eager signature, as pandapipes writes them
    assert isinstance(ours._cache, FunctionCache) and ours(41) == 42
    assert list(cache_in.rglob("*.nbi")), "the eager compile was written to the cache"
    bare = caching(_function("pandapower.build_bus"))  # @jit without arguments
    assert isinstance(bare._cache, FunctionCache) and bare(1) == 2
    theirs = caching(nopython=True)(_function("somebody.else"))
    assert isinstance(theirs._cache, NullCache) and theirs(1) == 2


def test_a_function_numba_cannot_cache_is_compiled_without_a_cache(cache_in):
    caching = jitcache._caching(numba_jit)
    namespace: dict = {}
    exec("def f(x):\n    return x * 2\n", namespace)  # no source file: no cache location
    func = namespace["f"]
    func.__module__ = "pandapower.generated"
    compiled = caching(nopython=True)(func)
    assert isinstance(compiled._cache, NullCache) and compiled(21) == 42


def test_the_switch_turns_it_off(cache_in, monkeypatch):
    monkeypatch.setenv(jitcache.SWITCH, "0")
    caching = jitcache._caching(numba_jit)
    assert isinstance(caching(nopython=True)(_function("pandapipes.x"))._cache, NullCache)
    assert not jitcache.enabled() and not jitcache.install()


def test_pin_threads_sets_one_thread_unless_the_user_chose():
    env = {"PATH": "/bin"}
    assert pin_threads(env) == dict.fromkeys(THREAD_VARIABLES, "1")
    assert all(env[name] == "1" for name in THREAD_VARIABLES)
    user = {"OMP_NUM_THREADS": "4"}
    assert pin_threads(user) == {"OMP_NUM_THREADS": "4"} and user == {"OMP_NUM_THREADS": "4"}


CLI_PROBE = """
import json, os, sys
from simulator.cli import main
before = sorted(m for m in ("numpy", "scipy", "numba") if m in sys.modules)
code = main(["summary", sys.argv[1]])  # loads numpy and xarray, then finds no cube: exit 2
print(json.dumps({"before": before, "code": code, "numpy": "numpy" in sys.modules,
                  "env": {k: os.environ.get(k) for k in sys.argv[2:]}}))
"""


@pytest.mark.parametrize("user", [{}, {"OPENBLAS_NUM_THREADS": "3"}])
def test_the_cli_pins_the_threads_before_numpy_loads(user):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(PYTHONPATH=str(ROOT), **user)
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, "missing.nc", *THREAD_VARIABLES],
                          capture_output=True, text=True, env=env, check=True)
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["before"] == [] and probe["numpy"] and probe["code"] == 2
    expected = user or dict.fromkeys(THREAD_VARIABLES, "1")
    assert probe["env"] == {k: expected.get(k) for k in THREAD_VARIABLES}


def test_sweep_workers_get_one_thread_and_the_client_s_numba_cache():
    from dask.distributed import Client

    from simulator.sweep.executors import local_cluster

    def seen() -> dict[str, object]:
        return {"env": {k: os.environ.get(k) for k in (*THREAD_VARIABLES, "NUMBA_CACHE_DIR")},
                "preloaded": "simulator.api" in sys.modules and "pandapower" in sys.modules}

    with local_cluster(1, {}, Path("x.yaml")) as cluster, Client(cluster) as client:
        (worker,) = client.run(seen).values()
    expected = pin_threads(dict(os.environ))  # the user's choice, else one thread each
    assert {k: worker["env"][k] for k in expected} == expected
    where = jitcache.cache_dir()
    assert worker["env"]["NUMBA_CACHE_DIR"] == (None if where is None else str(where.resolve()))
    assert worker["preloaded"]
