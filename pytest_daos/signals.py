"""Ctrl-C and SIGTERM: held back while a step that must not be cut runs (the nodes being
created: Docker would finish making a container after the client gave up on it; the
teardown: cut, it leaves nodes and hugepages behind), and otherwise turned into
KeyboardInterrupt everywhere but in the code of a lock.

Python raises the KeyboardInterrupt of a signal wherever the main thread is. Raised in
`threading.Condition.__enter__` after the lock was taken and before its `with` block
began, it leaves that lock taken for good: the Docker SDK's connection pool (urllib3)
then waits forever on it in its own cleanup, and the run hangs instead of tearing down.
`interrupter` sends such a signal again a moment later, once that `__enter__` is done.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)
#: Where an interruption is never raised: a lock's `__enter__` in threading's code (that of
#: `Condition`, which queues and events use), between taking the lock and the `with` block
#: that gives it back. A thread that waits for a lock is interrupted as ever.
LOCKING = frozenset({(threading.__file__, "__enter__")})
#: Seconds after which a signal that came in LOCKING is sent again.
AGAIN_AFTER = 0.01
Handler = Callable[[int, "FrameType | None"], None]


def _send_again(signum: int) -> None:
    """Send `signum` to the main thread again, AGAIN_AFTER seconds from now, unless by then
    nobody handles it any more (the run ended: its default action would kill the process)."""

    def send() -> None:
        handler = signal.getsignal(signum)
        main = threading.main_thread().ident
        if callable(handler) and main is not None:
            signal.pthread_kill(main, signum)

    timer = threading.Timer(AGAIN_AFTER, send)
    timer.daemon = True
    timer.start()


def interrupter(message: str | None = None, again: Callable[[int], None] = _send_again) -> Handler:
    """A signal handler that raises KeyboardInterrupt (with `message`, if any), as Ctrl-C
    does, unless the main thread is in LOCKING: then the signal comes `again`."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if frame is not None and (frame.f_code.co_filename, frame.f_code.co_name) in LOCKING:
            again(signum)
            return
        raise KeyboardInterrupt(*(() if message is None else (message,)))

    return handler


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
