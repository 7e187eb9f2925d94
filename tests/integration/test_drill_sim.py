"""The example fault drill (examples/tests/test_drill.py) on the sim recipe with two
engines: the same drill as the real tier's, in seconds; afterwards every rank is joined and
the drill's pool healthy; on one engine the drill is skipped with its reason. Its time is
measured by benchmarks, never asserted here."""

from __future__ import annotations

from pathlib import Path

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
    assert health.rebuild_state == "done" and health.rebuild_status == 0
    assert not daos_cluster.needs_healing
"""


def args(base_image: str, *more: str) -> tuple[str, ...]:
    return ("-p", "no:cacheprovider", "--daos-recipe=sim",
            f"--daos-sim-base-image={base_image}", *more)  # fmt: skip


def test_the_example_drill_on_two_sim_engines(pytester, base_image, leaves_nothing_behind):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_drill=DRILL.read_text(), test_zz_after=AFTER)
    result = pytester.runpytest_subprocess(*args(base_image, "--daos-engines=2"), timeout=600)
    result.assert_outcomes(passed=2)


def test_the_drill_is_skipped_on_one_engine(pytester, base_image, leaves_nothing_behind):
    pytester.makepyfile(test_drill=DRILL.read_text())
    result = pytester.runpytest_subprocess(*args(base_image), "-rs", timeout=600)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([
        "*a fault drill needs 2 ranks at least and the cluster has 1: run with --daos-engines=2*"
    ])  # fmt: skip
