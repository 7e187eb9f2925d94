"""Every pool and container fixture on a cluster of two engines with the default pool
size, as a downstream suite (the sim recipe in tests/integration, real DAOS in tests/real):
DAOS wants 1 GiB of NVMe on each target of the ranks a pool spans, so the default follows
the engines (2G each)."""

from __future__ import annotations

ENGINES_SUITE = """
def test_the_session_pool_spans_both_ranks_at_its_default_size(daos_cluster, daos_pool):
    assert daos_cluster.ranks == (0, 1)
    assert daos_pool.total_bytes > 2 * 10**9  # 4G: 2G per engine, more than one engine's
    assert daos_pool.query()


def test_a_container_in_the_session_pool(daos_container):
    assert daos_container.query()["container_type"] == "POSIX"


def test_a_pool_factory_at_its_default_size(daos_pool_factory, daos_container_factory):
    pool = daos_pool_factory()
    assert pool.create_container().query()["container_type"] == "POSIX"
    assert daos_container_factory().query()["container_type"] == "POSIX"
"""

#: The same fixtures on a cluster fixture of two engines, in a run of one (`--daos-engines`
#: not given): the default pool size follows the fixture's engines.
FIXTURE_SUITE = """
from pytest_daos import factories

daos_two = factories.daos_cluster(engines=2)
pool_of_two = factories.daos_pool("daos_two", scope="function")


def test_a_pool_of_a_two_engine_fixture(daos_two, pool_of_two):
    assert daos_two.ranks == (0, 1)
    assert pool_of_two.create_container().query()["container_type"] == "POSIX"
"""
