"""Ctrl-C (SIGINT) and SIGTERM at every phase of a run: the run ends as interrupted, says
so without tracebacks, and leaves the host as it found it."""

from __future__ import annotations

import signal

import pytest
from downstream_run import DownstreamRun, Ended

PHASES = ["build", "node start", "format", "test", "teardown"]


def said(ended: Ended) -> str:
    """What an interrupted run printed, in the words the document keeps."""
    parts = [f"exit {ended.code}"]
    if "KeyboardInterrupt" in ended.output:
        parts.append("pytest's KeyboardInterrupt banner")
    if "during the teardown: finishing it first" in ended.output:
        parts.append("says the teardown is finished first")
    if ended.tracebacks == 0:
        parts.append("no traceback")
    else:
        parts.append(f"{ended.tracebacks} traceback(s)")
    if "passed" in ended.tally:
        parts.append("the test passed")
    return "; ".join(parts)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", PHASES, ids=[phase.replace(" ", "_") for phase in PHASES])
def test_interrupt(scenario, phase, signum):
    args = scenario.args("--daos-rebuild") if phase == "build" else scenario.args()
    hold = "60" if phase == "test" else "0"
    run = DownstreamRun(scenario.folder / "run", args, env={"HOLD": hold})
    run.wait_for_phase(phase)
    run.send(signum)
    ended = run.end()
    name = signal.Signals(signum).name
    scenario.outcome(f"{name} during the {phase}", said(ended), ended.seconds)
    assert ended.code == pytest.ExitCode.INTERRUPTED, ended.output
    assert ended.tracebacks == 0, ended.output
