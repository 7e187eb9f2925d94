"""A DAOS system someone else runs (`--daos-system=existing`) as a lifecycle of its own.

`ExistingSystem` has the interface of `ClusterLifecycle`, as pytest-postgresql's
`NoopExecutor` has its executor's: `start` connects (no Docker, no build, no format; see
`client.existing`), `finish` removes nothing (the system is never stopped), `report` says
how it was reached.
"""

from __future__ import annotations

import time

from ..client import existing
from ..client.handles import DaosCluster
from ..report import StartReport
from ..settings import Settings


class ExistingSystem:
    """The life of an existing DAOS system in a run: connected to, never started or stopped."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.report = StartReport(recipe="existing system", daos_version=settings.version)

    def describe(self, recipe: str = "") -> str:
        """The system and how it is reached, for the pytest header (it has no recipe)."""
        return f"existing DAOS {self.settings.version} system ({existing.describe(self.settings)})"

    def start(self) -> DaosCluster:
        """Handles on the system once every rank is joined (ExistingSystemError otherwise)."""
        started = time.monotonic()
        cluster = existing.connect(self.settings)
        self.report.attached = (
            f"the existing system reached through {existing.describe(self.settings)}"
        )
        self.report.phases["connect"] = time.monotonic() - started
        return cluster

    def finish(self) -> list[str]:
        """End of the run: nothing to remove (the run's pools go with their fixtures)."""
        return []
