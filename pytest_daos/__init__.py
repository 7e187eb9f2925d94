"""pytest-daos: a real DAOS system in Docker for pytest suites.

Tests ask for the fixtures `daos_cluster`, `daos_pool`, `daos_container` or `daos_client`;
the plugin builds the images, starts the cluster and tears it down.
"""

from __future__ import annotations

from .dmg import Member
from .envelope import DaosError
from .handles import DaosCluster, DaosContainer, DaosNode, DaosPool
from .settings import Settings
from .transport import CommandError, ExecResult

__version__ = "0.1.0"

__all__ = [
    "CommandError",
    "DaosCluster",
    "DaosContainer",
    "DaosError",
    "DaosNode",
    "DaosPool",
    "ExecResult",
    "Member",
    "Settings",
    "__version__",
]
