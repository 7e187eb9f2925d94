"""Run pytest or the `pytest-daos` command in a subprocess, time it, and read what the
plugin's terminal summary and the recorder conftest (`suites.RECORDER`) say."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .suites import RECORD_ENV

PYTEST_TIMEOUT = 900
OUTPUT_TAIL = 40
ERROR_LINES = 20

_START = re.compile(r"^cluster start: ([\d.]+)s \((.*)\)$", re.MULTILINE)
_PHASE = re.compile(r"^(.*) ([\d.]+)s$")
_STARTUP = re.compile(r"^plugin start-up \(pytest start to first test\): ([\d.]+)s$", re.MULTILINE)
_IMAGES = re.compile(r"^images: (\d+) cached, (\d+) built", re.MULTILINE)
_NO_START = re.compile(r"^no start: (.*)$", re.MULTILINE)
_PROBLEM = re.compile(r"^(teardown problem|the cluster did not start): (.*)$", re.MULTILINE)


class BenchError(RuntimeError):
    """A measured command failed: the benchmark stops and says which and why."""


def command_failed(what: str, returncode: int, output: str) -> BenchError:
    """The error of a failed command: pytest's first `E ` lines, then its last lines."""
    lines = output.splitlines()
    errors = [line for line in lines if line.startswith("E ")][:ERROR_LINES]
    tail = "\n".join(lines[-OUTPUT_TAIL:])
    head = ("first errors:\n" + "\n".join(errors) + "\n") if errors else ""
    return BenchError(f"{what} exited with status {returncode}; {head}last lines:\n{tail}")


@dataclass(frozen=True)
class Summary:
    """The pytest-daos section of pytest's terminal summary."""

    starts: tuple[dict[str, float], ...]  # the phases of each "cluster start:" line
    startup: float | None  # "plugin start-up (pytest start to first test)"
    attached: str | None  # "no start: ..."
    images_built: int | None
    problems: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Summary:
        starts = []
        for match in _START.finditer(text):
            phases = {}
            for part in match.group(2).split(", "):
                phase = _PHASE.match(part)
                if phase:
                    phases[phase.group(1)] = float(phase.group(2))
            starts.append(phases)
        startup = _STARTUP.search(text)
        attached = _NO_START.search(text)
        images = _IMAGES.search(text)
        return cls(
            starts=tuple(starts),
            startup=float(startup.group(1)) if startup else None,
            attached=attached.group(1) if attached else None,
            images_built=int(images.group(2)) if images else None,
            problems=tuple(match.group(0) for match in _PROBLEM.finditer(text)),
        )


@dataclass(frozen=True)
class TestTimes:
    """One test as the recorder saw it: the phases' durations and wall-clock bounds."""

    nodeid: str
    outcome: str
    setup: float
    call: float
    teardown: float
    start: float  # epoch seconds: its setup began
    stop: float  # epoch seconds: its teardown ended
    call_stop: float
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def function(self) -> str:
        """The test function's name, without its parameters."""
        return self.nodeid.split("::")[-1].split("[")[0]

    @property
    def total(self) -> float:
        return self.setup + self.call + self.teardown


@dataclass(frozen=True)
class PytestRun:
    """A finished pytest process."""

    wall: float  # seconds from launch to exit
    launched: float  # epoch seconds
    exited: float  # epoch seconds
    output: str
    summary: Summary
    tests: tuple[TestTimes, ...]
    sessionfinish: float | None  # epoch seconds: pytest_sessionfinish began

    @property
    def startup(self) -> float:
        """The plugin's own start-up figure (pytest_configure to the first test's call)."""
        if self.summary.startup is None:
            raise BenchError("the pytest-daos summary has no 'plugin start-up' line")
        return self.summary.startup

    @property
    def cluster_start(self) -> dict[str, float]:
        if len(self.summary.starts) != 1:
            raise BenchError(f"expected one 'cluster start:' line, saw {len(self.summary.starts)}")
        return self.summary.starts[0]

    @property
    def launch_to_first_call(self) -> float:
        """Process launch to the first test's call phase (interpreter start-up included)."""
        first = min(self.tests, key=lambda test: test.start)
        return first.start + first.setup - self.launched

    @property
    def teardown(self) -> float:
        """pytest_sessionfinish began (every test and fixture done) to the process's exit."""
        if self.sessionfinish is None:
            raise BenchError("the recorder wrote no sessionfinish time")
        return self.exited - self.sessionfinish

    @property
    def tests_span(self) -> float:
        """First test's setup start to the last test's teardown end."""
        return max(t.stop for t in self.tests) - min(t.start for t in self.tests)

    def named(self, function: str) -> list[TestTimes]:
        return [test for test in self.tests if test.function == function]


def _tests(reports: list[dict[str, Any]]) -> tuple[TestTimes, ...]:
    by_id: dict[str, dict[str, dict[str, Any]]] = {}
    for report in reports:
        by_id.setdefault(report["nodeid"], {})[report["when"]] = report
    tests = []
    for nodeid, phases in by_id.items():
        outcome = next(
            (p["outcome"] for p in phases.values() if p["outcome"] != "passed"), "passed"
        )
        setup, call, teardown = (phases.get(when, {}) for when in ("setup", "call", "teardown"))
        properties: dict[str, Any] = {}
        for phase in (setup, call, teardown):
            properties.update(phase.get("properties", {}))
        tests.append(
            TestTimes(
                nodeid=nodeid,
                outcome=outcome,
                setup=float(setup.get("duration", 0.0)),
                call=float(call.get("duration", 0.0)),
                teardown=float(teardown.get("duration", 0.0)),
                start=float(setup.get("start", 0.0)),
                stop=float(teardown.get("stop", setup.get("stop", 0.0))),
                call_stop=float(call.get("stop", 0.0)),
                properties=properties,
            )
        )
    return tuple(sorted(tests, key=lambda test: test.start))


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}
    env.update(extra or {})
    return env


def run_pytest(
    folder: Path, args: list[str], expect_passed: int, timeout: float = PYTEST_TIMEOUT
) -> PytestRun:
    """pytest in `folder` with `args`; BenchError unless it exits 0 with `expect_passed`
    tests passed and the recorder wrote its file."""
    record = folder / f"record-{time.monotonic_ns()}.json"
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    launched, started = time.time(), time.monotonic()
    done = subprocess.run(
        argv,
        cwd=folder,
        env=environment({RECORD_ENV: str(record)}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall, exited = time.monotonic() - started, time.time()
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise command_failed(f"pytest {' '.join(args)} (in {folder})", done.returncode, output)
    data = json.loads(record.read_text()) if record.exists() else {"reports": []}
    record.unlink(missing_ok=True)
    tests = _tests(data["reports"])
    passed = sum(test.outcome == "passed" for test in tests)
    if passed != expect_passed:
        raise command_failed(f"pytest (expected {expect_passed} passed, saw {passed})", 0, output)
    return PytestRun(
        wall=wall,
        launched=launched,
        exited=exited,
        output=output,
        summary=Summary.parse(output),
        tests=tests,
        sessionfinish=data.get("sessionfinish"),
    )


@dataclass(frozen=True)
class CommandRun:
    wall: float
    output: str


#: The repository: the folder commands run in (so `python -m benchmarks.X` works).
ROOT = Path(__file__).resolve().parent.parent


def run_command(argv: list[str], what: str, timeout: float = PYTEST_TIMEOUT) -> CommandRun:
    """A command (`pytest-daos build`, `bare.sh`, ...), timed; BenchError when it fails."""
    started = time.monotonic()
    done = subprocess.run(
        argv, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise command_failed(what, done.returncode, output)
    return CommandRun(wall, done.stdout)


def cli(args: list[str], timeout: float = PYTEST_TIMEOUT) -> CommandRun:
    """The project's `pytest-daos` command (the script beside this interpreter)."""
    script = Path(sys.executable).parent / "pytest-daos"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "pytest_daos.cli"]
    argv = [*program, *args]
    return run_command(argv, f"pytest-daos {' '.join(args)}", timeout)
