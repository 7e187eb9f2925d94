"""Tenants and shelves: a pool per tenant (`dmg pool create` on the admin node) and a POSIX
container per shelf (`daos container create` on the client node)."""

from __future__ import annotations

from pytest_daos import DaosCluster, DaosContainer, DaosPool


def create_tenant(cluster: DaosCluster, name: str, size: str) -> DaosPool:
    """A pool labelled `tenant_<name>` of `size` (as `dmg pool create --size` takes it)."""
    return cluster.create_pool(f"tenant_{name}", size)


def add_shelf(tenant: DaosPool, name: str) -> DaosContainer:
    """A POSIX container labelled `name` in the tenant's pool."""
    return tenant.create_container(name, type="POSIX")


def list_shelves(tenant: DaosPool) -> list[str]:
    """The labels of the tenant's containers, sorted (`daos container list`)."""
    return sorted(label for _, label in tenant.cluster.daos_tool.container_list(tenant.uuid))


def free_bytes(tenant: DaosPool) -> int:
    """Free bytes of the tenant's pool over all its tiers (`dmg pool query`)."""
    return sum(int(tier["free"]) for tier in tenant.query()["tier_stats"])


def remove_tenant(tenant: DaosPool) -> None:
    """Destroy the tenant's pool with every shelf in it."""
    tenant.destroy()
