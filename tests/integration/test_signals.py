"""SIGTERM while the cluster is up gets the same orderly teardown as Ctrl-C, and a SIGKILLed
run's cluster is cleaned up by the next run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAITING = """
import pathlib, time

def test_waits(daos_pool):
    pathlib.Path("cluster-is-up").write_text("yes")
    time.sleep(300)
"""


def start_run(folder: Path, base_image: str, *args: str) -> subprocess.Popen[bytes]:
    (folder / "test_waiting.py").write_text(WAITING)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--daos-recipe=sim",
         f"--daos-sim-base-image={base_image}", *args, "test_waiting.py"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline, "the cluster did not come up"
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_tears_the_cluster_down(tmp_path, base_image, leaves_nothing_behind, signum):
    process = start_run(tmp_path, base_image)
    wait_for(tmp_path / "cluster-is-up", process)
    process.send_signal(signum)
    output = process.communicate(timeout=120)[0].decode()
    assert process.returncode != 0
    assert "teardown problem" not in output, output
    # the fixtures' own teardowns ran while the nodes were still there: no tracebacks of
    # commands sent to containers that were already gone
    assert "Traceback" not in output and "ExceptionGroup" not in output, output
    assert "KeyboardInterrupt" in output


def test_sigterm_to_the_xdist_controller_leaves_nothing(
    tmp_path, base_image, leaves_nothing_behind
):
    process = start_run(tmp_path, base_image, "-n", "2")
    wait_for(tmp_path / "cluster-is-up", process)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=180)[0].decode()
    assert process.returncode != 0, output
    assert "teardown problem" not in output, output


def test_next_run_cleans_up_after_a_sigkilled_one(
    tmp_path, pytester, base_image, leaves_nothing_behind
):
    process = start_run(tmp_path, base_image)
    wait_for(tmp_path / "cluster-is-up", process)
    process.kill()
    process.wait(timeout=60)
    pytester.makepyfile(test_after="def test_after(daos_pool):\n    assert daos_pool.uuid\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-recipe=sim", f"--daos-sim-base-image={base_image}",
        timeout=600,
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*removing the dead session's cluster of session *"])
