"""Real DAOS 2.6.5 and 2.4.2 through the plugin's fixtures: the example suite, a pool and a
container per test, dfuse, pytest-xdist, keep and reuse, a restarted server node; each run
leaves no container, no hugepage file and `vm.nr_hugepages` as it was."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from engines_suite import ENGINES_SUITE, FIXTURE_SUITE
from pool_space import SESSION_POOLS, assert_clear_pool_space_error
from real_trees import newest, releases
from restart_suite import restart_suite

EXAMPLE = Path(__file__).parents[2] / "examples" / "tests" / "test_system.py"

PER_TEST = """
import pytest

@pytest.fixture
def own_pool(daos_pool_factory):
    return daos_pool_factory(size="1.2G")

@pytest.mark.parametrize("n", range(2))
def test_a_pool_and_a_container_per_test(own_pool, daos_container_factory, daos_cluster, n):
    container = daos_container_factory()
    listed = daos_cluster.daos_tool.container_list(own_pool.label)
    assert listed == [] or all(uuid != container.uuid for uuid, _ in listed)
    mine = own_pool.create_container()
    assert [uuid for uuid, _ in daos_cluster.daos_tool.container_list(own_pool.label)] == [
        mine.uuid
    ]

def test_dfuse_write_then_read(daos_cluster, daos_container):
    first, second = daos_container.mount(), daos_container.mount()
    client = daos_cluster.client
    client.exec(["sh", "-c", f"head -c 8388608 /dev/urandom > {first}/blob"])
    sums = [client.exec(["md5sum", f"{path}/blob"]).stdout.split()[0] for path in (first, second)]
    assert sums[0] == sums[1]
    assert f"{first} fuse.daos" in client.exec(["cat", "/proc/mounts"]).stdout

def test_a_persons_own_commands_in_the_nodes_find_the_config(daos_cluster, daos_pool):
    # typed as a person would in `docker exec`: no -o, the tree's default config paths
    assert '"state": "joined"' in daos_cluster.admin.exec(["dmg", "-j", "system", "query"]).stdout
    query = daos_cluster.client.exec(["daos", "-j", "pool", "query", daos_pool.label])
    assert daos_pool.uuid in query.stdout
"""


@pytest.mark.parametrize("release", releases())
def test_example_suite_pools_containers_and_dfuse(
    pytester, real_args, leaves_nothing_behind, release
):
    pytester.makepyfile(test_example=EXAMPLE.read_text(), test_per_test=PER_TEST)
    result = pytester.runpytest_subprocess(*real_args(release), timeout=900)
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines([f"DAOS {release}, recipe local, *"])


SUITE = """
import pathlib
import pytest

@pytest.mark.parametrize("n", range(9))
def test_many(daos_cluster, daos_container, n, worker_id):
    ids = sorted((node.role, node.transport.name) for node in daos_cluster.nodes)
    pathlib.Path(f"seen-{n}.txt").write_text(f"{worker_id} {ids}")
    assert daos_container.query()["container_type"] == "POSIX"
"""


@pytest.mark.parametrize("release", newest())
def test_xdist_workers_share_one_real_cluster(pytester, real_args, leaves_nothing_behind, release):
    pytester.makepyfile(test_many=SUITE)
    result = pytester.runpytest_subprocess(*real_args(release), "-n", "3", timeout=900)
    result.assert_outcomes(passed=9)
    seen = [path.read_text().split(" ", 1) for path in pytester.path.glob("seen-*.txt")]
    assert len({workers for workers, _ in seen}) > 1
    assert len({nodes for _, nodes in seen}) == 1
    assert len(re.findall(r"cluster start: ", result.stdout.str())) == 1


@pytest.mark.parametrize("release", newest())
def test_more_workers_than_session_pools_fit_get_a_clear_error(
    pytester, real_args, leaves_nothing_behind, release
):
    """Each of four workers makes a session pool of the default 2G on 4 GiB of NVMe (real
    DAOS holds one): the tests of the others name the cause and the fix."""
    pytester.makepyfile(test_pools=SESSION_POOLS)
    result = pytester.runpytest_subprocess(
        *real_args(release), "-n", "4", "--daos-bdev-size=4", timeout=900
    )
    assert_clear_pool_space_error(result, workers=4, bdev_gib=4)


REUSE = """
def test_reused(daos_cluster, daos_pool):
    assert {member.state for member in daos_cluster.members()} == {"joined"}
"""


@pytest.mark.parametrize("release", newest())
def test_keep_then_reuse_then_down(pytester, real_args, leaves_nothing_behind, release):
    pytester.makepyfile(test_reuse=REUSE)
    kept = pytester.runpytest_subprocess(*real_args(release), "--daos-keep", timeout=900)
    kept.assert_outcomes(passed=1)
    reused = pytester.runpytest_subprocess(*real_args(release), "--daos-reuse", timeout=900)
    reused.assert_outcomes(passed=1)
    reused.stdout.fnmatch_lines(["no start: reused the kept cluster of session *"])
    down = pytester.run(sys.executable, "-m", "pytest_daos.cli", "down", timeout=120)
    assert down.ret == 0, down.stdout.str() + down.stderr.str()


@pytest.mark.parametrize("release", releases())
def test_server_restart_needs_a_new_format(pytester, real_args, leaves_nothing_behind, release):
    pytester.makepyfile(test_restart=restart_suite(stop_timeout=10, wait=120))
    result = pytester.runpytest_subprocess(*real_args(release), timeout=900)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("release", newest())
def test_two_engines_with_the_default_pool_size(
    pytester, real_args, leaves_nothing_behind, release
):
    """`--daos-engines=2` and no `--daos-pool-size`: the session pool, its containers, a
    pool factory's pool and a two-engine cluster fixture's pools are made at the default
    size, which follows the engines (DAOS refuses 2G on two ranks: "requested NVMe
    capacity too small (min 1.0 GiB per target)")."""
    pytester.makepyfile(test_engines=ENGINES_SUITE, test_fixture=FIXTURE_SUITE)
    result = pytester.runpytest_subprocess(
        *real_args(release), "--daos-engines=2", "-v", timeout=900
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["daos defaults that follow from them: daos_pool_size=4G *"])
