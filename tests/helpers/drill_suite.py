"""The example fault drill as a downstream suite, for the tiers that run it (the sim recipe
in tests/integration, real DAOS in tests/real): the example, a conftest whose drill pool
outlives the drill, and a test after it that finds the cluster healed."""

from __future__ import annotations

from pathlib import Path

import pytest

DRILL = Path(__file__).parents[2] / "examples" / "tests" / "test_drill.py"

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
    assert health.rebuild_state == "done" and health.rebuild_status == 0
    assert not daos_cluster.needs_healing
"""


def make_suite(pytester: pytest.Pytester) -> None:
    """The drill and the test after it (which runs second: files run in name order)."""
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_drill=DRILL.read_text(), test_zz_after=AFTER)
