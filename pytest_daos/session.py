"""One cluster's whole life: Docker, images, hugepages, nodes, readiness, and teardown.

`DaosSession.start` runs the phases in order, each timed; `stop` undoes them in reverse,
each step on its own, so a failing step never skips the release of the hugepages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import daos_config
from .cluster import ClusterPlan, Deadline, DockerCluster, reap_orphans
from .doctor import require, run_checks
from .handles import DaosCluster, DaosNode
from .host import (
    Check,
    Interface,
    check_docker,
    docker_client,
    host_facts,
    missing_capabilities,
    resolve_iface,
)
from .hugepages import Hugepages, Reservation
from .images import ImageBuilder, ImageResult
from .labels import Owner
from .recipes import Recipe, load_recipe
from .settings import Settings

Progress = Callable[[str], None]

#: Which DAOS log files each node writes (read into failure reports).
LOG_FILES = {
    "server": (daos_config.SERVER_LOG, daos_config.ENGINE_LOG),
    "client": (daos_config.AGENT_LOG,),
}


@dataclass
class StartReport:
    """What a start did: images built or cached, phase times, privileged mode."""

    recipe: str = ""
    daos_version: str = ""
    iface: Interface | None = None
    images: list[ImageResult] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    privileged_mode: str = ""
    reaped: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def built(self) -> list[str]:
        return [image.tag for image in self.images if image.built]

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


class DaosSession:
    """Starts one DAOS cluster for a test session and tears it down again."""

    def __init__(
        self,
        settings: Settings,
        progress: Progress | None = None,
        client_factory: Callable[[], Any] = docker_client,
        hugepages: Hugepages | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress or (lambda message: None)
        self.client_factory = client_factory
        self.hugepages = hugepages or Hugepages()
        self.recipe: Recipe = load_recipe(settings)
        self.owner = Owner.current()
        self.report = StartReport(recipe=self.recipe.name, daos_version=self.recipe.daos_version)
        self.cluster: DaosCluster | None = None
        self._docker: DockerCluster | None = None
        self._reservation: Reservation | None = None

    def start(self) -> DaosCluster:
        """Run every phase; on failure, undo what was done and raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _phase(self, name: str, started: float) -> None:
        self.report.phases[name] = time.monotonic() - started

    def _start(self) -> DaosCluster:
        settings = self.settings
        started = time.monotonic()
        engine = check_docker(self.client_factory)
        client = engine[1]
        if client is not None:
            self.report.reaped = reap_orphans(client)
        self.report.checks = run_checks(settings, engine)
        require(self.report.checks)
        iface = resolve_iface(settings.iface)
        self.report.iface = iface
        self._phase("prerequisites", started)

        started = time.monotonic()
        builder = ImageBuilder(client, settings.state_dir, self.progress)
        self.report.images = builder.ensure(self.recipe, rebuild=settings.rebuild)
        self._phase("images", started)

        deadline = Deadline(settings.start_timeout)
        started = time.monotonic()
        self._reservation = self.hugepages.reserve(settings.hugepages)
        facts = host_facts()
        config = daos_config.ClusterConfig(
            daos_version=self.recipe.daos_version,
            provider=self.recipe.provider,
            iface=iface.name,
            scm_size_gib=settings.scm_size,
            bdev_size_gib=settings.bdev_size,
            hugepages=settings.hugepages,
        )
        plan = ClusterPlan(
            recipe=self.recipe,
            image_tags={image.name: image.tag for image in self.report.images},
            iface=iface,
            config_files=daos_config.config_files(config, facts),
            owner=self.owner,
            privileged=settings.privileged,
            missing_caps=tuple(missing_capabilities()),
            log_files=LOG_FILES,
        )
        self._docker = DockerCluster(client, plan, self.progress)
        self.progress("starting the nodes daos-server, daos-admin, daos-client")
        self._docker.start_nodes()
        self.report.privileged_mode = self._docker.privileged_mode or ""
        self._phase("nodes", started)

        started = time.monotonic()
        self._docker.wait_ready(deadline)
        self._phase("format and join", started)

        docker = self._docker
        nodes = {
            node.role: DaosNode(
                node.role,
                node.hostname,
                docker.transport(node.role),
                lambda role=node.role: docker.logs(role),  # type: ignore[misc]
            )
            for node in self.recipe.nodes
        }
        self.cluster = DaosCluster(nodes, self.recipe.daos_version, iface.name, iface.ip)
        return self.cluster

    def stop(self) -> list[str]:
        """Remove the nodes, then release the hugepages; returns the problems met."""
        problems: list[str] = []
        if self._docker is not None:
            try:
                problems += self._docker.remove()
            except Exception as exc:
                problems.append(f"removing the nodes: {exc}")
            self._docker = None
        if self._reservation is not None:
            try:
                self.hugepages.release(self._reservation)
            except Exception as exc:
                problems.append(f"releasing hugepages: {exc}")
            self._reservation = None
        self.cluster = None
        return problems
