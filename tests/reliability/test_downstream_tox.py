"""The example downstream project's own tox matrix (examples/tox.ini), as its README section
"A tox matrix on one cluster" shows it: `tox -p` and `tox` run every env on one cluster,
configured through PYTEST_DAOS_* variables only, and leave nothing behind, also when an env
fails. The cluster is counted from the Docker engine's own events: the containers with
pytest-daos's session label created during the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_daos.cluster.labels import ROLE_LABEL, SESSION_LABEL
from pytest_daos.cluster.record import load_record
from pytest_daos.settings import default_state_dir

REPO = Path(__file__).parents[2]
ENVS = ("py311-pytest8", "py313-pytest9")
FAILS_ON_313 = """
import sys

def test_fails_on_python_313(daos_pool):
    assert sys.version_info[:2] != (3, 13), "this env fails on purpose"
"""


def with_pythons(path: str) -> str:
    """PATH with pyenv's Pythons 3.10 to 3.13 added, where pyenv has them."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(str(folder / "bin") for folder in root.glob("3.1[0-3].*"))
    return os.pathsep.join([*found, path])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ (tox writes its envs into the copy's folder)."""
    path = tmp_path_factory.mktemp("downstream") / "project"
    skip = shutil.ignore_patterns(".tox", ".pytest_cache", "__pycache__")
    shutil.copytree(REPO / "examples", path, ignore=skip)
    return path


@pytest.fixture(scope="module")
def tox_env() -> dict[str, str]:
    """The environment of a user's shell: the plugin's settings only in PYTEST_DAOS_*
    variables (here none but what the caller has), the plugin installed from this tree."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TOX_") and key != "VIRTUAL_ENV"
    }  # not those of an outer tox
    env.update(PATH=with_pythons(env.get("PATH", "")), DAOS_PLUGIN_SOURCE=str(REPO))
    for python in ("python3.11", "python3.13"):
        if shutil.which(python, path=env["PATH"]) is None:
            pytest.skip(f"the example's tox matrix needs {python} on PATH or under pyenv")
    return env


def tox(project: Path, env: dict[str, str], *args: str) -> tuple[int, str, list[dict[str, Any]]]:
    """Run tox in the project; its exit code, output, and the Docker engine's events of the
    pytest-daos containers created meanwhile (followed live: the engine keeps few past
    events)."""
    import docker

    events = docker.from_env().events(
        decode=True,
        filters={"type": "container", "event": "create", "label": SESSION_LABEL},
    )
    created: list[dict[str, Any]] = []
    follower = threading.Thread(target=lambda: created.extend(events), daemon=True)
    follower.start()
    try:
        run = subprocess.run([sys.executable, "-m", "tox", *args], cwd=project, env=env,
                             capture_output=True, text=True, timeout=900)  # fmt: skip
    finally:
        time.sleep(1)  # the last events on their way
        events.close()
        follower.join(timeout=10)
    return run.returncode, run.stdout + run.stderr, created


def clusters(created: list[dict[str, Any]]) -> int:
    """How many sessions' nodes were created."""
    return len({event["Actor"]["Attributes"][SESSION_LABEL] for event in created})


def assert_one_cluster(created: list[dict[str, Any]], output: str) -> None:
    """One session's three nodes (the server may be created twice: once more without
    --privileged where the runtime refuses it)."""
    attributes = [event["Actor"]["Attributes"] for event in created]
    assert {item[ROLE_LABEL] for item in attributes} == {"admin", "client", "server"}, output
    assert len({item[SESSION_LABEL] for item in attributes}) == 1, output


def assert_nothing_recorded() -> None:
    state = Path(os.environ.get("PYTEST_DAOS_STATE_DIR") or default_state_dir())
    assert load_record(state) is None


def test_tox_p_runs_every_env_on_one_cluster_and_leaves_nothing(project, tox_env, scenario):
    code, output, created = tox(project, tox_env, "-p")
    scenario.outcome(
        "`tox -p` over the example project's matrix (py311-pytest8, py313-pytest9, daos-down)",
        f"exit {code}; {clusters(created)} cluster(s) served every env; the record cleared",
    )
    assert code == 0, output
    for env in (*ENVS, "daos-down"):
        assert f"{env}: OK" in output, output
    assert_one_cluster(created, output)
    assert_nothing_recorded()


def test_tox_one_env_after_another_with_one_failing_uses_one_cluster_and_leaves_nothing(
    project, tox_env, scenario
):
    failing = project / "tests" / "test_fails_on_313.py"
    failing.write_text(FAILS_ON_313)
    try:
        code, output, created = tox(project, tox_env)
    finally:
        failing.unlink()
    scenario.outcome(
        "`tox` (one env after another) over the example's matrix, the py313 env failing",
        f"exit {code}; "
        + ", ".join(f"{env}: {'OK' if f'{env}: OK' in output else 'FAIL'}"
                    for env in (*ENVS, "daos-down"))
        + f"; {clusters(created)} cluster(s)",
    )  # fmt: skip
    assert code != 0, output
    assert "py311-pytest8: OK" in output, output
    assert "py313-pytest9: FAIL" in output, output
    assert "daos-down: OK" in output, output
    assert "this env fails on purpose" in output
    assert_one_cluster(created, output)
    assert_nothing_recorded()


#: A tox env that sets the DAOS release for its tests, and only collects them.
SET_ENV_TOX = """
[tox]
env_list = settings
requires = tox>=4

[testenv:settings]
deps =
    -e {env:DAOS_PLUGIN_SOURCE}
set_env =
    PYTEST_DAOS_VERSION = 2.0
commands =
    pytest --collect-only -v
"""


def test_a_tox_set_env_beats_the_projects_ini_file(tmp_path, tox_env):
    """The example project with `daos_version = "2.4"` in its ini file, run by a tox env
    whose `set_env` says PYTEST_DAOS_VERSION=2.0: the run resolves 2.0 (command line >
    environment > ini file > default) and `-v` says where it came from. Collection only:
    no cluster starts."""
    project = tmp_path / "project"
    skip = shutil.ignore_patterns(".tox", ".pytest_cache", "__pycache__")
    shutil.copytree(REPO / "examples", project, ignore=skip)
    pyproject = project / "pyproject.toml"
    section = "[tool.pytest.ini_options]\n"
    pyproject.write_text(
        pyproject.read_text().replace(section, f'{section}daos_version = "2.4"\n', 1)
    )
    (project / "tox.ini").write_text(SET_ENV_TOX)
    run = subprocess.run([sys.executable, "-m", "tox", "-e", "settings"], cwd=project,
                         env=tox_env, capture_output=True, text=True, timeout=600)  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "daos: DAOS 2.0" in output, output
    assert "daos_version=2.0 from PYTEST_DAOS_VERSION" in output, output
