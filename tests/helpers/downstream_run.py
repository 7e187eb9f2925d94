"""A downstream test suite run by pytest in a subprocess, watched line by line: the
reliability tier starts one, waits for a phase to show (a progress line or a file the
suite writes), does something to it (a signal, a killed container) and reads how it ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The downstream suite most scenarios run: a test that holds a pool for HOLD seconds,
#: after writing `in-test` (the scenario's cue that the cluster is up and a test runs).
HOLDING_SUITE = """
import os, pathlib, time

def test_holds_a_pool(daos_pool):
    pathlib.Path("in-test").write_text(daos_pool.uuid)
    time.sleep(float(os.environ.get("HOLD", "0")))
"""

#: The phases of a run and the line that shows each has begun.
PHASE_CUES = {
    "build": "pytest-daos: building image 1/",
    "node start": "pytest-daos: starting the nodes",
    "format": "pytest-daos: formatting storage",
    "teardown": "pytest-daos: teardown: the DAOS cluster",
}


@dataclass
class Ended:
    """How a run ended: its exit status, everything it printed, the seconds it took from
    the cue the scenario acted on (or from its start)."""

    code: int
    output: str
    seconds: float

    def lines_after(self, text: str) -> list[str]:
        lines = self.output.splitlines()
        starts = [i for i, line in enumerate(lines) if text in line]
        return lines[starts[0] + 1 :] if starts else []

    @property
    def tally(self) -> str:
        """pytest's last line without its time: "1 failed, 2 passed"."""
        return self.output.splitlines()[-1].strip("= ").rsplit(" in ", 1)[0]

    @property
    def tracebacks(self) -> int:
        return sum(self.output.count(word) for word in ("Traceback (most recent", "ExceptionGroup"))


class DownstreamRun:
    """`python -m pytest` in `folder` with the sim recipe and the state folder `state_dir`,
    its output read as it comes (unbuffered)."""

    def __init__(
        self,
        folder: Path,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        prefix: Sequence[str] = (),
        suite: str = HOLDING_SUITE,
        python: str = sys.executable,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "test_downstream.py").write_text(suite)
        self.folder = folder
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.started = time.monotonic()
        self.acted = self.started
        self.process = subprocess.Popen(
            [*prefix, python, "-m", "pytest", "-p", "no:cacheprovider",
             "--daos-recipe=sim", *args, "test_downstream.py"],
            cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._new_line:
                self.lines.append(line.rstrip("\n"))
                self._new_line.notify_all()
        with self._new_line:
            self._new_line.notify_all()

    def wait_for(self, line: str = "", file: str = "", seconds: float = 300) -> None:
        """Until a printed line contains `line`, or the suite has written `file` in its
        folder; fails with the output so far when the run ends or time runs out."""
        assert bool(line) != bool(file), "wait for a line or for a file"
        cue = line or file
        deadline = time.monotonic() + seconds
        with self._new_line:
            while not (
                (line and any(line in printed for printed in self.lines))
                or (file and (self.folder / file).exists())
            ):
                assert self.process.poll() is None or self._reader.is_alive(), (
                    f"the run ended before {cue!r}:\n" + "\n".join(self.lines)
                )
                left = deadline - time.monotonic()
                assert left > 0, f"no {cue!r} within {seconds:g}s:\n" + "\n".join(self.lines)
                self._new_line.wait(min(left, 0.1))

    def wait_for_phase(self, phase: str) -> None:
        """Until `phase` (a key of PHASE_CUES, or "test": the suite wrote `in-test`) began."""
        if phase == "test":
            self.wait_for(file="in-test")
        else:
            self.wait_for(line=PHASE_CUES[phase])

    def send(self, signum: int) -> None:
        self.acted = time.monotonic()
        self.process.send_signal(signum)

    def kill(self) -> None:
        self.send(signal.SIGKILL)

    def end(self, seconds: float = 300) -> Ended:
        code = self.process.wait(timeout=seconds)
        self._reader.join(timeout=10)
        return Ended(code, "\n".join(self.lines), time.monotonic() - self.acted)
