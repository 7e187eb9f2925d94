"""`DaosPool`: a pool as tests reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .container import DaosContainer
from .dmg import Properties
from .drills.methods import PoolDrills

if TYPE_CHECKING:  # the cluster makes pools: it imports this module
    from .cluster import DaosCluster


@dataclass
class DaosPool(PoolDrills):
    """A pool: label, uuid, sizes per tier, service ranks.

    Fault drills (docs/drills.md): `health`, `fault_rank`, `exclude`, `reintegrate` and
    `wait_rebuild`.
    """

    cluster: DaosCluster = field(repr=False)
    label: str
    uuid: str
    tier_bytes: tuple[int, ...]
    svc_reps: tuple[int, ...]

    @property
    def total_bytes(self) -> int:
        return sum(self.tier_bytes)

    #: the map version before the last fault seen by this handle (None: none yet)
    _since: int | None = field(default=None, repr=False)

    def query(self) -> dict[str, Any]:
        """`dmg pool query` of this pool (the parsed response)."""
        return self.cluster.dmg_tool.pool_query(self.uuid)

    def create_container(
        self, label: str | None = None, type: str = "POSIX",
        properties: Properties | None = None, oclass: str | None = None,
    ) -> DaosContainer:  # fmt: skip
        """Create a container in this pool; the caller destroys it (`DaosContainer.destroy`).

        `label` and `properties` are checked as in `DaosCluster.create_pool`; `oclass` is
        the object class of its files and directories (`RP_2G1`: two replicas)."""
        info = self.cluster.daos_tool.container_create(
            self.uuid, label, type, properties, oclass=oclass
        )
        return DaosContainer(self, info.label, info.uuid, info.type)

    def destroy(self) -> None:
        """Destroy the pool and every container in it."""
        self.cluster.dmg_tool.pool_destroy(self.uuid, force=True, recursive=True)
        self.cluster._pools.pop(self.uuid, None)
