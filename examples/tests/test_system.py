"""An example downstream suite: what a project built on DAOS writes to test against it.

The cluster as a whole: ranks, the session pool and its space, containers, and the errors
DAOS answers with. Run it with `pytest examples/` (add --daos-iface=NAME to choose the
network interface).
"""

from __future__ import annotations

import pytest

from pytest_daos import DaosCluster, DaosContainer, DaosError, DaosPool


def test_every_rank_joined(daos_cluster: DaosCluster) -> None:
    members = daos_cluster.members()
    assert members and {member.state for member in members} == {"joined"}


def test_pool_is_listed_by_dmg(daos_cluster: DaosCluster, daos_pool: DaosPool) -> None:
    pools = daos_cluster.dmg("pool", "list")["pools"]
    assert daos_pool.uuid in {pool["uuid"] for pool in pools}


def test_pool_has_the_space_asked_for(daos_pool: DaosPool) -> None:
    info = daos_pool.query()
    scm, nvme = info["tier_stats"]
    assert (scm["media_type"], nvme["media_type"]) == ("scm", "nvme")
    assert scm["total"] + nvme["total"] == daos_pool.total_bytes
    assert 0 < nvme["free"] <= nvme["total"]


def test_container_is_listed_while_the_test_runs(
    daos_cluster: DaosCluster, daos_container: DaosContainer
) -> None:
    listed = daos_cluster.daos_tool.container_list(daos_container.pool.label)
    assert (daos_container.uuid, daos_container.label) in listed
    assert daos_container.query()["container_type"] == "POSIX"


def test_duplicate_container_label_is_a_daos_error(
    daos_pool: DaosPool, daos_container: DaosContainer
) -> None:
    with pytest.raises(DaosError) as caught:
        daos_pool.create_container(daos_container.label)
    assert caught.value.name == "DER_EXIST"


def test_too_big_a_pool_is_refused(daos_cluster: DaosCluster) -> None:
    with pytest.raises(DaosError) as caught:
        daos_cluster.create_pool("too_big", "500G")
    assert caught.value.name == "DER_NOSPACE"
