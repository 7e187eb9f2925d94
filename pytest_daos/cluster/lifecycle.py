"""One cluster's whole life: Docker, images, hugepages, nodes, readiness, and teardown.

`DaosSession.start` takes the host-wide lock and either attaches to the cluster that is
already running for this session (another pytest-xdist worker started it) or, with
`--daos-reuse`, for compatible settings; or it starts one, phase by phase, and records it in
the state file. `teardown` removes a recorded cluster and gives back its hugepages, each
step on its own, so a failing step never skips the release of the hugepages.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..client.handles import DaosCluster, DaosNode
from ..settings import Settings
from . import config_files
from .doctor import require, run_checks
from .host import (
    Interface,
    check_docker,
    docker_client,
    host_facts,
    missing_capabilities,
    resolve_iface,
)
from .hugepages import Hugepages, Reservation
from .images import ImageBuilder, ImageResult
from .labels import KEEP_LABEL, Owner
from .nodes import (
    ClusterConflict,
    ClusterPlan,
    Deadline,
    DockerCluster,
    reap_orphans,
)
from .recipes import Recipe, load_recipe
from .record import ClusterState, clear_state, host_lock, load_state, save_state

Progress = Callable[[str], None]

#: Which DAOS log files each node writes (read into failure reports).
LOG_FILES = {
    "server": (config_files.SERVER_LOG, config_files.ENGINE_LOG),
    "client": (config_files.AGENT_LOG,),
}


@dataclass
class StartReport:
    """What a start did: images built or cached, phase times, privileged mode."""

    recipe: str = ""
    daos_version: str = ""
    iface: str = ""
    ip: str = ""
    images: list[tuple[str, bool]] = field(default_factory=list)  # (tag, built)
    phases: dict[str, float] = field(default_factory=dict)
    privileged_mode: str = ""
    attached: str = ""  # why an existing cluster was used, when one was

    @property
    def built(self) -> list[str]:
        return [tag for tag, built in self.images if built]

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StartReport:
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        known["images"] = [tuple(image) for image in known.get("images", [])]
        return cls(**known)


def compat_key(recipe: Recipe, image_keys: list[str], config: config_files.ClusterConfig,
               privileged: str) -> str:  # fmt: skip
    """Equal when a running cluster is what these settings would start."""
    text = json.dumps([recipe.name, image_keys, asdict(config), privileged], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cluster_handle(
    docker: DockerCluster, recipe_roles: dict[str, str], iface: str, ip: str
) -> DaosCluster:
    """The DaosCluster handle tests use, over a DockerCluster."""
    nodes = {
        role: DaosNode(role, hostname, docker.transport(role),
                       lambda role=role: docker.logs(role))  # type: ignore[misc]
        for role, hostname in recipe_roles.items()
    }  # fmt: skip
    return DaosCluster(nodes, docker.daos_version, iface, ip, docker.dmg_config)


def attach_state(client: Any, state: ClusterState) -> tuple[DockerCluster, DaosCluster]:
    """Handles on the recorded cluster (StartError when a node is gone or stopped)."""
    from .recipes import HOSTNAMES

    log_files = {role: tuple(paths) for role, paths in state.log_files.items()}
    docker = DockerCluster.attach(
        client, state.containers, state.daos_version, log_files, state.dmg_config or None
    )
    roles = {role: HOSTNAMES[role] for role in state.containers}
    return docker, cluster_handle(docker, roles, state.iface, state.ip)


def teardown(
    client: Any, folder: Path, state: ClusterState, hugepages: Hugepages | None = None
) -> list[str]:
    """Remove the recorded cluster's nodes, give back its hugepages, clear the state file.

    Call with the host lock held. Returns the problems met (each step runs regardless).
    """
    import docker.errors

    problems: list[str] = []
    for role, name in reversed(list(state.containers.items())):
        try:
            container = client.containers.get(name)
            container.stop(timeout=5)
            container.remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
        except Exception as exc:
            problems.append(f"removing the {role} node {name}: {exc}")
    if state.hugepages is not None:
        try:
            (hugepages or Hugepages()).release(Reservation.from_dict(state.hugepages))
        except Exception as exc:
            problems.append(f"releasing hugepages: {exc}")
    clear_state(folder)
    return problems


class DaosSession:
    """Starts, or attaches to, the DAOS cluster of a test session."""

    def __init__(
        self,
        settings: Settings,
        progress: Progress | None = None,
        client_factory: Callable[[], Any] = docker_client,
        hugepages: Hugepages | None = None,
        owner: Owner | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress or (lambda message: None)
        self.client_factory = client_factory
        self.hugepages = hugepages or Hugepages()
        self.recipe: Recipe = load_recipe(settings)
        self.owner = owner or Owner.current()
        self.keep = settings.keep or settings.reuse
        self.report = StartReport(recipe=self.recipe.name, daos_version=self.recipe.daos_version)
        self.cluster: DaosCluster | None = None
        self.client: Any = None
        self._docker: DockerCluster | None = None
        self._reservation: Reservation | None = None

    @property
    def folder(self) -> Path:
        return self.settings.state_dir

    def start(self) -> DaosCluster:
        """Attach to this session's or a compatible running cluster, or start one."""

        def on_wait() -> None:
            self.progress("waiting for another session's DAOS cluster start on this host")

        with host_lock(self.folder, on_wait):
            try:
                return self._start()
            except BaseException:
                self._undo()
                raise

    def _phase(self, name: str, started: float) -> None:
        self.report.phases[name] = time.monotonic() - started

    def _config(self, iface: Interface) -> config_files.ClusterConfig:
        return config_files.ClusterConfig(
            daos_version=self.recipe.daos_version,
            provider=self.recipe.provider,
            iface=iface.name,
            scm_size_gib=self.settings.scm_size,
            bdev_size_gib=self.settings.bdev_size,
            hugepages=self.settings.hugepages,
        )

    def _start(self) -> DaosCluster:
        settings = self.settings
        started = time.monotonic()
        engine = check_docker(self.client_factory)
        self.client = engine[1]
        builder = ImageBuilder(self.client, self.folder, self.progress) if self.client else None
        state = load_state(self.folder)
        if state is not None and self.client is not None and builder is not None:
            attached = self._attach_or_clear(state, builder)
            if attached is not None:
                self._phase("attach", started)
                return attached
        if self.client is not None:
            reap_orphans(self.client)
        require(run_checks(settings, engine))
        assert self.client is not None and builder is not None
        iface = resolve_iface(settings.iface)
        self.report.iface, self.report.ip = iface.name, iface.ip
        self._phase("prerequisites", started)

        started = time.monotonic()
        images = builder.ensure(self.recipe, rebuild=settings.rebuild)
        self.report.images = [(image.tag, image.built) for image in images]
        self._phase("images", started)

        deadline = Deadline(settings.start_timeout)
        started = time.monotonic()
        self._reservation = self.hugepages.reserve(settings.hugepages)
        config = self._config(iface)
        absent = frozenset(
            device for node in self.recipe.nodes for device in node.devices
            if not Path(device).exists()
        )  # fmt: skip
        for device in sorted(absent):
            self.progress(f"this host has no {device}: the nodes run without it")
        plan = ClusterPlan(
            recipe=self.recipe,
            image_tags={image.name: image.tag for image in images},
            iface=iface,
            config_files=config_files.config_files(config, host_facts()),
            owner=self.owner,
            privileged=settings.privileged,
            missing_caps=tuple(missing_capabilities()),
            log_files=LOG_FILES,
            extra_labels={KEEP_LABEL: "true"} if self.keep else {},
            absent_devices=absent,
            node_dirs=config_files.NODE_DIRS,
        )
        self._docker = DockerCluster.planned(self.client, plan, self.progress)
        self.progress("starting the nodes daos-server, daos-admin, daos-client")
        self._docker.start_nodes()
        self.report.privileged_mode = self._docker.privileged_mode or ""
        self._phase("nodes", started)

        started = time.monotonic()
        self._docker.wait_ready(deadline)
        self._phase("format and join", started)

        save_state(self.folder, self._state(images, config))
        roles = {node.role: node.hostname for node in self.recipe.nodes}
        self.cluster = cluster_handle(self._docker, roles, iface.name, iface.ip)
        return self.cluster

    def _state(self, images: list[ImageResult], config: config_files.ClusterConfig) -> ClusterState:
        assert self._docker is not None
        return ClusterState(
            owner=asdict(self.owner),
            keep=self.keep,
            compat=compat_key(
                self.recipe, [image.key for image in images], config, self.settings.privileged
            ),
            containers={role: str(c.name) for role, c in self._docker.containers.items()},
            recipe=self.recipe.name,
            daos_version=self.recipe.daos_version,
            iface=config.iface,
            ip=self.report.ip,
            dmg_config=self._docker.dmg_config or "",
            log_files={role: list(paths) for role, paths in LOG_FILES.items()},
            hugepages=self._reservation.to_dict() if self._reservation else None,
            report=self.report.to_dict(),
        )

    def _attach_or_clear(self, state: ClusterState, builder: ImageBuilder) -> DaosCluster | None:
        """Use the recorded cluster when it is ours or compatible and reuse is asked for;
        tear it down when its owner is gone (or it is kept, incompatible, and reuse is asked
        for); refuse when it belongs to a live session or is kept."""
        ours = state.session == self.owner.session
        why = ""
        if ours:
            why = "started by another worker of this session"
        elif self.settings.reuse and self._compatible(state, builder):
            why = f"reused the kept cluster of session {state.session}"
        if why:
            docker, cluster = attach_state(self.client, state)
            docker.wait_ready(Deadline(self.settings.start_timeout))
            self._docker, self.cluster = None, cluster  # not ours to remove
            self.report = StartReport.from_dict(state.report)
            self.report.attached = why
            self.report.phases = {}
            return cluster
        alive = state.owner_alive()
        if (alive or state.keep) and not (state.keep and self.settings.reuse):
            holder = (
                "a kept DAOS cluster"
                if state.keep
                else f"the DAOS cluster of the running pytest pid {state.owner['pid']}"
            )
            raise ClusterConflict(
                f"{holder} (session {state.session}) holds this host, and only one fits "
                "(host network): "
                + ("reuse it with --daos-reuse (same settings) or remove it with "
                   "`pytest-daos down`" if state.keep else "wait for that run to end")
            )  # fmt: skip
        reason = "incompatible kept" if state.keep else "dead session's"
        self.progress(f"removing the {reason} cluster of session {state.session}")
        for problem in teardown(self.client, self.folder, state, self.hugepages):
            self.progress(f"teardown problem: {problem}")
        return None

    def _compatible(self, state: ClusterState, builder: ImageBuilder) -> bool:
        rows = builder.current(self.recipe)
        if any(image_id is None for _, _, image_id in rows):
            return False
        config = self._config(resolve_iface(self.settings.iface))
        key = compat_key(self.recipe, [key for _, key, _ in rows], config, self.settings.privileged)
        return key == state.compat

    def _undo(self) -> None:
        """Undo a start that failed half-way: its nodes and hugepages."""
        if self._docker is not None:
            self._docker.remove()
            self._docker = None
        if self._reservation is not None:
            try:
                self.hugepages.release(self._reservation)
            finally:
                self._reservation = None

    def finish(self, owner_session: str | None = None) -> list[str]:
        """End of the session: tear down the cluster it owns unless it is kept.

        `owner_session` is the session that owns the cluster (the pytest-xdist controller's),
        by default this one's. Returns the problems met.
        """
        session = owner_session or self.owner.session
        self.cluster = None
        self._docker = None
        state = load_state(self.folder)
        if state is None or state.session != session or state.keep:
            return []
        if self.client is None:
            try:
                self.client = self.client_factory()
            except Exception as exc:
                return [f"cannot reach Docker to remove the cluster: {exc}"]
        with host_lock(self.folder):
            state = load_state(self.folder)
            if state is None or state.session != session or state.keep:
                return []
            return teardown(self.client, self.folder, state, self.hugepages)
