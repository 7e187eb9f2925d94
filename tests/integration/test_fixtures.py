"""Every fixture and handle through a downstream suite, on the sim recipe."""

from __future__ import annotations

CONFTEST = """
from pytest_daos import factories

small_pool = factories.daos_pool(size="1.5G", label="small_one")
hdf5_container = factories.daos_container("small_pool", type="HDF5")
pools_per_test = factories.daos_pool_factory(scope="function")
"""

SUITE = """
import pathlib

import pytest

from pytest_daos import CommandError, DaosError

def labels(cluster):
    return {pool["label"] for pool in cluster.dmg("pool", "list")["pools"] or []}

def test_client_exec_env_and_check(daos_client):
    result = daos_client.exec(["sh", "-c", "echo $GREETING; echo oops >&2; exit 3"],
                              env={"GREETING": "hello"}, check=False)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "hello\\n", "oops\\n")
    with pytest.raises(CommandError) as caught:
        daos_client.exec(["false"])
    assert "exit status 1" in str(caught.value) and "$ false" in str(caught.value)
    with pytest.raises(TypeError, match="argv list"):
        daos_client.exec("ls -l")

def test_put_and_get(daos_cluster, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("payload")
    daos_cluster.client.put(tmp_path / "in", "/tmp/copied")
    assert daos_cluster.client.exec(["cat", "/tmp/copied/a.txt"]).stdout == "payload"
    daos_cluster.client.get("/tmp/copied", tmp_path / "back")
    assert (tmp_path / "back" / "a.txt").read_text() == "payload"

def test_cluster_attributes(daos_cluster):
    assert daos_cluster.version == "2.6.5"
    assert daos_cluster.ip and daos_cluster.iface
    assert [node.hostname for node in daos_cluster.nodes] == [
        "daos-server", "daos-admin", "daos-client"]
    assert {m.state for m in daos_cluster.members()} == {"joined"}
    assert "output" in daos_cluster.server.logs()

def test_session_pool(daos_pool):
    assert daos_pool.total_bytes == sum(daos_pool.tier_bytes) > 0
    assert daos_pool.svc_reps == (0,)
    assert daos_pool.query()["uuid"] == daos_pool.uuid

def test_declared_pool_and_container(small_pool, hdf5_container):
    assert small_pool.label == "small_one"
    assert small_pool.total_bytes < 1.6e9
    assert hdf5_container.pool is small_pool
    assert hdf5_container.query()["container_type"] == "HDF5"

def test_container_exec_names_pool_and_container(daos_container):
    out = daos_container.exec(["sh", "-c", "echo $DAOS_POOL $DAOS_CONT"]).stdout.split()
    assert out == [daos_container.pool.uuid, daos_container.uuid]

def test_container_factory(daos_container_factory, daos_cluster, daos_pool):
    made = [daos_container_factory(), daos_container_factory(label="named", type="PYTHON")]
    listed = {c["uuid"] for c in daos_cluster.daos("container", "list", daos_pool.uuid)}
    assert {c.uuid for c in made} <= listed
    assert made[1].type == "PYTHON" and made[1].label == "named"
    pathlib.Path("factory-containers").write_text(" ".join(c.uuid for c in made))

def test_factory_containers_are_gone(daos_cluster, daos_pool):
    made = pathlib.Path("factory-containers").read_text().split()
    listed = {c["uuid"] for c in daos_cluster.daos("container", "list", daos_pool.uuid) or []}
    assert not set(made) & listed

def test_pool_factory_per_test(pools_per_test, daos_cluster):
    pool = pools_per_test(size="1.2G", label="per_test")
    assert "per_test" in labels(daos_cluster)
    with pytest.raises(DaosError) as caught:
        pools_per_test(size="1.2G", label="per_test")
    assert caught.value.fault == 609

def test_function_scoped_pools_are_gone(daos_cluster):
    assert "per_test" not in labels(daos_cluster)

def test_failing_test_gets_the_node_logs(daos_cluster):
    assert daos_cluster.members() == []
"""


def test_fixtures_and_handles(pytester, run_sim, leaves_nothing_behind):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=SUITE)
    result = run_sim("-p", "no:randomly")
    result.assert_outcomes(passed=10, failed=1)
    text = result.stdout.str()
    # the failed test's report carries the nodes' logs as sections
    assert "daos daos-server /tmp/daos_server.log" in text
    assert "daos daos-client /tmp/daos_agent.log" in text
    assert "teardown problem" not in text


SWITCH_CONFTEST = """
from pytest_daos import factories

daos_small = factories.daos_cluster(hugepages=128)
"""

SWITCH_SUITE = """
import os

def engine_files():
    return [name for name in os.listdir("/dev/hugepages") if name.startswith("spdk_pid")]

def test_first_uses_the_factory_cluster(daos_small):
    assert len(engine_files()) == 128

def test_then_the_default_cluster(daos_cluster):
    assert len(engine_files()) == 1024
    assert daos_cluster.members()[0].state == "joined"
"""


def test_a_factory_cluster_starts_first_and_switches(pytester, run_sim, leaves_nothing_behind):
    pytester.makeconftest(SWITCH_CONFTEST)
    pytester.makepyfile(test_switch=SWITCH_SUITE)
    result = run_sim()
    result.assert_outcomes(passed=2)
    text = result.stdout.str()
    # the start before the first test already used the factory's settings: one switch only
    assert text.count("switching to a DAOS cluster with other settings") == 1
