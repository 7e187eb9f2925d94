"""Fixture factories: the default fixtures are made by these, and a conftest makes more.

    from pytest_daos import factories

    daos_big = factories.daos_cluster(scm_size="8G", bdev_size="16G")
    big_pool = factories.daos_pool("daos_big", size="6G")
    big_container = factories.daos_container("big_pool", type="HDF5")

A cluster fixture takes the settings of the command line and ini file, with its own
arguments on top (any option name: `scm_size`, `hugepages`, `pool_size`, `version`, ...).
Only one cluster runs on a host at a time: asking for a cluster with other settings tears
the running one down first. Everything a fixture creates is destroyed at the end of its
scope, also when the test failed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

import pytest

from . import timeouts
from .client import drills
from .client.cluster import DaosCluster
from .client.container import DaosContainer
from .client.envelope import DaosError
from .client.node import DaosNode
from .client.pool import DaosPool
from .cluster.api import PrerequisiteError
from .errors import PoolSpaceError, PytestDaosError
from .runstate import RunState, run_state

#: Marks a fixture function as one that needs the DAOS cluster (tests using it get `daos`).
#: Marker of a test whose `daos_container` is made in its own setup, not ahead of need.
FRESH_MARKER = "daos_fresh_container"
MARK = "_pytest_daos_fixture"
#: On a cluster fixture function: the settings it puts on top of the options.
SETTINGS = "_pytest_daos_settings"


F = TypeVar("F", bound=Callable[..., Any])
Scope = Literal["session", "package", "module", "class", "function"]


def _needs_daos(function: F) -> F:
    """A fixture function of the plugin: tests using it need DAOS, and the running test's
    pytest-timeout timer is held while it sets up and tears down."""
    held = timeouts.holding(function)
    setattr(held, MARK, True)
    return held


def unique_label(prefix: str, request: pytest.FixtureRequest) -> str:
    """A label naming the run's session and the pytest-xdist worker, unique within them:
    `pool_3f2a9c1b0d4e_gw1_5c7d2e`."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    session = run_state(request.config).owner.session
    return f"{prefix}_{session}_{worker}_{uuid.uuid4().hex[:6]}"


def _cluster(request: pytest.FixtureRequest, overrides: dict[str, Any]) -> DaosCluster:
    """The cluster; a host whose state cannot run DAOS skips the test, another failure (a
    setting the user gave that cannot work on this host too) fails it."""
    try:
        return run_state(request.config).cluster_for(overrides)
    except PrerequisiteError as exc:
        message, skip = f"pytest-daos: {exc}", exc.host_state
    except (PytestDaosError, RuntimeError) as exc:
        message, skip = f"pytest-daos could not start DAOS: {exc}", False
    if skip:  # outside the except blocks: no chained traceback in the report
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def daos_cluster(scope: Scope = "session", **settings: Any) -> Any:
    """A fixture giving the running `DaosCluster`, with `settings` on top of the options."""

    @_needs_daos
    def cluster_fixture(request: pytest.FixtureRequest) -> DaosCluster:
        """`DaosCluster`: `.server`, `.admin`, `.client` (`DaosNode`), `.dmg(*args)`,
        `.daos(*args)` (the parsed `-j` response), `.members()`, `.create_pool(label, size)`,
        `.version`, `.iface`, `.ip`."""
        return _cluster(request, settings)

    setattr(cluster_fixture, SETTINGS, settings)  # on the function pytest keeps
    return pytest.fixture(scope=scope)(cluster_fixture)


def daos_client(cluster: str = "daos_cluster") -> Any:
    """A session fixture giving the client node of the cluster fixture named `cluster`."""

    @pytest.fixture(scope="session")
    @_needs_daos
    def client_fixture(request: pytest.FixtureRequest) -> DaosNode:
        """The client `DaosNode` (daos-client): `.exec(argv)`, `.put`, `.get`, `.logs()`."""
        handle: DaosCluster = request.getfixturevalue(cluster)
        return handle.client

    return client_fixture


def daos_pool_factory(cluster: str = "daos_cluster", scope: Scope = "session") -> Any:
    """A fixture giving `create(size=None, label=None, properties=None) -> DaosPool`.

    Pools are made in the cluster fixture named `cluster` (size default: --daos-pool-size)
    and all destroyed at the end of the fixture's scope.
    """

    @pytest.fixture(scope=scope)
    @_needs_daos
    def pool_factory_fixture(
        request: pytest.FixtureRequest,
    ) -> Iterator[Callable[..., DaosPool]]:
        """`create(size=None, label=None, properties=None) -> DaosPool` (size default:
        `--daos-pool-size`); every pool made is destroyed at the end of the scope."""
        handle: DaosCluster = request.getfixturevalue(cluster)
        default_size = run_state(request.config).pool_size
        made: list[DaosPool] = []

        def create(
            size: str | None = None, label: str | None = None, properties: str | None = None
        ) -> DaosPool:
            pool = _create_pool(
                request, handle, label or unique_label("pool", request), size or default_size,
                properties,
            )  # fmt: skip
            run_state(request.config).pool_scopes[pool.uuid] = scope
            made.append(pool)
            return pool

        yield create
        _destroy_pools(run_state(request.config), made)

    return pool_factory_fixture


def daos_pool(
    cluster: str = "daos_cluster", size: str | None = None, label: str | None = None,
    scope: Scope = "session",
) -> Any:  # fmt: skip
    """A fixture giving one pool in the cluster fixture named `cluster`, destroyed after."""
    doc = f"""`DaosPool` of {size or "`--daos-pool-size`"}: `.label`, `.uuid`, `.total_bytes`,
        `.tier_bytes`, `.svc_reps`, `.query()`, `.create_container(label=None, type="POSIX")`;
        destroyed at the end of its scope ({scope})."""
    return _pool_fixture(cluster, size, label, scope, service_ranks=None, doc=doc)


def daos_drill_pool(
    cluster: str = "daos_cluster", size: str | None = None, scope: Scope = "function"
) -> Any:
    """A fixture giving a pool ready for fault drills: its service on one rank (take down
    `pool.fault_rank()`), on every rank, of `size` (default: 2G per rank), destroyed after.
    A cluster with fewer than 2 ranks skips the test, saying to run with --daos-engines=2."""
    per_rank = f"{drills.DRILL_POOL_GB_PER_RANK}G per rank"
    doc = f"""`DaosPool` for fault drills, on every rank, of {size or per_rank}, its
        service on one rank (it answers while `.fault_rank()` is down): `.health()`,
        `.exclude(r)`, `.reintegrate(r)`, `.wait_rebuild()`; destroyed at the end of its scope
        ({scope}). Fewer than 2 ranks skip the test (run with `--daos-engines=2`)."""
    ranks = drills.DRILL_SERVICE_RANKS
    return _pool_fixture(cluster, size, None, scope, service_ranks=ranks, doc=doc)


def _pool_fixture(
    cluster: str, size: str | None, label: str | None, scope: Scope, service_ranks: int | None,
    doc: str,
) -> Any:  # fmt: skip
    def pool_fixture(request: pytest.FixtureRequest) -> Iterator[DaosPool]:
        handle: DaosCluster = request.getfixturevalue(cluster)
        default_size = run_state(request.config).pool_size
        if service_ranks is not None:
            ranks = _drill_ranks(handle)
            default_size = f"{drills.DRILL_POOL_GB_PER_RANK * ranks}G"
        pool = _create_pool(
            request, handle, label or unique_label("pool", request), size or default_size,
            service_ranks=service_ranks,
        )  # fmt: skip
        run_state(request.config).pool_scopes[pool.uuid] = scope
        yield pool
        _destroy_pools(run_state(request.config), [pool])

    pool_fixture.__doc__ = doc  # before pytest and the timer's wrapper take the function
    return pytest.fixture(scope=scope)(_needs_daos(pool_fixture))


def _drill_ranks(handle: DaosCluster) -> int:
    """The number of ranks; the test is skipped, saying why, when a drill needs more."""
    ranks = len(handle.ranks)
    if ranks < drills.DRILL_RANKS:
        pytest.skip(
            f"pytest-daos: a fault drill needs {drills.DRILL_RANKS} ranks at least and the cluster "
            f"has {ranks}: run with --daos-engines={drills.DRILL_RANKS}"
        )
    return ranks


def daos_drill_container(pool: str = "daos_drill_pool", scope: Scope = "function") -> Any:
    """A fixture giving a fresh POSIX container in the pool fixture named `pool` whose data
    survives the loss of one rank (redundancy factor 1 at rank level, object class RP_2G1
    for files and directories), destroyed after."""

    def drill_container_fixture(request: pytest.FixtureRequest) -> Iterator[DaosContainer]:
        handle: DaosPool = request.getfixturevalue(pool)
        container = handle.create_container(
            unique_label("cont", request), "POSIX", properties=drills.DRILL_PROPERTIES,
            oclass=drills.DRILL_OCLASS,
        )  # fmt: skip
        yield container
        _destroy_all([container])

    drill_container_fixture.__doc__ = f"""A fresh POSIX `DaosContainer` in `{pool}` whose
        files and directories have a replica on two ranks ({drills.DRILL_PROPERTIES}, object
        class {drills.DRILL_OCLASS}), so its data survives the loss of one: `.mount()`,
        `.exec(argv)`, `.query()`; destroyed at the end of its scope ({scope})."""
    return pytest.fixture(scope=scope)(_needs_daos(drill_container_fixture))


def _create_pool(
    request: pytest.FixtureRequest, cluster: DaosCluster, label: str, size: str,
    properties: Any = None, service_ranks: int | None = None,
) -> DaosPool:  # fmt: skip
    """`cluster.create_pool`; DAOS's DER_NOSPACE becomes a PoolSpaceError naming the sizes
    and, under pytest-xdist, that every worker makes its own session pool."""
    try:
        return cluster.create_pool(label, size, properties=properties, service_ranks=service_ranks)
    except DaosError as exc:
        if exc.name != "DER_NOSPACE":
            raise
        state = run_state(request.config)
        settings = state.cluster_settings or state.settings
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        who = (
            f"{workers} pytest-xdist workers each make their own session pool (and the pools "
            "their tests make), and the cluster holds fewer"
            if workers > 1
            else "the pools made before it take the rest"
        )
        raise PoolSpaceError(
            f"the pool {label} of {size} does not fit in the cluster's storage "
            f"(--daos-scm-size={settings.scm_size} GiB, --daos-bdev-size={settings.bdev_size} "
            f"GiB; DAOS answered {exc.message}): {who} (real DAOS 2.6.5 with the default sizes "
            "held three or four pools of 2G). Give a smaller --daos-pool-size (1.2G per engine is "
            "the least), a larger --daos-scm-size and --daos-bdev-size"
            + (", or fewer workers (-n)" if workers > 1 else "")
        ) from None


def daos_container_factory(pool: str = "daos_pool", scope: Scope = "function") -> Any:
    """A fixture giving `create(label=None, type="POSIX", properties=None) -> DaosContainer`
    in the pool fixture named `pool`; every container made is destroyed after the scope."""

    @pytest.fixture(scope=scope)
    @_needs_daos
    def container_factory_fixture(
        request: pytest.FixtureRequest,
    ) -> Iterator[Callable[..., DaosContainer]]:
        """`create(label=None, type="POSIX", properties=None) -> DaosContainer`; all
        destroyed after the test."""
        handle: DaosPool = request.getfixturevalue(pool)
        made: list[DaosContainer] = []

        def create(
            label: str | None = None, type: str = "POSIX", properties: str | None = None
        ) -> DaosContainer:
            container = handle.create_container(
                label or unique_label("cont", request), type, properties=properties
            )
            made.append(container)
            return container

        yield create
        _destroy_all(made)

    return container_factory_fixture


def daos_container(pool: str = "daos_pool", type: str = "POSIX", scope: Scope = "function") -> Any:
    """A fixture giving a fresh container in the pool fixture named `pool`, used by this
    test alone and destroyed after it.

    When the pool outlives the test, the container was made ahead of need while earlier
    tests ran and is destroyed in the background (--daos-prefetch); the marker
    `daos_fresh_container` (or --daos-prefetch=0) makes it in the test's own setup and
    destroys it in its teardown instead.
    """

    def container_fixture(request: pytest.FixtureRequest) -> Iterator[DaosContainer]:
        handle: DaosPool = request.getfixturevalue(pool)
        state = run_state(request.config)
        if not _made_ahead(request, handle, scope):
            container = handle.create_container(unique_label("cont", request), type)
            yield container
            _destroy_all([container])
            return
        supply = state.supply(handle, type, lambda: unique_label("cont", request))
        container = supply.take()
        try:
            yield container
        finally:
            supply.give_back(container)

    container_fixture.__doc__ = f"""A fresh {type} `DaosContainer` in `{pool}`: `.label`,
        `.uuid`, `.pool`, `.type`, `.query()`, `.exec(argv)` on the client with
        `DAOS_POOL`/`DAOS_CONT` set, `.mount()` (dfuse on the client; returns the mount
        point); used by this test alone, made ahead of need while earlier tests run and
        unmounted and destroyed after it in the background (`--daos-prefetch`; the marker
        `daos_fresh_container` makes it in the test's setup and destroys it in its
        teardown)."""
    return pytest.fixture(scope=scope)(_needs_daos(container_fixture))


def _made_ahead(request: pytest.FixtureRequest, pool: DaosPool, scope: Scope) -> bool:
    """Whether this test's container comes from a supply: prefetching is on, the test does
    not ask for a fresh one, and the pool (made by one of these factories) lives longer
    than the container fixture."""
    state = run_state(request.config)
    if state.settings.prefetch <= 0:
        return False
    if request.node.get_closest_marker(FRESH_MARKER) is not None:
        return False
    order = ("function", "class", "module", "package", "session")
    pool_scope = state.pool_scopes.get(pool.uuid, "function")
    return order.index(pool_scope) > order.index(scope)


def _destroy_pools(state: RunState, pools: list[DaosPool]) -> None:
    """Close the container supplies of each pool, then destroy the pools (newest first);
    the first failure is raised after trying all (a pool's own before a supply's)."""
    failures = [error for pool in pools for error in state.close_supplies(pool)]
    _destroy_all(pools)
    if failures:
        raise failures[0]


def _destroy_all(objects: list[Any]) -> None:
    """Destroy each (newest first); the first failure is raised after trying all."""
    failure: Exception | None = None
    for item in reversed(objects):
        try:
            item.destroy()
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
