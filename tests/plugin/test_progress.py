"""Progress lines reach the person waiting: a pytest-xdist worker's through the controller
(whichever worker says them), one line per phase under -q, and no teardown line from a
controller whose workers used no DAOS."""

from __future__ import annotations

import pytest

ANNOUNCING = """
import pytest
from pytest_daos.report import Phase
from pytest_daos.runstate import run_state

@pytest.fixture
def announce(request, worker_id):
    progress = run_state(request.config).progress
    progress(Phase(f"a phase line from {worker_id}"))
    progress(f"a detail line from {worker_id}")
"""
SUITE = """
import pytest

@pytest.mark.parametrize("n", range(4))
def test_announces(announce, n):
    pass
"""


@pytest.fixture
def announcing(pytester):
    pytester.makeconftest(ANNOUNCING)
    pytester.makepyfile(SUITE)
    return ["-p", "no:cacheprovider", f"--daos-state-dir={pytester.path / 'state'}"]


def lines(result: pytest.RunResult, text: str) -> list[str]:
    return [line for line in result.stdout.lines if text in line]


def test_a_workers_progress_shows_on_the_controller(pytester, announcing):
    result = pytester.runpytest_subprocess(*announcing, "-n", "2")
    result.assert_outcomes(passed=4)
    phases = lines(result, "pytest-daos: a phase line from gw")
    details = lines(result, "pytest-daos: a detail line from gw")
    assert len(phases) == len(details) == 4, result.stdout.str()
    for line in phases + details:
        worker = line.split()[-1]
        assert line.startswith(f"[{worker}] pytest-daos: ")
    assert list((pytester.path / "state").glob("progress-*")) == []  # the relay's file


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_quiet_shows_one_line_per_phase(pytester, announcing, xdist):
    result = pytester.runpytest_subprocess(*announcing, "-q", *xdist)
    result.assert_outcomes(passed=4)
    assert len(lines(result, "pytest-daos: a phase line from ")) == 4, result.stdout.str()
    assert lines(result, "a detail line") == []


def test_very_quiet_shows_none(pytester, announcing):
    result = pytester.runpytest_subprocess(*announcing, "-qq")
    assert lines(result, "pytest-daos:") == []


def test_a_controller_whose_workers_used_no_daos_says_no_teardown(pytester):
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--daos-state-dir={pytester.path / 'state'}", "-n", "2"
    )
    result.assert_outcomes(passed=1)
    assert lines(result, "pytest-daos") == [], result.stdout.str()
