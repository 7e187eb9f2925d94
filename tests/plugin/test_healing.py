"""Around each test that needs DAOS the plugin heals a cluster a fault drill left degraded,
or fails the test with the run state's one-line message (no traceback), without Docker."""

from __future__ import annotations

#: A fixture that needs DAOS and leaves the run a cluster handle a drill left degraded; it
#: heals when HEALS says so.
DEGRADED_CONFTEST = """
import pytest
from pytest_daos import factories
from pytest_daos.client.drills import DrillError
from pytest_daos.runstate import run_state

HEALS = {heals}


class Degraded:
    nodes = ()
    needs_healing = True

    def heal(self):
        print("HEALING")
        if not HEALS:
            raise DrillError("the cluster could not be healed after a fault drill: rank 1 stopped")
        self.needs_healing = False


def _drill(request):
    run_state(request.config).cluster = Degraded()
    yield
    print("TORN DOWN")
    run_state(request.config).cluster = None


setattr(_drill, factories.MARK, True)
drill = pytest.fixture(name="drill")(_drill)
"""

TESTS = """
def test_leaves_it_degraded(drill):
    pass


def test_plain():
    pass
"""


def test_a_degraded_cluster_is_healed_after_the_test(pytester, nowhere):
    pytester.makeconftest(DEGRADED_CONFTEST.format(heals=True))
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-s", "--daos-iface=lo")
    result.assert_outcomes(passed=2)
    assert result.stdout.str().count("HEALING") == 1
    result.stdout.fnmatch_lines(["*HEALING*", "*TORN DOWN*"])  # before the fixture's teardown


def test_a_cluster_that_stays_degraded_fails_the_test_after_its_fixtures(pytester, nowhere):
    pytester.makeconftest(DEGRADED_CONFTEST.format(heals=False))
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-s", "--daos-iface=lo")
    result.assert_outcomes(passed=2, errors=1)  # the next test runs as usual
    result.stdout.fnmatch_lines(["*HEALING*", "*TORN DOWN*"])
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_leaves_it_degraded*",
        "*pytest-daos: a fault drill left the cluster degraded: the cluster could not be healed "
        "after a fault drill: rank 1 stopped",
    ])  # fmt: skip
    assert "Traceback" not in result.stdout.str()
