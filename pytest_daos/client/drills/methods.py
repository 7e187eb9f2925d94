"""The fault-drill methods of the handles (docs/drills.md): `DaosCluster` takes ranks down,
starts them again and heals the cluster (`ClusterDrills`); `DaosPool` excludes and
reintegrates ranks and waits for its rebuilds (`PoolDrills`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from ...waiting import Deadline
from ..dmg import Dmg, Member
from ..envelope import DaosError, ProtocolError
from ..node import DaosNode
from .engines import engine_pid
from .states import DOWN_STATES, DrillError, PoolState, members_text, unanswered
from .waits import CALL_TIMEOUT, REBUILD_SETTLE, wait_answer, wait_members, wait_rebuilt


class ClusterDrills:
    """The fault drills of a cluster handle: `ranks`, `stop_rank`, `kill_engine`,
    `start_rank`, `rank_down` (a rank down for a block, the cluster healed after it) and
    `heal`."""

    #: Seconds a `done` rebuild must stay the same before `DaosPool.wait_rebuild` returns.
    rebuild_settle: float = REBUILD_SETTLE

    # set by the handle (DaosCluster): the server node (None against an existing system),
    # `dmg`, and the pools made through it and not destroyed, by uuid
    server: DaosNode | None
    _dmg: Dmg
    _pools: Mapping[str, PoolDrills]

    def __init__(self) -> None:
        self._faulted: set[int] = set()  # ranks a drill took down or excluded, not healed
        self._heal_failure: str | None = None
        #: Where the drills' waits say now and then that they wait, and what they see (the
        #: plugin sets its progress lines; nowhere by default).
        self.progress: Callable[[str], None] = lambda message: None

    @property
    def ranks(self) -> tuple[int, ...]:
        """The ranks of the system, as `dmg system query` lists them."""
        return tuple(sorted(member.rank for member in self._dmg.system_query()))

    def _member(self, rank: int) -> Member:
        members = self._dmg.system_query()
        for member in members:
            if member.rank == rank:
                return member
        raise DrillError(
            f"rank {rank} is not in the system ({members_text(members)}); a cluster "
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
        pid = engine_pid(self.server.transport, self._member(rank))
        self._before_fault(rank)
        # the shell's kill: a node's image need not have /bin/kill
        self.server.exec(["sh", "-c", 'kill -9 "$1"', "sh", str(pid)])
        self._wait_down(rank, timeout, f"rank {rank} to go down after kill -9 of its engine")
        return pid

    def _wait_down(self, rank: int, timeout: float, what: str) -> None:
        wait_members(
            self._dmg, lambda states: states.get(rank) in DOWN_STATES, timeout, what, self.progress
        )

    def start_rank(self, rank: int, timeout: float = 120.0) -> None:
        """Start the engine of `rank` again (`dmg system start --ranks=`) and wait until it
        is `joined` (real DAOS 2.6.5: 6 to 12 s). Pools that excluded it still need
        `DaosPool.reintegrate` (or `heal`)."""
        self._member(rank)
        self._dmg.system_start([rank], timeout=3 * CALL_TIMEOUT)
        wait_members(
            self._dmg, lambda states: states.get(rank) == "joined", timeout,
            f"rank {rank} to join", self.progress,
        )  # fmt: skip

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
        until all are, then reintegrate the disabled ranks of every pool made through this
        handle that still exists, and wait for its rebuild; other pools (someone else's on
        an existing system) are never touched. A failure is kept: later calls raise it again
        at once (DrillError)."""
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
        wait_members(
            self._dmg, lambda states: bool(states) and set(states.values()) == {"joined"},
            deadline.remaining(), "every rank to be joined", self.progress,
        )  # fmt: skip
        listed = {str(entry.get("uuid", "")) for entry in self._dmg.pool_list()}
        for uuid, pool in list(self._pools.items()):
            if uuid in listed:  # one destroyed past the handle has nothing to heal
                pool._heal(deadline, sorted(self._faulted))


def _service_survives(svc_reps: Sequence[int], rank: int) -> bool:
    """Whether a pool service keeps its majority when `rank` goes."""
    left = [replica for replica in svc_reps if replica != rank]
    return len(left) * 2 > len(svc_reps)


class PoolDrills:
    """The fault drills of a pool handle: `health`, `fault_rank`, `exclude`, `reintegrate`
    and `wait_rebuild`."""

    # set by the handle (DaosPool)
    cluster: ClusterDrills
    label: str
    uuid: str
    svc_reps: tuple[int, ...]
    _since: int | None  # the map version before the last fault seen (None: none yet)

    def health(self, timeout: float | None = None) -> PoolState:
        """The pool's state, map version, disabled targets and ranks and rebuild state."""
        response = self.cluster._dmg.pool_query(self.uuid, timeout, show_disabled=True)
        return PoolState.from_response(response)

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
            if not unanswered(exc):
                raise

    def exclude(self, rank: int) -> None:
        """Exclude every target of `rank` from this pool (the rank keeps running); the pool
        is degraded at once and rebuilds (`wait_rebuild`)."""
        self._mark()
        self.cluster._faulted.add(rank)
        self.cluster._dmg.pool_exclude(self.uuid, rank, timeout=CALL_TIMEOUT)

    def reintegrate(self, rank: int) -> None:
        """Bring the targets of `rank` back into this pool (the rank must be joined); the
        pool rebuilds onto them (`wait_rebuild`)."""
        self._mark()
        self.cluster._dmg.pool_reintegrate(self.uuid, rank, timeout=CALL_TIMEOUT)

    def wait_rebuild(self, timeout: float = 300.0, settle: float | None = None) -> PoolState:
        """Wait until the rebuild that the last fault or reintegration started is over:
        `done`, status 0, the map past its version before, and the same answer for `settle`
        seconds (the rebuild of real DAOS can be `done` between two passes). A pool service
        that does not answer meanwhile is waited for. DrillError after `timeout`."""
        settle = self.cluster.rebuild_settle if settle is None else settle
        return wait_rebuilt(
            lambda limit: self.health(timeout=limit), self.label, self._since, timeout, settle,
            self.cluster.progress,
        )  # fmt: skip

    def _heal(self, deadline: Deadline, faulted: Sequence[int]) -> None:
        """Reintegrate the disabled ranks (or, where the release does not list them, the
        ranks a drill took down) and wait for the rebuild."""
        state = wait_answer(
            lambda limit: self.health(timeout=limit), self.label, deadline.remaining(),
            self.cluster.progress,
        )  # fmt: skip
        if state.disabled_targets == 0:
            return
        self._since = state.version
        for rank in state.disabled_ranks or faulted:
            self.cluster._dmg.pool_reintegrate(self.uuid, rank, timeout=CALL_TIMEOUT)
        self.wait_rebuild(max(1.0, deadline.remaining()))
