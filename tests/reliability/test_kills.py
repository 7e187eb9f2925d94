"""Runs that die or lose a part: SIGKILL, pytest-timeout, pytest-xdist workers and their
controller, the server node killed under a test."""

from __future__ import annotations

import signal
import time

import pytest
from downstream_run import DownstreamRun, Ended

from pytest_daos.cluster.labels import ROLE_LABEL, SESSION_LABEL


def next_run(scenario) -> Ended:
    """A new run with the same state folder, after the one that died."""
    ended = DownstreamRun(scenario.folder / "next", scenario.args()).end()
    assert ended.code == 0, ended.output
    return ended


def guardian_removes(docker, seconds: float = 60) -> float:
    """Seconds until no container of ours is left (the killed run's guardian at work)."""
    started = time.monotonic()
    while docker.containers.list(all=True, filters={"label": SESSION_LABEL}, ignore_removed=True):
        assert time.monotonic() - started < seconds, "the guardian left the cluster"
        time.sleep(0.2)
    return time.monotonic() - started


def cleaned_up(ended: Ended) -> str:
    for reason in ("dead session's", "unfinished"):
        if f"removing the {reason} cluster" in ended.output:
            return f"the next run removes the {reason} cluster first and passes"
    return "the next run passes, with nothing to remove"


@pytest.mark.parametrize("phase", ["format", "test"])
def test_sigkill_then_a_new_run(scenario, docker, phase):
    run = DownstreamRun(scenario.folder / "run", scenario.args(), env={"HOLD": "60"})
    run.wait_for_phase(phase)
    run.kill()
    assert run.end().code == -signal.SIGKILL
    seconds = guardian_removes(docker)
    after = next_run(scenario)
    scenario.outcome(
        f"SIGKILL during the {phase}, then a new run",
        f"the killed run's guardian removes its cluster; {cleaned_up(after)}",
        seconds,
    )


def test_pytest_timeout_signal_method(scenario):
    run = DownstreamRun(scenario.folder / "run",
                        scenario.args("--timeout=5", "--timeout-method=signal"),
                        env={"HOLD": "60"})  # fmt: skip
    ended = run.end()
    timed_out = "Failed: Timeout" in ended.output or "Timeout (>5.0s" in ended.output
    scenario.outcome(
        "pytest-timeout (signal method, 5 s) expires inside a DAOS test",
        f"exit {ended.code}; {ended.tally}; "
        + ("the test fails with pytest-timeout's Timeout" if timed_out else "no Timeout"),
    )
    assert ended.code == pytest.ExitCode.TESTS_FAILED and timed_out, ended.output


def test_pytest_timeout_thread_method(scenario, docker):
    run = DownstreamRun(scenario.folder / "run",
                        scenario.args("--timeout=5", "--timeout-method=thread"),
                        env={"HOLD": "60"})  # fmt: skip
    ended = run.end()
    seconds = guardian_removes(docker)
    after = next_run(scenario)
    scenario.outcome(
        "pytest-timeout (thread method, 5 s) expires inside a DAOS test",
        f"exit {ended.code}: pytest-timeout ends the process at once (os._exit), no "
        f"teardown runs; its guardian removes the cluster; {cleaned_up(after)}",
        seconds,
    )
    assert ended.code == 1 and "Timeout" in ended.output, ended.output


WORKER_DIES = """
import os, signal

def test_first(daos_pool):
    assert daos_pool.query()

def test_worker_dies(daos_pool):
    os.kill(os.getpid(), signal.SIGKILL)

def test_last(daos_container):
    assert daos_container.query()
"""


def test_an_xdist_worker_killed(scenario):
    scenario.fails_under_xdist(
        WORKER_DIES,
        "a pytest-xdist worker (-n 2) is SIGKILLed inside a test",
        sign="crashed while running",
        says="xdist reports the crashed worker and replaces it",
    )


def test_the_xdist_controller_sent_sigterm(scenario):
    run = DownstreamRun(scenario.folder / "run", scenario.args("-n", "2"), env={"HOLD": "60"})
    run.wait_for(file="in-test")
    run.send(signal.SIGTERM)
    ended = run.end()
    scenario.outcome(
        "the pytest-xdist controller (-n 2) is sent SIGTERM during a test",
        f"exit {ended.code}; "
        + ("no traceback" if ended.tracebacks == 0 else f"{ended.tracebacks} traceback(s)"),
        ended.seconds,
    )
    assert ended.code == pytest.ExitCode.INTERRUPTED, ended.output


SERVER_DIES = """
import pathlib, time

def test_pool_query_after_the_server_died(daos_pool):
    pathlib.Path("in-test").write_text("yes")
    while not pathlib.Path("server-killed").exists():
        time.sleep(0.1)
    started = time.monotonic()
    try:
        daos_pool.query()
    finally:
        pathlib.Path("query-seconds").write_text(f"{time.monotonic() - started:.1f}")
"""


def failure(ended: Ended) -> str:
    """The first error line of the FAILURES section (the test's own failure)."""
    lines = ended.output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("=") and "FAILURES" in line]
    for line in lines[starts[0] if starts else 0 :]:
        if line.startswith("E "):
            return line[1:].strip()
    return "no error line"


def test_the_server_container_killed_during_a_test(scenario, docker):
    run = DownstreamRun(scenario.folder / "run", scenario.args(), suite=SERVER_DIES)
    run.wait_for(file="in-test")
    (server,) = docker.containers.list(filters={"label": [SESSION_LABEL, f"{ROLE_LABEL}=server"]})
    server.kill()
    (scenario.folder / "run" / "server-killed").write_text("yes")
    ended = run.end()
    error = failure(ended)
    query = float((scenario.folder / "run" / "query-seconds").read_text())
    scenario.outcome(
        "the server container is killed (docker kill) while a test holds a pool",
        f"exit {ended.code}; {ended.tally} (the pool fixture's destroy fails too); the "
        f"test's pool query fails with: {error}",
        query,
    )
    assert ended.code == pytest.ExitCode.TESTS_FAILED and "DaosError" in error, ended.output
    assert "INTERNALERROR" not in ended.output and ended.tracebacks == 0, ended.output
