"""Ctrl-C and SIGTERM held back while a step that must not be cut runs: the nodes being
created (Docker would finish making a container after the client gave up on it) and the
teardown (cut, it leaves nodes and hugepages behind)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def held(
    first: Callable[[signal.Signals], None] = lambda signum: None, redeliver: bool = True
) -> Iterator[list[signal.Signals]]:
    """Hold SIGINT and SIGTERM for the block: `first` is told of the first that arrives;
    with `redeliver` the signals received are sent again once the block is over (so the
    interruption happens, only later). Yields the list of signals received. Outside the
    main thread, where handlers cannot be set, nothing is held."""
    received: list[signal.Signals] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if not received:
            first(signal.Signals(signum))
        received.append(signal.Signals(signum))

    previous = {}
    with contextlib.suppress(ValueError):  # not the main thread
        for signum in HELD:
            previous[signum] = signal.signal(signum, hold)
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if redeliver:
            for signum in dict.fromkeys(received):
                signal.raise_signal(signum)
