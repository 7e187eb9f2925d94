"""The record of the one cluster of a host, under a host-wide lock.

One DAOS cluster fits on a host (its nodes use the host network), shared between
pytest-xdist workers, concurrent sessions, kept and reused clusters and the `pytest-daos`
command. Its record (`cluster.json` in the state folder, written atomically) says who owns
it, its nodes, what makes it compatible with a session's settings (`compat_key`), and the
hugepage reservation to undo. A start writes it twice before its nodes are ready (marked
`ready: false`: after the hugepage reservation, then with the containers), so that a run
killed in any phase leaves what the next one needs to undo it. Whoever removes the cluster
(`remove_recorded`) removes the record; a later session that finds the record of a dead
owner removes that cluster first, and only containers labelled with the record's session.

The state folder is checked (`statedir.secure_state_dir`) before the record or the lock
(`statedir.host_lock`) is used: a record someone else could have written is never acted on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..settings import Settings
from .config_files import ClusterConfig
from .containers import belongs_to, stop_and_remove
from .host import docker_client
from .hugepages import Hugepages, Reservation
from .labels import SESSION_LABEL, Owner
from .recipes import Recipe
from .statedir import (
    StateDirError,
    check_state_dir,
    host_lock,
    open_new,
    read_text,
    secure_state_dir,
)

#: Seconds the end of a run waits for the host lock before it says who holds it.
TEARDOWN_LOCK_WAIT = 120.0
RECORD_FILE = "cluster.json"


@dataclass
class ClusterRecord:
    """What another process needs to use, or remove, the running cluster."""

    owner: dict[str, Any]  # Owner fields: session, pid, boot, started, ...
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
    ready: bool = True  # False while the start runs (or when it was killed half-way)
    failure: str = ""  # the error of a start that failed (nothing of it is left)
    settings_key: str = ""  # which settings that start had
    sharers: list[dict[str, Any]] = field(default_factory=list)  # Owners of other sessions
    left: list[str] = field(default_factory=list)  # sessions done with the cluster
    rebuild_settle: float | None = None  # the recipe's (None: the handle's default)
    #: the settings it was started with, as people write them (`settings.shown_values`;
    #: empty in a record an older pytest-daos wrote), and those not left at their
    #: default with where each came from (`settings.given_settings`)
    settings: dict[str, str] = field(default_factory=dict)
    given: list[str] = field(default_factory=list)

    @property
    def session(self) -> str:
        return str(self.owner["session"])

    def owner_alive(self) -> bool:
        return Owner(**self.owner).is_alive()

    def users(self) -> list[Owner]:
        """The sessions that use the cluster and have not left it: its starter and those
        sharing it."""
        owners = [Owner(**self.owner)] + [Owner(**sharer) for sharer in self.sharers]
        return [owner for owner in owners if owner.session not in self.left]

    def in_use(self, but: str = "") -> bool:
        """Whether a live session other than `but` still uses the cluster."""
        return any(user.session != but and user.is_alive() for user in self.users())


def failure_record(owner: Owner, recipe: Recipe, failure: str, settings_key: str) -> ClusterRecord:
    """The record of a start that failed and was undone: its error, nothing to remove."""
    return ClusterRecord(
        owner=asdict(owner), keep=False, compat="", containers={}, recipe=recipe.name,
        daos_version=recipe.daos_version, iface="", ip="", log_files={}, ready=False,
        failure=failure, settings_key=settings_key,
    )  # fmt: skip


def compat_key(
    recipe: Recipe, image_keys: list[str], config: ClusterConfig, privileged: str
) -> str:
    """Equal when a running cluster is what these settings would start."""
    text = json.dumps([recipe.name, image_keys, asdict(config), privileged], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def made_as(
    record: ClusterRecord,
    recipe: Recipe,
    images: list[tuple[Any, str, str | None]],
    config: ClusterConfig,
    settings: Settings,
) -> bool:
    """Whether the recorded cluster is what `settings` would start now: every image of
    `recipe` is built (`images`: `ImageBuilder.current`'s spec, key and image id of each)
    and the compatibility key is the record's."""
    if any(image_id is None for _, _, image_id in images):
        return False
    keys = [key for _, key, _ in images]
    return compat_key(recipe, keys, config, settings.privileged) == record.compat


def load_record(folder: Path) -> ClusterRecord | None:
    """The record of the cluster on this host, or None: no folder, a folder that is not
    safe to use (what is in it is never trusted; the lock and `save_record` refuse it with
    the fix), no file, a symlink, or a file that is unreadable."""
    try:
        if not check_state_dir(folder):
            return None
        data = json.loads(read_text(folder / RECORD_FILE))
        return ClusterRecord(**data)
    except (StateDirError, OSError, ValueError, TypeError):
        return None


def save_record(folder: Path, record: ClusterRecord) -> None:
    """Write the record atomically (a reader sees the old file or the new, never half),
    through a temporary file made new (never one, or a symlink, left under its name)."""
    secure_state_dir(folder)
    temporary, file = open_new(folder, f".{RECORD_FILE}.")
    try:
        with file:
            file.write(json.dumps(asdict(record), indent=2))
        os.replace(temporary, folder / RECORD_FILE)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def clear_record(folder: Path) -> None:
    (folder / RECORD_FILE).unlink(missing_ok=True)


def remove_recorded(
    client: Any,
    folder: Path,
    record: ClusterRecord,
    hugepages: Hugepages | None = None,
    said: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """Remove the recorded cluster's nodes, give back its hugepages, clear the record;
    `said` gets one line per thing removed.

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
        if not belongs_to(container, record.session):
            problems.append(
                f"left the {role} node {name} alone: the record names it, but its label "
                f"{SESSION_LABEL} is not the record's session {record.session}"
            )
            continue
        stopped = stop_and_remove(container)
        problems += [f"removing the {role} node: {problem}" for problem in stopped]
        if not stopped:
            said(f"removed the {role} node {name}")
    if record.hugepages is not None:
        reservation = Reservation.from_dict(record.hugepages)
        try:
            given_back = (hugepages or Hugepages()).give_back(reservation)
        except Exception as exc:
            problems.append(f"giving back hugepages: {exc}")
        else:
            if given_back:
                said(given_back)
    clear_record(folder)
    return problems


def finish_recorded(
    folder: Path,
    session: str,
    client_factory: Callable[[], Any] = docker_client,
    hugepages: Hugepages | None = None,
    said: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """End of the run of `session`: it leaves the cluster it started or shared; the last
    session out removes it (a kept cluster stays), `said` getting one line per thing
    removed. Returns the problems met."""
    try:
        record = load_record(folder)
        if record is None or record.keep or session not in _sessions(record):
            return []
        try:
            client = client_factory()
        except Exception as exc:
            return [f"cannot reach Docker to remove the cluster: {exc}"]
        with host_lock(folder, timeout=TEARDOWN_LOCK_WAIT):
            record = load_record(folder)
            if record is None or record.keep or session not in _sessions(record):
                return []
            if record.ready and record.in_use(but=session):
                record.left.append(session)  # another session still uses it
                save_record(folder, record)
                return []
            return remove_recorded(client, folder, record, hugepages, said)
    except StateDirError as exc:
        return [str(exc)]


def remove_abandoned(
    folder: Path, session: str, client_factory: Callable[[], Any] = docker_client
) -> list[str]:
    """Remove the cluster of `session` if, under the host lock, the record still names it,
    it is not kept and no session that uses it is alive (its guardian's last act). Returns
    the problems met."""
    try:
        with host_lock(folder, timeout=TEARDOWN_LOCK_WAIT):
            record = load_record(folder)
            if record is None or record.session != session or record.keep:
                return []
            if any(user.is_alive() for user in record.users()):
                return []
            return remove_recorded(client_factory(), folder, record)
    except Exception as exc:
        return [str(exc)]


def _sessions(record: ClusterRecord) -> set[str]:
    return {record.session, *(str(sharer["session"]) for sharer in record.sharers)}
