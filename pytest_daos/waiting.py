"""Waiting by polling a state against a deadline, never a fixed sleep: one time budget
shared by the steps of a start, one poll loop whose failure says what it waited for and
what it saw last (as testcontainers' wait strategies explain theirs), and one way to wait
for a host-wide file lock that says it waits."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from .errors import PytestDaosError

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


def poll(
    probe: Callable[[], T], deadline: Deadline, what: str, max_interval: float = MAX_INTERVAL
) -> T:
    """Call `probe` until it returns, and return its value.

    The probe raises NotYet (with what it saw) while the state is not reached; any other
    exception ends the wait at once. When the deadline passes first, WaitTimeout names
    `what` was awaited and the last thing seen. Pauses grow from FIRST_INTERVAL to
    `max_interval`, never past the deadline.
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
        interval = min(interval * 2, max_interval)


class LockTimeout(PytestDaosError, TimeoutError):
    """Another process held a host-wide lock for longer than the wait allowed."""


@contextmanager
def hold_lock(
    path: Path, on_wait: Callable[[str], None] | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold the file lock at `path` (its folder made if missing).

    When another process holds it, `on_wait(holder)` is called once first, so the wait is
    said, not silent, and names who holds it (its pid and command, from `<path>.holder`);
    after `timeout` seconds (None: no limit) LockTimeout says so too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = lock_holder(path)
        if on_wait is not None:
            on_wait(holder)
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise LockTimeout(
                f"{path} is still held after {timeout:g}s by {holder}: wait for it to end, "
                "or end it"
            ) from None
    try:
        _write_holder(path)
        yield
    finally:
        lock.release()


def lock_holder(path: Path) -> str:
    """Who holds the lock at `path`, as its holder wrote it."""
    try:
        return Path(f"{path}.holder").read_text().strip() or "another process"
    except OSError:
        return "another process"


def _write_holder(path: Path) -> None:
    command = " ".join(sys.argv)[:120]
    text = f"pid {os.getpid()} ({command})\n".encode()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(f"{path}.holder", flags, 0o600)
    except OSError:
        return  # who holds it is for messages only
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(text)
