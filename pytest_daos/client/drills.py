"""Fault drills: the states of ranks and pools while a rank is down, and the waits on them.

What real DAOS 2.6.5 does with two engines in one node (real-2.6/two-engines.md): after
`dmg system stop --ranks=1` the rank is `stopped` within seconds and `excluded` about 35 s
later (SWIM); the pool service does not answer `pool query` for about a minute; the rebuild
is `busy`, can be `done` for a few seconds, `busy` again (a second pass, the map version
going up again) and then `done` for good about 90 s after the fault. A `done` that an
earlier rebuild left stays visible until the next one begins. So a rebuild is over when
the answer shows `done`, status 0, a map version above the one before the fault, and the
same answer for a settling time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import PytestDaosError
from ..waiting import FIRST_INTERVAL, MAX_INTERVAL, Deadline, NotYet, WaitTimeout, poll
from .dmg import Dmg, Member
from .envelope import DaosError, ProtocolError
from .transport import ExecResult, Transport

#: Seconds one `dmg` call may take while a rank is down: the pool service can take 15 s to
#: say it has no quorum, and dmg retries (CONTRACT.md §1).
CALL_TIMEOUT = 20.0
#: Seconds a `done` rebuild must stay the same before it counts (real DAOS 2.6.5 showed a
#: `done` for about 5 s between two passes).
REBUILD_SETTLE = 15.0
#: Rank states of an engine that is not running.
DOWN_STATES = ("stopped", "errored", "excluded", "adminexcluded", "unresponsive")


class DrillError(PytestDaosError, RuntimeError):
    """A fault drill could not go on: what was awaited, what was seen, and what to do."""


@dataclass(frozen=True)
class PoolState:
    """What `dmg pool query` says of a pool's health."""

    state: str  # "Ready", "Degraded" (2.6; "" where the release does not say)
    version: int  # the pool map version: it goes up with every exclusion and reintegration
    total_targets: int
    disabled_targets: int
    rebuild_state: str  # "idle", "busy", "done"
    rebuild_status: int
    disabled_ranks: tuple[int, ...]

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> PoolState:
        rebuild = response.get("rebuild") or {}
        return cls(
            state=str(response.get("state", "")),
            version=int(response.get("version", 0)),
            total_targets=int(response.get("total_targets", 0)),
            disabled_targets=int(response.get("disabled_targets", 0)),
            rebuild_state=str(rebuild.get("state", "")),
            rebuild_status=int(rebuild.get("status", 0)),
            disabled_ranks=tuple(int(rank) for rank in response.get("disabled_ranks") or ()),
        )

    @property
    def healthy(self) -> bool:
        """Every target in, and no rebuild running."""
        return self.disabled_targets == 0 and self.rebuild_state != "busy"

    def describe(self) -> str:
        ranks = f", disabled ranks {list(self.disabled_ranks)}" if self.disabled_ranks else ""
        state = f"{self.state}, " if self.state else ""
        return (
            f"{state}{self.total_targets - self.disabled_targets}/{self.total_targets} targets "
            f"up{ranks}, rebuild {self.rebuild_state} (status {self.rebuild_status}), map "
            f"version {self.version}"
        )


def unanswered(error: Exception) -> bool:
    """Whether a failed call is one that a rank coming back or a rebuild ending can change:
    no answer in time, or a pool service without quorum or leader."""
    if isinstance(error, ProtocolError):
        return True
    if isinstance(error, DaosError):
        return error.name in (
            "DER_TIMEDOUT", "DER_NO_SERVICE", "DER_NOTLEADER", "DER_NOTREPLICA", "DER_UNREACH",
            "DER_AGAIN", "DER_BUSY", "DER_EXCLUDED", "DER_SHUTDOWN",
        ) or "deadline exceeded" in error.message.lower()  # fmt: skip
    return False


def members_text(members: Sequence[Member]) -> str:
    return ", ".join(f"rank {m.rank} {m.state}" for m in members) or "no members"


def wait_members(
    dmg: Dmg, ready: Callable[[dict[int, str]], bool], timeout: float, what: str
) -> list[Member]:
    """Poll `dmg system query` until `ready({rank: state})`; DrillError after `timeout`."""
    deadline = Deadline(timeout)

    def probe() -> list[Member]:
        try:
            members = dmg.system_query(timeout=deadline.call_timeout(CALL_TIMEOUT))
        except (DaosError, ProtocolError) as exc:
            raise NotYet(f"no answer from `dmg system query`: {first_line(exc)}") from None
        if not ready({member.rank: member.state for member in members}):
            raise NotYet(members_text(members))
        return members

    try:
        return poll(probe, deadline, what)
    except WaitTimeout as exc:
        raise DrillError(f"{exc}") from None


def wait_rebuilt(
    query: Callable[[float], PoolState], label: str, since: int | None, timeout: float,
    settle: float,
) -> PoolState:  # fmt: skip
    """Poll the pool until its rebuild is over: `done` with status 0, a map version above
    `since` (None: any), and the same for `settle` seconds. A pool service that does not
    answer is "not yet". DrillError, with the last answer, after `timeout`."""
    deadline = Deadline(timeout)
    steady: list[Any] = [None, 0.0]  # the answer seen, since when

    def probe() -> PoolState:
        try:
            state = _answer(query, deadline)
        except NotYet:
            steady[0] = None
            raise
        newer = since is None or state.version > since
        if state.rebuild_state != "done" or state.rebuild_status != 0 or not newer:
            steady[0] = None
            before = "" if newer else f"; the map is not past version {since} yet"
            raise NotYet(state.describe() + before)
        if steady[0] != state:
            steady[:] = [state, time.monotonic()]
        waited = time.monotonic() - steady[1]
        if waited < settle:
            raise NotYet(f"{state.describe()}; the same for {waited:.0f}s of {settle:g}s")
        return state

    try:
        # polls at least twice within the settling time
        interval = min(MAX_INTERVAL, max(FIRST_INTERVAL, settle / 2))
        return poll(probe, deadline, f"the rebuild of pool {label} to end", interval)
    except WaitTimeout as exc:
        raise DrillError(
            f"{exc}. The rebuild of real DAOS 2.6.5 ends about 90 s after a rank stops and 50 s "
            "after an exclusion or reintegration, longer on a loaded host: give a longer "
            "timeout, or see the server node's engine logs"
        ) from None


#: Prints the pid of each daos_engine process in the node whose fabric port (D_PORT from
#: 2.6, OFI_PORT before: daos_server puts it into each engine's environment) is $1.
ENGINE_PID_SCRIPT = r"""
for proc in /proc/[0-9]*; do
  [ "${proc#/proc/}" = "$$" ] && continue
  case "$(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null)" in *daos_engine*) ;; *) continue ;; esac
  if tr '\0' '\n' < "$proc/environ" 2>/dev/null | grep -qx -e "D_PORT=$1" -e "OFI_PORT=$1"
  then echo "${proc#/proc/}"; fi
done
"""


def fabric_port(member: Member) -> int:
    """The fabric port of a rank, from its `fabric_uri` (`ofi+tcp://172.22.0.4:31516`)."""
    try:
        return int(member.fabric_uri.rsplit(":", 1)[1].strip("/"))
    except (IndexError, ValueError):
        raise DrillError(
            f"rank {member.rank} has no fabric port in its fabric_uri {member.fabric_uri!r}"
        ) from None


def engine_pid(server: Transport, member: Member) -> int:
    """The pid, in the server node, of the engine that serves `member`."""
    port = fabric_port(member)
    result = server.run(["sh", "-c", ENGINE_PID_SCRIPT, "sh", str(port)], timeout=30)
    pids = result.stdout.split()
    if result.exit_code != 0 or len(pids) != 1:
        raise DrillError(
            f"found {len(pids)} daos_engine processes with fabric port {port} (rank "
            f"{member.rank}) in the server node, not one: {describe_result(result)}"
        )
    return int(pids[0])


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def describe_result(result: ExecResult) -> str:
    return result.describe().replace("\n", " | ")


def wait_answer(query: Callable[[float], PoolState], label: str, timeout: float) -> PoolState:
    """The pool's first answer, waiting while its service does not answer."""
    deadline = Deadline(timeout)

    def probe() -> PoolState:
        return _answer(query, deadline)

    try:
        return poll(probe, deadline, f"pool {label} to answer `dmg pool query`")
    except WaitTimeout as exc:
        raise DrillError(str(exc)) from None


def _answer(query: Callable[[float], PoolState], deadline: Deadline) -> PoolState:
    """One pool query; NotYet while the pool service does not answer."""
    try:
        return query(deadline.call_timeout(CALL_TIMEOUT))
    except (DaosError, ProtocolError) as exc:
        if not unanswered(exc):
            raise
        raise NotYet(f"no answer from the pool service ({first_line(exc)})") from None
