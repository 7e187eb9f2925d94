"""Owners: labels round trip, and telling a live owner from a gone one."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_daos.cluster.labels import (
    INITIAL_PID_NAMESPACE,
    Liveness,
    Owner,
    boot_id,
    pid_namespace,
    process_start,
)


def test_labels_round_trip():
    owner = Owner.current()
    assert owner.pidns == pid_namespace() and owner.pidns.startswith("pid:[")
    assert owner.host == socket.gethostname()
    assert Owner.from_labels(owner.labels()) == dataclasses.replace(
        owner, started=float(f"{owner.started:.0f}")
    )


def test_this_process_is_alive():
    assert Owner.current().is_alive()


def test_process_start_is_in_the_past():
    started = process_start(os.getpid())
    assert started is not None and started <= time.time()


def test_a_finished_process_is_gone():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    owner = Owner("s", int(child.stdout), boot_id(), time.time())
    assert not owner.is_alive()


def test_another_boot_or_a_reused_pid_is_gone():
    assert not Owner("s", os.getpid(), "another-boot", time.time()).is_alive()
    # this pid, but an owner that recorded its start long before this process began
    assert not Owner("s", os.getpid(), boot_id(), 1000.0).is_alive()


# -- owners in other pid namespaces (CI jobs in containers sharing the Docker socket) ---------

CONTAINER_NS = "pid:[4026532999]"
BTIME = 1_700_000_000


def fake_proc(tmp_path: Path, here: str, processes: dict[int, tuple[str, list[int]]]) -> Path:
    """A /proc seen from pid namespace `here`: processes by pid -> (their namespace, NSpid),
    each started 10 s after boot; the boot id of this host."""
    proc = tmp_path / "proc"
    (proc / "sys/kernel/random").mkdir(parents=True)
    (proc / "sys/kernel/random/boot_id").write_text(boot_id() + "\n")
    (proc / "stat").write_text(f"cpu 1 2 3\nbtime {BTIME}\n")
    (proc / "self/ns").mkdir(parents=True)
    (proc / "self/ns/pid").symlink_to(here)
    ticks = 10 * os.sysconf("SC_CLK_TCK")
    for pid, (namespace, nspid) in processes.items():
        (proc / f"{pid}/ns").mkdir(parents=True)
        (proc / f"{pid}/ns/pid").symlink_to(namespace)
        (proc / f"{pid}/status").write_text(
            "Name:\tpytest\nNSpid:\t" + "\t".join(map(str, nspid)) + "\n"
        )
        fields = ["S"] + ["0"] * 18 + [str(ticks)] + ["0"] * 10
        (proc / f"{pid}/stat").write_text(f"{pid} (pytest) " + " ".join(fields))
    return tmp_path


def owner(pid: int, pidns: str, host: str = "") -> Owner:
    return Owner("s", pid, boot_id(), BTIME + 60, pidns, host or socket.gethostname())


def test_an_owner_in_a_child_namespace_is_found_through_nspid(tmp_path):
    root = fake_proc(tmp_path, INITIAL_PID_NAMESPACE, {4242: (CONTAINER_NS, [4242, 7])})
    assert owner(7, CONTAINER_NS).liveness(root) is Liveness.ALIVE
    # the same inner pid in that namespace no longer exists: seen from the initial
    # namespace, which sees every process, it is gone
    assert owner(8, CONTAINER_NS).liveness(root) is Liveness.GONE


def test_an_owner_out_of_sight_is_never_taken_for_gone(tmp_path):
    # this process runs in a container: the owner's namespace (a sibling) is not visible,
    # and its pid 7 may well exist there
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])})
    other = owner(7, "pid:[4026533111]")
    assert other.liveness(root) is Liveness.UNKNOWN


def test_an_owner_in_this_namespace_is_looked_up_by_pid(tmp_path):
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])})
    assert owner(1, CONTAINER_NS).liveness(root) is Liveness.ALIVE
    assert owner(2, CONTAINER_NS).liveness(root) is Liveness.GONE
    # records of earlier versions have no namespace: taken as this process's
    assert owner(2, "").liveness(root) is Liveness.GONE


def test_another_machine_sharing_the_engine_is_unknown(tmp_path):
    root = fake_proc(tmp_path, INITIAL_PID_NAMESPACE, {})
    remote = dataclasses.replace(owner(7, CONTAINER_NS, host="ci-runner-2"), boot="other-boot")
    assert remote.liveness(root) is Liveness.UNKNOWN
    rebooted = dataclasses.replace(owner(7, CONTAINER_NS), boot="other-boot")
    assert rebooted.liveness(root) is Liveness.GONE


@pytest.mark.parametrize("host", ["", "ci-runner-2"])
def test_describe_says_where_an_owner_out_of_sight_runs(host):
    described = Owner("s", 7, boot_id(), 0.0, "pid:[4026533111]", host).describe()
    assert described.startswith("pid 7 in pid namespace pid:[4026533111]")
    assert ("on host ci-runner-2" in described) == bool(host)
