"""What the long-running programs (daos_server, daos_agent) share: their command line, a
log file, and running until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO

from . import flags
from .releases import Release, banner


class LogFile:
    """A control log: `path` if set, else stderr; `level YYYY/MM/DD HH:MM:SS[.us] message`."""

    def __init__(self, path: str, microseconds: bool = False) -> None:
        self.lock = threading.Lock()
        self.microseconds = microseconds
        self.stream: TextIO = open(path, "a", buffering=1) if path else sys.stderr  # noqa: SIM115

    def write(self, level: str, message: str) -> None:
        now = time.time()
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(now))
        if self.microseconds:
            stamp += f".{int(now % 1 * 1e6):06d}"
        with self.lock:
            self.stream.write(f"{level} {stamp} {message}\n")
            self.stream.flush()


def fail(message: str) -> int:
    sys.stderr.write(f"ERROR: {message}\n")
    return 1


def parse(
    program: str, root: flags.Cmd, argv: Sequence[str], rel: Release
) -> tuple[flags.Parsed | None, int]:
    """The parsed command line, or (None, exit code) once the version, the help or the
    error has been printed."""
    if "--version" in argv:
        print(banner(program, rel))
        return None, 0
    try:
        parsed, _ = flags.parse(program, root, argv)
    except flags.FlagError as exc:
        if exc.is_help:
            print(exc.message, end="")
            return None, 0
        return None, fail(exc.message)
    if parsed.command == "version":
        print(banner(program, rel))
        return None, 0
    return parsed, 0


def stop_event() -> threading.Event:
    """An event set by SIGTERM or SIGINT (the program then stops in order, exit 0)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def wait(stop: threading.Event) -> None:
    while not stop.wait(0.2):
        pass
