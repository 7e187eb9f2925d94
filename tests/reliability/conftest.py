"""The reliability tier: faults at every phase and hostile input, each in a downstream run of
its own (a subprocess), and the host inspected after it.

Each scenario records what was done and what came of it; docs/reliability.md is that
record. A run of the tier checks every scenario's outcome against the document, and
`bash scripts/reliability.sh` (PYTEST_DAOS_RELIABILITY_DOC set) rewrites it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from downstream_run import DownstreamRun
from filelock import FileLock, Timeout
from nobody import Nobody
from nobody import as_nobody as nobody_runs
from sim_base import SIM_BASE_IMAGE

from pytest_daos.cluster.labels import SESSION_LABEL

DOC = Path(__file__).parents[2] / "docs" / "reliability.md"
WRITE_ENV = "PYTEST_DAOS_RELIABILITY_DOC"
HEADER = """\
# Reliability: faults at every phase, hostile input

Every row is a scenario of `tests/reliability/`: a small downstream suite run by pytest in
a subprocess with the `sim` recipe (real Docker engine, real containers, real hugepages),
something done to it, and what came of it. After each scenario the tier checks the host:
no container, volume or network of pytest-daos without a live owner, `vm.nr_hugepages`
exactly as before, the hugetlbfs mount as before, no hugepage file of the engine, no lock
of the state folder held ("left behind" says what that check found).

This file is written by the tier itself: `bash scripts/reliability.sh` runs it and
rewrites the file; every other run of the tier fails where an outcome differs from the
row here. "time" is, where it says something, the seconds from the fault to the end of
the run (for a killed run: to its guardian's removal of the cluster; for the killed
server: the test's pool query), on a 2-core host at the last rewrite; it varies.

| scenario | what is done | outcome | left behind | time |
|---|---|---|---|---|
"""


@dataclass
class Row:
    scenario: str
    action: str
    outcome: str
    left: str = ""
    seconds: float | None = None

    def cells(self) -> list[str]:
        time = "" if self.seconds is None else f"{self.seconds:.1f} s"
        return [self.scenario, self.action, self.outcome, self.left, time]

    def line(self) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in self.cells()) + " |"


def table_lines() -> list[tuple[list[str], str]]:
    """The rows of docs/reliability.md: each row's cells and its line."""
    rows = []
    if DOC.exists():
        for line in DOC.read_text().splitlines():
            if not line.startswith("| ") or line.startswith(("| scenario", "|---")):
                continue
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            rows.append(([cell.strip().replace("\\|", "|") for cell in cells], line))
    return rows


def documented() -> dict[str, list[str]]:
    """The rows of docs/reliability.md by scenario: their cells, time excluded."""
    return {cells[0]: cells[:4] for cells, _ in table_lines()}


@dataclass
class Record:
    rows: list[Row] = field(default_factory=list)


@pytest.fixture(scope="session")
def reliability_record() -> Iterator[Record]:
    record = Record()
    yield record
    if os.environ.get(WRITE_ENV) and record.rows:
        # the rows of this run replace theirs; the scenarios that did not run keep theirs
        lines = {cells[0]: line for cells, line in table_lines()}
        lines.update({row.scenario: row.line() for row in record.rows})
        DOC.write_text(HEADER + "\n".join(lines.values()) + "\n")


def our_things(docker: Any) -> dict[str, list[str]]:
    label = {"label": SESSION_LABEL}
    return {
        "containers": [
            c.name for c in docker.containers.list(all=True, filters=label, ignore_removed=True)
        ],
        "volumes": [v.name for v in docker.volumes.list(filters=label)],
        "networks": [n.name for n in docker.networks.list(filters=label)],
    }


def host_state() -> tuple[int, bool, set[str]]:
    mounted = any(
        line.split()[1:3] == ["/dev/hugepages", "hugetlbfs"]
        for line in Path("/proc/mounts").read_text().splitlines()
    )
    folder = Path("/dev/hugepages")
    files = {entry.name for entry in folder.iterdir()} if mounted else set()
    return int(Path("/proc/sys/vm/nr_hugepages").read_text()), mounted, files


class Scenario:
    """One scenario: its state folder, its outcome for the document, the host check."""

    def __init__(self, name: str, folder: Path, record: Record) -> None:
        self.name = name
        self.folder = folder
        self.state_dir = folder / "state"
        self._record = record
        self.row: Row | None = None

    def args(self, *more: str) -> list[str]:
        return [f"--daos-sim-base-image={SIM_BASE_IMAGE}",
                f"--daos-state-dir={self.state_dir}", *more]  # fmt: skip

    def outcome(self, action: str, outcome: str, seconds: float | None = None) -> None:
        self.row = Row(self.name, action, outcome, seconds=seconds)

    def fails_under_xdist(self, suite: str, action: str, sign: str, says: str) -> None:
        """Run `suite` under pytest-xdist (-n 2), which must fail its tests and print `sign`;
        the outcome is the run's exit and tally, then `says` where `sign` was printed."""
        ended = DownstreamRun(self.folder / "run", self.args("-n", "2"), suite=suite).end()
        printed = sign in ended.output
        self.outcome(action, f"exit {ended.code}; {ended.tally}" + (f"; {says}" if printed else ""))
        assert ended.code == pytest.ExitCode.TESTS_FAILED and printed, ended.output

    def held_locks(self) -> list[str]:
        held = []
        for path in sorted(self.state_dir.glob("*.lock")):
            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                held.append(path.name)
            else:
                lock.release()
        return held


@pytest.fixture
def as_nobody() -> Iterator[Nobody]:
    """Runs as user nobody (needs root: the test skips otherwise)."""
    with nobody_runs() as nobody:
        yield nobody


@pytest.fixture
def scenario(
    request: pytest.FixtureRequest, tmp_path: Path, docker: Any, reliability_record: Record
) -> Iterator[Scenario]:
    """The scenario of this test; after it, the host check (its finding is the row's
    "left behind") and the comparison with docs/reliability.md."""
    before_things, before_host = our_things(docker), host_state()
    assert before_things == {"containers": [], "volumes": [], "networks": []}, (
        f"pytest-daos things of an earlier run are on this host: {before_things}"
    )
    case = Scenario(request.node.name.removeprefix("test_"), tmp_path, reliability_record)
    yield case
    things, host = our_things(docker), host_state()
    left = [f"{len(names)} {kind}" for kind, names in things.items() if names]
    if host[0] != before_host[0]:
        left.append(f"vm.nr_hugepages {host[0]} (was {before_host[0]})")
    if host[1] != before_host[1]:
        left.append("hugetlbfs " + ("mounted" if host[1] else "unmounted"))
    left += sorted(name for name in host[2] - before_host[2] if name.startswith("spdk_pid"))
    left += [f"{name} held" for name in case.held_locks()]
    # the next scenario starts clean regardless
    for container in docker.containers.list(
        all=True, filters={"label": SESSION_LABEL}, ignore_removed=True
    ):
        container.remove(force=True, v=True)
    if host[0] != before_host[0]:
        Path("/proc/sys/vm/nr_hugepages").write_text(str(before_host[0]))
    if case.row is None:  # skipped, or failed before its outcome: pytest says which
        assert not left, f"left behind: {left}"
        return
    case.row.left = ", ".join(left) or "nothing"
    reliability_record.rows.append(case.row)
    assert not left, f"left behind: {case.row.left}"
    if not os.environ.get(WRITE_ENV):
        expected = documented().get(case.name)
        assert expected is not None, (
            f"docs/reliability.md has no row {case.name!r}: rewrite it with "
            "`bash scripts/reliability.sh`"
        )
        assert case.row.cells()[:4] == expected, (
            "the outcome differs from docs/reliability.md (rewrite it with `bash "
            f"scripts/reliability.sh` if the change is right):\n  now: {case.row.cells()[:4]}"
            f"\n  doc: {expected}"
        )
