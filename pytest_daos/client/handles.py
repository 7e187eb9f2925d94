"""The objects tests use: `DaosCluster`, `DaosNode`, `DaosPool`, `DaosContainer`.

They hold no pytest state: each wraps transports and the `dmg`/`daos` command layers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..waiting import Deadline
from . import drills
from .daos import Daos, dfuse_argv
from .dmg import Dmg, Member, Properties
from .drills import CALL_TIMEOUT, DOWN_STATES, DrillError, PoolState
from .envelope import DaosError, ProtocolError
from .transport import CommandError, ExecResult, NodeTransport

LogReader = Callable[[], Mapping[str, str]]


class DaosNode:
    """One node of the cluster (daos-server, daos-admin or daos-client)."""

    def __init__(self, role: str, hostname: str, transport: NodeTransport, logs: LogReader) -> None:
        self.role = role
        self.hostname = hostname
        self.transport = transport
        self._logs = logs

    def __repr__(self) -> str:
        return f"DaosNode({self.hostname!r})"

    def exec(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run argv (a list, never a shell string) on the node.

        With `check`, a non-zero exit raises CommandError showing argv, exit code and both
        streams. `timeout` (seconds) stops the command inside the node.
        """
        if isinstance(argv, str):
            raise TypeError("exec takes an argv list such as ['ls', '-l'], not a string")
        result = self.transport.run(argv, env=env, timeout=timeout)
        if check and result.exit_code != 0:
            raise CommandError(self.hostname, result)
        return result

    def put(self, local: str | Path, remote: str) -> None:
        """Copy a file or folder from this host to the path `remote` on the node."""
        self.transport.put(Path(local), remote)

    def get(self, remote: str, local: str | Path) -> Path:
        """Copy the file or folder `remote` on the node to `local` on this host."""
        self.transport.get(remote, Path(local))
        return Path(local)

    def logs(self) -> dict[str, str]:
        """The tail of the node's output and of its DAOS log files, by source."""
        return dict(self._logs())


class DaosCluster:
    """A running DAOS system: its nodes, `dmg` on the admin node, `daos` on the client.

    Fault drills (docs/drills.md): `ranks`, `stop_rank`, `kill_engine`, `start_rank`,
    `rank_down` (a rank down for a block, the cluster healed after it) and `heal`.
    """

    #: Seconds a `done` rebuild must stay the same before `DaosPool.wait_rebuild` returns.
    rebuild_settle: float = drills.REBUILD_SETTLE

    def __init__(
        self,
        nodes: Mapping[str, DaosNode],
        version: str,
        iface: str,
        ip: str,
        dmg_config: str | None = None,
    ) -> None:
        #: None against an existing system (--daos-system=existing): only dmg and daos reach it
        self.server: DaosNode | None = nodes.get("server")
        self.admin = nodes["admin"]
        self.client = nodes["client"]
        self.version = version
        self.iface = iface
        self.ip = ip
        self._dmg = Dmg(self.admin.transport, version, config=dmg_config)
        self._daos = Daos(self.client.transport, version)
        self._pools: dict[str, DaosPool] = {}  # made through this handle and not destroyed
        self._faulted: set[int] = set()  # ranks a drill took down or excluded, not healed
        self._heal_failure: str | None = None

    def __repr__(self) -> str:
        return f"DaosCluster(version={self.version!r}, iface={self.iface!r}, ip={self.ip!r})"

    @property
    def nodes(self) -> tuple[DaosNode, ...]:
        """The nodes this process can reach: server (when known), admin, client."""
        return tuple(node for node in (self.server, self.admin, self.client) if node is not None)

    def dmg(self, *args: str) -> Any:
        """Run `dmg -j ARGS` on the admin node; the parsed `response` (DaosError on failure)."""
        return self._dmg(*args)

    def daos(self, *args: str) -> Any:
        """Run `daos -j ARGS` on the client node; the parsed `response`."""
        return self._daos(*args)

    @property
    def dmg_tool(self) -> Dmg:
        """The typed `dmg` wrapper (pool_create, system_query, ...)."""
        return self._dmg

    @property
    def daos_tool(self) -> Daos:
        """The typed `daos` wrapper (container_create, container_list, ...)."""
        return self._daos

    def members(self) -> list[Member]:
        """The ranks as `dmg system query` reports them."""
        return self._dmg.system_query()

    def create_pool(
        self, label: str, size: str, properties: Properties | None = None,
        service_ranks: int | None = None,
    ) -> DaosPool:  # fmt: skip
        """Create a pool of `size` (`dmg --size`: total bytes, or N% of the free space);
        the caller destroys it (`DaosPool.destroy`).

        `label` must meet DAOS's label rule and `properties` is DAOS's `key:value,...` or a
        mapping such as {"rd_fac": 1}; both are checked before any command (LabelError,
        PropertyError). `service_ranks` is how many ranks hold its pool service (`--nsvc`;
        1 for drills: with 2 ranks the default puts it on both, and the pool then freezes
        while either is down)."""
        created = self._dmg.pool_create(label, size, nsvc=service_ranks, properties=properties)
        pool = DaosPool(self, created.label, created.uuid, created.tier_bytes, created.svc_reps)
        self._pools[pool.uuid] = pool
        return pool

    # -- fault drills ----------------------------------------------------------------------

    @property
    def ranks(self) -> tuple[int, ...]:
        """The ranks of the system, as `dmg system query` lists them."""
        return tuple(sorted(member.rank for member in self.members()))

    def _member(self, rank: int) -> Member:
        members = self.members()
        for member in members:
            if member.rank == rank:
                return member
        raise DrillError(
            f"rank {rank} is not in the system ({drills.members_text(members)}); a cluster "
            "has ranks 0 to N-1 with --daos-engines=N"
        )

    def _before_fault(self, rank: int) -> None:
        """Note each pool's map version (rebuilds after this fault come later) and the rank."""
        for pool in list(self._pools.values()):
            pool._mark()
        self._faulted.add(rank)

    def stop_rank(self, rank: int, timeout: float = 60.0) -> None:
        """Stop the engine of `rank` (`dmg system stop --ranks=`, which kills it) and wait
        until the system sees it down (`stopped`; real DAOS 2.6.5: about 6 s). DAOS excludes
        it from the pools about 35 s later and rebuilds them (`DaosPool.wait_rebuild`)."""
        self._member(rank)
        self._before_fault(rank)
        self._dmg.system_stop([rank], timeout=3 * CALL_TIMEOUT)
        self._wait_down(rank, timeout, f"rank {rank} to stop")

    def kill_engine(self, rank: int, timeout: float = 60.0) -> int:
        """`kill -9` the engine process of `rank` in the server node and wait until the
        system sees it down (`errored`, then `excluded`); returns the pid killed. daos_server
        does not start it again: `start_rank` does."""
        if self.server is None:
            raise DrillError(
                "kill_engine needs the server node, which an existing system "
                "(--daos-system=existing) does not give: use stop_rank"
            )
        pid = drills.engine_pid(self.server.transport, self._member(rank))
        self._before_fault(rank)
        # the shell's kill: a node's image need not have /bin/kill
        self.server.exec(["sh", "-c", 'kill -9 "$1"', "sh", str(pid)])
        self._wait_down(rank, timeout, f"rank {rank} to go down after kill -9 of its engine")
        return pid

    def _wait_down(self, rank: int, timeout: float, what: str) -> None:
        drills.wait_members(
            self._dmg, lambda states: states.get(rank) in DOWN_STATES, timeout, what
        )

    def start_rank(self, rank: int, timeout: float = 120.0) -> None:
        """Start the engine of `rank` again (`dmg system start --ranks=`) and wait until it
        is `joined` (real DAOS 2.6.5: 6 to 12 s). Pools that excluded it still need
        `DaosPool.reintegrate` (or `heal`)."""
        self._member(rank)
        self._dmg.system_start([rank], timeout=3 * CALL_TIMEOUT)
        drills.wait_members(
            self._dmg, lambda states: states.get(rank) == "joined", timeout, f"rank {rank} to join"
        )

    def drill_rank(self) -> int:
        """The rank whose loss leaves the most pools of this handle answering: the highest
        outside their service replicas (a service that loses its majority stops answering)."""
        ranks = self.ranks
        if len(ranks) < 2:
            raise DrillError(
                f"a fault drill needs 2 ranks at least, the system has {len(ranks)}: run with "
                "--daos-engines=2"
            )

        def answering(rank: int) -> int:
            return sum(_service_survives(pool.svc_reps, rank) for pool in self._pools.values())

        return max(ranks, key=lambda rank: (answering(rank), rank))

    @contextmanager
    def rank_down(
        self, rank: int | None = None, *, kill: bool = False, heal_timeout: float = 600.0
    ) -> Iterator[int]:
        """Take `rank` down for the block (`stop_rank`, or `kill_engine` with `kill`), then
        heal the cluster, also when the block fails: every rank joined, every pool's targets
        reintegrated and rebuilt. Gives the rank (None: `drill_rank()`).

            with daos_cluster.rank_down(daos_drill_pool.fault_rank()) as rank:
                daos_drill_pool.wait_rebuild()   # the data rebuilt on the other ranks
        """
        rank = self.drill_rank() if rank is None else rank
        if kill:
            self.kill_engine(rank)
        else:
            self.stop_rank(rank)
        try:
            yield rank
        finally:
            self.heal(heal_timeout)

    @property
    def needs_healing(self) -> bool:
        """Whether a drill of this handle left a rank down or a pool degraded."""
        return bool(self._faulted) or self._heal_failure is not None

    def heal(self, timeout: float = 600.0) -> None:
        """Bring the cluster back after a drill: start every rank that is not `joined`, wait
        until all are, then reintegrate the disabled ranks of every pool and wait for its
        rebuild. A failure is kept: later calls raise it again at once (DrillError)."""
        if self._heal_failure is not None:
            raise DrillError(self._heal_failure)
        try:
            self._heal(Deadline(timeout))
        except Exception as exc:
            self._heal_failure = f"the cluster could not be healed after a fault drill: {exc}"
            raise DrillError(self._heal_failure) from None
        self._faulted.clear()

    def _heal(self, deadline: Deadline) -> None:
        down = [m.rank for m in self._dmg.system_query(timeout=CALL_TIMEOUT) if m.state != "joined"]
        if down:
            self._dmg.system_start(down, timeout=3 * CALL_TIMEOUT)
        drills.wait_members(
            self._dmg, lambda states: bool(states) and set(states.values()) == {"joined"},
            deadline.remaining(), "every rank to be joined",
        )  # fmt: skip
        for entry in self._dmg.pool_list():
            uuid = str(entry.get("uuid", ""))
            pool = self._pools.get(uuid) or DaosPool(
                self, str(entry.get("label", uuid)), uuid, (), tuple(entry.get("svc_reps") or ())
            )
            pool._heal(deadline, sorted(self._faulted))


def _service_survives(svc_reps: Sequence[int], rank: int) -> bool:
    """Whether a pool service keeps its majority when `rank` goes."""
    left = [replica for replica in svc_reps if replica != rank]
    return len(left) * 2 > len(svc_reps)


@dataclass
class DaosPool:
    """A pool: label, uuid, sizes per tier, service ranks."""

    cluster: DaosCluster = field(repr=False)
    label: str
    uuid: str
    tier_bytes: tuple[int, ...]
    svc_reps: tuple[int, ...]

    @property
    def total_bytes(self) -> int:
        return sum(self.tier_bytes)

    #: the map version before the last fault seen by this handle (None: none yet)
    _since: int | None = field(default=None, repr=False)

    def query(self) -> dict[str, Any]:
        """`dmg pool query` of this pool (the parsed response)."""
        return self.cluster.dmg_tool.pool_query(self.uuid)

    def health(self, timeout: float | None = None) -> PoolState:
        """The pool's state, map version, disabled targets and ranks and rebuild state."""
        response = self.cluster.dmg_tool.pool_query(self.uuid, timeout, show_disabled=True)
        return PoolState.from_response(response)

    def create_container(
        self, label: str | None = None, type: str = "POSIX",
        properties: Properties | None = None, oclass: str | None = None,
    ) -> DaosContainer:  # fmt: skip
        """Create a container in this pool; the caller destroys it (`DaosContainer.destroy`).

        `label` and `properties` are checked as in `DaosCluster.create_pool`; `oclass` is
        the object class of its files and directories (`RP_2G1`: two replicas)."""
        info = self.cluster.daos_tool.container_create(
            self.uuid, label, type, properties, oclass=oclass
        )
        return DaosContainer(self, info.label, info.uuid, info.type)

    def destroy(self) -> None:
        """Destroy the pool and every container in it."""
        self.cluster.dmg_tool.pool_destroy(self.uuid, force=True, recursive=True)
        self.cluster._pools.pop(self.uuid, None)

    # -- fault drills ----------------------------------------------------------------------

    def fault_rank(self) -> int:
        """The highest rank outside this pool's service replicas: the one to take down, so
        that the pool keeps answering (DrillError when every rank holds a replica)."""
        ranks = [rank for rank in self.cluster.ranks if rank not in self.svc_reps]
        if not ranks:
            raise DrillError(
                f"every rank of pool {self.label} holds its service ({list(self.svc_reps)}): "
                "the pool would stop answering; make it with service_ranks=1 (the fixture "
                "daos_drill_pool does)"
            )
        return max(ranks)

    def _mark(self) -> None:
        """Note the map version: a rebuild counts only past it."""
        try:
            self._since = self.health(timeout=CALL_TIMEOUT).version
        except (DaosError, ProtocolError) as exc:
            if not drills.unanswered(exc):
                raise

    def exclude(self, rank: int) -> None:
        """Exclude every target of `rank` from this pool (the rank keeps running); the pool
        is degraded at once and rebuilds (`wait_rebuild`)."""
        self._mark()
        self.cluster._faulted.add(rank)
        self.cluster.dmg_tool.pool_exclude(self.uuid, rank, timeout=CALL_TIMEOUT)

    def reintegrate(self, rank: int) -> None:
        """Bring the targets of `rank` back into this pool (the rank must be joined); the
        pool rebuilds onto them (`wait_rebuild`)."""
        self._mark()
        self.cluster.dmg_tool.pool_reintegrate(self.uuid, rank, timeout=CALL_TIMEOUT)

    def wait_rebuild(self, timeout: float = 300.0, settle: float | None = None) -> PoolState:
        """Wait until the rebuild that the last fault or reintegration started is over:
        `done`, status 0, the map past its version before, and the same answer for `settle`
        seconds (the rebuild of real DAOS can be `done` between two passes). A pool service
        that does not answer meanwhile is waited for. DrillError after `timeout`."""
        settle = self.cluster.rebuild_settle if settle is None else settle
        return drills.wait_rebuilt(
            lambda limit: self.health(timeout=limit), self.label, self._since, timeout, settle
        )

    def _heal(self, deadline: Deadline, faulted: Sequence[int]) -> None:
        """Reintegrate the disabled ranks (or, where the release does not list them, the
        ranks a drill took down) and wait for the rebuild."""
        state = drills.wait_answer(
            lambda limit: self.health(timeout=limit), self.label, deadline.remaining()
        )
        if state.disabled_targets == 0:
            return
        self._since = state.version
        for rank in state.disabled_ranks or faulted:
            self.cluster.dmg_tool.pool_reintegrate(self.uuid, rank, timeout=CALL_TIMEOUT)
        self.wait_rebuild(max(1.0, deadline.remaining()))


@dataclass
class DaosContainer:
    """A container in a pool."""

    pool: DaosPool = field(repr=False)
    label: str
    uuid: str
    type: str
    mounts: list[str] = field(default_factory=list, repr=False)

    def mount(self, mountpoint: str | None = None) -> str:
        """Mount the container with dfuse on the client node; returns the mount point.

        The default mount point is /mnt/dfuse/<container uuid>, or <uuid>-N (the lowest N
        not mounted) while that one is. Every mount is unmounted by `unmount_all` (the
        fixtures do it after the test).
        """
        client = self.pool.cluster.client
        if mountpoint is None:
            base = f"/mnt/dfuse/{self.uuid}"
            names = (base, *(f"{base}-{n}" for n in range(1, len(self.mounts) + 1)))
            mountpoint = next(name for name in names if name not in self.mounts)
        client.exec(["mkdir", "-p", mountpoint])
        version = self.pool.cluster.version
        client.exec(dfuse_argv(version, mountpoint, self.pool.uuid, self.uuid), timeout=60)
        self.mounts.append(mountpoint)
        return mountpoint

    def unmount(self, mountpoint: str) -> None:
        """Unmount one dfuse mount of this container."""
        self.pool.cluster.client.exec(["fusermount3", "-u", mountpoint], timeout=30)
        self.mounts.remove(mountpoint)

    def unmount_all(self) -> None:
        """Unmount every dfuse mount of this container (newest first)."""
        for mountpoint in reversed(list(self.mounts)):
            self.unmount(mountpoint)

    def query(self) -> dict[str, Any]:
        """`daos container query` of this container (the parsed response)."""
        response: dict[str, Any] = self.pool.cluster.daos(
            "container", "query", self.pool.uuid, self.uuid
        )
        return response

    def exec(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, check: bool = True
    ) -> ExecResult:
        """Run argv on the client node with DAOS_POOL and DAOS_CONT naming this container."""
        full_env = {"DAOS_POOL": self.pool.uuid, "DAOS_CONT": self.uuid, **(env or {})}
        return self.pool.cluster.client.exec(argv, env=full_env, check=check)

    def destroy(self) -> None:
        """Unmount what `mount` mounted, then destroy the container."""
        self.unmount_all()
        self.pool.cluster.daos_tool.container_destroy(self.pool.uuid, self.uuid, force=True)
