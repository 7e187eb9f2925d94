"""The cluster layer as the pytest face and the `pytest-daos` command see it: the one
module they import it through.

A run's DAOS system has a lifecycle: `ClusterLifecycle` for a cluster the run starts (or
shares) on Docker, `ExistingSystem` for one someone else runs; both are a `Lifecycle`.
Beside them: the prerequisite checks, the recipes, the record of this host's cluster, and
the steps of the command's subcommands (`operations`).
"""

from __future__ import annotations

from typing import Protocol

from ..client.handles import DaosCluster
from ..report import StartReport
from .checks import FAIL, check_docker
from .decision import OtherSettings
from .doctor import PrerequisiteError, report, require_settings, run_checks
from .existing import ExistingSystem
from .host import Interface, InterfaceError, try_resolve_iface
from .labels import Owner
from .lifecycle import ClusterLifecycle
from .operations import (
    Down,
    Status,
    build_images,
    describe_cluster,
    down,
    node_logs,
    node_states,
    prune_images,
    status,
)
from .recipes import Prepared, Recipe, SimBase, prepare
from .record import ClusterRecord, finish_recorded, load_record
from .statedir import secure_state_dir

__all__ = [
    "FAIL",
    "ClusterLifecycle",
    "ClusterRecord",
    "Down",
    "ExistingSystem",
    "Interface",
    "InterfaceError",
    "Lifecycle",
    "OtherSettings",
    "Owner",
    "Prepared",
    "PrerequisiteError",
    "Recipe",
    "SimBase",
    "Status",
    "build_images",
    "check_docker",
    "describe_cluster",
    "down",
    "finish_recorded",
    "load_record",
    "node_logs",
    "node_states",
    "prepare",
    "prune_images",
    "report",
    "require_settings",
    "run_checks",
    "secure_state_dir",
    "status",
    "try_resolve_iface",
]


class Lifecycle(Protocol):
    """The life of the DAOS system of a run: started (or connected to) once, finished at
    the end of the run; `report` says what the start did."""

    report: StartReport

    def start(self) -> DaosCluster:
        """Handles on the running system."""
        ...

    def describe(self, recipe: str) -> str:
        """The system for the pytest header, before it starts (`recipe`: the recipe as the
        header names it)."""
        ...

    def finish(self) -> list[str]:
        """End of the run: remove what is the run's to remove; the problems met."""
        ...
