"""Owners: labels round trip, and telling a live owner from a gone one, on positive
evidence only (fake /proc trees where this host cannot show a case)."""

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
    PID_LABEL,
    SESSION_LABEL,
    TICKS_LABEL,
    UID_LABEL,
    Liveness,
    Owner,
    boot_id,
    pid_namespace,
    process_start,
    start_ticks,
    user_name,
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


TICKS = 10 * os.sysconf("SC_CLK_TCK")  # the fake processes start 10 s after boot
UNREADABLE = "unreadable"  # a namespace link that cannot be read (another user's process)


def fake_proc(
    tmp_path: Path,
    here: str,
    processes: dict[int, tuple[str, list[int]]],
    proc_options: str = "rw,nosuid,nodev,noexec,relatime",
    btime: int = BTIME,
) -> Path:
    """A /proc seen from pid namespace `here`, mounted with `proc_options`: processes by
    pid -> (their namespace, or UNREADABLE, and their NSpid), each started TICKS clock
    ticks after boot; the boot id of this host, the boot time `btime` on the wall clock."""
    proc = tmp_path / "proc"
    (proc / "sys/kernel/random").mkdir(parents=True)
    (proc / "sys/kernel/random/boot_id").write_text(boot_id() + "\n")
    (proc / "stat").write_text(f"cpu 1 2 3\nbtime {btime}\n")
    (proc / "mounts").write_text(f"proc /proc proc {proc_options} 0 0\n")
    (proc / "self/ns").mkdir(parents=True)
    (proc / "self/ns/pid").symlink_to(here)
    for pid, (namespace, nspid) in processes.items():
        (proc / f"{pid}/ns").mkdir(parents=True)
        if namespace == UNREADABLE:  # readlink fails on it, as EACCES would
            (proc / f"{pid}/ns/pid").write_text("")
        else:
            (proc / f"{pid}/ns/pid").symlink_to(namespace)
        (proc / f"{pid}/status").write_text(
            "Name:\tpytest\nNSpid:\t" + "\t".join(map(str, nspid)) + "\n"
        )
        fields = ["S"] + ["0"] * 18 + [str(TICKS)] + ["0"] * 10
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


# -- positive evidence only: what cannot be read is unknown, never gone ---------------------


def test_an_unreadable_namespace_link_leaves_an_owner_unknown(tmp_path):
    """Seen by a user who may not read root's /proc/<pid>/ns/pid: the owner may be the
    process whose link it cannot read, so it is not gone."""
    processes = {4242: (CONTAINER_NS, [4242, 7]), 4300: (UNREADABLE, [4300, 8])}
    root = fake_proc(tmp_path, INITIAL_PID_NAMESPACE, processes)
    assert owner(7, CONTAINER_NS).liveness(root) is Liveness.ALIVE
    assert owner(8, CONTAINER_NS).liveness(root) is Liveness.UNKNOWN
    assert owner(9, CONTAINER_NS).liveness(root) is Liveness.UNKNOWN


@pytest.mark.parametrize(
    ("options", "user", "seen"),
    [
        ("rw,relatime,hidepid=2", 1000, Liveness.UNKNOWN),
        ("rw,relatime,hidepid=invisible", 1000, Liveness.UNKNOWN),
        ("rw,relatime,hidepid=2", 0, Liveness.GONE),  # root sees every process
        ("rw,relatime,hidepid=0", 1000, Liveness.GONE),
        ("rw,relatime", 1000, Liveness.GONE),
    ],
)
def test_a_proc_that_hides_processes_proves_no_absence(tmp_path, monkeypatch, options, user, seen):
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])}, proc_options=options)
    monkeypatch.setattr(os, "geteuid", lambda: user)
    assert owner(2, CONTAINER_NS).liveness(root) is seen


def test_a_proc_whose_mount_cannot_be_read_proves_no_absence(tmp_path):
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])})
    (root / "proc/mounts").unlink()
    assert owner(2, CONTAINER_NS).liveness(root) is Liveness.UNKNOWN


def test_an_unreadable_boot_id_or_start_is_unknown(tmp_path):
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])})
    (root / "proc/1/stat").unlink()
    (root / "proc/1/stat").mkdir()  # there, but it cannot be read
    assert owner(1, CONTAINER_NS).liveness(root) is Liveness.UNKNOWN
    (root / "proc/sys/kernel/random/boot_id").unlink()
    assert owner(2, CONTAINER_NS).liveness(root) is Liveness.UNKNOWN


def test_the_start_in_clock_ticks_survives_a_clock_step(tmp_path):
    """The wall clock was stepped an hour forward (NTP) since the owner started: /proc's
    btime moves with it, its start in ticks after boot does not."""
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])}, btime=BTIME + 3600)
    recorded = dataclasses.replace(owner(1, CONTAINER_NS), started=BTIME + 10, ticks=TICKS)
    assert recorded.liveness(root) is Liveness.ALIVE
    # another process got its pid: it started at another tick
    reused = dataclasses.replace(recorded, ticks=TICKS - 1)
    assert reused.liveness(root) is Liveness.GONE
    # an owner an earlier version recorded, without ticks, is judged by its wall clock
    old = dataclasses.replace(recorded, ticks=0)
    assert old.liveness(root) is Liveness.GONE
    assert dataclasses.replace(old, started=BTIME + 3610).liveness(root) is Liveness.ALIVE


def test_an_owner_without_pid_or_boot_is_unknown(tmp_path):
    root = fake_proc(tmp_path, CONTAINER_NS, {})
    assert Owner.from_labels({SESSION_LABEL: "s"}).liveness(root) is Liveness.UNKNOWN
    assert dataclasses.replace(owner(2, CONTAINER_NS), boot="").liveness(root) is (Liveness.UNKNOWN)


def test_the_owner_records_its_start_ticks_and_its_user():
    current = Owner.current()
    assert current.ticks == start_ticks(os.getpid()) and current.ticks > 0
    assert current.uid == os.geteuid()
    labels = current.labels()
    assert labels[TICKS_LABEL] == str(current.ticks)
    assert labels[UID_LABEL] == str(os.geteuid())
    assert current.liveness() is Liveness.ALIVE


def test_labels_of_an_earlier_version_or_malformed_leave_fields_unknown():
    earlier = Owner("s", 7, "b", 1.0, "pid:[1]", "h")
    labels = earlier.labels()
    assert TICKS_LABEL not in labels and UID_LABEL not in labels
    assert Owner.from_labels(labels) == earlier
    mangled = {**labels, PID_LABEL: "seven", TICKS_LABEL: "", UID_LABEL: "root"}
    assert Owner.from_labels(mangled) == dataclasses.replace(earlier, pid=0)


def test_describe_names_another_user():
    other = dataclasses.replace(Owner.current(), uid=os.geteuid() + 1)
    assert other.describe() == f"pid {other.pid} of user {user_name(os.geteuid() + 1)}"
    assert Owner.current().describe() == f"pid {os.getpid()}"
    assert user_name(0) == "root (uid 0)"
