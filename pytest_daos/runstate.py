"""The plugin's per-run state: the settings, who owns the cluster, and the one running cluster.

Only one DAOS cluster fits on a host (the nodes use the host network), so a run holds at
most one. A fixture that asks for a cluster with other settings (a factory-made cluster
such as `factories.daos_cluster(scm_size=8)`) gets it after the current one is torn down;
handles on the previous cluster stop working then. Under pytest-xdist every worker shares
the one cluster of the run's settings, so there such a fixture fails with OtherSettings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from .client.cluster import DaosCluster
from .client.pool import DaosPool
from .client.supply import ContainerSupply
from .cluster.api import (
    ClusterLifecycle,
    ExistingSystem,
    Interface,
    InterfaceError,
    Lifecycle,
    OtherSettings,
    Owner,
    Recipe,
    finish_recorded,
    load_record,
    prepare,
    try_resolve_iface,
)
from .errors import PytestDaosError
from .report import Kept, Phase, StartReport, summary_lines
from .settings import Settings, apply_overrides

Progress = Callable[[str], None]


class RunState:
    """Everything the plugin keeps for one pytest run."""

    def __init__(
        self, settings: Settings, owner: Owner, worker: bool, recipe: Recipe | None = None
    ) -> None:
        self.settings = settings
        self.recipe = recipe  # the recipe of the run's settings, as prepared (None: not yet)
        self.owner = owner  # who owns the cluster: this session, or the xdist controller
        self.worker = worker  # a pytest-xdist worker: the controller tears the cluster down
        self.controller = False  # a pytest-xdist controller (set when it configures a node)
        self.progress: Progress = lambda message: None
        self.started_at = time.monotonic()
        self.first_test_at: float | None = None
        self.session: Lifecycle | None = None
        self.cluster: DaosCluster | None = None
        self.cluster_settings: Settings | None = None
        self.report: StartReport | None = None
        #: pytest-xdist controller: what each worker's start did (StartReport.to_dict)
        self.worker_reports: list[dict[str, Any]] = []
        self.errors: dict[Settings, BaseException] = {}
        self.teardown_problems: list[str] = []
        #: the handlers of SIGINT and SIGTERM before the plugin's, put back at the end
        self.previous_signals: dict[int, Any] = {}
        self._interfaces: dict[str | None, Interface | InterfaceError] = {}
        self._supplies: dict[tuple[str, str], ContainerSupply] = {}
        #: pool uuid -> the scope of the fixture that made it (containers are made ahead
        #: of need only in pools that outlive the tests)
        self.pool_scopes: dict[str, str] = {}

    def supply(self, pool: DaosPool, type: str, label: Callable[[], str]) -> ContainerSupply:
        """The supply of ready containers of `type` in `pool` (made on first use)."""
        key = (pool.uuid, type)
        if key not in self._supplies:
            self._supplies[key] = ContainerSupply(pool, label, type, self.settings.prefetch)
        return self._supplies[key]

    def close_supplies(self, pool: DaosPool | None = None) -> list[Exception]:
        """Close the container supplies of `pool` (of every pool: None) before it goes
        (the containers it has not destroyed yet go with it); returns the failures met."""
        failures: list[Exception] = []
        for key in [key for key in self._supplies if pool is None or key[0] == pool.uuid]:
            failures += self._supplies.pop(key).close(pool_goes=pool is not None)
        return failures

    @property
    def pool_size(self) -> str:
        """The default size of a pool: that of the running cluster's settings, which follows
        its engines when not given (a cluster fixture's `engines=2` too)."""
        return (self.cluster_settings or self.settings).pool_size

    def interface(self, settings: Settings) -> Interface | InterfaceError:
        """The interface of these settings, resolved once per run (the header, the checks
        and the start all use this answer)."""
        if settings.iface not in self._interfaces:
            self._interfaces[settings.iface] = try_resolve_iface(settings.iface)
        return self._interfaces[settings.iface]

    def lifecycle(self, settings: Settings) -> Lifecycle:
        """The lifecycle of the system the settings name: an existing one (never started
        or stopped here), or a cluster this run starts or shares on Docker."""
        if settings.system == "existing":
            return ExistingSystem(settings)
        recipe = self.recipe if settings == self.settings else None
        return ClusterLifecycle(
            settings, recipe or prepare(settings).recipe, self.progress,
            owner=self.owner, iface=self.interface(settings),
        )  # fmt: skip

    def describe(self, recipe: str) -> str:
        """The header's words for the system of the run's settings, before it starts;
        `recipe` is the recipe as the header names it."""
        return self.lifecycle(self.settings).describe(recipe)

    def cluster_for(self, overrides: Mapping[str, Any] | None = None) -> DaosCluster:
        """The running cluster for these settings: started once, or switched to.

        A failure is kept and raised again to every later caller with the same settings.
        """
        settings = apply_overrides(self.settings, overrides or {})
        if settings in self.errors:
            raise self.errors[settings]
        if self.worker and settings != self.settings:
            asked = ", ".join(f"{name}={value!r}" for name, value in (overrides or {}).items())
            raise OtherSettings(f" ({asked})")
        if self.cluster is not None:
            if self.cluster_settings == settings:
                return self.cluster
            self.progress("switching to a DAOS cluster with other settings")
            self.finish()
        try:
            self.session = self.lifecycle(settings)
            self.report = self.session.report
            self.cluster = self.session.start()
            self.cluster.progress = self.progress  # the drills' waits say they are alive
            self.report = self.session.report
        except (Exception, KeyboardInterrupt) as exc:
            self.errors[settings] = exc
            raise
        self.cluster_settings = settings
        return self.cluster

    def heal(self) -> str | None:
        """Heal the cluster when a fault drill left it with a rank down or a pool degraded;
        what went wrong when it could not be healed (None: healthy, or healed). Around a
        test that needs DAOS (after it, before its fixtures' teardown, and before the next),
        so that a degraded cluster is never reused as it is."""
        if self.cluster is None or not self.cluster.needs_healing:
            return None
        try:
            self.cluster.heal()
        except PytestDaosError as exc:
            return f"pytest-daos: a fault drill left the cluster degraded: {exc}"
        return None

    def finish(self) -> None:
        """Tear down the cluster this run owns: here, or in the pytest-xdist controller
        after every worker (a worker never does; a kept cluster stays)."""
        self.teardown_problems += [str(error) for error in self.close_supplies()]
        said = Phase("teardown: the DAOS cluster of this run")
        if self.cluster is not None and not self.worker:
            self.progress(said)
        if self.controller:
            recorded = load_record(self.settings.state_dir)
            if recorded is not None and self.owner.session in {u.session for u in recorded.users()}:
                self.progress(said)  # its workers used it
            if recorded is not None and recorded.session == self.owner.session:
                self.report = StartReport.from_dict(recorded.report)
            elif self.report is None and self.worker_reports:  # the workers used another's
                self.report = StartReport.from_dict(self.worker_reports[0])
            self.teardown_problems += finish_recorded(
                self.settings.state_dir, self.owner.session, said=self.progress
            )
            return
        if self.session is not None:
            self.report = self.session.report
            if not self.worker:
                self.teardown_problems += self.session.finish()
            self.session = None
        self.cluster = None
        self.cluster_settings = None

    def summary(self) -> list[tuple[str, bool]]:
        """The lines of the terminal summary, each with whether it is bad news."""
        if self.report is None:
            return []
        kept = None
        if (self.settings.keep or self.settings.reuse) and not self.worker:
            recorded = load_record(self.settings.state_dir)
            if recorded is not None and recorded.keep:
                kept = Kept(recorded.session, recorded.containers.get("admin", ""))
        startup = None if self.first_test_at is None else self.first_test_at - self.started_at
        return summary_lines(
            self.report,
            controller=self.controller,
            startup=startup,
            failures=tuple(
                (str(error).splitlines() or [type(error).__name__])[0]
                for error in self.errors.values()
                if isinstance(error, Exception)  # an interruption is said by pytest
            ),
            problems=tuple(self.teardown_problems),
            kept=kept,
        )


STASH = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    return config.stash[STASH]
