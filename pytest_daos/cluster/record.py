"""One cluster per host, shared between pytest-xdist workers, concurrent sessions, kept and
reused clusters and the `pytest-daos` command: a host-wide file lock and a state file.

The state file (`cluster.json` in the state folder, written atomically) records who owns
the running cluster, its nodes, what makes it compatible with a session's settings, and the
hugepage reservation to undo when it is torn down. Whoever tears the cluster down removes
the file; a later session that finds the file of a dead owner tears that cluster down
first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .labels import Owner

STATE_FILE = "cluster.json"
LOCK_FILE = "cluster.lock"


@dataclass
class ClusterState:
    """What another process needs to use, or tear down, the running cluster."""

    owner: dict[str, Any]  # Owner fields: session, pid, boot, started
    keep: bool
    compat: str  # equal for settings and images that would start the same cluster
    containers: dict[str, str]  # role -> container name
    recipe: str
    daos_version: str
    iface: str
    ip: str
    log_files: dict[str, list[str]]
    dmg_config: str = ""  # the control configuration file in the admin node
    hugepages: dict[str, Any] | None = None  # a hugepages.Reservation as a dict
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> str:
        return str(self.owner["session"])

    def owner_alive(self) -> bool:
        return Owner(**self.owner).is_alive()


def load_state(folder: Path) -> ClusterState | None:
    """The state of the cluster on this host, or None (no file, or one that is unreadable)."""
    try:
        data = json.loads((folder / STATE_FILE).read_text())
        return ClusterState(**data)
    except (OSError, ValueError, TypeError):
        return None


def save_state(folder: Path, state: ClusterState) -> None:
    """Write the state atomically (a reader sees the old file or the new, never half)."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{STATE_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(asdict(state), indent=2))
    os.replace(temporary, folder / STATE_FILE)


def clear_state(folder: Path) -> None:
    (folder / STATE_FILE).unlink(missing_ok=True)


@contextmanager
def host_lock(folder: Path, on_wait: Any = None) -> Iterator[None]:
    """Hold the host-wide cluster lock; `on_wait()` is called once if another holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
