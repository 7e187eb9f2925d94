"""Tenants (pools) and shelves (containers) managed with dmg and daos."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from daos_shelf import add_shelf, create_tenant, free_bytes, list_shelves, remove_tenant

from pytest_daos import DaosCluster, DaosContainer, DaosPool


def test_a_tenant_is_a_pool_until_it_is_removed(daos_cluster: DaosCluster) -> None:
    name = uuid.uuid4().hex[:8]
    tenant = create_tenant(daos_cluster, name, "1.5G")
    try:
        labels = {pool["label"] for pool in daos_cluster.dmg("pool", "list")["pools"]}
        assert f"tenant_{name}" in labels
        assert 0 < free_bytes(tenant) <= tenant.total_bytes
    finally:
        remove_tenant(tenant)
    labels = {pool["label"] for pool in daos_cluster.dmg("pool", "list").get("pools") or []}
    assert f"tenant_{name}" not in labels


def test_shelves_are_the_tenants_containers(
    tenant_per_test: Callable[..., DaosPool],
) -> None:
    tenant = tenant_per_test(size="1.5G")
    assert list_shelves(tenant) == []
    add_shelf(tenant, "winter")
    add_shelf(tenant, "autumn")
    assert list_shelves(tenant) == ["autumn", "winter"]


def test_containers_of_the_factory_are_shelves_of_the_session_pool(
    daos_pool: DaosPool, daos_container_factory: Callable[..., DaosContainer]
) -> None:
    made = [daos_container_factory() for _ in range(2)]
    shelves = list_shelves(daos_pool)
    assert all(container.label in shelves for container in made)
    assert {container.query()["container_type"] for container in made} == {"POSIX"}
