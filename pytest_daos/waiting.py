"""Waiting by polling a state against a deadline, never a fixed sleep: one time budget
shared by the steps of a start, one poll loop whose failure says what it waited for and
what it saw last (as testcontainers' wait strategies explain theirs) and which, while it
waits, says now and then that it is alive (`Heartbeat`), and one way to wait for a
host-wide file lock that says it waits."""

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
#: Seconds between two lines that say a long wait is alive.
HEARTBEAT = 5.0
#: The longest text of what a wait saw that its heartbeat repeats.
SEEN_TEXT = 120


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


class Heartbeat:
    """Says that a long, silent step is alive: `beat` passes its line to `say`, with the
    seconds the step has run ("waiting for 2 ranks to join: 1 joined, 6 s"), once `every`
    seconds have passed since the step began (`restart`) or since the last line said."""

    def __init__(
        self,
        say: Callable[[str], None],
        every: float = HEARTBEAT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say, self.every, self.clock = say, every, clock
        self.started = self.last = clock()

    def restart(self) -> None:
        """A new step begins (and was said): the next line comes `every` seconds later."""
        self.started = self.last = self.clock()

    def beat(self, text: str) -> None:
        """Say "{text}, {seconds since the step began} s" when it is due."""
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.say(f"{text}, {now - self.started:.0f} s")


def seen_text(seen: object) -> str:
    """What a wait saw, short enough for a line: its first line, at most SEEN_TEXT long."""
    text = (str(seen).strip().splitlines() or [""])[0]
    return text if len(text) <= SEEN_TEXT else text[: SEEN_TEXT - 3] + "..."


def poll(
    probe: Callable[[], T],
    deadline: Deadline,
    what: str,
    max_interval: float = MAX_INTERVAL,
    progress: Callable[[str], None] | None = None,
    heartbeat: float | None = None,
) -> T:
    """Call `probe` until it returns, and return its value.

    The probe raises NotYet (with what it saw) while the state is not reached; any other
    exception ends the wait at once. When the deadline passes first, WaitTimeout names
    `what` was awaited and the last thing seen. Pauses grow from FIRST_INTERVAL to
    `max_interval`, never past the deadline. With `progress`, a wait says every
    `heartbeat` seconds (None: HEARTBEAT) that it is alive: "waiting for {what}: {last
    seen}, 12 s".
    """
    interval = FIRST_INTERVAL
    every = HEARTBEAT if heartbeat is None else heartbeat
    alive = Heartbeat(progress, every) if progress is not None else None
    while True:
        try:
            return probe()
        except NotYet as exc:
            last: object = exc.args[0] if exc.args else "no answer"
        if deadline.expired():
            raise WaitTimeout(what, deadline.seconds, last)
        if alive is not None:
            alive.beat(f"waiting for {what}: {seen_text(last)}")
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
