"""Containers made ahead of need and destroyed off the tests' clock.

A fresh container per test costs two DAOS round trips (`daos container create` before the
test, `destroy` after). A `ContainerSupply` keeps a few containers of one pool ready, made
by background threads while earlier tests run, and destroys the containers tests are done
with in the background too; every container is still used by exactly one test, and
`close` leaves none behind. The idea is pytest-postgresql's template databases: pay for
isolation outside the test.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .handles import DaosContainer, DaosPool

#: Threads that make and destroy containers: DAOS serves them concurrently.
WORKERS = 2


class ContainerSupply:
    """Ready containers of `type` in `pool`, `ahead` of them at a time."""

    def __init__(
        self, pool: DaosPool, label: Callable[[], str], type: str = "POSIX", ahead: int = 2
    ) -> None:
        self.pool = pool
        self.label = label
        self.type = type
        self.ahead = ahead
        self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="pytest-daos-supply")
        self._ready: deque[Future[DaosContainer]] = deque()
        self._destroying: list[Future[None]] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self) -> DaosContainer:
        """A fresh container for one test (made now if none is ready yet); a failure to make
        it is raised here, in the test's setup."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the container supply of pool {self.pool.label} is closed")
            self._fill(self.ahead + 1)
            next_one = self._ready.popleft()
        return next_one.result()

    def give_back(self, container: DaosContainer) -> None:
        """The test is done with `container`: unmount and destroy it in the background."""
        with self._lock:
            self._destroying.append(self._executor.submit(container.destroy))

    def close(self) -> list[Exception]:
        """Stop making containers, destroy the ready ones, wait for every destruction;
        returns the failures met (each step runs regardless)."""
        with self._lock:
            self._closed = True
            ready, self._ready = list(self._ready), deque()
        failures: list[Exception] = []
        for future in ready:
            if future.cancel():
                continue
            try:
                future.result().destroy()
            except Exception as exc:
                failures.append(exc)
        self._executor.shutdown(wait=True)
        for done in self._destroying:
            error = done.exception()
            if isinstance(error, Exception):
                failures.append(error)
        return failures

    def _fill(self, count: int) -> None:
        while len(self._ready) < count:
            self._ready.append(self._executor.submit(self._make))

    def _make(self) -> DaosContainer:
        return self.pool.create_container(self.label(), self.type)
