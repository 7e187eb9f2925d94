"""The example fault drill (examples/tests/test_drill.py) on real DAOS 2.6.5 with two
engines: it passes, and after it every rank is joined and the drill's pool is healthy again;
the run leaves no container, no hugepage file and `vm.nr_hugepages` as it was. One drill
only: on real DAOS it takes minutes (real-2.6/two-engines.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from real_trees import FOUND

DRILL = Path(__file__).parents[2] / "examples" / "tests" / "test_drill.py"

#: the drill's pool outlives the drill, so that a later test can look at it
CONFTEST = """
from pytest_daos import factories

daos_drill_pool = factories.daos_drill_pool(scope="session")
"""

AFTER = """
def test_after_the_drill_every_rank_joined_and_the_pool_healthy(daos_cluster, daos_drill_pool):
    assert daos_cluster.ranks == (0, 1)
    assert {member.state for member in daos_cluster.members()} == {"joined"}
    health = daos_drill_pool.health()
    assert (health.state, health.disabled_targets, health.total_targets) == ("Ready", 0, 2)
    assert health.rebuild_state in ("idle", "done") and health.rebuild_status == 0
    assert not daos_cluster.needs_healing
"""


@pytest.mark.skipif("2.6.5" not in FOUND, reason="needs a DAOS 2.6.5 tree (/opt/daos)")
def test_the_example_drill_on_two_real_engines(pytester, real_args, leaves_nothing_behind):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_drill=DRILL.read_text(), test_zz_after=AFTER)
    result = pytester.runpytest_subprocess(*real_args("2.6.5"), "--daos-engines=2", timeout=1500)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["DAOS 2.6.5, recipe local, *"])
