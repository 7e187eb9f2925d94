"""A fault drill: what an application on DAOS sees when a storage rank fails and comes back.

It writes through dfuse to a container whose data survives the loss of one rank, takes
that rank down, keeps reading (through the mount it had and through a new one), brings the
rank back and waits until the pool has rebuilt. Run it on a cluster of two engines:

    pytest examples/tests/test_drill.py --daos-engines=2

A cluster with one engine skips it, saying so. On real DAOS it takes minutes (the rank is
excluded about 35 s after it stops, and each rebuild takes about a minute); on the sim
recipe, seconds.
"""

from __future__ import annotations

from pytest_daos import DaosCluster, DaosContainer, DaosPool


def md5(cluster: DaosCluster, path: str) -> str:
    return cluster.client.exec(["md5sum", path]).stdout.split()[0]


def test_data_survives_a_rank_that_fails_and_comes_back(
    daos_cluster: DaosCluster, daos_drill_pool: DaosPool, daos_drill_container: DaosContainer
) -> None:
    client = daos_cluster.client
    mount = daos_drill_container.mount()
    client.exec(["sh", "-c", f"head -c 1048576 /dev/urandom > {mount}/data"])
    client.exec(["mkdir", f"{mount}/logs"])
    client.exec(["sh", "-c", f"echo 'written before the fault' > {mount}/logs/note"])
    written = md5(daos_cluster, f"{mount}/data")

    # the rank outside the pool's service: the pool keeps answering while it is down
    with daos_cluster.rank_down(daos_drill_pool.fault_rank()) as rank:
        rebuilt = daos_drill_pool.wait_rebuild()  # the lost replicas made again elsewhere
        assert rebuilt.disabled_targets > 0
        assert rebuilt.disabled_ranks in ((rank,), ())  # 2.0 does not list them
        # the application keeps reading: through its mount, and through a new one
        assert md5(daos_cluster, f"{mount}/data") == written
        again = daos_drill_container.mount()
        assert md5(daos_cluster, f"{again}/data") == written
        note = client.exec(["cat", f"{again}/logs/note"]).stdout
        assert note == "written before the fault\n"
        client.exec(["sh", "-c", f"echo 'written while rank {rank} was down' >> {again}/logs/note"])

    # after the block: the rank is back, the pool reintegrated it and rebuilt
    assert {member.state for member in daos_cluster.members()} == {"joined"}
    health = daos_drill_pool.health()
    assert health.healthy and health.disabled_targets == 0
    assert md5(daos_cluster, f"{mount}/data") == written
    assert client.exec(["cat", f"{mount}/logs/note"]).stdout.splitlines()[-1] == (
        f"written while rank {rank} was down"
    )
