"""Rank faults and the rebuilds that follow them, as real DAOS 2.6.5 showed them with two
engines (tests/data/2.6/two_engines_*, CAPTURES.md there):

- a rank that stops or whose engine dies is `stopped` or `errored` at once; SWIM declares it
  dead later and the system marks it `excluded`; meanwhile the pools on it do not answer;
- then each pool whose service keeps its majority excludes the rank (`Degraded`, map
  version + 2, rebuild `busy`), is `done`, rebuilds a second pass (version + 2, `busy`) and
  is `done` for good; a pool whose service lost its majority never answers until the rank
  is back, and excludes nothing;
- `dmg pool exclude` degrades at once (version + 1, then + 1 again), `dmg pool
  reintegrate` makes the pool `Ready` with a rebuild (version + 2, then + 2 again);
- a container without redundancy in a pool that excluded a rank is unclean for good.

One delay (DAOS_SIM_FAULT_DELAY, seconds) stands for each of SWIM's detection, the time
before the pool acts, a rebuild pass and the pause between passes, which real DAOS takes
tens of seconds for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import state

FAULT_DELAY_ENV = "DAOS_SIM_FAULT_DELAY"
#: map version steps of each pass of a rebuild, by what started it
STEPS = {"death": (2, 2), "exclude": (1, 1), "reintegrate": (2, 2)}
#: the objects (per container) a rebuild reports in its first pass and once done, by cause;
#: in the second pass it reports one object and RECORDS records per container
OBJECTS = {"death": (0, 0), "exclude": (1, 0), "reintegrate": (0, 1)}
RECORDS = 96


def service_survives(pool: state.Pool, down: set[int]) -> bool:
    """Whether the pool service keeps its majority with the ranks `down` gone."""
    left = [rank for rank in pool.svc_reps if rank not in down]
    return len(left) * 2 > len(pool.svc_reps)


def unanswered(pool: state.Pool, down: set[int]) -> bool:
    """Whether the pool service cannot answer: a rank of the pool is down and the pool has
    not excluded it yet, or the service lost its majority."""
    pending = [rank for rank in pool.ranks if rank in down and rank not in pool.disabled]
    return bool(pending) or not service_survives(pool, down)


class Rebuilds:
    """Runs each pool's rebuild passes on timers; a newer change of a pool's map ends the
    older rebuild. `changed` is called (under `lock`) after every change, to save it."""

    def __init__(self, lock: threading.RLock, delay: float, changed: Callable[[], None]) -> None:
        self.lock = lock
        self.delay = delay
        self.changed = changed
        self._generation: dict[str, int] = {}

    def later(self, steps: int, action: Callable[[], None]) -> None:
        timer = threading.Timer(self.delay * steps, self._locked, args=(action,))
        timer.daemon = True
        timer.start()

    def _locked(self, action: Callable[[], None]) -> None:
        with self.lock:
            action()

    def start(self, pool: state.Pool, cause: str) -> None:
        """A map change: the first pass starts now, under the caller's lock."""
        first, second = STEPS[cause]
        generation = self._generation.get(pool.uuid, 0) + 1
        self._generation[pool.uuid] = generation

        def current() -> bool:
            return self._generation.get(pool.uuid) == generation

        containers = len(pool.containers)
        objects_first, objects_done = OBJECTS[cause]

        def step(
            version_step: int, rebuild: str, objects: int = 0, records: int = 0
        ) -> Callable[[], None]:
            def action() -> None:
                if current():
                    pool.version += version_step
                    pool.rebuild = rebuild
                    pool.rebuild_objects = objects * containers
                    pool.rebuild_records = records * containers
                    self.changed()

            return action

        step(first, "busy", objects_first)()
        self.later(1, step(0, "done"))
        self.later(2, step(second, "busy", 1, RECORDS))
        self.later(3, step(0, "done", objects_done))

    def exclude(self, pool: state.Pool, rank: int, cause: str) -> None:
        """Take the targets of `rank` out of `pool` and rebuild; a container without
        redundancy loses data for good."""
        if rank in pool.disabled:
            return
        pool.disabled.append(rank)
        for container in pool.containers:
            if container.redundancy_factor < 1:
                container.unclean = True
        self.start(pool, cause)

    def reintegrate(self, pool: state.Pool, rank: int) -> None:
        if rank in pool.disabled:
            pool.disabled.remove(rank)
            self.start(pool, "reintegrate")
