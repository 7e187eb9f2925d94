"""The handles tests touch (`DaosCluster` and its `DaosNode`s) over the nodes this layer
runs on Docker: for a cluster just started, and for a recorded one attached to."""

from __future__ import annotations

from typing import Any

from ..client.cluster import DaosCluster
from ..client.node import DaosNode
from .nodes import DockerCluster
from .recipes import HOSTNAMES
from .record import ClusterRecord


def cluster_handle(
    docker: DockerCluster, roles: dict[str, str], iface: str, ip: str, settle: float | None
) -> DaosCluster:
    """The DaosCluster handle tests use, over a DockerCluster (`settle`: the recipe's)."""
    nodes = {
        role: DaosNode(role, hostname, docker.transport(role),
                       lambda role=role: docker.logs(role))  # type: ignore[misc]
        for role, hostname in roles.items()
    }  # fmt: skip
    cluster = DaosCluster(nodes, docker.daos_version, iface, ip, docker.dmg_config)
    if settle is not None:
        cluster.rebuild_settle = settle
    return cluster


def attach_record(client: Any, record: ClusterRecord) -> tuple[DockerCluster, DaosCluster]:
    """Handles on the recorded cluster (StartError when a node is gone or stopped)."""
    log_files = {role: tuple(paths) for role, paths in record.log_files.items()}
    docker = DockerCluster.attach(
        client, record.containers, record.daos_version, log_files, record.dmg_config or None
    )
    roles = {role: HOSTNAMES[role] for role in record.containers}
    return docker, cluster_handle(docker, roles, record.iface, record.ip, record.rebuild_settle)
