"""Two pytest sessions on one host (what `tox -p` does): with the same settings they share
one cluster and the last one out removes it; with other settings the second waits."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HOLDING = """
import pathlib, time

def test_holds(daos_pool):
    pathlib.Path("{name}-up").write_text(daos_pool.uuid)
    deadline = time.monotonic() + 240
    while not pathlib.Path("{name}-go").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
"""


def session(folder: Path, name: str, base_image: str, *args: str) -> subprocess.Popen[str]:
    (folder / f"test_{name}.py").write_text(HOLDING.format(name=name))
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--daos-recipe=sim",
         f"--daos-sim-base-image={base_image}", *args, f"test_{name}.py"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for(path: Path, *runs: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 300
    while not path.exists():
        for run in runs:
            assert run.poll() is None, run.communicate()[0]
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.2)


def test_same_settings_share_one_cluster_and_the_last_out_removes_it(
    tmp_path, base_image, docker, leaves_nothing_behind
):
    first = session(tmp_path, "first", base_image)
    wait_for(tmp_path / "first-up", first)
    second = session(tmp_path, "second", base_image)
    wait_for(tmp_path / "second-up", first, second)
    names = sorted(
        c.name for c in docker.containers.list(filters={"label": "org.pytest-daos.session"})
    )
    assert len(names) == 3  # one cluster for both
    (tmp_path / "first-go").write_text("")  # the starter ends first
    out_first = first.communicate(timeout=120)[0]
    assert first.returncode == 0, out_first
    assert sorted(c.name for c in docker.containers.list()) == names  # still in use
    (tmp_path / "second-go").write_text("")
    out_second = second.communicate(timeout=120)[0]
    assert second.returncode == 0, out_second
    assert "no start: shared the running cluster of session" in out_second


def test_other_settings_wait_for_the_running_session(tmp_path, base_image, leaves_nothing_behind):
    first = session(tmp_path, "first", base_image)
    wait_for(tmp_path / "first-up", first)
    second = session(tmp_path, "second", base_image, "--daos-scm-size=3")
    time.sleep(3)
    assert second.poll() is None  # waiting, not failed
    (tmp_path / "first-go").write_text("")
    assert first.wait(timeout=120) == 0
    wait_for(tmp_path / "second-up", second)  # started its own once the host was free
    (tmp_path / "second-go").write_text("")
    out_second = second.communicate(timeout=120)[0]
    assert second.returncode == 0, out_second
    assert "waiting up to 300s for the other session's cluster to go" in out_second
