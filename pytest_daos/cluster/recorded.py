"""The recorded cluster as a run that starts finds it: used, replaced or refused.

The host's record names at most one cluster. A start reads it under the host lock and, as
`decide` says, attaches to it (another worker of this run started it), reuses it (a kept
one with the same settings, `--daos-reuse`), shares it (a live session's with the same
settings), removes it first (its owner is gone, its start was killed, a kept one does not
fit or its nodes stopped running), or refuses to touch it: `EarlierFailure`,
`OtherSettings`, or a `ClusterConflict` the start may wait out (a kept one's says what
differs from the run's settings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..client.handles import DaosCluster
from ..settings import Settings
from ..waiting import Deadline
from .decision import Decision, EarlierFailure, OtherSettings, conflict, decide
from .handles import attach_record
from .hugepages import Hugepages
from .labels import Owner
from .record import ClusterRecord, remove_recorded, save_record

Progress = Callable[[str], None]


class RecordedCluster:
    """The cluster the host's record names, seen by a start (call with the host lock held)."""

    def __init__(
        self,
        record: ClusterRecord,
        client: Any,
        folder: Path,
        hugepages: Hugepages,
        progress: Progress,
    ) -> None:
        self.record = record
        self.client = client
        self.folder = folder
        self.hugepages = hugepages
        self.progress = progress

    def use(
        self, owner: Owner, settings: Settings, settings_key: str, compatible: Callable[[], bool]
    ) -> tuple[DaosCluster, str] | None:
        """Handles on the recorded cluster, and why they are this run's, when `decide` says
        to attach, reuse or share it; None when the run starts one (a replaced one removed
        first). `compatible` says whether its images and configuration are what the
        settings would start (asked only when that decides)."""
        record = self.record
        if record.ready and record.keep and not self.nodes_running():
            # e.g. the Docker engine restarted: its nodes exited, its storage is gone
            self.remove(f"the kept cluster of session {record.session}: its nodes are not running")
            return None
        alive = record.in_use()
        asked = (
            record.ready
            and record.session != owner.session
            and (
                settings.reuse
                or (settings.keep and record.keep)
                or (alive and not record.keep and not settings.keep)
            )
        )
        fits = asked and compatible()
        decision = decide(
            record, owner.session, settings.reuse, fits, alive, settings_key, keep=settings.keep
        )
        if decision is Decision.FAILED:
            raise EarlierFailure(record.failure)
        if decision is Decision.OTHER_SETTINGS:
            raise OtherSettings()
        if decision is Decision.CONFLICT:
            raise conflict(record, settings, compatible=fits if asked else None)
        if decision is Decision.REPLACE:
            reason = "incompatible kept" if record.keep else "dead session's"
            if not record.ready:
                reason = "unfinished"
            self.remove(f"the {reason} cluster of session {record.session}")
            return None
        return self.attach(decision, owner, settings.start_timeout)

    def attach(
        self, decision: Decision, owner: Owner, start_timeout: float
    ) -> tuple[DaosCluster, str]:
        """Handles on the recorded cluster once its ranks are joined (it is ready), and why
        they are this run's; a shared cluster lists `owner` among its sessions."""
        record = self.record
        why = decision.value
        if decision is Decision.REUSE:
            why = f"reused the kept cluster of session {record.session}"
        docker, cluster = attach_record(self.client, record)
        docker.wait_joined(Deadline(start_timeout))  # the record is ready
        if decision is Decision.SHARE:
            why = f"shared the running cluster of session {record.session} (same settings)"
            record.sharers.append(asdict(owner))
            save_record(self.folder, record)
        return cluster, why

    def remove(self, which: str) -> None:
        """Remove the recorded cluster (`which` says which, for the progress line)."""
        self.progress(f"removing {which}")
        for problem in remove_recorded(self.client, self.folder, self.record, self.hugepages):
            self.progress(f"teardown problem: {problem}")

    def nodes_running(self) -> bool:
        """Whether every node the record names is a running container."""
        import docker.errors

        for name in self.record.containers.values():
            try:
                if self.client.containers.get(name).status != "running":
                    return False
            except docker.errors.NotFound:
                return False
        return True
