"""The waits of fault drills: for ranks to reach a state, for a pool to answer, for a
rebuild to end.

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
from collections.abc import Callable
from typing import Any

from ...waiting import FIRST_INTERVAL, MAX_INTERVAL, Deadline, NotYet, WaitTimeout, poll
from ..dmg import Dmg, Member
from ..envelope import DaosError, ProtocolError
from .states import DrillError, PoolState, first_line, members_text, unanswered

#: Seconds one `dmg` call may take while a rank is down: the pool service can take 15 s to
#: say it has no quorum, and dmg retries (CONTRACT.md §1).
CALL_TIMEOUT = 20.0
#: Seconds a `done` rebuild must stay the same before it counts (real DAOS 2.6.5 showed a
#: `done` for about 5 s between two passes).
REBUILD_SETTLE = 15.0

Progress = Callable[[str], None]


def wait_members(
    dmg: Dmg, ready: Callable[[dict[int, str]], bool], timeout: float, what: str,
    progress: Progress | None = None,
) -> list[Member]:  # fmt: skip
    """Poll `dmg system query` until `ready({rank: state})`, saying to `progress` now and
    then that it waits and what it sees; DrillError after `timeout`."""
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
        return poll(probe, deadline, what, progress=progress)
    except WaitTimeout as exc:
        raise DrillError(f"{exc}") from None


def wait_rebuilt(
    query: Callable[[float], PoolState], label: str, since: int | None, timeout: float,
    settle: float, progress: Progress | None = None,
) -> PoolState:  # fmt: skip
    """Poll the pool until its rebuild is over: `done` with status 0, a map version above
    `since` (None: any), and the same for `settle` seconds. A pool service that does not
    answer is "not yet". The wait says to `progress` now and then what it sees. DrillError,
    with the last answer, after `timeout`."""
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
        return poll(probe, deadline, f"the rebuild of pool {label} to end", interval, progress)
    except WaitTimeout as exc:
        raise DrillError(
            f"{exc}. The rebuild of real DAOS 2.6.5 ends about 90 s after a rank stops and 50 s "
            "after an exclusion or reintegration, longer on a loaded host: give a longer "
            "timeout, or see the server node's engine logs"
        ) from None


def wait_answer(
    query: Callable[[float], PoolState], label: str, timeout: float,
    progress: Progress | None = None,
) -> PoolState:  # fmt: skip
    """The pool's first answer, waiting while its service does not answer (saying so to
    `progress` now and then)."""
    deadline = Deadline(timeout)

    def probe() -> PoolState:
        return _answer(query, deadline)

    try:
        return poll(probe, deadline, f"pool {label} to answer `dmg pool query`", progress=progress)
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
