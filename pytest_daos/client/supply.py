"""Containers made ahead of need and destroyed off the tests' clock.

A fresh container per test costs two DAOS round trips (`daos container create` before the
test, `destroy` after). A `ContainerSupply` keeps a few containers of one pool ready, made
by background threads while earlier tests run, and destroys the containers tests are done
with in the background too; every container is still used by exactly one test, and
`close` leaves none behind. The idea is pytest-postgresql's template databases: pay for
isolation outside the test.

The threads make containers before they destroy any: a test may be waiting for the next
one, while a destruction waits for nobody. Those left when tests come faster than DAOS
makes containers are done while later tests run, or at `close`; when the pool itself goes
right after (`close(pool_goes=True)`), its recursive destroy removes them in one DAOS call
and only their dfuse mounts are undone one by one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from .container import DaosContainer
from .pool import DaosPool

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
        self._ready: deque[Future[DaosContainer]] = deque()  # promised to the next tests
        self._to_make: deque[Future[DaosContainer]] = deque()  # of those, not begun
        self._to_destroy: deque[tuple[DaosContainer, Future[None]]] = deque()
        self._destroying: list[Future[None]] = []
        self._lock = threading.Condition()
        self._closed = False
        self._draining = False  # closed and every destruction queued: threads may end
        self._pool_goes = False  # closed, and the pool's recursive destroy comes next
        self._threads: list[threading.Thread] = []

    def take(self) -> DaosContainer:
        """A fresh container for one test (made now if none is ready yet); a failure to make
        it is raised here, in the test's setup."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the container supply of pool {self.pool.label} is closed")
            while len(self._ready) < self.ahead + 1:
                future: Future[DaosContainer] = Future()
                self._ready.append(future)
                self._to_make.append(future)
            # the first one made, not necessarily the first one asked for
            next_one = next((f for f in self._ready if f.done()), self._ready[0])
            self._ready.remove(next_one)
            self._start_threads()
            self._lock.notify_all()
        return next_one.result()

    def give_back(self, container: DaosContainer) -> None:
        """The test is done with `container`: unmount and destroy it in the background."""
        with self._lock:
            self._queue_destroy(container)

    def close(self, pool_goes: bool = False) -> list[Exception]:
        """Stop making containers, destroy the ready ones, wait for every destruction;
        returns the failures met (each step runs regardless). `pool_goes`: the pool is
        destroyed (recursively) next, which destroys the containers not yet destroyed:
        only their mounts are undone."""
        with self._lock:
            self._closed = True
            self._pool_goes = pool_goes
            for future in self._to_make:  # not begun: never made
                future.cancel()
            self._to_make.clear()
            ready, self._ready = list(self._ready), deque()
        failures: list[Exception] = []
        for future in ready:
            if future.cancelled():
                continue
            error = future.exception()  # waits for a make under way
            if isinstance(error, Exception):
                failures.append(error)
            elif error is None:
                with self._lock:
                    self._queue_destroy(future.result())
        with self._lock:
            self._draining = True
            self._start_threads()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()
        for done in self._destroying:
            failure = done.exception()
            if isinstance(failure, Exception):
                failures.append(failure)
        return failures

    # -- the threads (every method below runs with the lock held, but `_run`) ---------------

    def _queue_destroy(self, container: DaosContainer) -> None:
        future: Future[None] = Future()
        self._to_destroy.append((container, future))
        self._destroying.append(future)
        self._start_threads()
        self._lock.notify_all()

    def _start_threads(self) -> None:
        while len(self._threads) < WORKERS:
            thread = threading.Thread(
                target=self._run, name=f"pytest-daos-supply-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _run(self) -> None:
        """Make the next container asked for; else destroy the next one given back; end once
        the supply is closed and nothing is left to do."""
        while True:
            with self._lock:
                while not (self._to_make or self._to_destroy or self._draining):
                    self._lock.wait()
                if self._to_make:
                    make: Future[DaosContainer] | None = self._to_make.popleft()
                    destroy = None
                elif self._to_destroy:
                    make, destroy = None, self._to_destroy.popleft()
                else:
                    return
                pool_goes = self._pool_goes
            if make is not None:
                if make.set_running_or_notify_cancel():
                    _settle(make, lambda: self.pool.create_container(self.label(), self.type))
            elif destroy is not None:
                container, done = destroy
                if done.set_running_or_notify_cancel():
                    _settle(done, container.unmount_all if pool_goes else container.destroy)


def _settle(future: Future[object] | Future[DaosContainer] | Future[None],
            action: Callable[[], object]) -> None:  # fmt: skip
    try:
        future.set_result(action())  # type: ignore[arg-type]
    except BaseException as exc:
        future.set_exception(exc)
