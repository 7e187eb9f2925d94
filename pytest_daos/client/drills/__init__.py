"""Fault drills: a rank down and back (docs/drills.md).

`states` holds what a drill sees (rank and pool states, DrillError), `waits` the waits on
them, `engines` how the engine of a rank is found, `methods` the drill methods of the
cluster and pool handles, and `ready` what makes a pool and a container ready for a drill.
"""

from __future__ import annotations

from .engines import ENGINE_PID_SCRIPT, describe_result, engine_pid, fabric_port
from .ready import (
    DRILL_OCLASS,
    DRILL_POOL_GB_PER_RANK,
    DRILL_PROPERTIES,
    DRILL_RANKS,
    DRILL_SERVICE_RANKS,
)
from .states import DOWN_STATES, DrillError, PoolState, first_line, members_text, unanswered
from .waits import CALL_TIMEOUT, REBUILD_SETTLE, wait_answer, wait_members, wait_rebuilt

__all__ = [
    "CALL_TIMEOUT",
    "DOWN_STATES",
    "DRILL_OCLASS",
    "DRILL_POOL_GB_PER_RANK",
    "DRILL_PROPERTIES",
    "DRILL_RANKS",
    "DRILL_SERVICE_RANKS",
    "ENGINE_PID_SCRIPT",
    "REBUILD_SETTLE",
    "DrillError",
    "PoolState",
    "describe_result",
    "engine_pid",
    "fabric_port",
    "first_line",
    "members_text",
    "unanswered",
    "wait_answer",
    "wait_members",
    "wait_rebuilt",
]
