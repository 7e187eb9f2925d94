"""The plugin's progress lines on the terminal, also from a pytest-xdist worker.

A line goes to pytest's terminal, also from inside a fixture's setup (capture suspended
for it). A `Phase` line (the one line of a phase of a start or of the teardown) shows at
`-q` too; the others, and the header, from the default verbosity on.

A pytest-xdist worker's own terminal output is discarded, and the controller takes only
the events xdist knows from it. So a worker whose controller runs the plugin appends each
line, as one JSON object written at once, to a file in the state folder that the
controller names (`RELAY_KEY`), made at the first line; the controller reads it in a
thread of its own (`ProgressRelay`) and shows each line with the worker's name, as
"[gw0] pytest-daos: ...". At the end of the session the controller stops the thread,
shows what is left once the workers are done, and removes the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .cluster.api import secure_state_dir
from .errors import PytestDaosError
from .report import Phase

#: Where the controller names the file of its workers' lines (`workerinput`).
RELAY_KEY = "pytest_daos_progress"
#: The lowest verbosity (`-q` is -1) at which each kind of line is shown.
LEVELS = {"detail": 0, "phase": -1, "header": 0}
#: Seconds between two reads of the file by the controller's thread.
RELAY_INTERVAL = 0.2

Progress = Callable[[str], None]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Relayed:
    """One line of a worker: its kind (a key of LEVELS), its text, the worker's name."""

    kind: str
    text: str
    worker: str = "?"

    def encode(self) -> bytes:
        return (
            json.dumps({"kind": self.kind, "text": self.text, "worker": self.worker}) + "\n"
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Relayed:
        """The line `encode` wrote; any other text as a line of its own."""
        try:
            data = json.loads(raw)
            return cls(str(data["kind"]), str(data["text"]), str(data["worker"]))
        except (ValueError, KeyError, TypeError):
            return cls("detail", raw.decode(errors="replace").rstrip())


def relay_path(state_dir: Path, session: str) -> Path:
    """The file of the workers' lines of the run of `session` (the controller's)."""
    return state_dir / f"progress-{session}.jsonl"


def write_relayed(path: Path, line: Relayed) -> None:
    """Append `line` to the file at `path` in one write (made, private, if missing; never
    through a symlink). A line that cannot be written is dropped: the run goes on."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW
    try:
        secure_state_dir(path.parent)
        descriptor = os.open(path, flags, 0o600)
    except (OSError, PytestDaosError):
        return
    try:
        os.write(descriptor, line.encode())
    except OSError:
        pass
    finally:
        os.close(descriptor)


class ProgressRelay:
    """The controller's reader of its workers' lines: every `interval` seconds its thread
    passes the lines appended to `path` since to `show`, in their order; `stop` ends it."""

    def __init__(
        self, path: Path, show: Callable[[Relayed], None], interval: float = RELAY_INTERVAL
    ) -> None:
        self.path, self.show, self.interval = path, show, interval
        self._descriptor: int | None = None
        self._partial = b""  # the start of a line not written out yet
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="pytest-daos progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.read()

    def read(self) -> None:
        """Show the whole lines appended since the last read (none once stopped)."""
        with self._lock:
            if self._stopped:
                return
            for raw in self._new_lines():
                with contextlib.suppress(Exception):  # a line is not worth the thread
                    self.show(Relayed.decode(raw))

    def _new_lines(self) -> list[bytes]:
        if self._descriptor is None:
            try:
                self._descriptor = os.open(self.path, os.O_RDONLY | _NOFOLLOW)
            except OSError:
                return []  # no line yet
        chunks = [self._partial]
        with contextlib.suppress(OSError):  # what was read is kept; the rest comes next time
            while chunk := os.read(self._descriptor, 65536):
                chunks.append(chunk)
        *lines, self._partial = b"".join(chunks).split(b"\n")
        return [line for line in lines if line.strip()]

    def stop(self) -> None:
        """End the thread, show the lines not shown yet, remove the file; nothing is shown
        after. Call it once the workers are done (it may be called again)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.read()
        with self._lock:
            self._stopped = True
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def shown(config: pytest.Config, kind: str) -> bool:
    """Whether this run's verbosity shows a line of `kind`."""
    return config.get_verbosity() >= LEVELS[kind]


def kind_of(message: str) -> str:
    return "phase" if isinstance(message, Phase) else "detail"


def write_terminal(config: pytest.Config, line: str, capture: bool = True) -> None:
    """`line` on pytest's terminal, on a line of its own (after a line of progress dots
    too), outside any capture (`capture`: suspend it; the controller's thread does not)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    manager = config.pluginmanager.get_plugin("capturemanager") if capture else None
    suspended = manager.global_and_fixture_disabled() if manager else contextlib.nullcontext()
    with suspended:
        reporter.ensure_newline()
        if getattr(getattr(reporter, "_tw", None), "width_of_current_line", 0):
            reporter.write("\n")
        reporter.write_line(line)


def relayed_to(config: pytest.Config) -> tuple[Path, str] | None:
    """In a pytest-xdist worker whose controller reads its lines: the file and the
    worker's name (else None)."""
    workerinput: dict[str, Any] = getattr(config, "workerinput", None) or {}
    path = workerinput.get(RELAY_KEY)
    return (Path(path), str(workerinput.get("workerid", "?"))) if path else None


def progress_writer(config: pytest.Config) -> Progress:
    """The run's progress lines: on the terminal, or a worker's through its controller."""
    relay = relayed_to(config)

    def write(message: str) -> None:
        kind = kind_of(message)
        if relay is not None:
            write_relayed(relay[0], Relayed(kind, str(message), relay[1]))
        elif shown(config, kind):
            write_terminal(config, f"pytest-daos: {message}")

    return write


def show_header(config: pytest.Config, line: Callable[[], str]) -> list[str]:
    """The header line said after collection (made by `line` only when it shows): the
    lines for pytest to show, or none in a worker, whose controller shows it once
    whichever worker sends it."""
    if config.getoption("no_header", False) or not shown(config, "header"):
        return []
    relay = relayed_to(config)
    if relay is not None:
        write_relayed(relay[0], Relayed("header", line(), relay[1]))
        return []
    return [line()]


def relay_shower(config: pytest.Config) -> Callable[[Relayed], None]:
    """How the controller shows its workers' lines: each as its verbosity allows, the
    header only once."""
    headers: list[str] = []

    def show(line: Relayed) -> None:
        if line.kind not in LEVELS or not shown(config, line.kind):
            return
        if line.kind == "header":
            if headers:
                return
            headers.append(line.text)
            text = line.text
        else:
            text = f"[{line.worker}] pytest-daos: {line.text}"
        write_terminal(config, text, capture=False)

    return show
