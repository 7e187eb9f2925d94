"""The life of the one cluster a run uses: attach, reuse, replace or start, then finish.

`ClusterLifecycle.start` takes the host-wide lock, reads the host's cluster record and lets
`RecordedCluster` do what `decide` (a pure function) chooses: attach to the cluster another
worker of this run started, reuse a kept one with the same settings, replace one whose
owner is gone, refuse one a live session holds, or start one phase by phase
(prerequisites, images, nodes, format and join) and record it. The record is written
before the nodes start (marked not ready: the hugepage reservation and the containers'
names), so that a run killed in any phase is undone by the next; a record that is not
ready is never attached to. A start that fails half-way is undone. `finish_recorded`
removes the recorded cluster at the end of the run that owns it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import signals
from ..client.cluster import DaosCluster
from ..report import Phase, StartReport
from ..settings import Settings, given_settings, shown_values
from ..waiting import Deadline, NotYet, WaitTimeout, poll
from . import config_files, guardian
from .checks import check_docker
from .containers import ClusterConflict, reap_orphans
from .doctor import require, run_checks
from .handles import cluster_handle
from .host import (
    Interface,
    InterfaceError,
    docker_client,
    host_facts,
    missing_capabilities,
    try_resolve_iface,
)
from .hugepages import Hugepages, Reservation
from .images import ImageBuilder, ImageResult
from .labels import KEEP_LABEL, Owner
from .node_options import ClusterPlan, container_name
from .nodes import DockerCluster
from .operations import describe_cluster
from .recipes import Recipe
from .record import (
    ClusterRecord,
    clear_record,
    compat_key,
    failure_record,
    finish_recorded,
    load_record,
    made_as,
    save_record,
)
from .recorded import RecordedCluster
from .statedir import host_lock

Progress = Callable[[str], None]


class ClusterLifecycle:
    """Starts, or attaches to, the DAOS cluster of a test run: the one of `settings`,
    made from `recipe` (as `recipes.prepare` loaded it; the start learns its commits)."""

    def __init__(
        self,
        settings: Settings,
        recipe: Recipe,
        progress: Progress | None = None,
        client_factory: Callable[[], Any] = docker_client,
        hugepages: Hugepages | None = None,
        owner: Owner | None = None,
        iface: Interface | InterfaceError | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress or (lambda message: None)
        self.client_factory = client_factory
        self.hugepages = hugepages or Hugepages()
        self.recipe = recipe
        self.owner = owner or Owner.current()
        self.iface = try_resolve_iface(settings.iface) if iface is None else iface
        self.keep = settings.keep or settings.reuse
        self.report = StartReport(recipe=self.recipe.name, daos_version=self.recipe.daos_version)
        self.cluster: DaosCluster | None = None
        self.client: Any = None
        self._docker: DockerCluster | None = None
        self._reservation: Reservation | None = None
        self._starting = False
        self._recorded = False  # this start wrote the record: undone with it

    @property
    def folder(self) -> Path:
        return self.settings.state_dir

    def describe(self, recipe: str) -> str:
        """The cluster these settings start, for the pytest header (`recipe` as the header
        names it), from the settings and this host: nothing is built or started for it."""
        return describe_cluster(self.settings, self.iface, recipe)

    def start(self) -> DaosCluster:
        """Attach to this session's, a compatible kept or a shared running cluster, or
        start one. While another live session's cluster with other settings holds the
        host, wait for it to go (saying so), up to the start timeout."""
        said: list[str] = []
        self.recipe = self.recipe.with_commits()  # the images' keys need them

        def attempt() -> DaosCluster:
            try:
                return self._start_locked()
            except ClusterConflict as exc:
                if not exc.waitable:
                    raise
                if not said:
                    said.append(str(exc))
                    self.progress(
                        f"waiting up to {self.settings.start_timeout:g}s for the other "
                        f"session's cluster to go: {exc}"
                    )
                raise NotYet(exc) from None

        try:
            return poll(attempt, Deadline(self.settings.start_timeout), "the host to be free")
        except WaitTimeout as exc:
            raise exc.last if isinstance(exc.last, ClusterConflict) else exc from None

    def _start_locked(self) -> DaosCluster:
        def on_wait(holder: str) -> None:
            self.progress(f"waiting for the DAOS cluster lock of this host, held by {holder}")

        with host_lock(self.folder, on_wait, timeout=self.settings.start_timeout):
            try:
                return self._start()
            except BaseException as error:
                problems = self._undo()
                if isinstance(error, Exception) and self._starting:
                    self._record_failure(error)
                if problems and isinstance(error, Exception) and error.args:
                    # the start's error stays the error; what the cleanup met is added
                    error.args = (
                        f"{error.args[0]}\nundoing the failed start also met: "
                        + "; ".join(problems),
                        *error.args[1:],
                    )
                raise

    def finish(self) -> list[str]:
        """End of the run: remove the cluster it owns unless it is kept."""
        self.cluster = None
        self._docker = None
        return finish_recorded(
            self.folder, self.owner.session, self.client_factory, self.hugepages, self.progress
        )

    # -- the start, phase by phase --------------------------------------------------------

    def _start(self) -> DaosCluster:
        started = time.monotonic()
        engine = check_docker(self.client_factory)
        self.client = engine[1]
        builder = ImageBuilder(self.client, self.folder, self.progress) if self.client else None
        if builder is not None:
            attached = self._use_recorded(builder, started)
            if attached is not None:
                return attached
            reap_orphans(self.client)
            self._starting = True  # the host is this run's: a failure is recorded
        self.progress(Phase(f"starting a DAOS cluster ({self.recipe.name} recipe, DAOS "
                            f"{self.recipe.daos_version}): checking this host"))  # fmt: skip
        require(run_checks(self.settings, self.recipe, engine, iface=self.iface), self.settings)
        assert builder is not None and isinstance(self.iface, Interface)
        self.report.iface, self.report.ip = self.iface.name, self.iface.ip
        self._phase("prerequisites", started)

        started = time.monotonic()
        self.progress(Phase(f"checking the recipe's {len(self.recipe.images)} images, building "
                            "those missing or stale"))  # fmt: skip
        images = builder.ensure(self.recipe, rebuild=self.settings.rebuild)
        self.report.images = [(image.tag, image.built) for image in images]
        self._phase("images", started)

        deadline = Deadline(self.settings.start_timeout)
        started = time.monotonic()
        self._docker = self._start_nodes(images, self.iface)
        self._phase("nodes", started)

        started = time.monotonic()
        self.progress(Phase("waiting for the control plane, the format and every rank to join"))
        self._docker.wait_ready(deadline, self.settings.engines)
        self._phase("format and join", started)

        save_record(self.folder, self._record(images, self.iface, ready=True))
        roles = {node.role: node.hostname for node in self.recipe.nodes}
        self.cluster = cluster_handle(
            self._docker, roles, self.iface.name, self.iface.ip, self.recipe.rebuild_settle
        )
        self._recorded = False  # started: the record is the finish's business now
        return self.cluster

    def _phase(self, name: str, started: float) -> None:
        self.report.phases[name] = time.monotonic() - started

    def _config(self, iface: Interface) -> config_files.ClusterConfig:
        return config_files.ClusterConfig(
            daos_version=self.recipe.daos_version, provider=self.recipe.provider,
            iface=iface.name, scm_size_gib=self.settings.scm_size,
            bdev_size_gib=self.settings.bdev_size, hugepages=self.settings.hugepages,
            engines=self.settings.engines,
        )  # fmt: skip

    def _start_nodes(self, images: list[ImageResult], iface: Interface) -> DockerCluster:
        """Hugepages reserved, the configuration written, the three nodes started; the
        record (not ready) written after the reservation and again once the nodes exist."""
        self._reservation = self.hugepages.reserve(self.settings.hugepages)
        self._recorded = True  # before the write: a half-written record is cleared too
        save_record(self.folder, self._record(images, iface, ready=False))
        if not self.keep:
            guardian.spawn(self.folder, self.owner.session)  # removes it if we are killed
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
            config_files=config_files.config_files(self._config(iface), host_facts()),
            owner=self.owner,
            privileged=self.settings.privileged,
            missing_caps=tuple(missing_capabilities()),
            log_files=config_files.log_files(self.settings.engines),
            extra_labels={KEEP_LABEL: "true"} if self.keep else {},
            absent_devices=absent,
            node_dirs=config_files.NODE_DIRS,
        )
        docker = DockerCluster.planned(self.client, plan, self.progress)
        self._docker = docker  # undone by _undo if the start fails from here on
        self.progress(Phase("starting the nodes daos-server, daos-admin, daos-client"))
        with signals.held():  # an interrupted create leaves a container Docker finishes
            docker.start_nodes()
        self.report.privileged_mode = docker.privileged_mode or ""
        save_record(self.folder, self._record(images, iface, ready=False))
        return docker

    def _record(self, images: list[ImageResult], iface: Interface, ready: bool) -> ClusterRecord:
        """The record of the cluster this run starts: its containers by the names they get
        (before they exist too), the hugepage reservation, `ready` once it has joined."""
        names = {node.role: container_name(self.owner, node.role) for node in self.recipe.nodes}
        if self._docker is not None:
            names.update({role: str(c.name) for role, c in self._docker.containers.items()})
        return ClusterRecord(
            owner=asdict(self.owner),
            keep=self.keep,
            compat=compat_key(
                self.recipe,
                [image.key for image in images],
                self._config(iface),
                self.settings.privileged,
            ),
            containers=names,
            recipe=self.recipe.name,
            daos_version=self.recipe.daos_version,
            iface=iface.name,
            ip=iface.ip,
            dmg_config=(self._docker.dmg_config or "") if self._docker else "",
            log_files={
                role: list(paths)
                for role, paths in config_files.log_files(self.settings.engines).items()
            },
            hugepages=self._reservation.to_dict() if self._reservation else None,
            report=self.report.to_dict(),
            ready=ready,
            settings_key=self.settings.key,
            rebuild_settle=self.recipe.rebuild_settle,
            settings=shown_values(self.settings),
            given=given_settings(self.settings),
        )

    # -- a recorded cluster -----------------------------------------------------------------

    def _use_recorded(self, builder: ImageBuilder, started: float) -> DaosCluster | None:
        """Attach to or reuse the recorded cluster when `decide` says so (None: start one,
        after removing a replaced one); ClusterConflict when it may not be touched."""
        record = load_record(self.folder)
        if record is None:
            return None
        found = RecordedCluster(record, self.client, self.folder, self.hugepages, self.progress)
        used = found.use(
            self.owner, self.settings, self.settings.key,
            compatible=lambda: self._compatible(record, builder),
        )  # fmt: skip
        if used is None:
            return None
        cluster, why = used
        self._docker, self.cluster = None, cluster  # not ours to remove
        self.report = StartReport.from_dict(record.report)
        self.report.attached = why
        self.report.phases = {"attach": time.monotonic() - started}
        return cluster

    def _compatible(self, record: ClusterRecord, builder: ImageBuilder) -> bool:
        if not isinstance(self.iface, Interface):
            return False
        current = builder.current(self.recipe)
        return made_as(record, self.recipe, current, self._config(self.iface), self.settings)

    def _record_failure(self, error: Exception) -> None:
        """Record the failed start (nothing of it is left), so that the other workers of
        this run fail at once with its error instead of trying again."""
        failed = failure_record(self.owner, self.recipe, str(error), self.settings.key)
        try:
            save_record(self.folder, failed)
        except Exception as exc:  # the start's own error is the one to show
            self.progress(f"could not record the failed start: {exc}")

    def _undo(self) -> list[str]:
        """Undo a start that failed half-way: its nodes, hugepages and record (so that no
        later run gives the hugepages back a second time), each step on its own. Returns
        the problems met; never raises, so the start's own error is the one shown."""
        problems: list[str] = []
        if self._docker is not None:
            try:
                problems += self._docker.remove()
            except Exception as exc:
                problems.append(f"removing the nodes: {exc}")
            self._docker = None
        if self._reservation is not None:
            try:
                self.hugepages.give_back(self._reservation)
            except Exception as exc:
                problems.append(f"giving back hugepages: {exc}")
            self._reservation = None
        if self._recorded:
            self._recorded = False
            try:
                clear_record(self.folder)
            except OSError as exc:
                problems.append(f"clearing the record: {exc}")
        return problems
