"""Waiting by polling a state against a deadline, never a fixed sleep: one time budget
shared by the steps of a start, one poll loop whose failure says what it waited for and
what it saw last (as testcontainers' wait strategies explain theirs), and one way to wait
for a host-wide file lock that says it waits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

T = TypeVar("T")

#: The first pause between two polls; each later one is longer, up to MAX_INTERVAL.
FIRST_INTERVAL = 0.1
MAX_INTERVAL = 1.0


class Deadline:
    """One time budget shared by the phases of a start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0

    def call_timeout(self, cap: float) -> float:
        """A time limit for one call: at most `cap`, never past the deadline (at least 1 s)."""
        return max(1.0, min(cap, self.remaining()))


class NotYet(Exception):
    """Raised by a probe: the state is not reached yet; the text says what was seen."""


class WaitTimeout(Exception):
    """The deadline passed first; `last` is what the probe saw the last time."""

    def __init__(self, what: str, seconds: float, last: object) -> None:
        self.what, self.seconds, self.last = what, seconds, last
        super().__init__(f"{what} did not happen within {seconds:.0f}s; last seen: {last}")


def poll(probe: Callable[[], T], deadline: Deadline, what: str) -> T:
    """Call `probe` until it returns, and return its value.

    The probe raises NotYet (with what it saw) while the state is not reached; any other
    exception ends the wait at once. When the deadline passes first, WaitTimeout names
    `what` was awaited and the last thing seen. Pauses grow from FIRST_INTERVAL to
    MAX_INTERVAL, never past the deadline.
    """
    interval = FIRST_INTERVAL
    while True:
        try:
            return probe()
        except NotYet as exc:
            last: object = exc.args[0] if exc.args else "no answer"
        if deadline.expired():
            raise WaitTimeout(what, deadline.seconds, last)
        time.sleep(min(interval, deadline.remaining()))
        interval = min(interval * 2, MAX_INTERVAL)


@contextmanager
def hold_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the file lock at `path` (its folder made if missing); `on_wait()` is called
    once first when another process holds it, so the wait is said, not silent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
