"""`DaosCluster`: a running DAOS system as tests reach it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .daos import Daos
from .dmg import Dmg, Member, Properties
from .drills.methods import ClusterDrills
from .node import DaosNode
from .pool import DaosPool


class DaosCluster(ClusterDrills):
    """A running DAOS system: its nodes, `dmg` on the admin node, `daos` on the client.

    Fault drills (docs/drills.md): `ranks`, `stop_rank`, `kill_engine`, `start_rank`,
    `rank_down` (a rank down for a block, the cluster healed after it) and `heal`.
    """

    def __init__(
        self,
        nodes: Mapping[str, DaosNode],
        version: str,
        iface: str,
        ip: str,
        dmg_config: str | None = None,
    ) -> None:
        super().__init__()
        #: None against an existing system (--daos-system=existing): only dmg and daos reach it
        self.server: DaosNode | None = nodes.get("server")
        self.admin = nodes["admin"]
        self.client = nodes["client"]
        self.version = version
        self.iface = iface
        self.ip = ip
        self._dmg = Dmg(self.admin.transport, version, config=dmg_config)
        self._daos = Daos(self.client.transport, version)
        #: the pools made through this handle and not destroyed, by uuid: the only ones its
        #: drills note and its heal reintegrates
        self._pools: dict[str, DaosPool] = {}

    def __repr__(self) -> str:
        return f"DaosCluster(version={self.version!r}, iface={self.iface!r}, ip={self.ip!r})"

    @property
    def nodes(self) -> tuple[DaosNode, ...]:
        """The nodes this process can reach: server (when known), admin, client."""
        return tuple(node for node in (self.server, self.admin, self.client) if node is not None)

    def dmg(self, *args: str) -> Any:
        """Run `dmg -j ARGS` on the admin node; the parsed `response` (DaosError on failure)."""
        return self._dmg(*args)

    def daos(self, *args: str) -> Any:
        """Run `daos -j ARGS` on the client node; the parsed `response`."""
        return self._daos(*args)

    @property
    def dmg_tool(self) -> Dmg:
        """The typed `dmg` wrapper (pool_create, system_query, ...)."""
        return self._dmg

    @property
    def daos_tool(self) -> Daos:
        """The typed `daos` wrapper (container_create, container_list, ...)."""
        return self._daos

    def members(self) -> list[Member]:
        """The ranks as `dmg system query` reports them."""
        return self._dmg.system_query()

    def create_pool(
        self, label: str, size: str, properties: Properties | None = None,
        service_ranks: int | None = None,
    ) -> DaosPool:  # fmt: skip
        """Create a pool of `size` (`dmg --size`: total bytes, or N% of the free space);
        the caller destroys it (`DaosPool.destroy`).

        `label` must meet DAOS's label rule and `properties` is DAOS's `key:value,...` or a
        mapping such as {"rd_fac": 1}; both are checked before any command (LabelError,
        PropertyError). `service_ranks` is how many ranks hold its pool service (`--nsvc`;
        1 for drills: with 2 ranks the default puts it on both, and the pool then freezes
        while either is down)."""
        created = self._dmg.pool_create(label, size, nsvc=service_ranks, properties=properties)
        pool = DaosPool(self, created.label, created.uuid, created.tier_bytes, created.svc_reps)
        self._pools[pool.uuid] = pool
        return pool
