"""Owners: labels round trip, and telling a live owner from a gone one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from pytest_daos.cluster.labels import Owner, boot_id, process_start


def test_labels_round_trip():
    owner = Owner.current()
    assert Owner.from_labels(owner.labels()) == Owner(
        owner.session, owner.pid, owner.boot, float(f"{owner.started:.0f}")
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
