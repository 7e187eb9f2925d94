"""The example fault drill (examples/tests/test_drill.py) on the sim recipe with two
engines: the same drill as the real tier's, in seconds; afterwards every rank is joined and
the drill's pool healthy; on one engine the drill is skipped with its reason. Its time is
measured by benchmarks, never asserted here."""

from __future__ import annotations

from drill_suite import DRILL, make_suite
from engines_suite import ENGINES_SUITE, FIXTURE_SUITE


def test_the_example_drill_on_two_sim_engines(pytester, run_sim, leaves_nothing_behind):
    make_suite(pytester)
    result = run_sim("--daos-engines=2", "--daos-sim-join-delay=0.2")
    result.assert_outcomes(passed=2)


def test_the_drill_is_skipped_on_one_engine(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_drill=DRILL.read_text())
    result = run_sim("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([
        "*a fault drill needs 2 ranks at least and the cluster has 1: run with --daos-engines=2*"
    ])  # fmt: skip


LEFT_DEGRADED = """
def test_a_drill_that_fails_with_its_rank_down(daos_cluster, daos_drill_pool):
    daos_cluster.stop_rank(daos_drill_pool.fault_rank())
    assert False, "this test fails before it brings its rank back"

def test_the_next_test_finds_the_cluster_healed(daos_cluster):
    assert {member.state for member in daos_cluster.members()} == {"joined"}
    assert not daos_cluster.needs_healing
"""


def test_a_cluster_left_degraded_is_healed_before_the_next_test(
    pytester, run_sim, leaves_nothing_behind
):
    pytester.makepyfile(test_left=LEFT_DEGRADED)
    result = run_sim("--daos-engines=2", "--daos-sim-join-delay=0.2")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*this test fails before it brings its rank back*"])


def test_two_engines_with_the_default_pool_size(pytester, run_sim, leaves_nothing_behind):
    """The sim refuses a pool below 1 GiB of NVMe per target as DAOS does: the default
    pool size follows the engines, so every pool and container fixture works on two."""
    pytester.makepyfile(test_engines=ENGINES_SUITE, test_fixture=FIXTURE_SUITE)
    result = run_sim("--daos-engines=2", "--daos-sim-join-delay=0.2")
    result.assert_outcomes(passed=4)


def test_a_two_engine_fixture_in_a_run_of_one_gets_its_default_pool_size(
    pytester, run_sim, leaves_nothing_behind
):
    pytester.makepyfile(test_fixture=FIXTURE_SUITE)
    result = run_sim("--daos-sim-join-delay=0.2")
    result.assert_outcomes(passed=1)
