"""The downstream test files the benchmark generates, and the conftest that records them.

Every generated folder gets `conftest.py` (`RECORDER`): it records each test's setup, call
and teardown (`report.duration`, `report.start`, `report.stop` and the properties a test
records) and the moment `pytest_sessionfinish` starts, into the JSON file named by the
environment variable `BENCH_RECORD`. Under pytest-xdist only the controller writes it (it
receives every worker's reports). It also makes a function-scoped pool factory, so a test
can own a pool that is destroyed right after it.
"""

from __future__ import annotations

from pathlib import Path

RECORD_ENV = "BENCH_RECORD"

RECORDER = f'''"""Records every test's phases for the pytest-daos benchmark."""

import json
import os
import time

import pytest

from pytest_daos import factories

pools_per_test = factories.daos_pool_factory(scope="function")

_REPORTS = []


def pytest_runtest_logreport(report):
    _REPORTS.append({{
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": report.outcome,
        "duration": report.duration,
        "start": report.start,
        "stop": report.stop,
        "properties": {{name: value for name, value in report.user_properties}},
    }})


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):
        return
    path = os.environ.get("{RECORD_ENV}")
    if path:
        with open(path, "w") as handle:
            json.dump({{"sessionfinish": time.time(), "reports": _REPORTS}}, handle)
'''

#: The first test of a session: the session pool and one container, as most suites begin.
FIRST = """
def test_first(daos_container):
    assert daos_container.uuid
"""

ATTACH = """
def test_attach(daos_cluster):
    assert daos_cluster.version
"""

POOL = """
def test_pool(daos_pool):
    assert daos_pool.uuid
"""


def containers(count: int) -> str:
    """`count` tests, each with a fresh container of the session pool."""
    return f"""
import pytest


@pytest.mark.parametrize("n", range({count}))
def test_container(daos_container, n):
    assert daos_container.uuid
"""


#: Seconds of a test's own work (a sleep) in the `container_work` kind: the time the
#: plugin's background threads get to make the next test's container.
WORK_S = 0.5


def kinds(per_kind: int, pool_size: str, fresh_marker: str | None) -> str:
    """One session of per-test costs: a first test (the session pool), then `per_kind`
    tests of each kind: a container, one with a synchronous container (when the plugin
    has a marker for it), a pool of `pool_size` per test, ten `exec(["true"])`, a dfuse
    mount, and a container whose test works for WORK_S seconds."""
    fresh = ""
    if fresh_marker:
        fresh = f"""

@pytest.mark.{fresh_marker}
@pytest.mark.parametrize("n", range(N))
def test_container_fresh(daos_container, n):
    assert daos_container.uuid
"""
    return f'''
import time

import pytest

N = {per_kind}

{FIRST.strip()}
{fresh}

@pytest.mark.parametrize("n", range(N))
def test_pool_per_test(pools_per_test, record_property, n):
    started = time.perf_counter()
    pool = pools_per_test(size="{pool_size}")
    record_property("create_s", time.perf_counter() - started)
    assert pool.uuid


@pytest.mark.parametrize("n", range(N))
def test_exec(daos_cluster, record_property, n):
    seconds = []
    for _ in range(10):
        started = time.perf_counter()
        daos_cluster.client.exec(["true"])
        seconds.append(time.perf_counter() - started)
    record_property("exec_s", seconds)


@pytest.mark.parametrize("n", range(N))
def test_container(daos_container, n):
    assert daos_container.uuid


@pytest.mark.parametrize("n", range(N))
def test_container_work(daos_container, n):
    assert daos_container.uuid
    time.sleep({WORK_S})


@pytest.mark.parametrize("n", range(N))
def test_mount(daos_container, record_property, n):
    started = time.perf_counter()
    daos_container.mount()
    record_property("mount_s", time.perf_counter() - started)
'''


def write(folder: Path, tests: str) -> Path:
    """A fresh folder with the recorder conftest, an ini file that makes it the rootdir,
    and `test_bench.py` holding `tests`."""
    folder.mkdir(parents=True, exist_ok=False)
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(RECORDER)
    (folder / "test_bench.py").write_text(tests.lstrip())
    return folder
