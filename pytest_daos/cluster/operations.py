"""What the pytest face and the `pytest-daos` command ask of this host's cluster and images
besides a start: the header's words, and the steps behind `down`, `status`, `logs`,
`build` and `prune`. Each asks Docker itself and hands back what it found, to be printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..client.dmg import Member
from ..settings import Settings
from .containers import reap_unrecorded
from .handles import attach_record
from .host import Interface, InterfaceError, docker_client, missing_capabilities
from .images import ImageBuilder, ImageResult
from .labels import Liveness
from .recipes import Recipe, describe_release, known_recipes
from .record import ClusterRecord, load_record, remove_recorded
from .statedir import host_lock

ClientFactory = Callable[[], Any]


def describe_cluster(settings: Settings, iface: Interface | InterfaceError, recipe: str) -> str:
    """The pytest header's words for the cluster these settings start on Docker (`recipe`
    as the header names it), from the settings and this host: nothing is built for them."""
    where = f"unusable: {iface}" if isinstance(iface, Exception) else f"{iface.name} ({iface.ip})"
    missing = missing_capabilities()
    if settings.privileged == "yes" or (settings.privileged == "auto" and not missing):
        mode = "--privileged"
    else:
        mode = "explicit capabilities" + (
            f" (this runtime lacks {', '.join('CAP_' + name for name in missing)})"
            if missing
            else ""
        )
    return (
        f"DAOS {describe_release(settings)}, recipe {recipe}, interface {where}, "
        f"nodes run with {mode}"
    )


@dataclass(frozen=True)
class Down:
    """What `down` did: the recorded cluster removed (the problems met on the way) or left
    to the sessions that use it (`refused` says who), or, with no record, this user's
    containers of ours that no record names removed and other users' left (`left`: each
    one's name and why)."""

    record: ClusterRecord | None  # None: no cluster is recorded
    removed: list[str] = field(default_factory=list)  # no record: the containers removed
    refused: str = ""
    problems: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # no record: other users' containers


def down(settings: Settings, force: bool, client_factory: ClientFactory = docker_client) -> Down:
    """Remove the cluster of this host and give back its hugepages, under the host lock;
    not while a session that uses it runs or cannot be seen to have ended (unless `force`).
    With no record: this user's kept containers of ours (with `force`, all of them)."""
    client = client_factory()
    with host_lock(settings.state_dir, timeout=settings.start_timeout):
        record = load_record(settings.state_dir)
        if record is None:
            removed, left = reap_unrecorded(client, force)
            return Down(None, removed=removed, left=left)
        users = [] if force else [(user, user.liveness()) for user in record.users()]
        using = [(user, seen) for user, seen in users if seen is not Liveness.GONE]
        if using:
            named = "; ".join(
                f"session {user.session} (owner {user.describe()}, {seen.value})"
                for user, seen in using
            )
            return Down(
                record,
                refused=f"the cluster is in use by {named}: let that run end, or, if it "
                "has ended, use --force",
            )
        return Down(record, problems=remove_recorded(client, settings.state_dir, record))


def node_states(client: Any, record: ClusterRecord) -> dict[str, str]:
    """Each recorded node's container state by role ("gone" when Docker cannot say)."""
    states = {}
    for role, name in record.containers.items():
        try:
            states[role] = str(client.containers.get(name).status)
        except Exception:
            states[role] = "gone"
    return states


@dataclass(frozen=True)
class Status:
    """The recorded cluster's nodes and ranks as Docker and `dmg` see them."""

    states: dict[str, str]  # role -> container state
    members: list[Member] | None  # the ranks; None when they could not be asked
    problem: str = ""  # why they could not


def status(record: ClusterRecord, client_factory: ClientFactory = docker_client) -> Status:
    """The recorded cluster's node states and its ranks (`dmg system query`)."""
    client = client_factory()
    states = node_states(client, record)
    try:
        _, cluster = attach_record(client, record)
        members = cluster.members()
    except Exception as exc:
        return Status(states, None, str(exc))
    return Status(states, members)


def node_logs(
    record: ClusterRecord,
    roles: list[str],
    lines: int,
    client_factory: ClientFactory = docker_client,
) -> Iterator[tuple[str, str, str]]:
    """(role, source, text): the last `lines` of each source of each node in `roles` (all
    the recorded nodes when empty), one node after the other."""
    docker, _ = attach_record(client_factory(), record)
    for role in roles or list(record.containers):
        for source, text in docker.logs(role, lines).items():
            yield role, source, text


def build_images(
    settings: Settings,
    recipe: Recipe,
    progress: Callable[[str], None],
    client_factory: ClientFactory = docker_client,
) -> list[ImageResult]:
    """Build the recipe's images that are missing or stale (all with --daos-rebuild)."""
    builder = ImageBuilder(client_factory(), settings.state_dir, progress=progress)
    return builder.ensure(recipe.with_commits(), rebuild=settings.rebuild)


def prune_images(
    settings: Settings,
    recipe: Recipe,
    dry_run: bool,
    client_factory: ClientFactory = docker_client,
) -> list[str]:
    """Remove the images pytest-daos built that no recipe these settings can name has
    (`recipe`: the one they name; `dry_run`: only say so); a line for each."""
    recipes = known_recipes(settings, recipe)
    return ImageBuilder(client_factory(), settings.state_dir).prune(recipes, dry_run=dry_run)
