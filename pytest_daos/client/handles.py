"""The objects tests use: `DaosCluster`, `DaosNode`, `DaosPool`, `DaosContainer`.

They hold no pytest state: each wraps transports and the `dmg`/`daos` command layers. Each
lives in a module of its own (`node`, `cluster`, `pool`, `container`), its fault drills in
`drills`; they are gathered here for the tests that use them.
"""

from __future__ import annotations

from .cluster import DaosCluster
from .container import DaosContainer
from .node import DaosNode
from .pool import DaosPool

__all__ = ["DaosCluster", "DaosContainer", "DaosNode", "DaosPool"]
