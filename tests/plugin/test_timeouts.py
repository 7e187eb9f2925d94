"""pytest-timeout's timer (`--timeout`, setup, call and teardown timed together) stands
still while the plugin's fixtures make and destroy what DAOS holds: a test whose pool takes
longer to make and to destroy than its timeout passes, and the test's own time still
counts. The cluster is a stand-in put into the run's state (no Docker)."""

from __future__ import annotations

#: A cluster already running for the run's settings, whose pools take `create` seconds to
#: make and `destroy` seconds to destroy.
CONFTEST = """
import time

import pytest

from pytest_daos.runstate import run_state


class Pool:
    uuid, label = "pool-uuid", "pool"

    def destroy(self):
        time.sleep({destroy})
        print("POOL DESTROYED")


class Cluster:
    nodes = ()
    needs_healing = False

    def create_pool(self, label, size, properties=None, service_ranks=None):
        time.sleep({create})
        return Pool()


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    state = run_state(config)
    state.cluster, state.cluster_settings = Cluster(), state.settings
"""

TESTS = """
import time


def test_own_time(daos_pool):
    time.sleep({sleep})


def test_uses_the_pool(daos_pool):
    assert daos_pool.label == "pool"
"""


def run(pytester, create: float, destroy: float, sleep: float, *args: str):
    pytester.makeconftest(CONFTEST.format(create=create, destroy=destroy))
    pytester.makepyfile(TESTS.format(sleep=sleep))
    return pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "--daos-iface=lo", *args)


def test_making_and_destroying_the_pool_do_not_count(pytester, nowhere):
    result = run(pytester, 0.8, 0.8, 0.1, "--timeout=0.5")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*POOL DESTROYED*"])


def test_the_tests_own_time_still_counts(pytester, nowhere):
    """The timer runs on after the pool's setup with what was left of the timeout."""
    result = run(pytester, 0.8, 0, 1.5, "--timeout=0.5", "--timeout-method=signal")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*def test_own_time*", "*Timeout (>*s) from pytest-timeout*"])


def test_with_the_thread_method_too(pytester, nowhere):
    result = run(pytester, 0.8, 0.8, 0.1, "--timeout=0.5", "--timeout-method=thread")
    result.assert_outcomes(passed=2)
