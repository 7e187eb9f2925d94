"""pytest-daos: a real DAOS system in Docker for pytest suites.

Tests ask for the fixtures `daos_cluster`, `daos_pool`, `daos_pool_factory`,
`daos_container`, `daos_container_factory` or `daos_client`; the plugin builds the images,
starts the cluster and tears it down. `pytest_daos.factories` makes more such fixtures.
"""

from __future__ import annotations

from . import factories
from .client.cluster import DaosCluster
from .client.container import DaosContainer
from .client.daos import ContainerInfo
from .client.dmg import CreatedPool, Member
from .client.drills import DrillError, PoolState
from .client.envelope import DaosError
from .client.node import DaosNode
from .client.pool import DaosPool
from .client.transport import CommandError, ExecResult
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "CommandError",
    "ContainerInfo",
    "CreatedPool",
    "DaosCluster",
    "DaosContainer",
    "DaosError",
    "DaosNode",
    "DaosPool",
    "DrillError",
    "ExecResult",
    "Member",
    "PoolState",
    "Settings",
    "__version__",
    "factories",
]
