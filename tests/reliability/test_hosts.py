"""The host around a run: the Docker engine restarted, other sessions at the same time (in
this pid namespace or another one, or of a user who cannot see the owner), an
administrator's hugepage change, a state folder planted by another user, a fixture that
asks an xdist run for other settings."""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from downstream_run import DownstreamRun, Ended
from nobody import DOCKER_GROUP

from pytest_daos.cluster.host import meminfo
from pytest_daos.cluster.hugepages import HugepageCounts
from pytest_daos.cluster.labels import SESSION_LABEL
from pytest_daos.settings import Settings

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (restarts dockerd, unshare)")
SETUP = Path(__file__).parents[2] / "scripts" / "host-setup.sh"


def passed(ended: Ended) -> bool:
    return ended.code == 0


def restart_dockerd() -> None:
    """Stop the engine this host runs (SIGTERM, as a service manager does) and start it the
    way the project's setup script does."""
    subprocess.run(["pkill", "-TERM", "-x", "dockerd"], check=True)
    deadline = time.monotonic() + 60
    while subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "dockerd did not stop within 60 s"
        time.sleep(0.2)
    subprocess.run(["bash", str(SETUP)], check=True, capture_output=True)


def meets_the_cluster_of(
    owner: DownstreamRun, docker: Any, meet: Callable[[], Ended]
) -> tuple[Ended, bool, Ended]:
    """Once `owner` holds its test, `meet` runs another session that finds its cluster:
    how that ended, whether the owner's containers are all still there after it, and how
    the owner's run ended."""
    owner.wait_for(file="in-test")
    names = ours(docker)
    blocked = meet()
    untouched = ours(docker) == names
    return blocked, untouched, owner.end()


def ours(docker: Any) -> list[str]:
    """The names of the containers of pytest-daos on this host."""
    return sorted(c.name for c in docker.containers.list(filters={"label": SESSION_LABEL}))


@ROOT_ONLY
@pytest.mark.skipif(shutil.which("pkill") is None, reason="needs pkill")
def test_dockerd_restarted_between_runs(scenario):
    kept = DownstreamRun(scenario.folder / "kept", scenario.args("--daos-keep")).end()
    assert passed(kept), kept.output
    restart_dockerd()
    reused = DownstreamRun(scenario.folder / "reused", scenario.args("--daos-reuse")).end()
    down = subprocess.run(
        [str(Path(sys.executable).with_name("pytest-daos")), "down",
         f"--daos-state-dir={scenario.state_dir}"],
        capture_output=True, text=True,
    )  # fmt: skip
    replaced = "removing the" in reused.output
    scenario.outcome(
        "a kept cluster (--daos-keep), dockerd restarted (its nodes stop), then --daos-reuse",
        f"the reusing run exits {reused.code}"
        + ("; it replaces the stopped cluster" if replaced else "")
        + f"; `pytest-daos down` exits {down.returncode}",
    )
    assert passed(reused), reused.output
    assert down.returncode == 0, down.stdout + down.stderr


def test_two_sessions_with_the_same_settings_at_once(scenario):
    """What `tox -p` does: one cluster for both; the first out leaves it to the other,
    whose test still runs, and the last out removes it."""
    first = DownstreamRun(scenario.folder / "a", scenario.args(), env={"HOLD": "3"})
    last = DownstreamRun(scenario.folder / "b", scenario.args(), env={"HOLD": "12"})
    ended = [first.end(), last.end()]
    shared = sum("shared the running cluster of session" in run.output for run in ended)
    removed = ["removed the server node" in run.output for run in ended]
    scenario.outcome(
        "two runs with the same settings start at the same time (the first ends first)",
        f"exits {ended[0].code} and {ended[1].code}; {shared} of them shares the other's "
        "cluster; "
        + ("the last out removes it" if removed == [False, True] else f"removed: {removed}"),
    )
    assert all(map(passed, ended)) and shared == 1, "\n".join(run.output for run in ended)
    assert removed == [False, True], "\n".join(run.output for run in ended)


def test_two_sessions_with_other_settings_at_once(scenario):
    first = DownstreamRun(scenario.folder / "a", scenario.args(), env={"HOLD": "8"})
    first.wait_for(file="in-test")
    second = DownstreamRun(
        scenario.folder / "b", scenario.args("--daos-scm-size=5"), env={"HOLD": "0"}
    )
    ended = [first.end(), second.end()]
    waited = "for the other session's cluster to go" in ended[1].output
    scenario.outcome(
        "a second run with other settings (--daos-scm-size) starts while the first holds "
        "the host",
        f"exits {ended[0].code} and {ended[1].code}"
        + ("; the second says it waits for the first's cluster, then starts its own"
           if waited else ""),
    )  # fmt: skip
    assert all(map(passed, ended)) and waited, "\n".join(run.output for run in ended)


@ROOT_ONLY
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_session_in_another_pid_namespace(scenario, docker):
    """A CI job in a container that shares the Docker socket sees the cluster of a job it
    cannot see: it must not take that owner for gone."""
    owner = DownstreamRun(scenario.folder / "host", scenario.args(), env={"HOLD": "20"})
    args = [f"--daos-state-dir={scenario.folder / 'other-state'}", "--daos-start-timeout=5",
            *scenario.args()[:1]]  # fmt: skip
    namespaced = ["unshare", "--pid", "--fork", "--mount-proc"]
    blocked, untouched, ended = meets_the_cluster_of(
        owner, docker,
        lambda: DownstreamRun(scenario.folder / "namespaced", args, prefix=namespaced).end(),
    )  # fmt: skip
    out_of_sight = "out of this process's sight" in blocked.output
    names_owner = "in pid namespace pid:[" in blocked.output
    scenario.outcome(
        "a run in another pid namespace (unshare --pid, as a CI job in a container sharing "
        "docker.sock) meets a running session's cluster",
        f"it waits its start timeout (5 s) and errors ({blocked.code}): the owner is out of "
        "sight, "
        + ("its pid and pid namespace named, " if names_owner else "")
        + "`pytest-daos down --force` given as the fix; the owner's cluster "
        + ("untouched" if untouched else "REMOVED")
        + f"; the owner's run exits {ended.code}",
    )
    assert untouched and passed(ended), ended.output
    assert out_of_sight and names_owner, blocked.output


@ROOT_ONLY
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_an_owner_whose_namespace_link_cannot_be_read(scenario, docker, as_nobody):
    """A user of the docker group may not read root's /proc/<pid>/ns/pid: root's run in
    another pid namespace may be behind any link it cannot read, so it is not gone."""
    try:
        docker_gid = grp.getgrnam(DOCKER_GROUP).gr_gid
    except KeyError:
        pytest.skip(f"this host has no group {DOCKER_GROUP}")
    owner = DownstreamRun(scenario.folder / "root", scenario.args(), env={"HOLD": "25"},
                          prefix=["unshare", "--pid", "--fork", "--mount-proc"])  # fmt: skip
    args = [*scenario.args()[:1], f"--daos-state-dir={as_nobody.folder / 'state'}",
            "--daos-start-timeout=5"]  # fmt: skip
    blocked, untouched, ended = meets_the_cluster_of(
        owner, docker, lambda: as_nobody.run(args, f"--groups={docker_gid}")
    )
    out_of_sight = "out of this process's sight" in blocked.output
    whose = "of user root (uid 0)" in blocked.output
    scenario.outcome(
        "a user of the docker group who may not read root's /proc/PID/ns/pid (nobody) "
        "meets the cluster of root's run in another pid namespace (unshare --pid)",
        f"it waits its start timeout (5 s) and errors ({blocked.code})"
        + (": the owner is out of sight" if out_of_sight else "")
        + (", named as root's" if whose else "")
        + "; the owner's cluster "
        + ("untouched" if untouched else "REMOVED")
        + f"; the owner's run exits {ended.code}",
    )
    assert untouched and passed(ended), ended.output
    assert blocked.code != 0 and out_of_sight and whose, blocked.output


@ROOT_ONLY
def test_an_administrators_hugepage_change_during_a_run(scenario):
    """While a run holds its test, an administrator raises vm.nr_hugepages: the run gives
    back nothing of a value that is no longer its own. The scenario then sets back the
    value it found (so the host check compares with that)."""
    sysctl = Path("/proc/sys/vm/nr_hugepages")
    found = int(sysctl.read_text())
    if HugepageCounts.from_meminfo(meminfo()).available >= Settings().hugepages:
        pytest.skip("this host has the run's hugepages free already: it would raise none")
    run = DownstreamRun(scenario.folder / "run", scenario.args(), env={"HOLD": "8"})
    try:
        run.wait_for(file="in-test")
        raised = int(sysctl.read_text())
        sysctl.write_text(f"{raised + 8}\n")  # as `sysctl vm.nr_hugepages=...` does
        admins = int(sysctl.read_text())  # what the kernel could give
    finally:
        ended = run.end()
        after = int(sysctl.read_text())
        sysctl.write_text(f"{found}\n")
    if admins == raised:
        pytest.skip("the kernel gave no more hugepages than the run's")
    said = "someone changed it meanwhile, so it is left as it is" in ended.output
    scenario.outcome(
        "while a run holds its test, an administrator raises vm.nr_hugepages by 8 pages",
        f"exit {ended.code}; after the run vm.nr_hugepages has "
        + ("the administrator's value" if after == admins else "another value than theirs")
        + ("; the teardown says it is left as someone set it" if said else ""),
    )
    assert passed(ended) and after == admins and said, ended.output


PLANTED = {
    "owner": {"session": "planted", "pid": 1, "boot": "x", "started": 0},
    "keep": False, "compat": "", "containers": {"server": "victim"}, "recipe": "sim",
    "daos_version": "2.6.5", "iface": "lo", "ip": "127.0.0.1", "log_files": {},
    "hugepages": {"previous_nr": 4096, "added": 4096},
}  # fmt: skip


@ROOT_ONLY
@pytest.mark.parametrize("how", ["owned by another user", "a symlink"])
def test_a_state_folder_planted_by_another_user(scenario, how):
    planted = scenario.folder / "planted"
    planted.mkdir(mode=0o755)
    (planted / "cluster.json").write_text(json.dumps(PLANTED))
    os.chown(planted, 65534, 65534)
    state = planted
    if how == "a symlink":
        os.chown(planted, 0, 0)
        state = scenario.folder / "link"
        state.symlink_to(planted)
    before = Path("/proc/sys/vm/nr_hugepages").read_text()
    ended = DownstreamRun(scenario.folder / "run",
                          [*scenario.args(), f"--daos-state-dir={state}"]).end()  # fmt: skip
    errors = [line for line in ended.output.splitlines() if "the pytest-daos state folder" in line]
    said = errors[0].replace(str(scenario.folder), "<tmp>") if errors else "(no error line)"
    scenario.outcome(
        f"the state folder is {how}, with a planted cluster.json",
        f"exit {ended.code}; {said}; the planted record is not acted on",
    )
    assert ended.code != 0 and errors, ended.output
    assert Path("/proc/sys/vm/nr_hugepages").read_text() == before


OTHER_SETTINGS = """
from pytest_daos import factories

bigger_cluster = factories.daos_cluster(scm_size=5)

def test_default(daos_pool):
    assert daos_pool.uuid

def test_bigger(bigger_cluster):
    assert bigger_cluster.members()
"""


def test_a_fixture_asks_an_xdist_run_for_other_settings(scenario):
    scenario.fails_under_xdist(
        OTHER_SETTINGS,
        "under pytest-xdist (-n 2) one fixture asks for a cluster with other settings "
        "(factories.daos_cluster(scm_size=5))",
        sign="than the one this pytest-xdist run's workers share",
        says="the other-settings fixture errors, saying why and what to do",
    )
