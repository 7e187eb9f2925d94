"""The record of the one cluster of a host, under a host-wide lock.

One DAOS cluster fits on a host (its nodes use the host network), shared between
pytest-xdist workers, concurrent sessions, kept and reused clusters and the `pytest-daos`
command. Its record (`cluster.json` in the state folder, written atomically) says who owns
it, its nodes, what makes it compatible with a session's settings (`compat_key`), and the
hugepage reservation to undo. Whoever removes the cluster (`remove_recorded`) removes the
record; a later session that finds the record of a dead owner removes that cluster first.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..waiting import hold_lock
from .config_files import ClusterConfig
from .containers import stop_and_remove
from .hugepages import Hugepages, Reservation
from .labels import Owner
from .recipes import Recipe

RECORD_FILE = "cluster.json"
LOCK_FILE = "cluster.lock"


@dataclass
class ClusterRecord:
    """What another process needs to use, or remove, the running cluster."""

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


def compat_key(
    recipe: Recipe, image_keys: list[str], config: ClusterConfig, privileged: str
) -> str:
    """Equal when a running cluster is what these settings would start."""
    text = json.dumps([recipe.name, image_keys, asdict(config), privileged], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def load_record(folder: Path) -> ClusterRecord | None:
    """The record of the cluster on this host, or None (no file, or one that is unreadable)."""
    try:
        data = json.loads((folder / RECORD_FILE).read_text())
        return ClusterRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def save_record(folder: Path, record: ClusterRecord) -> None:
    """Write the record atomically (a reader sees the old file or the new, never half)."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{RECORD_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(asdict(record), indent=2))
    os.replace(temporary, folder / RECORD_FILE)


def clear_record(folder: Path) -> None:
    (folder / RECORD_FILE).unlink(missing_ok=True)


@contextmanager
def host_lock(folder: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the host-wide cluster lock; `on_wait()` is called once if another holds it."""
    with hold_lock(folder / LOCK_FILE, on_wait):
        yield


def remove_recorded(
    client: Any, folder: Path, record: ClusterRecord, hugepages: Hugepages | None = None
) -> list[str]:
    """Remove the recorded cluster's nodes, give back its hugepages, clear the record.

    Call with the host lock held. Returns the problems met (each step runs regardless, so
    a failing one never skips giving back the hugepages).
    """
    import docker.errors

    problems: list[str] = []
    for role, name in reversed(list(record.containers.items())):
        try:
            container = client.containers.get(name)
        except docker.errors.NotFound:
            continue
        except Exception as exc:
            problems.append(f"removing the {role} node {name}: {exc}")
            continue
        problems += [
            f"removing the {role} node: {problem}" for problem in stop_and_remove(container)
        ]
    if record.hugepages is not None:
        try:
            (hugepages or Hugepages()).give_back(Reservation.from_dict(record.hugepages))
        except Exception as exc:
            problems.append(f"giving back hugepages: {exc}")
    clear_record(folder)
    return problems
