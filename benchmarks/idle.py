"""The cores each node of a kept cluster takes while no test runs, over time: sampled from
Docker's CPU counters every few seconds after a start, and what the series says (its peak,
when the node settles, what it takes then).

A series, as the JSON results hold it (`keep_reuse["idle_cores_over_time"]`)::

    {"every_s": 2.0, "window_s": 30.0, "from_s": 0.1,
     "at_s": [2.1, 4.1, ...], "samples": {"server": [1.99, 1.04, ...], ...}}

`from_s` is the first reading's time and `at_s` each later one's, in seconds since the
kept pytest run ended; a sample is the node's CPU time between a reading and the one before
it, in cores (1.0: one core busy all the time).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docker.errors import InvalidVersion

from .capture import ROLE_LABEL, ROLES
from .host import SESSION_LABEL

#: Seconds between two readings.
EVERY_S = 2.0
#: A node below this many cores has settled.
SETTLED_CORES = 0.1


@dataclass(frozen=True)
class Reading:
    """One container's CPU counters at one moment."""

    usage_ns: int  # CPU time the container used since it started
    system_ns: int | None  # CPU time of the whole host, all cores, read with it (None: not given)
    cpus: int  # the host's online cores
    at: float  # when it was read (time.monotonic)


def reading(stats: dict[str, Any], at: float) -> Reading:
    """The counters of one answer of Docker's stats (`container.stats(stream=False)`)."""
    cpu = stats["cpu_stats"]
    usage = cpu["cpu_usage"]
    cpus = cpu.get("online_cpus") or len(usage.get("percpu_usage") or ()) or os.cpu_count() or 1
    return Reading(int(usage["total_usage"]), cpu.get("system_cpu_usage") or None, cpus, at)


def cores(before: Reading, after: Reading) -> float:
    """The cores a container used between two readings: its CPU time over the host's (both
    read by Docker at the same moment), times the host's cores; over our own clock where
    Docker gave no host time."""
    busy = after.usage_ns - before.usage_ns
    if before.system_ns is not None and after.system_ns is not None:
        host = after.system_ns - before.system_ns
        if host > 0:
            return busy / host * after.cpus
    elapsed = after.at - before.at
    return busy / (elapsed * 1e9) if elapsed > 0 else 0.0


def _read(container: Any, clock: Callable[[], float]) -> Reading:
    """The container's counters now: Docker's one-shot stats, which answer at once; an
    engine older than API 1.41 has none and answers after its next sample (a second)."""
    try:
        stats = container.stats(stream=False, one_shot=True)
    except InvalidVersion:
        stats = container.stats(stream=False)
    return reading(stats, clock())


def sample(
    client: Any,
    since: float,
    window_s: float,
    every_s: float = EVERY_S,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Every node of the running cluster, read every `every_s` seconds until `window_s`
    seconds after `since` (a `clock()` time: when the kept pytest run ended)."""
    nodes = {
        container.labels.get(ROLE_LABEL, container.name): container
        for container in client.containers.list(filters={"label": SESSION_LABEL})
    }
    last = {role: _read(container, clock) for role, container in nodes.items()}
    series: dict[str, Any] = {
        "every_s": every_s,
        "window_s": window_s,
        "from_s": round(min(r.at for r in last.values()) - since, 2) if last else 0.0,
        "at_s": [],
        "samples": {role: [] for role in nodes},
    }
    due = clock() + every_s
    while nodes and due - since <= window_s + every_s / 2:
        sleep(max(0.0, due - clock()))
        now = {role: _read(container, clock) for role, container in nodes.items()}
        series["at_s"].append(round(min(r.at for r in now.values()) - since, 2))
        for role, read in now.items():
            series["samples"][role].append(round(cores(last[role], read), 4))
        last, due = now, due + every_s
    return series


def roles(series: dict[str, Any]) -> list[str]:
    """The nodes of `series` that have samples, the server first (as `capture.ROLES`)."""
    known = [role for role in ROLES if series["samples"].get(role)]
    return known + sorted(r for r, v in series["samples"].items() if v and r not in ROLES)


@dataclass(frozen=True)
class Settling:
    """What one node's series says: its peak, when it settled below SETTLED_CORES and
    stayed there (None: not within the window), and its median from then on."""

    peak: float
    peak_at_s: float
    settled_s: float | None
    settled: float | None
    window_s: float
    every_s: float

    @property
    def busy(self) -> bool:
        """Whether the node took SETTLED_CORES or more at some point."""
        return self.peak >= SETTLED_CORES


def settling(series: dict[str, Any] | None, role: str = "server") -> Settling | None:
    """The summary of `role`'s samples in `series` (None: no series, or no such node)."""
    if not series:
        return None
    samples, at = series["samples"].get(role) or [], series["at_s"]
    if not samples:
        return None
    peak = max(range(len(samples)), key=samples.__getitem__)
    above = [index for index, value in enumerate(samples) if value >= SETTLED_CORES]
    rest: list[float]
    if above and above[-1] == len(samples) - 1:
        settled_s, rest = None, []
    elif above:
        settled_s, rest = at[above[-1]], samples[above[-1] + 1 :]
    else:
        settled_s, rest = series.get("from_s", 0.0), samples
    return Settling(
        peak=samples[peak],
        peak_at_s=at[peak],
        settled_s=settled_s,
        settled=statistics.median(rest) if rest else None,
        window_s=series["window_s"],
        every_s=series["every_s"],
    )
