"""One cluster shared: pytest-xdist workers, --daos-keep and --daos-reuse, and the start
and the fixtures' setup and teardown kept out of a per-test timeout."""

from __future__ import annotations

import re
import sys

from pool_space import SESSION_POOLS, assert_clear_pool_space_error

SUITE_40 = """
import pathlib
import pytest

@pytest.mark.parametrize("n", range(40))
def test_many(daos_cluster, daos_pool, n, worker_id):
    ids = {node.role: node.transport.name for node in daos_cluster.nodes}
    pathlib.Path(f"seen-{n}.txt").write_text(f"{worker_id} {sorted(ids.items())}")
    assert daos_pool.uuid
"""


def test_xdist_workers_share_one_cluster(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_many=SUITE_40)
    result = run_sim("-n", "4")
    result.assert_outcomes(passed=40)
    seen = [path.read_text().split(" ", 1) for path in pytester.path.glob("seen-*.txt")]
    assert len(seen) == 40
    assert len({workers for workers, _ in seen}) > 1  # the tests really ran on several workers
    assert len({nodes for _, nodes in seen}) == 1  # and all of them saw the same three nodes
    text = result.stdout.str()
    assert "one cluster for all pytest-xdist workers, torn down after the last one" in text
    assert len(re.findall(r"cluster start: ", text)) == 1


def test_workers_whose_session_pools_do_not_fit_get_a_clear_error(
    pytester, run_sim, leaves_nothing_behind
):
    """Four workers, each with a session pool of 2G, on 4 GiB of NVMe (two fit)."""
    pytester.makepyfile(test_pools=SESSION_POOLS)
    result = run_sim("-n", "4", "--daos-bdev-size=4")
    assert_clear_pool_space_error(result, workers=4, bdev_gib=4)


FAST = """
def test_first(daos_pool):
    assert daos_pool.uuid
"""


def test_start_does_not_count_against_a_per_test_timeout(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_fast=FAST)
    result = run_sim("--timeout=1", "--daos-rebuild")
    result.assert_outcomes(passed=1)
    match = re.search(r"cluster start: (\d+\.\d)s", result.stdout.str())
    assert match and float(match.group(1)) > 1  # longer than the test's own time limit


#: Pools made in a test's setup and destroyed in its teardown, one fixture each.
POOLS_CONFTEST = """
from pytest_daos import factories

pool_a = factories.daos_pool(size="1.2G", scope="function")
pool_b = factories.daos_pool(size="1.2G", scope="function")
pool_c = factories.daos_pool(size="1.2G", scope="function")
pool_d = factories.daos_pool(size="1.2G", scope="function")
"""

#: The per-test timeout of that suite: the start and the fixtures' setup and teardown (about
#: 2 s on the sim) each take longer.
POOLS_TIMEOUT = 1.0

POOLS = """
import pytest

@pytest.mark.daos_fresh_container
def test_with_pools(daos_container, pool_a, pool_b, pool_c, pool_d):
    assert len({daos_container.pool.uuid, pool_a.uuid, pool_b.uuid, pool_c.uuid, pool_d.uuid}) == 5
"""


def test_fixture_setup_and_teardown_do_not_count_against_a_per_test_timeout(
    pytester, base_image, leaves_nothing_behind
):
    """pytest-timeout times setup, call and teardown together: the start (longer than the
    timeout), the pools and the container made in the test's setup and destroyed in its
    teardown (together longer than the timeout too) all stay outside it."""
    pytester.makeconftest(POOLS_CONFTEST)
    pytester.makepyfile(test_pools=POOLS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--timeout={POOLS_TIMEOUT:g}", "--timeout-method=signal",
        "--durations=0", "--durations-min=0", "--daos-recipe=sim", "--daos-sim-join-delay=3",
        "--daos-pool-size=1.2G", f"--daos-sim-base-image={base_image}", timeout=600,
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    start = re.search(r"cluster start: (\d+\.\d)s", text)
    assert start and float(start.group(1)) > POOLS_TIMEOUT
    phases = re.findall(r"^(\d+\.\d+)s (setup|teardown) +test_pools.py::test_with_pools$", text,
                        re.MULTILINE)  # fmt: skip
    assert {phase for _, phase in phases} == {"setup", "teardown"}
    held = sum(float(seconds) for seconds, _ in phases)
    assert held > POOLS_TIMEOUT, f"the fixtures took {held:.1f}s, within the timeout: add pools"


REUSE = """
def test_reused(daos_cluster, daos_pool):
    assert daos_cluster.members()[0].state == "joined"
"""


def test_keep_then_reuse_then_down(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_reuse=REUSE)
    kept = run_sim("--daos-keep")
    kept.assert_outcomes(passed=1)
    kept.stdout.fnmatch_lines(["*the cluster is kept running*pytest-daos down*"])

    reused = run_sim("--daos-reuse")
    reused.assert_outcomes(passed=1)
    reused.stdout.fnmatch_lines(["no start: reused the kept cluster of session *"])
    startup = re.search(r"plugin start-up \(pytest start to first test\): (\d+\.\d)s",
                        reused.stdout.str())  # fmt: skip
    assert startup and float(startup.group(1)) < 2.0

    workers = run_sim("--daos-reuse", "-n", "2")
    workers.assert_outcomes(passed=1)
    workers.stdout.fnmatch_lines([
        "*= pytest-daos =*",
        "one cluster for all pytest-xdist workers, not this run's to remove",
        "no start: reused the kept cluster of session *",
        "cluster start: *s (attach *s)",
        "*the cluster is kept running*",
    ])  # fmt: skip

    blocked = run_sim()
    blocked.assert_outcomes(errors=1)
    blocked.stdout.fnmatch_lines(["*a kept DAOS cluster*holds this host*pytest-daos down*"])

    down = pytester.run(sys.executable, "-m", "pytest_daos.cli", "down", timeout=120)
    assert down.ret == 0, down.stdout.str() + down.stderr.str()


def test_up_reads_the_projects_ini_file_and_a_reuse_run_attaches(
    pytester, base_image, leaves_nothing_behind
):
    """`pytest-daos up` in the project's folder starts the cluster of its ini file's
    settings (the sim recipe, 6 GiB of NVMe), which `pytest --daos-reuse` there reuses."""
    pytester.makeini(
        f"[pytest]\ndaos_recipe = sim\ndaos_sim_base_image = {base_image}\ndaos_bdev_size = 6\n"
    )
    pytester.makepyfile(test_reuse=REUSE)
    command = (sys.executable, "-m", "pytest_daos.cli")
    try:
        up = pytester.run(*command, "up", timeout=600)
        assert up.ret == 0, up.stdout.str() + up.stderr.str()
        up.stdout.fnmatch_lines(
            [
                "DAOS 2.6.5 is up on *, kept running:",
                "started with: *daos_bdev_size=6 from tox.ini*",
            ]
        )
        reused = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--daos-reuse", timeout=600
        )
        reused.assert_outcomes(passed=1)
        reused.stdout.fnmatch_lines(["no start: reused the kept cluster of session *"])
    finally:
        down = pytester.run(*command, "down", timeout=120)
    assert down.ret == 0, down.stdout.str() + down.stderr.str()
