"""The plugin's containers on this host: stopping and removing one, and sweeping those
of sessions that are gone (only containers with our labels are ever touched)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import PytestDaosError
from .labels import KEEP_LABEL, SESSION_LABEL, UID_LABEL, Liveness, Owner

#: Seconds a node has to stop on its stop signal before it is killed.
STOP_GRACE = 5


class ClusterConflict(PytestDaosError, RuntimeError):
    """Another live session's cluster holds this host. `waitable`: it goes when that
    session ends (not a kept cluster), so a run may wait for it."""

    def __init__(self, message: str, waitable: bool = False) -> None:
        super().__init__(message)
        self.waitable = waitable


def labelled(client: Any, label: str) -> list[Any]:
    """The containers carrying `label` (`key` or `key=value`), stopped ones too; one removed
    by someone else between Docker's list and its inspect is left out."""
    return list(client.containers.list(all=True, filters={"label": label}, ignore_removed=True))


def reap_orphans(client: Any, root: Path = Path("/")) -> list[str]:
    """Remove the containers of sessions whose owner is provably gone; return their names.

    Kept containers (`pytest-daos up`, --daos-keep) are left alone. Raises ClusterConflict
    when a cluster holds the host (one DAOS cluster per Docker host: the nodes use the host
    network and its ports) whose owner runs or cannot be seen from here (another pid
    namespace, user or machine sharing this Docker engine): that conflict may be waited
    out. `root` is where /proc is read (a fake tree in tests).
    """
    removed = []
    for container in labelled(client, SESSION_LABEL):
        if container.labels.get(KEEP_LABEL) == "true":
            raise ClusterConflict(
                f"a kept DAOS cluster ({container.name}) holds this host: reuse it with "
                "--daos-reuse or remove it with `pytest-daos down`"
            )
        owner = Owner.from_labels(container.labels)
        liveness = owner.liveness(root)
        if liveness is not Liveness.GONE:
            seen = "is running" if liveness is Liveness.ALIVE else f"is {liveness.value}"
            raise ClusterConflict(
                f"a DAOS cluster of another pytest-daos session ({owner.session}, owner "
                f"{owner.describe()}, which {seen}) holds this host, and only one fits "
                "(host network). Wait for it to end; if that run is gone, remove its "
                "containers with `pytest-daos down --force`",
                waitable=True,
            )
        container.remove(force=True, v=True)
        removed.append(str(container.name))
    return removed


def belongs_to(container: Any, session: str) -> bool:
    """Whether `container` carries the label of pytest-daos session `session` (a record
    that names a container never makes us touch one of something else)."""
    labels = getattr(container, "labels", None) or {}
    return bool(session) and labels.get(SESSION_LABEL) == session


def reap_unrecorded(client: Any, force: bool = False) -> tuple[list[str], list[str]]:
    """Remove this user's containers of ours that no cluster record of this host names
    (`pytest-daos down`): kept ones; with `force`, also those of sessions this process
    cannot see end (another pid namespace or machine sharing the Docker engine). Those of
    other users (another owner uid, or none: made by an earlier version) are left. Returns
    the names removed and, for each container left as another user's, its name and why."""
    label = SESSION_LABEL if force else f"{KEEP_LABEL}=true"
    removed, left = [], []
    mine = str(os.geteuid())
    for container in labelled(client, label):
        labels = container.labels or {}
        if not force and labels.get(KEEP_LABEL) != "true":
            continue
        uid = labels.get(UID_LABEL)
        if uid != mine:
            whose = f"owner uid {uid}" if uid else f"no {UID_LABEL} label"
            left.append(f"{container.name} ({whose})")
            continue
        container.remove(force=True, v=True)
        removed.append(str(container.name))
    return removed, left


def stop_and_remove(container: Any) -> list[str]:
    """Stop a node (its stop signal, then a kill after STOP_GRACE seconds) and remove it
    with its volumes; each step on its own. Returns the problems met; a node that is
    already gone is none."""
    import docker.errors

    problems = []
    steps: tuple[tuple[str, Callable[[], object]], ...] = (
        ("stop", lambda: container.stop(timeout=STOP_GRACE)),
        ("remove", lambda: container.remove(force=True, v=True)),
    )
    for step, action in steps:
        try:
            action()
        except docker.errors.NotFound:
            break
        except Exception as exc:
            problems.append(f"{step} {container.name}: {exc}")
    return problems
